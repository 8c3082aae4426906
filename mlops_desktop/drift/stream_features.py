"""Build the streamed features: a numeric or categorical column's drift from its summaries.

:class:`ColumnGrids` is the sketching state of one numeric column (a grid sketch and the exact
chart histogram per table, and the current values outside the reference range);
:func:`streamed_feature` turns the summaries, and for numeric columns the grids, into the
:class:`~mlops_desktop.drift.result.FeatureDrift` the in-memory engine would produce, recording
each bounded statistic's interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mlops_desktop.drift import stats_numeric as sn
from mlops_desktop.drift.categorical_feature import _chart, categorical_metrics
from mlops_desktop.drift.config import DriftConfig, QualityThresholds
from mlops_desktop.drift.kinds import ColumnKind, is_drift
from mlops_desktop.drift.quality import quality_rates
from mlops_desktop.drift.result import Distribution, FeatureDrift, SchemaIssue
from mlops_desktop.drift.sketch import (
    GridSketch,
    Moments,
    bin_index,
    ks_bounds,
    wasserstein_bounds,
)
from mlops_desktop.drift.stream_summary import ColumnSummary

Intervals = dict[str, dict[str, tuple[float, float]]]


class ColumnGrids:
    """Pass-2 state of one numeric column: a grid sketch and chart histogram per table."""

    def __init__(
        self,
        ref_range: tuple[float, float],
        cur_range: tuple[float, float],
        bins: int,
        hist_bins: int,
    ) -> None:
        low, high = min(ref_range[0], cur_range[0]), max(ref_range[1], cur_range[1])
        self.sketches = (GridSketch(low, high, bins), GridSketch(low, high, bins))
        edge_low, edge_high = (low - 0.5, high + 0.5) if low == high else (low, high)
        self.hist_edges = np.linspace(edge_low, edge_high, hist_bins + 1)
        self.hist = (np.zeros(hist_bins, np.int64), np.zeros(hist_bins, np.int64))
        self.ref_range = ref_range
        self.cur_range = cur_range
        self.out_of_bounds = 0
        self._chart_bin = self._chart_bins_of_grid()

    def _chart_bins_of_grid(self) -> np.ndarray:
        """The chart bin of every value of each grid bin, or -1 where a grid bin is near a chart
        edge (rounding could put a value on either side: those values are looked up exactly)."""
        grid = self.sketches[0]
        edges = grid.edges()
        middle = (edges[:-1] + edges[1:]) / 2.0
        lookup = np.searchsorted(self.hist_edges, middle, side="right") - 1
        np.clip(lookup, 0, self.hist_edges.shape[0] - 2, out=lookup)
        inner = self.hist_edges[1:-1]
        near = np.searchsorted(edges, inner, side="right") - 1
        for offset in (-1, 0, 1):
            lookup[np.clip(near + offset, 0, grid.bins - 1)] = -1
        return lookup

    def matches(self, ref: ColumnSummary, cur: ColumnSummary) -> bool:
        """Whether the ranges the grid was laid on are the data's own (footers can be stale)."""
        return self.ref_range == (ref.minimum, ref.maximum) and self.cur_range == (
            cur.minimum,
            cur.maximum,
        )

    def add(self, side: int, values: np.ndarray) -> None:
        is_finite = np.isfinite(values)
        finite = values if is_finite.all() else values[is_finite]
        sketch = self.sketches[side]
        index = bin_index(finite, sketch.low, sketch.width, sketch.bins)
        sketch.add_indexed(index, finite)
        # numpy.histogram's bins, [e_j, e_{j+1}) with the last one closed, read off the grid
        # index; only values near a chart edge need a search.
        chart = self._chart_bin[index]
        unsure = chart < 0
        if unsure.any():
            exact = np.searchsorted(self.hist_edges, finite[unsure], side="right") - 1
            chart[unsure] = np.clip(exact, 0, self.hist_edges.shape[0] - 2)
        self.hist[side][:] += np.bincount(chart, minlength=self.hist[side].shape[0])
        if side == 1:
            low, high = self.ref_range
            below = int(np.count_nonzero(finite < low))
            self.out_of_bounds += below + int(np.count_nonzero(finite > high))


