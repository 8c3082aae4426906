"""Drift between Parquet tables larger than memory, streamed row group by row group.

One batch in memory at a time, over each table:

1. exact, mergeable per-column summaries (:mod:`~mlops_desktop.drift.stream_summary`): rows,
   nulls, type errors, min/max, mean and standard deviation, category frequencies — enough to
   type each column as the in-memory engine does and to compute every categorical metric and
   every data-quality rate exactly;
2. for numeric columns, a :class:`~mlops_desktop.drift.sketch.GridSketch` per table on the joint
   min … max, the exact Jensen–Shannon/chart histogram and the exact out-of-bounds count
   (:mod:`~mlops_desktop.drift.stream_features`).

Where the Parquet footers hold both tables' min/max for a numeric column, its grid is laid before
reading and both happen in the same pass; the pass then checks the footers against the data, and
only columns without usable footers (or with stale ones) are read a second time.

KS statistic and p-value, Wasserstein (plain and normalized) and the median come from the
sketches with guaranteed intervals (the p-value always by scipy's asymptotic Smirnov distribution,
as the engine uses above 10,000 values), listed in the result's :class:`Approximation` and in each
feature's note; PSI uses reference deciles read off the grid. Drift over time windows and model
performance need the rows themselves and are not computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.drift.config import DriftConfig
from mlops_desktop.drift.errors import DriftInputError
from mlops_desktop.drift.kinds import ColumnKind
from mlops_desktop.drift.parquet_stream import DEFAULT_BATCH_ROWS, ParquetStream
from mlops_desktop.drift.result import Approximation, DriftResult, FeatureDrift, SchemaIssue
from mlops_desktop.drift.sketch import DEFAULT_BINS
from mlops_desktop.drift.stream_features import ColumnGrids, streamed_feature
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
            early[name] = ColumnGrids(ranges[0], ranges[1], bins, hist_bins)
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
        feature = streamed_feature(
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
        grids: dict[str, ColumnGrids],
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
    ) -> dict[str, ColumnGrids]:
        """Pass 2: grid sketches and exact histograms of the numeric columns."""
        grids = {}
        for n in names:
            ref_range = (ref_sums[n].minimum, ref_sums[n].maximum)
            cur_range = (cur_sums[n].minimum, cur_sums[n].maximum)
            grids[n] = ColumnGrids(ref_range, cur_range, bins, hist_bins)
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
