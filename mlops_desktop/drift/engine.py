"""The drift engine: compare a current table with a reference table, column by column.

``compute_drift`` aligns the schemas, types every column from the reference, and compares each
feature (plus the prediction and target columns) for drift and data quality; with a timestamp
column it repeats the comparison per time window; with target and prediction columns it scores
the model on both tables. See ``docs/drift.md`` for the metrics and their conventions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from mlops_desktop.drift.blas_dot import one_blas_thread
from mlops_desktop.drift.categorical_feature import compare_categorical
from mlops_desktop.drift.column_jobs import default_workers, run_in_order
from mlops_desktop.drift.columns import (
    categorical_values,
    datetime_values,
    infer_kind,
    numeric_values,
    physical_type,
)
from mlops_desktop.drift.config import DriftConfig, QualityThresholds
from mlops_desktop.drift.errors import DriftCancelled, DriftInputError
from mlops_desktop.drift.kinds import ColumnKind, is_drift
from mlops_desktop.drift.numeric_feature import NumericWorkspace, compare_numeric
from mlops_desktop.drift.performance import (
    classification_metrics,
    degraded_metrics,
    regression_metrics,
)
from mlops_desktop.drift.quality import quality_rates
from mlops_desktop.drift.result import (
    DriftResult,
    FeatureDrift,
    Performance,
    SchemaIssue,
    WindowDrift,
)
from mlops_desktop.drift.verdict import judge
from mlops_desktop.drift.windows import WINDOWS, WindowRows, split_windows

__all__ = ["DriftCancelled", "DriftResult", "FeatureDrift", "compute_drift"]

ProgressCallback = Callable[[int, int, str], None]
CancelCallback = Callable[[], bool]


def compute_drift(
    reference: pd.DataFrame | str | Path,
    current: pd.DataFrame | str | Path,
    config: DriftConfig | None = None,
    target: str | None = None,
    prediction: str | None = None,
    timestamp: str | None = None,
    window: str = "day",
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
    workers: int | None = None,
) -> DriftResult:
    """Compare ``current`` with ``reference`` (DataFrames, or paths for :func:`load_table`).

    ``target`` and ``prediction`` name the label and model-output columns: they are compared on
    their own (prediction drift, target drift), not counted as features, and together give the
    model's performance on both tables. ``timestamp`` names a column of the current table whose
    ``window`` (``hour``, ``day`` or ``week``) groups rows into a drift-over-time series.

    ``progress(done, total, message)`` is called before each column; ``cancel()`` is checked
    between columns and raises :class:`DriftCancelled` when it returns True. Bad input raises
    :class:`DriftInputError` naming the file and column.

    Columns are compared on ``workers`` threads (default: the usable cores, at most 4, for
    large inputs; ``MLOPS_DESKTOP_DRIFT_THREADS`` overrides it); the result does not depend on
    the number.
    """
    config = config or DriftConfig()
    ref_df, ref_name = _as_frame(reference, "reference")
    cur_df, cur_name = _as_frame(current, "current")
    if window not in WINDOWS:
        raise DriftInputError(f"unknown window {window!r}: use one of {', '.join(WINDOWS)}")
    ref_df = _string_columns(ref_df, ref_name)
    cur_df = _string_columns(cur_df, cur_name)
    _check_table(ref_df, ref_name)
    _check_table(cur_df, cur_name)
    issues: list[SchemaIssue] = []
    _check_roles(ref_df, cur_df, ref_name, cur_name, target, prediction, timestamp, issues)

    special = {c for c in (target, prediction, timestamp) if c is not None}
    ref_columns = [c for c in ref_df.columns if c not in special and not config.is_ignored(c)]
    cur_columns = [c for c in cur_df.columns if c not in special and not config.is_ignored(c)]
    cur_set, ref_set = set(cur_columns), set(ref_columns)
    for column in ref_columns:
        if column not in cur_set:
            issues.append(
                SchemaIssue(
                    str(column),
                    "missing_in_current",
                    f"{cur_name}: column {column!r} of the reference is missing",
                    reference_type=str(ref_df[column].dtype),
                )
            )
    for column in cur_columns:
        if column not in ref_set:
            issues.append(
                SchemaIssue(
                    str(column),
                    "extra_in_current",
                    f"{cur_name}: column {column!r} is not in the reference (not compared)",
                    current_type=str(cur_df[column].dtype),
                )
            )
    features = [c for c in ref_columns if c in cur_set]
    if not features and prediction is None:
        raise DriftInputError(
            "the tables have no column in common to compare "
            f"(reference columns: {_preview(ref_df.columns)}; "
            f"current columns: {_preview(cur_df.columns)})",
            source=f"{ref_name} vs {cur_name}",
        )

    windows = (
        _windows(cur_df, cur_name, timestamp, window, config.column_types.parse_ratio)
        if timestamp
        else []
    )
    recent = _recent_rows(windows, config)
    # The recent slice is measured like one more window, in the same pass over each column.
    measured = [*windows, recent] if recent is not None else windows
    jobs: list[tuple[str, str]] = [(str(c), "feature") for c in features]
    if prediction is not None and prediction in ref_df.columns:
        jobs.append((prediction, "prediction"))
    if target is not None and target in ref_df.columns and target in cur_df.columns:
        jobs.append((target, "target"))

    ref_columns_of = {name: ref_df[name] for name, _role in jobs}  # pandas lookups: this thread
    cur_columns_of = {name: cur_df[name] for name, _role in jobs}

    def compare(
        job: tuple[str, str], workspace: NumericWorkspace
    ) -> tuple[FeatureDrift, list[float | None], list[SchemaIssue]]:
        name, role = job
        found: list[SchemaIssue] = []
        feature, values = _compare_column(
            name,
            ref_columns_of[name],
            cur_columns_of[name],
            config=config,
            workspace=workspace,
            windows=measured if role == "feature" else (),
            role=role,
            names=(ref_name, cur_name),
            issues=found,
        )
        return feature, values, found

    n_values = (len(ref_df) + len(cur_df)) * len(jobs)
    with one_blas_thread():  # the columns are the parallelism; BLAS threads only contend
        outcomes = run_in_order(
            jobs,
            compare,
            NumericWorkspace,
            workers=workers or default_workers(n_values),
            describe=lambda job: f"comparing {job[0]}",
            progress=progress,
            cancel=cancel,
        )
    compared: list[FeatureDrift] = []
    window_values: dict[str, list[float | None]] = {}
    recent_values: dict[str, list[float | None]] = {}
    for (name, _role), (feature, values, found) in zip(jobs, outcomes, strict=True):
        issues.extend(found)  # in column order, as one thread would have found them
        compared.append(feature)
        window_values[name] = values[: len(windows)]
        recent_values[name] = values[len(windows) :] or [None]
    if progress is not None:
        progress(len(jobs), len(jobs), "done")

    feature_results = [f for f in compared if f.role == "feature"]
    evaluated = [f for f in feature_results if f.evaluated]
    share = sum(f.drifted for f in evaluated) / len(evaluated) if evaluated else 0.0
    window_results = _window_results(windows, evaluated, window_values, config)
    recent_result = (
        _window_results([recent], evaluated, recent_values, config)[0] if recent else None
    )
    verdict = judge(
        bool(evaluated) and share >= config.dataset_drift_share,
        evaluated,
        window_results,
        recent_result,
        config.verdict,
        window if timestamp else None,
    )
    return DriftResult(
        features=feature_results,
        schema_issues=issues,
        dataset_drift=verdict.dataset_drift,
        drift_share=share,
        drift_share_threshold=config.dataset_drift_share,
        n_reference_rows=len(ref_df),
        n_current_rows=len(cur_df),
        reference_name=ref_name,
        current_name=cur_name,
        created_at=datetime.now(UTC),
        prediction=next((f for f in compared if f.role == "prediction"), None),
        target=next((f for f in compared if f.role == "target"), None),
        performance=_performance(ref_df, cur_df, target, prediction, config),
        windows=window_results,
        window=window if timestamp else None,
        timestamp_column=timestamp,
        config=config.model_dump(mode="json"),
        verdict=verdict,
    )


def _as_frame(data: pd.DataFrame | str | Path, role: str) -> tuple[pd.DataFrame, str]:
    if isinstance(data, pd.DataFrame):
        return data, str(data.attrs.get("source", role))
    from mlops_desktop.drift.io import load_table

    frame = load_table(data)
    return frame, str(frame.attrs.get("source", data))


def _string_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Column labels as unique strings (a shallow copy when they were not)."""
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise DriftInputError(
            "the column name occurs more than once", source=name, column=duplicated[0]
        )
    return frame