def streamed_feature(
    name: str,
    role: str,
    kind: ColumnKind | None,
    ref: ColumnSummary,
    cur: ColumnSummary | None,
    grids: ColumnGrids | None,
    config: DriftConfig,
    names: tuple[str, str],
    issues: list[SchemaIssue],
    intervals: dict[str, dict[str, tuple[float, float]]],
) -> FeatureDrift:
    ref_name, cur_name = names
    if cur is None:  # a prediction column only the current table has: nothing to compare
        cur = ColumnSummary(ref.family, config.column_types.categorical_max_unique)
    ref_type, cur_type = ref.physical_type(), cur.physical_type()
    if cur_type == "empty":
        issues.append(
            SchemaIssue(
                name,
                "all_null_current",
                f"{cur_name}: column {name!r} holds only nulls",
                ref_type,
                cur_type,
            )
        )
    elif ref_type not in ("empty", cur_type):
        issues.append(
            SchemaIssue(
                name,
                "retyped",
                f"{cur_name}: column {name!r} holds {cur_type} values, the reference {ref_type}",
                ref_type,
                cur_type,
            )
        )
    thresholds = config.quality_for(name)
    if kind is None:
        issues.append(
            SchemaIssue(
                name,
                "all_null_reference",
                f"{ref_name}: column {name!r} holds only nulls: nothing to compare with",
                ref_type,
                cur_type,
            )
        )
        return _quality_only(name, role, None, ref, cur, thresholds, "reference is all null")
    rule = config.rule_for(name, kind)
    if kind is ColumnKind.NUMERIC and rule is not None:
        if grids is None:
            table = "reference" if ref.n_finite == 0 else "current"
            return _quality_only(
                name,
                role,
                kind,
                ref,
                cur,
                thresholds,
                f"no numeric values in the {table} data",
                rule.metric,
                rule.threshold,
            )
        return _numeric(
            name, role, ref, cur, grids, rule.metric, rule.threshold, config, thresholds, intervals
        )
    if kind is ColumnKind.CATEGORICAL and rule is not None:
        ref_counts, cur_counts = ref.label_counts(), cur.label_counts()
        if not ref_counts or (cur.n_valid and not cur_counts):
            return _quality_only(
                name,
                role,
                kind,
                ref,
                cur,
                thresholds,
                "too many distinct values to count while streaming",
            )
        return _categorical(
            name,
            role,
            ref,
            cur,
            ref_counts,
            cur_counts,
            rule.metric,
            rule.threshold,
            config,
            thresholds,
        )
    return _quality_only(
        name, role, kind, ref, cur, thresholds, f"{kind.value} columns are not compared for drift"
    )


def _quality(
    ref: ColumnSummary, cur: ColumnSummary, thresholds: QualityThresholds, out_of_bounds: int | None
) -> Any:
    return quality_rates(
        n_rows=cur.n_rows,
        n_null=cur.n_null,
        n_type_error=cur.n_inf,
        n_out_of_bounds=out_of_bounds,
        n_reference_rows=ref.n_rows,
        n_reference_null=ref.n_null,
        n_reference_type_error=ref.n_inf,
        thresholds=thresholds,
    )


def _quality_only(
    name: str,
    role: str,
    kind: ColumnKind | None,
    ref: ColumnSummary,
    cur: ColumnSummary,
    thresholds: QualityThresholds,
    note: str,
    metric: str | None = None,
    threshold: float | None = None,
) -> FeatureDrift:
    return FeatureDrift(
        name=name,
        kind=kind or ColumnKind.TEXT,
        metric=metric,
        value=None,
        threshold=threshold,
        drifted=False,
        metrics={},
        quality=_quality(ref, cur, thresholds, None),
        distribution=None,
        n_reference=ref.n_valid - ref.n_inf,
        n_current=cur.n_valid - cur.n_inf,
        role=role,
        note=f"not compared: {note}",
        reference_summary=_moments_summary(ref) if ref.n_finite else {},
        current_summary=_moments_summary(cur) if cur.n_finite else {},
    )


def _moments_summary(summary: ColumnSummary) -> dict[str, float]:
    return {
        "min": float(summary.minimum),
        "max": float(summary.maximum),
        "mean": float(summary.moments.mean),
        "std": summary.moments.std,
    }


