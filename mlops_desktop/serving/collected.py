"""Read collected requests back: as stored (one row per request) or as model inputs + outputs.

:func:`read_requests` returns the stored records; :func:`inputs_and_outputs` expands them into
one row per scored input row — the model's feature columns, its prediction(s), ``timestamp``,
``deployment``, ``request_id`` — the "current" data the drift page compares with training data.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mlops_desktop.serving.collector import SCHEMA

REQUEST_COLUMNS = tuple(SCHEMA.names)
#: Columns added to every expanded row (features and predictions come before them).
CONTEXT_COLUMNS = ("timestamp", "deployment", "request_id", "mirrored")


def _hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _partition_start(folder: Path) -> datetime | None:
    try:
        date = folder.parent.name.removeprefix("date=")
        hour = int(folder.name.removeprefix("hour="))
        return datetime.fromisoformat(date).replace(hour=hour, tzinfo=UTC)
    except ValueError:
        return None


def collected_files(
    directory: Path, since: datetime | None = None, until: datetime | None = None
) -> list[Path]:
    """Parquet files of the hour partitions overlapping ``[since, until)``."""
    files: list[Path] = []
    low = _hour_floor(since) if since else None
    high = until.astimezone(UTC) if until else None
    for folder in sorted(directory.glob("date=*/hour=*")):
        start = _partition_start(folder)
        if start is None or (low and start < low) or (high and start >= high):
            continue
        files.extend(sorted(folder.glob("*.parquet")))
    return files


def _as_utc(moment: datetime) -> pd.Timestamp:
    """A UTC timestamp; a naive datetime is local time (as ``datetime.astimezone`` reads it)."""
    plain = moment.to_pydatetime() if isinstance(moment, pd.Timestamp) else moment
    return pd.Timestamp(plain.astimezone(UTC))


def read_requests(
    directory: Path,
    since: datetime | None = None,
    until: datetime | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Stored requests with ``since <= timestamp < until``, oldest first, duplicates dropped.

    Naive datetimes are local time. ``columns`` limits what is read (telemetry needs no
    bodies). Files merged away while reading are skipped; their rows are in the merged file.
    """
    wanted = list(columns) if columns else list(REQUEST_COLUMNS)
    for key in ("timestamp", "request_id", "mirrored"):
        if key not in wanted:
            wanted.append(key)
    tables = []
    for path in collected_files(directory, since, until):
        try:
            tables.append(pq.read_table(path, columns=wanted))
        except (FileNotFoundError, pa.ArrowInvalid):
            continue
    if not tables:
        empty = pa.schema([SCHEMA.field(name) for name in wanted]).empty_table()
        return empty.to_pandas()
    frame = pa.concat_tables(tables).to_pandas()
    if since is not None:
        frame = frame[frame["timestamp"] >= _as_utc(since)]
    if until is not None:
        frame = frame[frame["timestamp"] < _as_utc(until)]
    frame = frame.drop_duplicates(subset=["request_id", "mirrored"])
    return frame.sort_values("timestamp", kind="stable").reset_index(drop=True)


# -- payloads ------------------------------------------------------------------------------

Rows = tuple[tuple[str, ...] | None, list[list[Any]]]


def _rows_of_records(records: Sequence[Any]) -> Rows:
    if not records:
        return None, []
    if all(isinstance(r, dict) for r in records):
        columns: dict[str, None] = {}
        for record in records:
            columns.update(dict.fromkeys(record))
        names = tuple(columns)
        return names, [[r.get(c) for c in names] for r in records]
    rows = [list(r) if isinstance(r, list | tuple) else [r] for r in records]
    return None, rows


def _rows_of_columns(data: dict[str, Any]) -> Rows:
    names = tuple(data)
    values = [v if isinstance(v, list) else [v] for v in data.values()]
    return names, [list(row) for row in zip(*values, strict=False)]


