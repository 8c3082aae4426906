"""Data-quality rates of a column and their check against thresholds."""

from __future__ import annotations

from mlops_desktop.drift.config import QualityThresholds
from mlops_desktop.drift.result import QualityRates


def quality_rates(
    *,
    n_rows: int,
    n_null: int,
    n_type_error: int,
    n_out_of_bounds: int | None,
    n_reference_rows: int,
    n_reference_null: int,
    n_reference_type_error: int,
    thresholds: QualityThresholds,
) -> QualityRates:
    """Rates as fractions of all rows of each table; a current rate above its threshold is a
    violation (with the default thresholds of 0.0, any null, type error or out-of-bounds value)."""
    null_rate = _rate(n_null, n_rows)
    type_error_rate = _rate(n_type_error, n_rows)
    oob_rate = None if n_out_of_bounds is None else _rate(n_out_of_bounds, n_rows)
    limits = {
        "null_rate": thresholds.null_rate,
        "type_error_rate": thresholds.type_error_rate,
        "out_of_bounds_rate": thresholds.out_of_bounds_rate,
    }
    observed = {
        "null_rate": null_rate,
        "type_error_rate": type_error_rate,
        "out_of_bounds_rate": oob_rate,
    }
    violations = tuple(
        name for name, value in observed.items() if value is not None and value > limits[name]
    )
    return QualityRates(
        null_rate=null_rate,
        type_error_rate=type_error_rate,
        out_of_bounds_rate=oob_rate,
        reference_null_rate=_rate(n_reference_null, n_reference_rows),
        reference_type_error_rate=_rate(n_reference_type_error, n_reference_rows),
        thresholds=limits,
        violations=violations,
    )


def _rate(count: int, total: int) -> float:
    return count / total if total > 0 else 0.0
