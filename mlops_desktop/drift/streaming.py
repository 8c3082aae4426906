"""Drift between Parquet tables larger than memory, streamed row group by row group.

Two passes over each table, one batch in memory at a time:

1. exact, mergeable per-column summaries (:mod:`~mlops_desktop.drift.stream_summary`): rows,
   nulls, type errors, min/max, mean and standard deviation, category frequencies — enough to
   type each column as the in-memory engine does and to compute every categorical metric and
   every data-quality rate exactly;
2. for numeric columns, a :class:`~mlops_desktop.drift.sketch.GridSketch` per table on the joint
   min … max, the exact Jensen–Shannon/chart histogram and the exact out-of-bounds count.

KS statistic and p-value, Wasserstein (plain and normalized) and the median come from the
sketches with guaranteed intervals (the p-value always by scipy's asymptotic Smirnov distribution,
as the engine uses above 10,000 values), listed in the result's :class:`Approximation` and in each
feature's note; PSI uses reference deciles read off the grid (each within one grid bin). Drift over
time windows and model performance need the rows themselves and are not computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.drift import stats_numeric as sn
from mlops_desktop.drift.categorical_feature import _chart, categorical_metrics
from mlops_desktop.drift.config import DriftConfig, QualityThresholds
from mlops_desktop.drift.errors import DriftInputError
from mlops_desktop.drift.kinds import ColumnKind, is_drift
from mlops_desktop.drift.parquet_stream import DEFAULT_BATCH_ROWS, ParquetStream
from mlops_desktop.drift.quality import quality_rates
from mlops_desktop.drift.result import (
    Approximation,
    Distribution,
    DriftResult,
    FeatureDrift,
    SchemaIssue,
)
from mlops_desktop.drift.sketch import (
    DEFAULT_BINS,
    GridSketch,
    Moments,
    bin_index,
    ks_bounds,
    wasserstein_bounds,
)
from mlops_desktop.drift.stream_summary import ColumnSummary, arrow_family, as_float64
from mlops_desktop.drift.verdict import judge

METHOD = "grid-sketch"
PASSES = {1: "one pass (grid laid from the Parquet footers' min/max)", 2: "two passes"}
DESCRIPTION = (
    "streamed in {passes}: counts, null/type-error/out-of-bounds rates, categorical "
    "frequencies and metrics, min/max/mean/std and Jensen–Shannon are exact; KS, Wasserstein "
    "and medians come from a {bins:,}-bin grid sketch per column, the exact value guaranteed "
    "within the listed intervals; PSI uses reference deciles read off that grid"
)


def compute_drift_streaming(
    reference: str | Path,
    current: str | Path,
    config: DriftConfig | None = None,
    target: str | None = None,
    prediction: str | None = None,
    timestamp: str | None = None,
    ctx: TaskContext | None = None,
    bins: int = DEFAULT_BINS,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> DriftResult:
    """Compare two Parquet files or folders without loading them (see the module docstring).

    ``ctx`` receives progress (rows read of all passes) and cancels between batches: a cancel
    raises :class:`mlops_desktop.core.errors.Cancelled`.
    """
    config = config or DriftConfig()
    if timestamp is not None:
        raise DriftInputError(
            "drift over time (a timestamp column) needs the rows in memory: slice the data "
            "by time first, or give more memory (--memory-budget)",
            column=timestamp,
        )
    ref, cur = ParquetStream(reference), ParquetStream(current)
    issues: list[SchemaIssue] = []
    jobs = _jobs(ref, cur, config, target, prediction, issues)
    names = [name for name, _ in jobs]
    hist_bins = config.binning.histogram_bins
    numbers = [n for n in names if _family(ref, n) == "number" and _family(cur, n) == "number"]
    bins = _bins_for(bins, len(numbers))
    # Where the footers give both tables' min/max, the grid is laid before reading a value and
    # one pass does everything; the pass checks the footers against the data it reads.
    early = {}
    for name in numbers:
        ranges = ref.value_range(name), cur.value_range(name)
        if ranges[0] is not None and ranges[1] is not None:
            early[name] = _Grids(ranges[0], ranges[1], bins, hist_bins)
    reader = _Reader(ctx, rows=ref.n_rows + cur.n_rows, batch_rows=batch_rows)
    reader.expect(1 if len(early) == len(numbers) else 2)
    limit = config.column_types.categorical_max_unique
    ref_sums = reader.summarize(ref, names, limit, early, 0)
    cur_names = [name for name in names if name in cur.types]
    cur_sums = reader.summarize(cur, cur_names, limit, early, 1)
    for stream, sums in ((ref, ref_sums), (cur, cur_sums)):
        if sums and all(s.n_valid == 0 for s in sums.values()):
            raise DriftInputError("every value is null", source=stream.name)
    kinds = {name: _kind(name, ref_sums[name], config) for name, _ in jobs}
    numeric = [
        n for n, _ in jobs if kinds[n] is ColumnKind.NUMERIC and _comparable(n, ref_sums, cur_sums)
    ]
    grids = {
        n: early[n] for n in numeric if n in early and early[n].matches(ref_sums[n], cur_sums[n])
    }
    late = [n for n in numeric if n not in grids]
    passes = 2 if late else 1
    if late:
        reader.expect(2)
        grids.update(reader.sketch(ref, cur, late, ref_sums, cur_sums, bins, hist_bins))
    features: list[FeatureDrift] = []
    intervals: dict[str, dict[str, tuple[float, float]]] = {}
    for name, role in jobs:
        feature = _feature(
            name,
            role,
            kinds[name],
            ref_sums[name],
            cur_sums.get(name),
            grids.get(name),
            config,
            (ref.name, cur.name),
            issues,
            intervals,
        )
        features.append(feature)
    reader.done()
    return _result(features, issues, ref, cur, config, intervals, bins, passes)


def _jobs(
    ref: ParquetStream,
    cur: ParquetStream,
    config: DriftConfig,
    target: str | None,
    prediction: str | None,
    issues: list[SchemaIssue],
) -> list[tuple[str, str]]:
    """The columns to compare and their roles; schema issues for the rest."""
    if prediction is not None and prediction not in cur.types:
        raise DriftInputError(
            "the prediction column is missing", source=cur.name, column=prediction
        )
    if target is not None and target not in ref.types and target not in cur.types:
        raise DriftInputError(
            "the target (label) column is in neither table",
            source=f"{ref.name} and {cur.name}",
            column=target,
        )
    special = {c for c in (target, prediction) if c is not None}
    ref_cols = [c for c in ref.columns if c not in special and not config.is_ignored(c)]
    cur_cols = [c for c in cur.columns if c not in special and not config.is_ignored(c)]
    for column in ref_cols:
        if column not in cur.types:
            issues.append(
                SchemaIssue(
                    column,
                    "missing_in_current",
                    f"{cur.name}: column {column!r} of the reference is missing",
                    reference_type=str(ref.types[column]),
                )
            )
    for column in cur_cols:
        if column not in ref.types:
            issues.append(
                SchemaIssue(
                    column,
                    "extra_in_current",
                    f"{cur.name}: column {column!r} is not in the reference (not compared)",
                    current_type=str(cur.types[column]),
                )
            )
    jobs = [(c, "feature") for c in ref_cols if c in cur.types]
    if prediction is not None and prediction in ref.types:
        jobs.append((prediction, "prediction"))
    if target is not None and target in ref.types and target in cur.types:
        jobs.append((target, "target"))
    if not jobs:
        raise DriftInputError(
            "the tables have no column in common to compare", source=f"{ref.name} vs {cur.name}"
        )
    return jobs


class _Reader:
    """The passes over both tables, reporting rows read and checking for a cancel."""

    def __init__(self, ctx: TaskContext | None, rows: int, batch_rows: int) -> None:
        self.ctx, self.rows, self.batch_rows = ctx, rows, batch_rows
        self.total, self.done_rows, self.passes = rows, 0, 1

    def expect(self, passes: int) -> None:
        """Progress counts ``passes`` passes over both tables."""
        self.passes, self.total = passes, passes * self.rows

    def _step(self, rows: int, message: str) -> None:
        self.done_rows += rows
        if self.ctx is not None:
            self.ctx.progress(self.done_rows, self.total, message)

    def summarize(
        self,
        stream: ParquetStream,
        names: Sequence[str],
        limit: int,
        grids: dict[str, _Grids],
        side: int,
    ) -> dict[str, ColumnSummary]:
        """Pass 1 over one table (feeding the grids laid from the footers, if any)."""
        sums = {n: ColumnSummary(arrow_family(stream.types[n]), limit) for n in names}
        message = f"pass 1/{self.passes}: {('reference', 'current')[side]}"
        self._step(0, message)
        for batch in stream.batches(names, self.batch_rows):
            rows = batch["__rows__"]
            for name in names:
                array = batch[name]
                if array is None:
                    sums[name].add_missing(rows)
                elif name in grids:
                    values = as_float64(array)
                    sums[name].add_numbers(values)
                    grids[name].add(side, values)
                else:
                    sums[name].add(array)
            self._step(rows, message)
        return sums

    def sketch(
        self,
        ref: ParquetStream,
        cur: ParquetStream,
        names: Sequence[str],
        ref_sums: dict[str, ColumnSummary],
        cur_sums: dict[str, ColumnSummary],
        bins: int,
        hist_bins: int,
    ) -> dict[str, _Grids]:
        """Pass 2: grid sketches and exact histograms of the numeric columns."""
        grids = {}
        for n in names:
            ref_range = (ref_sums[n].minimum, ref_sums[n].maximum)
            cur_range = (cur_sums[n].minimum, cur_sums[n].maximum)
            grids[n] = _Grids(ref_range, cur_range, bins, hist_bins)
        for stream, side in ((ref, 0), (cur, 1)):
            message = f"pass 2/2: {('reference', 'current')[side]}"
            for batch in stream.batches(names, self.batch_rows):
                for name in names:
                    if batch[name] is not None:
                        grids[name].add(side, as_float64(batch[name]))
                self._step(batch["__rows__"], message)
        return grids

    def done(self) -> None:
        if self.ctx is not None:
            self.ctx.progress(self.total, self.total, "done")


class _Grids:
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


def _family(stream: ParquetStream, name: str) -> str | None:
    return arrow_family(stream.types[name]) if name in stream.types else None


#: Grid memory for all numeric columns together (two sketches of 16 bytes per bin each).
GRID_MEMORY = 256 << 20


def _bins_for(bins: int, n_numeric: int) -> int:
    """Fewer bins for very wide tables, so the sketches stay within :data:`GRID_MEMORY`."""
    return max(1024, min(bins, GRID_MEMORY // (32 * max(n_numeric, 1))))


def _comparable(
    name: str, ref_sums: dict[str, ColumnSummary], cur_sums: dict[str, ColumnSummary]
) -> bool:
    cur = cur_sums.get(name)
    return (
        cur is not None
        and cur.family == "number"
        and ref_sums[name].n_finite > 0
        and cur.n_finite > 0
    )


def _kind(name: str, summary: ColumnSummary, config: DriftConfig) -> ColumnKind | None:
    """The column's kind by the in-memory typing rules (a config override wins)."""
    override = config.kind_override(name)
    if override is not None:
        return override
    if summary.n_valid == 0:
        return None
    family = summary.family
    if family in ("bool", "category"):
        return ColumnKind.CATEGORICAL
    if family == "datetime":
        return ColumnKind.DATETIME
    if family == "other":
        return ColumnKind.TEXT
    typing = config.column_types
    if family == "number":
        if summary.n_finite == 0:
            return None
        return (
            ColumnKind.CATEGORICAL
            if summary.looks_categorical(typing.categorical_max_unique)
            else ColumnKind.NUMERIC
        )
    if summary.too_many:
        return ColumnKind.TEXT
    n_unique = len(summary.counts or {})
    if n_unique > typing.text_min_unique and n_unique > typing.text_unique_ratio * summary.n_valid:
        return ColumnKind.TEXT
    return ColumnKind.CATEGORICAL


