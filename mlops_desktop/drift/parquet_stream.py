"""Parquet tables read batch by batch: a file or a folder of files, never whole in memory.

:class:`ParquetStream` unites the files' schemas (a column a file lacks is all null there, as
:func:`mlops_desktop.drift.io.load_table` stacks them), knows the row count from the footers
without reading data, and yields record batches of the requested columns. :func:`estimated_bytes`
tells from the footers alone what loading the table into memory would take, so the caller can
choose between the in-memory engine and the streaming one before reading a value.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlops_desktop.drift.errors import DriftInputError

PARQUET_SUFFIXES = (".parquet", ".pq")
#: Rows per batch: ~20 MB for 10 float64 columns, small beside a typical row group.
DEFAULT_BATCH_ROWS = 256 * 1024
#: Bytes a loaded cell costs: float64 values, and the engine's peak is up to 3× its input
#: (benchmarks/drift_bench.py measures it).
BYTES_PER_CELL = 3 * 8
#: What the in-memory engine needs per row of the longest column besides the table itself
#: (two sort buffers and the merge workspace of one column at a time).
ENGINE_BYTES_PER_ROW = 48


def is_parquet_source(path: Path) -> bool:
    """Whether ``path`` is a Parquet file, or a folder holding only Parquet data files."""
    if path.is_file():
        return path.name.lower().endswith(PARQUET_SUFFIXES)
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file() and not p.name.startswith((".", "_"))]
        return bool(files) and all(p.name.lower().endswith(PARQUET_SUFFIXES) for p in files)
    return False


@dataclass(frozen=True)
class _File:
    path: Path
    columns: frozenset[str]
    n_rows: int


class ParquetStream:
    """One logical table over a Parquet file or a folder of them (files sorted by path)."""

    def __init__(self, source: str | Path) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = Path(source)
        self.name = str(source)
        if not self.path.exists():
            raise DriftInputError("no such file or directory", source=self.name)
        if self.path.is_dir():
            paths = sorted(
                p
                for p in self.path.rglob("*")
                if p.is_file() and p.name.lower().endswith(PARQUET_SUFFIXES)
            )
            if not paths:
                raise DriftInputError("no Parquet files in the directory", source=self.name)
        else:
            paths = [self.path]
        self._files: list[_File] = []
        fields: dict[str, Any] = {}
        for path in paths:
            try:
                parquet = pq.ParquetFile(path)
            except (pa.ArrowInvalid, pa.ArrowException, OSError, ValueError) as exc:
                raise DriftInputError(
                    f"not a Parquet file: {str(exc).strip().splitlines()[0]}", source=str(path)
                ) from None
            schema = parquet.schema_arrow
            names = [n for n in schema.names if not n.startswith("__index_level_")]
            for name in names:
                fields.setdefault(name, schema.field(name).type)
            self._files.append(_File(path, frozenset(names), parquet.metadata.num_rows))
        self.columns: list[str] = list(fields)
        self.types: dict[str, Any] = fields
        self.n_rows = sum(f.n_rows for f in self._files)
        if not self.columns:
            raise DriftInputError("the table has no columns", source=self.name)
        if self.n_rows == 0:
            raise DriftInputError("the table has no rows", source=self.name)

    def value_range(self, column: str) -> tuple[float, float] | None:
        """The column's min and max over every row group, from the footers' statistics; None
        when a row group has none, or they are not finite (then the data must be read)."""
        import pyarrow.parquet as pq

        low, high = np.inf, -np.inf
        for file in self._files:
            if column not in file.columns or file.n_rows == 0:
                continue
            metadata = pq.ParquetFile(file.path).metadata
            index = next(
                (
                    j
                    for j in range(metadata.num_columns)
                    if metadata.row_group(0).column(j).path_in_schema == column
                ),
                None,
            )
            if index is None:
                return None
            for group in range(metadata.num_row_groups):
                if metadata.row_group(group).num_rows == 0:
                    continue
                stats = metadata.row_group(group).column(index).statistics
                if stats is None or not stats.has_min_max:
                    if stats is not None and stats.null_count == metadata.row_group(group).num_rows:
                        continue  # all null: nothing to range over
                    return None
                try:
                    low, high = min(low, float(stats.min)), max(high, float(stats.max))
                except (TypeError, ValueError):
                    return None
        if not (np.isfinite(low) and np.isfinite(high)):
            return None
        return low, high

    @property
    def n_files(self) -> int:
        """Parquet files making up the table."""
        return len(self._files)

    def batches(
        self, columns: Sequence[str], batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> Iterator[dict[str, Any]]:
        """``{column: pyarrow.Array or None}`` per batch (None: the file lacks the column)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        for file in self._files:
            if file.n_rows == 0:
                continue
            present = [c for c in columns if c in file.columns]
            # No pre-buffering (it reads ahead every row group asked for: the whole file) and
            # a buffered stream, so a huge row group is read page by page.
            parquet = pq.ParquetFile(file.path, pre_buffer=False, buffer_size=1 << 20)
            try:
                if not present:  # none of the columns: only the row count matters
                    for group in range(parquet.num_row_groups):
                        rows = parquet.metadata.row_group(group).num_rows
                        yield {"__rows__": rows, **dict.fromkeys(columns)}
                    continue
                for group in range(parquet.num_row_groups):
                    for batch in parquet.iter_batches(
                        batch_size=batch_rows, row_groups=[group], columns=present
                    ):
                        out: dict[str, Any] = {"__rows__": batch.num_rows}
                        for column in columns:
                            out[column] = batch.column(column) if column in file.columns else None
                        yield out
            except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
                raise DriftInputError(
                    f"unreadable: {str(exc).strip().splitlines()[0]}", source=str(file.path)
                ) from None
            finally:
                parquet.close()


