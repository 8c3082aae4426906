"""Local compute use over time: a psutil sampler and a small time-series store (Qt-free).

The store keeps one binary file per series and UTC day under ``data_dir()/compute/``: packed
``(time, value)`` float64 pairs appended as they come, so loading days of samples is a few
``array.fromfile`` calls. Series are named ``machine.cpu`` (percent of all cores),
``machine.memory`` (percent used) and ``process.<label>.cpu`` / ``process.<label>.rss_mb`` for
watched processes (local endpoints, running jobs; children included).
"""

from __future__ import annotations

import contextlib
import re
import time
from array import array
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

from mlops_desktop.core import paths

MACHINE_CPU = "machine.cpu"
MACHINE_MEMORY = "machine.memory"
#: Days of samples kept by :meth:`SampleStore.prune` by default.
DEFAULT_RETENTION_DAYS = 7
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def compute_dir() -> Path:
    """Where compute samples live."""
    return paths.data_dir() / "compute"


def process_series(label: str, metric: str) -> str:
    """The series name of ``metric`` (``cpu`` or ``rss_mb``) of a watched process."""
    return f"process.{_SAFE.sub('_', label)}.{metric}"


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


class SampleStore:
    """Append-only ``(time, value)`` series, one file per series and UTC day."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or compute_dir()

    def _file(self, series: str, day: str) -> Path:
        return self.root / day / f"{_SAFE.sub('_', series)}.f64"

    def append(self, timestamp: float, values: dict[str, float]) -> None:
        """Record ``values`` (series → value) taken at ``timestamp`` (epoch seconds)."""
        day = _day(timestamp)
        for series, value in values.items():
            path = self._file(series, day)
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab") as fh:
                array("d", (timestamp, float(value))).tofile(fh)

    def days(self) -> list[str]:
        """Days with samples, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def series_names(self, since: float | None = None) -> list[str]:
        """Series with samples on or after ``since`` (all when None)."""
        first = _day(since) if since is not None else ""
        names = {p.stem for d in self.days() if d >= first for p in (self.root / d).glob("*.f64")}
        return sorted(names)

    def load(
        self, series: str, since: float | None = None, until: float | None = None
    ) -> tuple[list[float], list[float]]:
        """Times and values of ``series`` within ``[since, until]``, oldest first."""
        first = _day(since) if since is not None else ""
        last = _day(until) if until is not None else "9999"
        data = array("d")
        for day in self.days():
            if not first <= day <= last:
                continue
            path = self._file(series, day)
            with contextlib.suppress(FileNotFoundError):
                raw = path.read_bytes()
                raw = raw[: len(raw) - len(raw) % 16]  # a torn last write is dropped
                data.frombytes(raw)
        times, values = data[0::2], data[1::2]
        lo = since if since is not None else float("-inf")
        hi = until if until is not None else float("inf")
        pairs = [(t, v) for t, v in zip(times, values, strict=True) if lo <= t <= hi]
        pairs.sort(key=lambda p: p[0])
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def prune(self, keep_days: int = DEFAULT_RETENTION_DAYS, now: float | None = None) -> int:
        """Delete days older than ``keep_days``; returns how many were deleted."""
        oldest = _day((now or time.time()) - timedelta(days=keep_days).total_seconds())
        removed = 0
        for day in self.days():
            if day < oldest:
                folder = self.root / day
                for path in folder.iterdir():
                    path.unlink(missing_ok=True)
                with contextlib.suppress(OSError):
                    folder.rmdir()
                removed += 1
        return removed


class ComputeSampler:
    """Samples the machine and watched processes with psutil.

    CPU percentages are measured between two calls, so the first sample of a process reads 0;
    keep one sampler and call :meth:`sample` every few seconds.
    """

    def __init__(self) -> None:
        self._processes: dict[int, psutil.Process] = {}
        psutil.cpu_percent(interval=None)  # start the machine-wide measurement

    def sample(
        self, processes: Mapping[str, int | Sequence[int]] | None = None
    ) -> dict[str, float]:
        """Machine CPU and memory percent, and CPU % / RSS MB of each ``label → pid(s)``.

        A label may name several pids (an endpoint's router and its deployments, which a fork
        host parents); each process of their trees is counted once.
        """
        values = {
            MACHINE_CPU: psutil.cpu_percent(interval=None),
            MACHINE_MEMORY: psutil.virtual_memory().percent,
        }
        seen: set[int] = set()
        for label, pids in (processes or {}).items():
            cpu = rss = 0.0
            found = False
            counted: set[int] = set()
            roots = [pids] if isinstance(pids, int) else list(pids)
            tree = [proc for pid in roots for proc in self._tree(pid)]
            for proc in tree:
                if proc.pid in counted:
                    continue
                counted.add(proc.pid)
                seen.add(proc.pid)
                try:
                    with proc.oneshot():
                        cpu += proc.cpu_percent(interval=None)
                        rss += proc.memory_info().rss / 2**20
                    found = True
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
            if found:
                values[process_series(label, "cpu")] = cpu
                values[process_series(label, "rss_mb")] = rss
        for pid in set(self._processes) - seen:
            del self._processes[pid]
        return values

    def _tree(self, pid: int) -> list[psutil.Process]:
        root = self._process(pid)
        if root is None:
            return []
        try:
            children = root.children(recursive=True)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            children = []
        tree = [root]
        for child in children:
            known = self._process(child.pid)
            if known is not None:
                tree.append(known)
        return tree

    def _process(self, pid: int) -> psutil.Process | None:
        proc = self._processes.get(pid)
        if proc is not None and proc.is_running():
            return proc
        try:
            proc = psutil.Process(pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            self._processes.pop(pid, None)
            return None
        self._processes[pid] = proc
        return proc