def _check_table(frame: pd.DataFrame, name: str) -> None:
    if frame.shape[1] == 0:
        raise DriftInputError("the table has no columns", source=name)
    if frame.shape[0] == 0:
        raise DriftInputError("the table has no rows", source=name)
    if not any(frame.iloc[:, i].notna().any() for i in range(frame.shape[1])):
        raise DriftInputError(
            f"every value is null (columns: {_preview(frame.columns)})", source=name
        )


def _preview(columns: Sequence[object], limit: int = 8) -> str:
    names = [str(c) for c in columns]
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def _check_roles(
    ref_df: pd.DataFrame,
    cur_df: pd.DataFrame,
    ref_name: str,
    cur_name: str,
    target: str | None,
    prediction: str | None,
    timestamp: str | None,
    issues: list[SchemaIssue],
) -> None:
    """Columns named for a role must exist where they are needed."""
    if timestamp is not None and timestamp not in cur_df.columns:
        raise DriftInputError(
            f"the timestamp column is missing (columns: {_preview(cur_df.columns)})",
            source=cur_name,
            column=timestamp,
        )
    if prediction is not None:
        if prediction not in cur_df.columns:
            raise DriftInputError(
                f"the prediction column is missing (columns: {_preview(cur_df.columns)})",
                source=cur_name,
                column=prediction,
            )
        if prediction not in ref_df.columns:
            issues.append(
                SchemaIssue(
                    prediction,
                    "missing_in_reference",
                    f"{ref_name}: prediction column {prediction!r} is missing: "
                    "no prediction drift or reference performance",
                )
            )
    if target is not None:
        in_ref, in_cur = target in ref_df.columns, target in cur_df.columns
        if not in_ref and not in_cur:
            raise DriftInputError(
                "the target (label) column is in neither table",
                source=f"{ref_name} and {cur_name}",
                column=target,
            )
        for present, name, issue in (
            (in_ref, ref_name, "missing_in_reference"),
            (in_cur, cur_name, "missing_in_current"),
        ):
            if not present:
                issues.append(
                    SchemaIssue(
                        target,
                        issue,
                        f"{name}: target column {target!r} is missing: no performance there",
                    )
                )