def payload_rows(text: str, content_type: str = "application/json") -> Rows:
    """Column names (None when positional) and rows of an MLflow scoring request body."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "text/csv":
        frame = pd.read_csv(io.StringIO(text))
        return tuple(str(c) for c in frame.columns), frame.to_numpy().tolist()
    if text.startswith("base64:"):
        frame = pd.read_parquet(io.BytesIO(base64.b64decode(text.removeprefix("base64:"))))
        return tuple(str(c) for c in frame.columns), frame.to_numpy().tolist()
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("the body is not a JSON object")
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        columns = split.get("columns")
        return (tuple(columns) if columns else None), [list(r) for r in split.get("data", [])]
    if "dataframe_records" in body:
        return _rows_of_records(body["dataframe_records"])
    for key in ("inputs", "instances"):
        if key in body:
            data = body[key]
            if isinstance(data, dict):
                return _rows_of_columns(data)
            if isinstance(data, list):
                return _rows_of_records(data)
            return None, [[data]]
    raise ValueError("no dataframe_split, dataframe_records, inputs or instances")


def prediction_columns(text: str, count: int) -> dict[str, list[Any]] | None:
    """Prediction columns of a scoring answer with ``count`` rows (None if they do not fit)."""
    body = json.loads(text)
    predictions = body.get("predictions", body) if isinstance(body, dict) else body
    if isinstance(predictions, dict):  # column-oriented output
        return _fit({f"prediction_{k}": list(v) for k, v in predictions.items()}, count)
    if not isinstance(predictions, list) or len(predictions) != count:
        return None
    if all(isinstance(p, dict) for p in predictions):
        names = list(dict.fromkeys(k for p in predictions for k in p))
        return {f"prediction_{k}": [p.get(k) for p in predictions] for k in names}
    if predictions and all(isinstance(p, list) for p in predictions):
        width = max(len(p) for p in predictions)
        return {
            f"prediction_{i}": [p[i] if i < len(p) else None for p in predictions]
            for i in range(width)
        }
    return {"prediction": predictions}


def _fit(columns: dict[str, list[Any]], count: int) -> dict[str, list[Any]] | None:
    return columns if all(len(v) == count for v in columns.values()) else None


def inputs_and_outputs(requests: pd.DataFrame, *, include_mirrored: bool = False) -> pd.DataFrame:
    """One row per scored input row: features, prediction(s), timestamp, deployment, request.

    Only successful (2xx) requests count; bodies that cannot be read are skipped. Requests
    with different column sets (e.g. two models) are stacked, missing values left empty.
    """
    frames: list[pd.DataFrame] = []
    chosen = requests[(requests["status"] >= 200) & (requests["status"] < 300)]
    if not include_mirrored:
        chosen = chosen[~chosen["mirrored"]]
    groups: dict[tuple[str, ...] | None, list[dict[str, Any]]] = {}
    for record in chosen.itertuples(index=False):
        try:
            columns, rows = payload_rows(record.inputs, record.content_type or "application/json")
            predictions = prediction_columns(record.outputs, len(rows)) if rows else None
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
        if not rows:
            continue
        groups.setdefault(columns, []).append(
            {"rows": rows, "predictions": predictions or {}, "record": record}
        )
    for columns, items in groups.items():
        frames.append(_group_frame(columns, items))
    if not frames:
        return pd.DataFrame(columns=list(CONTEXT_COLUMNS))
    combined = pd.concat(frames, ignore_index=True, sort=False)
    return combined.sort_values("timestamp", kind="stable").reset_index(drop=True)


def _group_frame(columns: tuple[str, ...] | None, items: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows: list[list[Any]] = []
    context: dict[str, list[Any]] = {name: [] for name in CONTEXT_COLUMNS}
    predictions: dict[str, list[Any]] = {}
    total = 0
    for item in items:
        record = item["record"]
        count = len(item["rows"])
        rows.extend(item["rows"])
        for name in CONTEXT_COLUMNS:
            context[name].extend([getattr(record, name)] * count)
        for name, values in item["predictions"].items():
            predictions.setdefault(name, [None] * total).extend(values)
        total += count
        for values in predictions.values():
            values.extend([None] * (total - len(values)))
    width = max((len(r) for r in rows), default=0)
    names = list(columns) if columns else [f"input_{i}" for i in range(width)]
    features = pd.DataFrame(rows, columns=names)
    return pd.concat(
        [features, pd.DataFrame(predictions), pd.DataFrame(context)], axis=1
    ).reset_index(drop=True)
