"""Load a reference or current table from a DataFrame, a file or a directory of files.

Formats, chosen by extension: CSV (``.csv``, ``.tsv``, optionally ``.gz``), Parquet (``.parquet``,
``.pq``; streamed row group by row group), JSON Lines (``.jsonl``, ``.ndjson``, ``.json``; a
``.json`` file may also hold one array of records) — including the Azure ML model data collector
layout, whose lines are CloudEvents with a ``data`` list of rows: the rows are flattened and the
event ``time`` becomes a ``time`` timestamp column. A directory is read recursively (files sorted
by path) and its tables stacked, columns united.

Every failure raises :class:`DriftInputError` naming the file (and line or column); the loaded
frame carries its source in ``frame.attrs["source"]`` so later errors can name it too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.drift.errors import DriftInputError

CSV_SUFFIXES = (".csv", ".tsv", ".csv.gz", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES

#: Name of the timestamp column added to rows of the Azure ML data collector.
COLLECTOR_TIME_COLUMN = "time"


def load_table(
    source: pd.DataFrame | str | Path,
    *,
    columns: Sequence[str] | None = None,
    name: str | None = None,
) -> pd.DataFrame:
    """A DataFrame from ``source``: a DataFrame (returned as a shallow copy), a file or a
    directory. ``columns`` restricts what is read (Parquet reads only those columns).

    Raises :class:`DriftInputError` for a missing, unreadable or empty source, an unknown format,
    a table without rows or with nothing but nulls.
    """
    if isinstance(source, pd.DataFrame):
        label = name or str(source.attrs.get("source", "table"))
        frame = source.copy(deep=False)
        if columns is not None:
            frame = frame[_present(frame, columns, label)]
    else:
        path = Path(source)
        label = name or str(path)
        if not path.exists():
            raise DriftInputError("no such file or directory", source=label)
        frame = _load_directory(path, columns) if path.is_dir() else _load_file(path, columns)
    frame.attrs["source"] = label
    _check_content(frame, label)
    return frame


def _present(frame: pd.DataFrame, columns: Sequence[str], label: str) -> list[str]:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DriftInputError("column not found", source=label, column=missing[0])
    return list(columns)


def _check_content(frame: pd.DataFrame, label: str) -> None:
    if frame.shape[1] == 0:
        raise DriftInputError("the table has no columns", source=label)
    if frame.shape[0] == 0:
        raise DriftInputError("the table has no rows", source=label)
    if not any(frame.iloc[:, i].notna().any() for i in range(frame.shape[1])):
        raise DriftInputError(
            f"every value is null (columns: {', '.join(map(str, frame.columns[:8]))})",
            source=label,
        )


def _suffix_kind(path: Path) -> str | None:
    name = path.name.lower()
    for kind, suffixes in (
        ("csv", CSV_SUFFIXES),
        ("parquet", PARQUET_SUFFIXES),
        ("json", JSON_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def _load_directory(path: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    files = sorted(p for p in path.rglob("*") if p.is_file() and _suffix_kind(p))
    if not files:
        raise DriftInputError(
            f"no data files ({', '.join(SUPPORTED_SUFFIXES)}) in the directory", source=str(path)
        )
    frames = []
    for file in files:
        if file.stat().st_size == 0:
            continue
        frames.append(_load_file(file, columns))
    frames = [f for f in frames if f.shape[0] > 0]
    if not frames:
        raise DriftInputError("every data file in the directory is empty", source=str(path))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True, sort=False)


def _load_file(path: Path, columns: Sequence[str] | None) -> pd.DataFrame:
    kind = _suffix_kind(path)
    if kind is None:
        raise DriftInputError(
            f"unknown file type: use one of {', '.join(SUPPORTED_SUFFIXES)}", source=str(path)
        )
    try:
        if path.stat().st_size == 0:
            raise DriftInputError("the file is empty", source=str(path))
        match kind:
            case "csv":
                frame = _read_csv(path)
            case "parquet":
                frame = read_parquet(path, columns)
            case _:
                frame = _read_json(path)
    except OSError as exc:
        raise DriftInputError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    if columns is not None and kind != "parquet":
        frame = frame[_present(frame, columns, str(path))]
    return frame


def _read_csv(path: Path) -> pd.DataFrame:
    sep = "\t" if ".tsv" in path.name.lower() else ","
    try:
        return pd.read_csv(path, sep=sep, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DriftInputError("the file is empty", source=str(path)) from None
    except pd.errors.ParserError as exc:
        raise DriftInputError(f"not valid CSV: {_first_line(exc)}", source=str(path)) from None
    except UnicodeDecodeError:
        raise DriftInputError("not UTF-8 text", source=str(path)) from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_parquet(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a Parquet file row group by row group into preallocated numpy columns.

    Numeric columns are filled in place (no second full copy of the data); other columns are
    gathered as Arrow chunks and converted once at the end.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, pa.ArrowException, ValueError) as exc:
        raise DriftInputError(f"not a Parquet file: {_first_line(exc)}", source=str(path)) from None
    schema = parquet.schema_arrow
    names = [n for n in schema.names if not n.startswith("__index_level_")]
    if columns is not None:
        for column in columns:
            if column not in names:
                raise DriftInputError("column not found", source=str(path), column=column)
        names = list(columns)
    n_rows = parquet.metadata.num_rows
    buffers: dict[str, np.ndarray] = {}
    chunks: dict[str, list[Any]] = {}
    for field_name in names:
        field_type = schema.field(field_name).type
        if pa.types.is_floating(field_type) or pa.types.is_integer(field_type):
            dtype = np.float64 if pa.types.is_floating(field_type) else np.int64
            buffers[field_name] = np.empty(n_rows, dtype=dtype)
        else:
            chunks[field_name] = []
    offset = 0
    for group in range(parquet.num_row_groups):
        try:
            table = parquet.read_row_group(group, columns=names)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
            raise DriftInputError(
                f"row group {group} is unreadable: {_first_line(exc)}", source=str(path)
            ) from None
        size = table.num_rows
        for field_name in names:
            column = table.column(field_name)
            if field_name in buffers:
                target = buffers[field_name]
                if column.null_count and target.dtype != np.float64:
                    target = buffers[field_name] = target.astype(np.float64)
                target[offset : offset + size] = column.to_numpy()
            else:
                chunks[field_name].extend(column.chunks)
        offset += size
        del table
    data: dict[str, Any] = {}
    for field_name in names:
        if field_name in buffers:
            data[field_name] = buffers.pop(field_name)
        else:
            array = pa.chunked_array(chunks.pop(field_name), type=schema.field(field_name).type)
            data[field_name] = array.to_pandas()
    return pd.DataFrame(data, copy=False)


def _read_json(path: Path) -> pd.DataFrame:
    first = _first_non_blank(path)
    if first is None:
        raise DriftInputError("the file is empty", source=str(path))
    if first.lstrip().startswith("["):
        return _read_json_array(path)
    try:
        head = json.loads(first)
    except json.JSONDecodeError as exc:
        raise DriftInputError(f"line 1: not valid JSON ({exc.msg})", source=str(path)) from None
    if is_collector_event(head):
        return _read_collector(path)
    return _read_json_lines(path)


def _open_text(path: Path) -> Any:
    if path.name.lower().endswith(".gz"):
        import gzip

        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _first_non_blank(path: Path) -> str | None:
    try:
        with _open_text(path) as handle:
            for line in handle:
                if line.strip():
                    return line
    except UnicodeDecodeError:
        raise DriftInputError("not UTF-8 text", source=str(path)) from None
    return None


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DriftInputError(
                        f"line {number}: not valid JSON ({exc.msg})", source=str(path)
                    ) from None
    except UnicodeDecodeError:
        raise DriftInputError("not UTF-8 text", source=str(path)) from None


def _read_json_array(path: Path) -> pd.DataFrame:
    try:
        with _open_text(path) as handle:
            records = json.load(handle)
    except json.JSONDecodeError as exc:
        raise DriftInputError(
            f"line {exc.lineno}: not valid JSON ({exc.msg})", source=str(path)
        ) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise DriftInputError("expected a JSON array of objects (one per row)", source=str(path))
    return pd.DataFrame.from_records(records)


def _read_json_lines(path: Path) -> pd.DataFrame:
    if not path.name.lower().endswith(".gz"):
        import pyarrow as pa
        import pyarrow.json as pa_json

        try:
            return pa_json.read_json(path).to_pandas()
        except (pa.ArrowInvalid, pa.ArrowException):
            pass  # mixed types or a bad line: parse it ourselves, for the values or the message
    records = []
    for number, record in _json_lines(path):
        if not isinstance(record, dict):
            raise DriftInputError(
                f"line {number}: expected a JSON object (one row per line)", source=str(path)
            )
        records.append(record)
    return pd.DataFrame.from_records(records)


def is_collector_event(record: object) -> bool:
    """Whether a parsed JSON line is an Azure ML data collector event (CloudEvents envelope)."""
    if not isinstance(record, dict) or "data" not in record:
        return False
    kind = str(record.get("type", ""))
    return "specversion" in record or kind.startswith("azureml.")


def _collector_rows(data: Any) -> list[dict[str, Any]] | None:
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except json.JSONDecodeError:
            return None
    if isinstance(data, list) and all(isinstance(row, dict) for row in data):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("columns"), list) and isinstance(data.get("data"), list):
            return [dict(zip(data["columns"], row, strict=False)) for row in data["data"]]
        return [data]
    return None


def _read_collector(path: Path) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    times: list[Any] = []
    for number, event in _json_lines(path):
        if not is_collector_event(event):
            raise DriftInputError(
                f"line {number}: not an Azure ML data collector event (no 'data')",
                source=str(path),
            )
        event_rows = _collector_rows(event["data"])
        if event_rows is None:
            raise DriftInputError(
                f"line {number}: 'data' is not a list of row objects", source=str(path)
            )
        rows.extend(event_rows)
        times.extend([event.get("time")] * len(event_rows))
    frame = pd.DataFrame.from_records(rows)
    column = COLLECTOR_TIME_COLUMN
    if column in frame.columns:
        column = f"_collector_{COLLECTOR_TIME_COLUMN}"
    frame[column] = pd.to_datetime(
        pd.Series(times, dtype=object), utc=True, errors="coerce", format="ISO8601"
    )
    return frame
