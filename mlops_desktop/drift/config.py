"""Drift configuration: metrics, thresholds and binning, globally and per feature (``drift.toml``).

Defaults follow Azure ML model monitoring: numeric features drift when the normalized Wasserstein
distance exceeds 0.1, categorical features when the Jensen–Shannon distance exceeds 0.1, every
data-quality rate above 0.0 is a violation, and the dataset drifts when at least half of the
evaluated features drift — or, with a timestamp column, when the latest windows all drift or a
feature drifts more and more (``[verdict]``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mlops_desktop.drift.errors import DriftConfigError
from mlops_desktop.drift.kinds import (
    CATEGORICAL_METRICS,
    NUMERIC_METRICS,
    ColumnKind,
    metrics_for,
)

#: Version of the ``drift.toml`` format this module reads and writes.
CONFIG_SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricRule(_Model):
    """The metric that decides drift for a column kind, and its threshold."""

    metric: str
    threshold: float = Field(ge=0.0)


class QualityThresholds(_Model):
    """Data-quality rates (fractions of current rows) above which a feature is flagged."""

    null_rate: float = Field(0.0, ge=0.0, le=1.0)
    type_error_rate: float = Field(0.0, ge=0.0, le=1.0)
    out_of_bounds_rate: float = Field(0.0, ge=0.0, le=1.0)


class BinningConfig(_Model):
    """How numeric columns are binned for PSI, Jensen–Shannon and charts."""

    psi_bins: int = Field(10, ge=2, le=1000)
    histogram_bins: int = Field(20, ge=2, le=1000)
    psi_epsilon: float = Field(1e-4, gt=0.0, lt=1.0)
    chart_max_categories: int = Field(20, ge=2, le=200)


class TypingConfig(_Model):
    """How column kinds are inferred from the reference data."""

    categorical_max_unique: int = Field(10, ge=0)
    text_min_unique: int = Field(50, ge=1)
    text_unique_ratio: float = Field(0.5, gt=0.0, le=1.0)
    parse_ratio: float = Field(0.9, gt=0.0, le=1.0)


class PerformanceConfig(_Model):
    """When a model's current performance counts as degraded against the reference."""

    tolerance: float = Field(0.1, ge=0.0)


class VerdictConfig(_Model):
    """When the time windows make the dataset drift although the whole table does not.

    ``recent_windows``: dataset drift when the pooled rows of this many latest judged windows
    drift as a table would (0 turns it off). ``trend``: dataset drift when a feature's metric
    rises significantly across the judged windows (Mann–Kendall, one-sided p below
    ``trend_pvalue`` / number of features, at least ``trend_min_windows`` windows) and the
    feature drifts in those recent rows.
    """

    recent_windows: int = Field(7, ge=0)
    trend: bool = True
    trend_min_windows: int = Field(5, ge=3)
    trend_pvalue: float = Field(0.05, gt=0.0, lt=1.0)


class FeatureConfig(_Model):
    """Overrides for one column; unset fields fall back to the global settings."""

    kind: ColumnKind | None = None
    metric: str | None = None
    threshold: float | None = Field(None, ge=0.0)
    null_rate: float | None = Field(None, ge=0.0, le=1.0)
    type_error_rate: float | None = Field(None, ge=0.0, le=1.0)
    out_of_bounds_rate: float | None = Field(None, ge=0.0, le=1.0)
    ignore: bool = False