def _numeric(
    name: str,
    role: str,
    ref: ColumnSummary,
    cur: ColumnSummary,
    grids: ColumnGrids,
    metric: str,
    threshold: float,
    config: DriftConfig,
    thresholds: QualityThresholds,
    intervals: dict[str, dict[str, tuple[float, float]]],
) -> FeatureDrift:
    ref_grid, cur_grid = grids.sketches
    ks = ks_bounds(ref_grid, cur_grid)
    w1 = wasserstein_bounds(ref_grid, cur_grid)
    n1, n2 = ref.n_finite, cur.n_finite
    scale = _wasserstein_scale(ref, cur)
    p_value = sn.ks_asymptotic_pvalue(ks.estimate, n1, n2)
    p_low = sn.ks_asymptotic_pvalue(ks.high, n1, n2)
    p_high = sn.ks_asymptotic_pvalue(max(ks.low, 0.0), n1, n2)
    normalized = w1.estimate / scale if scale > 0 else 0.0
    norm_bound = w1.bound / scale if scale > 0 else 0.0
    psi_edges = np.unique(
        [
            ref_grid.quantile(q).estimate
            for q in np.linspace(0, 1, config.binning.psi_bins + 1)[1:-1]
        ]
    )
    ref_hist, cur_hist = grids.hist
    metrics: dict[str, float | None] = {
        "normalized_wasserstein": normalized,
        "wasserstein": w1.estimate,
        "ks_statistic": ks.estimate,
        "ks_pvalue": p_value,
        "psi": sn.psi(
            _grid_right_closed(ref_grid, psi_edges),
            _grid_right_closed(cur_grid, psi_edges),
            config.binning.psi_epsilon,
        ),
        "jensen_shannon": sn.jensen_shannon(ref_hist, cur_hist),
    }
    ref_median, cur_median = ref_grid.quantile(0.5), cur_grid.quantile(0.5)
    intervals[name] = {
        "normalized_wasserstein": (normalized - norm_bound, normalized + norm_bound),
        "wasserstein": (w1.low, w1.high),
        "ks_statistic": (ks.low, ks.high),
        "ks_pvalue": (p_low, p_high),
        "reference_median": (ref_median.low, ref_median.high),
        "current_median": (cur_median.low, cur_median.high),
    }
    value = metrics[metric]
    assert value is not None
    widths = np.diff(grids.hist_edges)
    bound = {
        "normalized_wasserstein": norm_bound,
        "wasserstein": w1.bound,
        "ks_statistic": ks.bound,
    }.get(metric)
    note = f"streamed: KS ±{ks.bound:.2g}, Wasserstein ±{w1.bound:.2g}" + (
        f" (the decision on {metric.replace('_', ' ')} is certain)"
        if bound is not None and _certain(metric, value, bound, threshold)
        else ""
    )
    return FeatureDrift(
        name=name,
        kind=ColumnKind.NUMERIC,
        metric=metric,
        value=value,
        threshold=threshold,
        drifted=is_drift(metric, value, threshold),
        metrics=metrics,
        quality=_quality(ref, cur, thresholds, grids.out_of_bounds),
        distribution=Distribution(
            kind=ColumnKind.NUMERIC,
            edges=[float(e) for e in grids.hist_edges],
            reference=(ref_hist / (n1 * widths)).tolist(),
            current=(cur_hist / (n2 * widths)).tolist(),
        ),
        n_reference=n1,
        n_current=n2,
        role=role,
        note=note,
        reference_summary={**_moments_summary(ref), "median": ref_median.estimate},
        current_summary={**_moments_summary(cur), "median": cur_median.estimate},
    )


def _certain(metric: str, value: float, bound: float, threshold: float) -> bool:
    """Whether every value within ``bound`` of ``value`` gives the same drift decision."""
    return is_drift(metric, value - bound, threshold) == is_drift(metric, value + bound, threshold)


def _wasserstein_scale(ref: ColumnSummary, cur: ColumnSummary) -> float:
    """The reference std, or the pooled std for a constant reference (as the engine scales)."""
    if ref.minimum != ref.maximum:
        return ref.moments.std
    pooled = Moments()
    pooled.merge(ref.moments)
    pooled.merge(cur.moments)
    return pooled.std


def _grid_right_closed(grid: GridSketch, inner_edges: np.ndarray) -> np.ndarray:
    """Counts in ``(-inf, e1], …, (ek, inf)``, each grid bin's values taken at their mean
    (off by at most the edge's bin; exact for a bin of one distinct value)."""
    cumulative = np.concatenate(([0], np.cumsum(grid.counts)))
    k = np.clip(np.floor((inner_edges - grid.low) / grid.width).astype(np.intp), 0, grid.bins - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = grid.sums[k] / grid.counts[k]
    # The edges are bin means themselves (rounded in the sums): compare with some slack.
    below = cumulative[k] + np.where(inner_edges >= means - 1e-6 * grid.width, grid.counts[k], 0)
    return np.diff(np.concatenate(([0], below, [grid.n])))


def _categorical(
    name: str,
    role: str,
    ref: ColumnSummary,
    cur: ColumnSummary,
    ref_counts: dict[str, int],
    cur_counts: dict[str, int],
    metric: str,
    threshold: float,
    config: DriftConfig,
    thresholds: QualityThresholds,
) -> FeatureDrift:
    labels = list(ref_counts) + [label for label in cur_counts if label not in ref_counts]
    ref_vec = np.array([ref_counts.get(label, 0) for label in labels], dtype=np.int64)
    cur_vec = np.array([cur_counts.get(label, 0) for label in labels], dtype=np.int64)
    metrics = (
        categorical_metrics(ref_vec, cur_vec, config.binning.psi_epsilon) if cur_vec.sum() else {}
    )
    value = metrics.get(metric)
    oob = int(cur_vec[len(ref_counts) :].sum())
    return FeatureDrift(
        name=name,
        kind=ColumnKind.CATEGORICAL,
        metric=metric,
        value=value,
        threshold=threshold,
        drifted=value is not None and is_drift(metric, value, threshold),
        metrics=metrics,
        quality=_quality(ref, cur, thresholds, oob),
        distribution=_chart(labels, ref_vec, cur_vec, config.binning.chart_max_categories)
        if value is not None
        else None,
        n_reference=int(ref_vec.sum()),
        n_current=int(cur_vec.sum()),
        role=role,
        note=None if value is not None else "not compared: no valid values in the current data",
        reference_summary={"n_categories": int(np.count_nonzero(ref_vec))},
        current_summary={"n_categories": int(np.count_nonzero(cur_vec))},
    )
