"""Start detached processes, recognise them later by pid + start time, stop them with a deadline."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psutil

from mlops_desktop.serving.state import ProcessRecord

#: Popen objects of processes this process started, kept so they are reaped, never warned about.
_STARTED: dict[int, subprocess.Popen[bytes]] = {}


def python_command(module: str, *args: str) -> list[str]:
    """``python -m module args…`` with this interpreter."""
    return [sys.executable, "-m", module, *args]


def start_detached(argv: Sequence[str], log_path: Path, env: dict[str, str] | None = None) -> int:
    """Start ``argv`` in its own session (it outlives us), output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    full_env = dict(os.environ if env is None else env)
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=full_env,
            close_fds=True,
            start_new_session=True,
        )
    _STARTED[proc.pid] = proc
    return proc.pid


def _reap(pid: int) -> None:
    """Collect the exit status of a child of ours that has ended (no zombie is left)."""
    proc = _STARTED.get(pid)
    if proc is not None and proc.poll() is not None:
        _STARTED.pop(pid, None)


def record_of(pid: int) -> ProcessRecord:
    """A record (pid + start time) of a running process."""
    return ProcessRecord(pid, psutil.Process(pid).create_time())


def is_alive(record: ProcessRecord | None) -> bool:
    """True when the recorded process still runs (a reused pid does not count)."""
    if record is None:
        return False
    _reap(record.pid)
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.started) > 0.01:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def terminate(record: ProcessRecord | None, timeout: float = 5.0) -> None:
    """SIGTERM the recorded process, then SIGKILL it if it has not exited within ``timeout``."""
    if not is_alive(record):
        return
    assert record is not None
    try:
        proc = psutil.Process(record.pid)
        proc.terminate()
        try:
            proc.wait(timeout)
        except psutil.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    except psutil.NoSuchProcess:
        pass
    _reap(record.pid)


def kill(record: ProcessRecord | None) -> None:
    """SIGKILL the recorded process (tests use it to simulate a crash)."""
    if not is_alive(record):
        return
    assert record is not None
    try:
        proc = psutil.Process(record.pid)
        proc.kill()
        proc.wait(5)
    except psutil.NoSuchProcess:
        pass
    _reap(record.pid)


def wait_until(predicate: Callable[[], object], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate()`` until it is true or ``timeout`` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def log_tail(path: Path, limit: int = 2000) -> str:
    """The end of a log file, for error messages."""
    try:
        data = path.read_bytes()[-limit:]
    except OSError:
        return ""
    return data.decode("utf-8", errors="replace").strip()
