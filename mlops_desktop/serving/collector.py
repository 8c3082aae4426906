"""Data collection: every request the router answers, written as hour-partitioned Parquet.

The router appends one tuple per request to an in-memory buffer (no parsing on the hot path)
and takes the buffer every :data:`FLUSH_INTERVAL` seconds; a worker thread writes it as one
``part-*.parquet`` file per hour partition::

    collected/date=YYYY-MM-DD/hour=HH/part-<epoch ms>-<seq>.parquet

Files appear atomically (temp name, then rename). Small parts are merged as they pile up, and a
closed hour is merged into one file, so readers see few files. A merge writes the new file
before deleting its sources, so a reader may briefly see a row twice — readers drop duplicate
``request_id`` s. ``request_id`` is the router's own id (returned as ``x-request-id``); a
client's ``x-ms-client-request-id`` is kept in ``client_request_id``.

With a ``wal_dir`` every row is also appended to a write-ahead file (``wal-<pid>-<n>.bin``,
one ``marshal`` record per row behind its length) before the router answers: a plain
``write``, no fsync, so it survives the router being killed (not the machine losing power).
Each take starts a new file; once its rows are in Parquet the file is deleted. A new router
replays the files a killed one left (:meth:`Collector.replay_wal`), so no answered request
is lost; a row replayed twice is dropped by readers as above.
"""

from __future__ import annotations

import base64
import contextlib
import marshal
import os
import struct
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

#: Seconds between flushes (without a write-ahead file, a crash loses this much data).
FLUSH_INTERVAL = 0.5
_FRAME = struct.Struct("<I")
#: Merge a partition's small parts once this many have piled up.
MERGE_PARTS_AT = 64
SCHEMA_VERSION = b"1"
SCHEMA = pa.schema(
    [
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("request_id", pa.string()),
        ("client_request_id", pa.string()),
        ("deployment", pa.string()),
        ("mirrored", pa.bool_()),
        ("status", pa.int16()),
        ("latency_ms", pa.float64()),
        ("content_type", pa.string()),
        ("inputs", pa.large_string()),
        ("outputs", pa.large_string()),
    ],
    metadata={b"mlops.collected.schema": SCHEMA_VERSION},
)
#: Position of each field in a buffered row tuple (bodies are raw bytes until written).
Row = tuple[float, str, str | None, str, bool, int, float, str, bytes, bytes]
_BINARY_TYPES = ("application/vnd.apache.parquet", "application/octet-stream")


def partition_of(timestamp: float) -> str:
    """The partition folder of a UNIX timestamp: ``date=YYYY-MM-DD/hour=HH`` (UTC)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return f"date={moment:%Y-%m-%d}/hour={moment:%H}"


def decode_body(body: bytes, content_type: str) -> str:
    """A request/response body as text: UTF-8, or base64 for binary content types."""
    if content_type.split(";", 1)[0].strip().lower() in _BINARY_TYPES:
        return "base64:" + base64.b64encode(body).decode("ascii")
    return body.decode("utf-8", errors="replace")


def rows_to_table(rows: Sequence[Row]) -> pa.Table:
    """A Parquet-ready table of buffered rows."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(SCHEMA)
    (timestamps, ids, client_ids, deployments, mirrored, statuses, latencies, types, inputs,
     outputs) = columns  # fmt: skip
    return pa.Table.from_arrays(
        [
            pa.array([int(t * 1000) for t in timestamps], pa.int64()).cast(SCHEMA.field(0).type),
            pa.array(ids, pa.string()),
            pa.array(client_ids, pa.string()),
            pa.array(deployments, pa.string()),
            pa.array(mirrored, pa.bool_()),
            pa.array(statuses, pa.int16()),
            pa.array(latencies, pa.float64()),
            pa.array(types, pa.string()),
            pa.array(
                [decode_body(b, t) for b, t in zip(inputs, types, strict=True)], pa.large_string()
            ),
            pa.array([b.decode("utf-8", errors="replace") for b in outputs], pa.large_string()),
        ],
        schema=SCHEMA,
    )


def _write_atomically(table: pa.Table, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, final)


def merge_files(partition: Path, files: Iterable[Path], prefix: str) -> Path | None:
    """Merge ``files`` of one partition into one file named ``<prefix>-*.parquet``."""
    sources = sorted(files)
    if len(sources) < 2:
        return None
    tables = []
    for source in sources:
        with contextlib.suppress(FileNotFoundError):
            tables.append(pq.read_table(source, schema=SCHEMA))
    if not tables:
        return None
    merged = partition / f"{prefix}-{int(time.time() * 1000)}-{os.getpid()}.parquet"
    _write_atomically(pa.concat_tables(tables), merged)
    for source in sources:
        source.unlink(missing_ok=True)
    return merged


