"""Column kinds and drift metric names shared by the engine, the config and the reports."""

from __future__ import annotations

from enum import StrEnum


class ColumnKind(StrEnum):
    """How a column is compared: the kind decides which metrics apply."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    DATETIME = "datetime"
    TEXT = "text"


#: Metrics available for numeric columns (values of ``FeatureDrift.metrics``).
NUMERIC_METRICS: tuple[str, ...] = (
    "normalized_wasserstein",
    "jensen_shannon",
    "psi",
    "ks_statistic",
    "ks_pvalue",
)

#: Metrics available for categorical columns.
CATEGORICAL_METRICS: tuple[str, ...] = ("jensen_shannon", "psi", "chi2_pvalue")

#: Metrics where a *small* value means drift (p-values); for all others a large value does.
LOWER_MEANS_DRIFT: frozenset[str] = frozenset({"ks_pvalue", "chi2_pvalue"})


def metrics_for(kind: ColumnKind) -> tuple[str, ...]:
    """The metric names that can decide drift for a column of ``kind`` (none for datetime/text)."""
    if kind is ColumnKind.NUMERIC:
        return NUMERIC_METRICS
    if kind is ColumnKind.CATEGORICAL:
        return CATEGORICAL_METRICS
    return ()


def is_drift(metric: str, value: float, threshold: float) -> bool:
    """Whether ``value`` of ``metric`` crosses ``threshold`` (``<`` for p-values, else ``>``)."""
    if metric in LOWER_MEANS_DRIFT:
        return value < threshold
    return value > threshold
