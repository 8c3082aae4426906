"""The result of a drift computation: plain dataclasses, JSON-ready through ``to_dict()``.

Everything here is Qt-free and holds plain Python values (floats, strings, lists), so the GUI can
chart it and the report writers can render it without numpy or pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mlops_desktop.drift.kinds import ColumnKind

#: Version of the JSON produced by :meth:`DriftResult.to_dict` (see ``docs/drift.md``).
RESULT_SCHEMA_VERSION = 1


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, or None when it is None, NaN or infinite (JSON has no NaN)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class QualityRates:
    """Data-quality rates of one column, as fractions of the rows of each table.

    ``out_of_bounds_rate`` is the share of current rows outside the reference min..max (numeric)
    or with a category never seen in the reference (categorical); None where it does not apply.
    ``violations`` names the current rates above their thresholds.
    """

    null_rate: float
    type_error_rate: float
    out_of_bounds_rate: float | None
    reference_null_rate: float
    reference_type_error_rate: float
    thresholds: dict[str, float]
    violations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "null_rate": finite_or_none(self.null_rate),
            "type_error_rate": finite_or_none(self.type_error_rate),
            "out_of_bounds_rate": finite_or_none(self.out_of_bounds_rate),
            "reference_null_rate": finite_or_none(self.reference_null_rate),
            "reference_type_error_rate": finite_or_none(self.reference_type_error_rate),
            "thresholds": dict(self.thresholds),
            "violations": list(self.violations),
        }


@dataclass(frozen=True)
class Distribution:
    """Chart data of one column, reference against current.

    Numeric: ``edges`` (len k+1) of equal-width bins over the joint range, and per bin the
    density of each sample (``numpy.histogram(density=True)`` semantics: bars of area 1).
    Categorical: ``categories`` (the most frequent, the rest folded into ``"(other)"``) and the
    proportion of each sample's non-null values in each.
    """

    kind: ColumnKind
    reference: list[float]
    current: list[float]
    edges: list[float] | None = None
    categories: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "kind": self.kind.value,
            "edges": self.edges,
            "categories": self.categories,
            "reference": [finite_or_none(v) for v in self.reference],
            "current": [finite_or_none(v) for v in self.current],
        }


@dataclass(frozen=True)
class FeatureDrift:
    """Drift and data quality of one column.

    ``metric``/``value``/``threshold``/``drifted`` are the deciding metric; ``metrics`` holds every
    metric computed for the column. ``value`` is None when the column could not be compared
    (``note`` says why: a datetime or text column, no values left in one table, …).
    """

    name: str
    kind: ColumnKind
    metric: str | None
    value: float | None
    threshold: float | None
    drifted: bool
    metrics: dict[str, float | None]
    quality: QualityRates
    distribution: Distribution | None
    n_reference: int
    n_current: int
    role: str = "feature"
    note: str | None = None
    reference_summary: dict[str, Any] = field(default_factory=dict)
    current_summary: dict[str, Any] = field(default_factory=dict)

    @property
    def evaluated(self) -> bool:
        """Whether a drift metric was computed for this column."""
        return self.value is not None

    @property
    def status(self) -> str:
        """``drift``, ``quality`` (no drift, but a quality rate over threshold), ``ok`` or
        ``not evaluated``."""
        if self.drifted:
            return "drift"
        if self.quality.violations:
            return "quality"
        return "ok" if self.evaluated else "not evaluated"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "name": self.name,
            "role": self.role,
            "kind": self.kind.value,
            "metric": self.metric,
            "value": finite_or_none(self.value),
            "threshold": finite_or_none(self.threshold),
            "drifted": self.drifted,
            "status": self.status,
            "metrics": {k: finite_or_none(v) for k, v in self.metrics.items()},
            "quality": self.quality.to_dict(),
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "note": self.note,
            "reference_summary": _json_summary(self.reference_summary),
            "current_summary": _json_summary(self.current_summary),
            "distribution": self.distribution.to_dict() if self.distribution else None,
        }


def _json_summary(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: finite_or_none(v) if isinstance(v, float) else v for k, v in summary.items()}


@dataclass(frozen=True)
class SchemaIssue:
    """A column that could not be compared as expected.

    ``issue`` is one of ``missing_in_current``, ``extra_in_current``, ``retyped``,
    ``all_null_reference``, ``all_null_current``, ``missing_in_reference``.
    """

    column: str
    issue: str
    message: str
    reference_type: str | None = None
    current_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "column": self.column,
            "issue": self.issue,
            "message": self.message,
            "reference_type": self.reference_type,
            "current_type": self.current_type,
        }


@dataclass(frozen=True)
class WindowDrift:
    """Drift of the current rows of one time window against the whole reference."""

    start: datetime
    end: datetime
    n_rows: int
    values: dict[str, float | None]
    drifted: dict[str, bool]
    drift_share: float
    dataset_drift: bool
    #: False when the window had fewer rows than ``min_window_rows``: values, no verdicts.
    judged: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "judged": self.judged,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "n_rows": self.n_rows,
            "values": {k: finite_or_none(v) for k, v in self.values.items()},
            "drifted": dict(self.drifted),
            "drift_share": finite_or_none(self.drift_share),
            "dataset_drift": self.dataset_drift,
        }


@dataclass(frozen=True)
class Verdict:
    """Why the dataset drifts (or not): the whole table, the latest windows, the trends.

    ``overall``: the drifted share of the whole current table reached the threshold;
    ``recent``: the pooled rows of the latest judged windows (``n_recent_rows``, drifted share
    ``recent_share``) drifted;
    ``trending``: features whose metric moves steadily towards drift and drift now.
    ``reasons`` says the window-based ones in words (empty when only the whole table drifted,
    or nothing did).
    """

    dataset_drift: bool
    overall: bool
    recent: bool = False
    recent_share: float | None = None
    n_recent_rows: int = 0
    trending: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "dataset_drift": self.dataset_drift,
            "overall": self.overall,
            "recent": self.recent,
            "recent_share": finite_or_none(self.recent_share),
            "n_recent_rows": self.n_recent_rows,
            "trending": list(self.trending),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Performance:
    """Model performance on the reference and the current rows that carry a label.

    ``task`` is ``regression`` (``rmse``, ``mae``, ``r2``) or ``classification`` (``accuracy``,
    macro ``f1``). ``delta`` is current minus reference; ``degraded`` lists the metrics that got
    worse by more than the configured relative tolerance.
    """

    task: str
    target: str
    prediction: str
    current: dict[str, float]
    reference: dict[str, float] | None
    delta: dict[str, float]
    degraded: tuple[str, ...]
    n_current: int
    n_reference: int
    tolerance: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "task": self.task,
            "target": self.target,
            "prediction": self.prediction,
            "current": {k: finite_or_none(v) for k, v in self.current.items()},
            "reference": (
                {k: finite_or_none(v) for k, v in self.reference.items()}
                if self.reference is not None
                else None
            ),
            "delta": {k: finite_or_none(v) for k, v in self.delta.items()},
            "degraded": list(self.degraded),
            "n_current": self.n_current,
            "n_reference": self.n_reference,
            "tolerance": self.tolerance,
        }


@dataclass(frozen=True)
class Approximation:
    """How a streamed result's statistics were computed, and how far each may be off.

    Counts, null/type-error/out-of-bounds rates, categorical frequencies and metrics, means,
    standard deviations, min/max and the numeric Jensen–Shannon histograms are exact. The
    statistics listed per feature in ``intervals`` come from a mergeable grid sketch
    (``mlops_desktop.drift.sketch``): the exact value lies in ``[low, high]``.
    """

    method: str
    description: str
    bins: int
    passes: int
    #: feature -> statistic -> (low, high) guaranteed to hold the exact value.
    intervals: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "method": self.method,
            "description": self.description,
            "bins": self.bins,
            "passes": self.passes,
            "intervals": {
                name: {k: [finite_or_none(lo), finite_or_none(hi)] for k, (lo, hi) in stats.items()}
                for name, stats in self.intervals.items()
            },
        }


@dataclass(frozen=True)
class DriftResult:
    """Everything one drift computation found; ``to_dict()`` is the versioned JSON document."""

    features: list[FeatureDrift]
    schema_issues: list[SchemaIssue]
    dataset_drift: bool
    drift_share: float
    drift_share_threshold: float
    n_reference_rows: int
    n_current_rows: int
    reference_name: str
    current_name: str
    created_at: datetime
    prediction: FeatureDrift | None = None
    target: FeatureDrift | None = None
    performance: Performance | None = None
    windows: list[WindowDrift] = field(default_factory=list)
    window: str | None = None
    timestamp_column: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    #: How ``dataset_drift`` was decided; None for results made without windows in mind.
    verdict: Verdict | None = None
    #: Set when the tables were streamed and some statistics are bounded, not exact.
    approximation: Approximation | None = None

    @property
    def n_features(self) -> int:
        """Features compared for drift (datetime, text and empty columns are not)."""
        return sum(1 for f in self.features if f.evaluated)

    @property
    def n_drifted(self) -> int:
        """Features whose deciding metric crossed its threshold."""
        return sum(1 for f in self.features if f.drifted)

    @property
    def drifted_features(self) -> list[FeatureDrift]:
        """The drifted features, strongest first relative to their thresholds."""
        return [f for f in self.features if f.drifted]

    @property
    def quality_violations(self) -> list[FeatureDrift]:
        """Columns (features, prediction, target) with a quality rate over its threshold."""
        return [f for f in self.all_columns if f.quality.violations]

    @property
    def all_columns(self) -> list[FeatureDrift]:
        """Features, then the prediction and target columns when present."""
        extra = [c for c in (self.prediction, self.target) if c is not None]
        return [*self.features, *extra]

    def feature(self, name: str) -> FeatureDrift:
        """The column called ``name`` (KeyError when it was not compared)."""
        for column in self.all_columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def windows_series(self) -> list[tuple[datetime, dict[str, float | None]]]:
        """``[(window_start, {feature: value}), …]`` for a drift-over-time chart."""
        return [(w.start, dict(w.values)) for w in self.windows]

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (``schema_version`` 1); NaN and infinities become null."""
        return {
            "schema_version": RESULT_SCHEMA_VERSION,
            "created_at": self.created_at.isoformat(),
            "reference": {"name": self.reference_name, "n_rows": self.n_reference_rows},
            "current": {"name": self.current_name, "n_rows": self.n_current_rows},
            "summary": {
                "dataset_drift": self.dataset_drift,
                "n_features": self.n_features,
                "n_drifted": self.n_drifted,
                "drift_share": finite_or_none(self.drift_share),
                "drift_share_threshold": self.drift_share_threshold,
                "n_quality_violations": len(self.quality_violations),
                "n_schema_issues": len(self.schema_issues),
                "verdict": (
                    self.verdict or Verdict(self.dataset_drift, self.dataset_drift)
                ).to_dict(),
            },
            "features": [f.to_dict() for f in self.features],
            "prediction": self.prediction.to_dict() if self.prediction else None,
            "target": self.target.to_dict() if self.target else None,
            "performance": self.performance.to_dict() if self.performance else None,
            "schema_issues": [s.to_dict() for s in self.schema_issues],
            "window": self.window,
            "timestamp_column": self.timestamp_column,
            "windows": [w.to_dict() for w in self.windows],
            "config": self.config,
            "approximation": self.approximation.to_dict() if self.approximation else None,
        }