#: What ``timestamp`` may name, for error messages.
TIMESTAMP_ACCEPTED = (
    "use a datetime column, ISO-8601 text (e.g. 2026-03-01T12:00:00Z) "
    "or numbers of Unix seconds (1973–2286)"
)
#: Numeric timestamps are Unix seconds in this range; anything else is not a time.
_UNIX_SECONDS = (1e8, 1e10)


def _windows(
    cur_df: pd.DataFrame, cur_name: str, timestamp: str, window: str, parse_ratio: float
) -> list[WindowRows]:
    column = cur_df[timestamp]
    stamps = datetime_values(column)
    dtype = str(column.dtype)
    non_null = int(column.notna().sum())
    if pd.api.types.is_bool_dtype(column.dtype) or (
        pd.api.types.is_numeric_dtype(column.dtype) and not _unix_seconds(column)
    ):
        kind = "true/false values" if pd.api.types.is_bool_dtype(column.dtype) else "numbers"
        raise DriftInputError(
            f"the timestamp column holds {kind} ({dtype}, e.g. {_example(column)}), "
            f"not times: {TIMESTAMP_ACCEPTED}",
            source=cur_name,
            column=timestamp,
        )
    parsed = int(stamps.values.notna().sum())
    if parsed == 0 or parsed < parse_ratio * non_null:
        bad = column[column.notna() & stamps.values.isna().to_numpy()]
        raise DriftInputError(
            f"the timestamp column holds {physical_type(column)} values ({dtype}) of which "
            f"{parsed:,} of {non_null:,} read as times (e.g. {_example(bad)} does not): "
            f"{TIMESTAMP_ACCEPTED}",
            source=cur_name,
            column=timestamp,
        )
    return split_windows(stamps.values, window)