def estimated_bytes(streams: Sequence[ParquetStream]) -> int:
    """Memory the in-memory engine would need for these tables, from their footers alone."""
    cells = sum(s.n_rows * len(s.columns) for s in streams)
    rows = sum(s.n_rows for s in streams)
    return cells * BYTES_PER_CELL + rows * ENGINE_BYTES_PER_ROW


def available_memory() -> int:
    """Bytes this process may still use: free memory, capped by an address-space or data
    limit (``ulimit -v`` / ``prlimit --as``) when one is set."""
    limits = []
    try:
        import psutil

        limits.append(int(psutil.virtual_memory().available))
    except Exception:  # psutil missing or /proc unreadable: rely on the limits alone
        pass
    for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        soft, _hard = resource.getrlimit(which)
        if soft != resource.RLIM_INFINITY:
            limits.append(max(soft - _address_space_used(), 0))
    return min(limits) if limits else 8 << 30


def _address_space_used() -> int:
    try:
        with open(f"/proc/{os.getpid()}/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def parse_size(text: str) -> int:
    """``"2G"``, ``"512M"``, ``"1.5GiB"`` or a plain number of bytes, as bytes."""
    value = text.strip().upper().removesuffix("IB").removesuffix("B")
    factor = 1
    for suffix, power in (("K", 10), ("M", 20), ("G", 30), ("T", 40)):
        if value.endswith(suffix):
            value, factor = value[:-1], 1 << power
            break
    try:
        number = float(value)
    except ValueError:
        raise DriftInputError(
            f"cannot read the size {text!r}: write e.g. 2G, 512M or a number of bytes"
        ) from None
    if number < 0:
        raise DriftInputError(f"the size {text!r} is negative")
    return int(number * factor)


def should_stream(
    reference: str, current: str, budget: str | None = None, *, force: bool = False
) -> bool:
    """Whether ``drift report`` should stream: both sources are local Parquet (a file or a
    folder) and loading them would exceed ``budget`` (a size such as ``2G``; default half the
    memory available), or ``force``. Other sources always load into memory."""
    paths = [Path(s).expanduser() for s in (reference, current) if ":" not in s and "#" not in s]
    parquet = len(paths) == 2 and all(is_parquet_source(p) for p in paths)
    if force:
        if not parquet:
            raise DriftInputError(
                "streaming reads local Parquet files or folders of them: "
                f"got {reference!r} and {current!r}"
            )
        return True
    if not parquet:
        return False
    limit = parse_size(budget) if budget is not None else available_memory() // 2
    return estimated_bytes([ParquetStream(p) for p in paths]) > limit
