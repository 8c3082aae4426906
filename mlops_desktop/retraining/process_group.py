"""Start a job's process in its own process group, stop the whole group with a grace period.

A pipeline may start processes of its own (data loaders, MLflow's helpers); cancelling a job
must end all of them, so the job's process leads a new session and group, and a stop signals
the group: SIGTERM first, SIGKILL for whatever is left after the grace period. On platforms
without process groups (Windows) the process tree is walked with psutil instead.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

from mlops_desktop.serving.processes import is_alive
from mlops_desktop.serving.state import ProcessRecord

_POSIX = hasattr(os, "killpg")


def start_group_leader(
    argv: Sequence[str], log_path: Path, env: Mapping[str, str], cwd: Path
) -> subprocess.Popen[bytes]:
    """Start ``argv`` leading a new process group; stdout and stderr appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    extra: dict[str, object] = (
        {"start_new_session": True}
        if _POSIX
        else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    )
    with open(log_path, "ab") as log:
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            close_fds=True,
            **extra,
        )


def _signal_group(record: ProcessRecord, sig: int) -> None:
    if _POSIX:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(record.pid, sig)
        return
    try:
        leader = psutil.Process(record.pid)
        members = [*leader.children(recursive=True), leader]
    except psutil.NoSuchProcess:
        return
    for proc in members:
        try:
            proc.kill() if sig == getattr(signal, "SIGKILL", None) else proc.terminate()
        except psutil.NoSuchProcess:
            continue


def group_alive(record: ProcessRecord | None) -> bool:
    """True while the group's leader (pid + start time) still runs."""
    return is_alive(record)


def stop_group(record: ProcessRecord | None, grace: float) -> bool:
    """SIGTERM the group led by ``record``; SIGKILL it after ``grace`` seconds.

    Returns True when it had to kill. A leader that already exited is left alone (its pid may
    belong to someone else by now, which the recorded start time rules out).
    """
    if record is None or not group_alive(record):
        return False
    _signal_group(record, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not group_alive(record):
            return False
        time.sleep(0.05)
    _signal_group(record, getattr(signal, "SIGKILL", signal.SIGTERM))
    return True


def record_of_child(proc: subprocess.Popen[bytes]) -> ProcessRecord:
    """pid + start time of a child just started (the start time tells a reused pid apart)."""
    try:
        return ProcessRecord(proc.pid, psutil.Process(proc.pid).create_time())
    except psutil.NoSuchProcess:
        return ProcessRecord(proc.pid, 0.0)


def python_executable() -> str:
    """The interpreter jobs run with: this one (the app's venv)."""
    return sys.executable