def read_wal(path: Path) -> Iterator[Row]:
    """The rows of a write-ahead file; a record cut short by a crash ends it."""
    data = path.read_bytes()
    offset = 0
    while offset + _FRAME.size <= len(data):
        (length,) = _FRAME.unpack_from(data, offset)
        start = offset + _FRAME.size
        if start + length > len(data):
            return
        try:
            row = marshal.loads(data[start : start + length])
        except (ValueError, EOFError, TypeError):
            return
        offset = start + length
        yield tuple(row)  # type: ignore[misc]


class Collector:
    """Buffers rows in memory and writes them to hour partitions under ``directory``
    (and ahead of that, row by row, to a write-ahead file in ``wal_dir`` when given)."""

    def __init__(
        self,
        directory: Path,
        *,
        merge_parts_at: int = MERGE_PARTS_AT,
        wal_dir: Path | None = None,
    ) -> None:
        self.directory = directory
        self.merge_parts_at = merge_parts_at
        self.wal_dir = wal_dir
        self._wal_fd: int | None = None
        self._wal_path: Path | None = None
        self._wal_count = count()
        #: Files whose rows were taken and are being written, oldest first.
        self._sealed: deque[Path | None] = deque()
        self._rows: list[Row] = []
        self._write_lock = threading.Lock()
        self._sequence = count()
        self._open_partitions: set[str] = set()
        self.rows_written = 0
        self.last_flush: float | None = None
        self.failures = 0

    def add(self, row: Row) -> None:
        """Buffer one request (called on the router's event loop), written ahead first."""
        if self.wal_dir is not None:
            self._append_wal(row)
        self._rows.append(row)

    def _append_wal(self, row: Row) -> None:
        try:
            if self._wal_fd is None:
                assert self.wal_dir is not None
                self.wal_dir.mkdir(parents=True, exist_ok=True)
                name = f"wal-{os.getpid()}-{next(self._wal_count):06d}.bin"
                self._wal_path = self.wal_dir / name
                self._wal_fd = os.open(self._wal_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            blob = marshal.dumps(row)
            os.write(self._wal_fd, _FRAME.pack(len(blob)) + blob)
        except OSError:
            self.failures += 1  # still buffered: only the crash safety of this row is lost

    def _seal_wal(self) -> Path | None:
        fd, path = self._wal_fd, self._wal_path
        self._wal_fd = self._wal_path = None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        return path

    @property
    def pending(self) -> int:
        """Rows buffered and not yet written."""
        return len(self._rows)

    def take(self) -> list[Row]:
        """Take the buffer (called on the event loop, so no row is added meanwhile); pass it
        to :meth:`write` next, which deletes its write-ahead file once the rows are written."""
        rows, self._rows = self._rows, []
        if rows and self.wal_dir is not None:
            self._sealed.append(self._seal_wal())
        return rows

    def write(self, rows: Sequence[Row]) -> int:
        """Write taken rows, one part per hour partition; returns rows written.

        When the write fails, the rows' write-ahead file stays for the next replay.
        """
        if not rows:
            return 0
        sealed = self._sealed.popleft() if self._sealed else None
        written = self._write(rows)
        if sealed is not None:
            sealed.unlink(missing_ok=True)
        return written

    def replay_wal(self) -> int:
        """Write the rows of write-ahead files other processes left; returns rows written."""
        if self.wal_dir is None or not self.wal_dir.is_dir():
            return 0
        written = 0
        own = f"wal-{os.getpid()}-"
        for path in sorted(self.wal_dir.glob("wal-*.bin")):
            if path.name.startswith(own):
                continue
            rows = list(read_wal(path))
            if rows:
                written += self._write(rows)
            path.unlink(missing_ok=True)
        return written

    def _write(self, rows: Sequence[Row]) -> int:
        groups: dict[str, list[Row]] = {}
        for row in rows:
            groups.setdefault(partition_of(row[0]), []).append(row)
        with self._write_lock:
            for partition, group in groups.items():
                name = f"part-{int(time.time() * 1000)}-{next(self._sequence):06d}.parquet"
                _write_atomically(rows_to_table(group), self.directory / partition / name)
                self._open_partitions.add(partition)
            self.rows_written += len(rows)
            self.last_flush = time.time()
            self._merge_pending()
        return len(rows)

    def flush(self) -> int:
        """Take and write the buffer now (shutdown, tests)."""
        return self.write(self.take())

    def _merge_pending(self) -> None:
        current = partition_of(time.time())
        for partition in sorted(self._open_partitions):
            folder = self.directory / partition
            if partition != current:
                merge_files(folder, folder.glob("*.parquet"), "hour")
                self._open_partitions.discard(partition)
                continue
            parts = list(folder.glob("part-*.parquet"))
            if len(parts) >= self.merge_parts_at:
                merge_files(folder, parts, "merged")

    def merge_closed_hours(self) -> None:
        """Merge every closed hour that still has several files (run at router start)."""
        current = partition_of(time.time())
        with self._write_lock:
            for folder in sorted(self.directory.glob("date=*/hour=*")):
                partition = f"{folder.parent.name}/{folder.name}"
                if partition != current:
                    merge_files(folder, folder.glob("*.parquet"), "hour")