def _feature(
    name: str,
    role: str,
    kind: ColumnKind | None,
    ref: ColumnSummary,
    cur: ColumnSummary | None,
    grids: _Grids | None,
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
    grids: _Grids,
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


def _result(
    compared: list[FeatureDrift],
    issues: list[SchemaIssue],
    ref: ParquetStream,
    cur: ParquetStream,
    config: DriftConfig,
    intervals: dict[str, dict[str, tuple[float, float]]],
    bins: int,
    passes: int,
) -> DriftResult:
    features = [f for f in compared if f.role == "feature"]
    evaluated = [f for f in features if f.evaluated]
    share = sum(f.drifted for f in evaluated) / len(evaluated) if evaluated else 0.0
    verdict = judge(
        bool(evaluated) and share >= config.dataset_drift_share, evaluated, [], None, config.verdict
    )
    return DriftResult(
        features=features,
        schema_issues=issues,
        dataset_drift=verdict.dataset_drift,
        drift_share=share,
        drift_share_threshold=config.dataset_drift_share,
        n_reference_rows=ref.n_rows,
        n_current_rows=cur.n_rows,
        reference_name=ref.name,
        current_name=cur.name,
        created_at=datetime.now(UTC),
        prediction=next((f for f in compared if f.role == "prediction"), None),
        target=next((f for f in compared if f.role == "target"), None),
        config=config.model_dump(mode="json"),
        verdict=verdict,
        approximation=Approximation(
            method=METHOD,
            description=DESCRIPTION.format(bins=bins, passes=PASSES[passes]),
            bins=bins,
            passes=passes,
            intervals=intervals,
        ),
    )