def _unix_seconds(column: pd.Series) -> bool:
    values = numeric_values(column).values
    values = values[np.isfinite(values)]
    low, high = _UNIX_SECONDS
    return values.size > 0 and bool(((values >= low) & (values < high)).all())


def _example(column: pd.Series) -> str:
    """One value of ``column``, shortened (a cell may hold megabytes)."""
    values = column.dropna()
    if values.empty:
        return "nothing but nulls"
    value = values.iloc[0]
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _recent_rows(windows: Sequence[WindowRows], config: DriftConfig) -> WindowRows | None:
    """The rows of the last ``verdict.recent_windows`` judged windows, pooled (None when there
    are not more judged windows than that: the slice would be the whole table)."""
    count = config.verdict.recent_windows
    judged = [w for w in windows if w.rows.shape[0] >= config.min_window_rows]
    if count == 0 or len(judged) <= count:
        return None
    last = judged[-count:]
    rows = np.sort(np.concatenate([w.rows for w in last]))
    return WindowRows(start=last[0].start, end=last[-1].end, rows=rows)


def _compare_column(
    name: str,
    ref: pd.Series,
    cur: pd.Series,
    *,
    config: DriftConfig,
    workspace: NumericWorkspace,
    windows: Sequence[WindowRows],
    role: str,
    names: tuple[str, str],
    issues: list[SchemaIssue],
) -> tuple[FeatureDrift, list[float | None]]:
    """Type one column from the reference and compare it with the matching comparer."""
    ref_name, cur_name = names
    parse_ratio = config.column_types.parse_ratio
    ref_type, cur_type = physical_type(ref, parse_ratio), physical_type(cur, parse_ratio)
    kind = config.kind_override(name) or infer_kind(ref, config.column_types)
    thresholds = config.quality_for(name)
    if cur_type == "empty":
        issues.append(
            SchemaIssue(
                name,
                "all_null_current",
                f"{cur_name}: column {name!r} holds only nulls",
                reference_type=ref_type,
                current_type=cur_type,
            )
        )
    elif ref_type != "empty" and ref_type != cur_type:
        issues.append(
            SchemaIssue(
                name,
                "retyped",
                f"{cur_name}: column {name!r} holds {cur_type} values, the reference {ref_type}",
                reference_type=ref_type,
                current_type=cur_type,
            )
        )
    if kind is None:
        issues.append(
            SchemaIssue(
                name,
                "all_null_reference",
                f"{ref_name}: column {name!r} holds only nulls: nothing to compare with",
                reference_type=ref_type,
                current_type=cur_type,
            )
        )
        return _quality_only(name, ref, cur, None, thresholds, role, "reference is all null"), [
            None
        ] * len(windows)
    rule = config.rule_for(name, kind)
    if kind is ColumnKind.NUMERIC:
        assert rule is not None
        return compare_numeric(
            name,
            numeric_values(ref),
            numeric_values(cur),
            rule=rule,
            thresholds=thresholds,
            config=config,
            workspace=workspace,
            windows=windows,
            role=role,
        )
    if kind is ColumnKind.CATEGORICAL:
        assert rule is not None
        numeric_reference = ref_type == "number"
        return compare_categorical(
            name,
            categorical_values(ref, numeric_reference=numeric_reference),
            categorical_values(cur, numeric_reference=numeric_reference),
            rule=rule,
            thresholds=thresholds,
            config=config,
            windows=windows,
            role=role,
        )
    note = f"{kind.value} columns are not compared for drift"
    return _quality_only(name, ref, cur, kind, thresholds, role, note), [None] * len(windows)