class DriftConfig(_Model):
    """Every setting of a drift computation; :func:`load_drift_config` reads it from TOML."""

    schema_version: int = CONFIG_SCHEMA_VERSION
    dataset_drift_share: float = Field(0.5, gt=0.0, le=1.0)
    #: Time windows with fewer current rows are measured but not judged: a handful of rows
    #: says nothing about a distribution, and judging them raised false drift alarms.
    min_window_rows: int = Field(30, ge=1)
    numeric: MetricRule = MetricRule(metric="normalized_wasserstein", threshold=0.1)
    categorical: MetricRule = MetricRule(metric="jensen_shannon", threshold=0.1)
    quality: QualityThresholds = QualityThresholds()
    binning: BinningConfig = BinningConfig()
    column_types: TypingConfig = TypingConfig()
    performance: PerformanceConfig = PerformanceConfig()
    verdict: VerdictConfig = VerdictConfig()
    exclude: tuple[str, ...] = ()
    features: dict[str, FeatureConfig] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> DriftConfig:
        if self.schema_version != CONFIG_SCHEMA_VERSION:
            raise ValueError(
                f"schema_version {self.schema_version} is not supported "
                f"(this version reads {CONFIG_SCHEMA_VERSION})"
            )
        if self.numeric.metric not in NUMERIC_METRICS:
            raise ValueError(
                f"numeric.metric {self.numeric.metric!r} is not one of {list(NUMERIC_METRICS)}"
            )
        if self.categorical.metric not in CATEGORICAL_METRICS:
            raise ValueError(
                f"categorical.metric {self.categorical.metric!r} is not one of "
                f"{list(CATEGORICAL_METRICS)}"
            )
        allowed = set(NUMERIC_METRICS) | set(CATEGORICAL_METRICS)
        for name, feature in self.features.items():
            if feature.metric is None:
                continue
            valid = metrics_for(feature.kind) if feature.kind else allowed
            if feature.metric not in valid:
                raise ValueError(
                    f"features.{name}.metric {feature.metric!r} is not one of {sorted(valid)}"
                )
        return self

    def is_ignored(self, column: str) -> bool:
        """Whether ``column`` is excluded from the comparison."""
        feature = self.features.get(column)
        return column in self.exclude or (feature is not None and feature.ignore)

    def kind_override(self, column: str) -> ColumnKind | None:
        """The kind forced for ``column`` by the config, if any."""
        feature = self.features.get(column)
        return feature.kind if feature else None

    def rule_for(self, column: str, kind: ColumnKind) -> MetricRule | None:
        """The metric and threshold deciding drift for ``column`` (None for datetime/text).

        Raises :class:`DriftConfigError` when a per-feature metric does not fit the kind.
        """
        if kind is ColumnKind.NUMERIC:
            base = self.numeric
        elif kind is ColumnKind.CATEGORICAL:
            base = self.categorical
        else:
            return None
        feature = self.features.get(column)
        if feature is None or (feature.metric is None and feature.threshold is None):
            return base
        metric = feature.metric or base.metric
        if metric not in metrics_for(kind):
            raise DriftConfigError(
                f"features.{column}.metric {metric!r} does not apply to a {kind.value} column "
                f"(use one of {list(metrics_for(kind))})"
            )
        threshold = feature.threshold
        if threshold is None:
            threshold = base.threshold if metric == base.metric else _default_threshold(metric)
        return MetricRule(metric=metric, threshold=threshold)

    def quality_for(self, column: str) -> QualityThresholds:
        """Data-quality thresholds for ``column``."""
        feature = self.features.get(column)
        if feature is None:
            return self.quality
        return QualityThresholds(
            null_rate=_pick(feature.null_rate, self.quality.null_rate),
            type_error_rate=_pick(feature.type_error_rate, self.quality.type_error_rate),
            out_of_bounds_rate=_pick(feature.out_of_bounds_rate, self.quality.out_of_bounds_rate),
        )

    def to_toml(self) -> str:
        """This configuration as ``drift.toml`` text (read back by :func:`parse_drift_config`)."""
        import tomli_w

        data = self.model_dump(mode="json", exclude_none=True)
        data["exclude"] = list(self.exclude)
        return tomli_w.dumps(data)


def _pick(value: float | None, default: float) -> float:
    return default if value is None else value


def _default_threshold(metric: str) -> float:
    """A sensible threshold for a metric chosen without one."""
    return {
        "normalized_wasserstein": 0.1,
        "jensen_shannon": 0.1,
        "psi": 0.2,
        "ks_statistic": 0.1,
        "ks_pvalue": 0.05,
        "chi2_pvalue": 0.05,
    }[metric]


def default_drift_config() -> DriftConfig:
    """The built-in drift config with the thresholds from the person's settings.

    A ``drift.toml`` passed explicitly replaces this as a whole; a broken settings file falls
    back to the built-in defaults.
    """
    from mlops_desktop.core.settings import SettingsError, load_settings

    try:
        defaults = load_settings().drift
    except SettingsError:
        return DriftConfig()
    return DriftConfig(
        dataset_drift_share=defaults.dataset_drift_share,
        numeric=MetricRule(metric="normalized_wasserstein", threshold=defaults.numeric_threshold),
        categorical=MetricRule(metric="jensen_shannon", threshold=defaults.categorical_threshold),
    )


def parse_drift_config(data: dict[str, Any], source: str = "drift config") -> DriftConfig:
    """Validate a mapping (e.g. parsed TOML) into a :class:`DriftConfig`."""
    try:
        return DriftConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "(top level)"
            problems.append(f"{where}: {error['msg']}")
        raise DriftConfigError(f"{source}: invalid drift config: " + "; ".join(problems)) from None


def load_drift_config(path: str | Path) -> DriftConfig:
    """Read ``drift.toml``; raises :class:`DriftConfigError` naming the file on any problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DriftConfigError(f"{path}: cannot read drift config: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise DriftConfigError(f"{path}: drift config is not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DriftConfigError(f"{path}: not valid TOML: {exc}") from None
    return parse_drift_config(data, source=str(path))