def _quality_only(
    name: str,
    ref: pd.Series,
    cur: pd.Series,
    kind: ColumnKind | None,
    thresholds: QualityThresholds,
    role: str,
    note: str,
) -> FeatureDrift:
    """A column with data-quality rates but no drift metric (datetime, text, all-null)."""
    if kind is ColumnKind.DATETIME:
        ref_values, cur_values = datetime_values(ref), datetime_values(cur)
        ref_counts = (ref_values.n_null, ref_values.n_type_error)
        cur_counts = (cur_values.n_null, cur_values.n_type_error)
    else:
        ref_counts = (int(ref.isna().sum()), 0)
        cur_counts = (int(cur.isna().sum()), 0)
    quality = quality_rates(
        n_rows=len(cur),
        n_null=cur_counts[0],
        n_type_error=cur_counts[1],
        n_out_of_bounds=None,
        n_reference_rows=len(ref),
        n_reference_null=ref_counts[0],
        n_reference_type_error=ref_counts[1],
        thresholds=thresholds,
    )
    return FeatureDrift(
        name=name,
        kind=kind or ColumnKind.TEXT,
        metric=None,
        value=None,
        threshold=None,
        drifted=False,
        metrics={},
        quality=quality,
        distribution=None,
        n_reference=len(ref) - sum(ref_counts),
        n_current=len(cur) - sum(cur_counts),
        role=role,
        note=f"not compared: {note}",
    )


def _window_results(
    windows: Sequence[WindowRows],
    evaluated: Sequence[FeatureDrift],
    window_values: dict[str, list[float | None]],
    config: DriftConfig,
) -> list[WindowDrift]:
    results = []
    for j, window in enumerate(windows):
        values: dict[str, float | None] = {}
        drifted: dict[str, bool] = {}
        judged = window.rows.shape[0] >= config.min_window_rows
        for feature in evaluated:
            value = window_values[feature.name][j]
            values[feature.name] = value
            if judged and value is not None and np.isfinite(value):
                assert feature.metric is not None and feature.threshold is not None
                drifted[feature.name] = is_drift(feature.metric, value, feature.threshold)
        share = sum(drifted.values()) / len(drifted) if drifted else 0.0
        results.append(
            WindowDrift(
                start=window.start.to_pydatetime(),
                end=window.end.to_pydatetime(),
                n_rows=int(window.rows.shape[0]),
                values=values,
                drifted=drifted,
                drift_share=share,
                dataset_drift=bool(drifted) and share >= config.dataset_drift_share,
                judged=judged,
            )
        )
    return results


def _performance(
    ref_df: pd.DataFrame,
    cur_df: pd.DataFrame,
    target: str | None,
    prediction: str | None,
    config: DriftConfig,
) -> Performance | None:
    """Model metrics on each table that has both the target and the prediction column."""
    if target is None or prediction is None or target not in cur_df.columns:
        return None
    source = ref_df[target] if target in ref_df.columns else cur_df[target]
    kind = config.kind_override(target) or infer_kind(source, config.column_types)
    if kind not in (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL):
        return None
    numeric_labels = physical_type(source) == "number"

    def score(frame: pd.DataFrame) -> tuple[dict[str, float] | None, int]:
        if target not in frame.columns or prediction not in frame.columns:
            return None, 0
        if kind is ColumnKind.NUMERIC:
            y = numeric_values(frame[target]).values
            p = numeric_values(frame[prediction]).values
            mask = np.isfinite(y) & np.isfinite(p)
            n = int(mask.sum())
            return (regression_metrics(y[mask], p[mask]) if n else None), n
        y_cat = categorical_values(frame[target], numeric_reference=numeric_labels)
        p_cat = categorical_values(frame[prediction], numeric_reference=numeric_labels)
        mask = (y_cat.codes >= 0) & (p_cat.codes >= 0)
        n = int(mask.sum())
        if n == 0:
            return None, 0
        y_labels = np.asarray(y_cat.labels, dtype=object)[y_cat.codes[mask]].astype(str)
        p_labels = np.asarray(p_cat.labels, dtype=object)[p_cat.codes[mask]].astype(str)
        return classification_metrics(y_labels, p_labels), n

    current, n_current = score(cur_df)
    if current is None:
        return None
    reference, n_reference = score(ref_df)
    delta = {k: current[k] - reference[k] for k in current} if reference else {}
    degraded = (
        degraded_metrics(reference, current, config.performance.tolerance) if reference else ()
    )
    return Performance(
        task="regression" if kind is ColumnKind.NUMERIC else "classification",
        target=target,
        prediction=prediction,
        current=current,
        reference=reference,
        delta=delta,
        degraded=degraded,
        n_current=n_current,
        n_reference=n_reference,
        tolerance=config.performance.tolerance,
    )
