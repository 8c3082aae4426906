"""``ProcessLock``: a non-blocking exclusive lock, held against a real second process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mlops_desktop.core.files import ProcessLock

HOLDER = """
import sys
from pathlib import Path
from mlops_desktop.core.files import ProcessLock
lock = ProcessLock(Path(sys.argv[1]))
print("locked" if lock.acquire() else "busy", flush=True)
sys.stdin.readline()  # hold until the test says so
"""


def test_second_process_is_refused_at_once_and_told_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "sampler.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        mine = ProcessLock(path)
        assert mine.acquire() is False  # does not wait
        assert not mine.held
        assert mine.owner_pid() == holder.pid
    finally:
        holder.kill()
        holder.wait(10)
    # The lock went with the process: now it is ours, and says so.
    with ProcessLock(path) as got:
        assert got is True
        assert ProcessLock(path).owner_pid() == os.getpid()
        assert ProcessLock(path).acquire() is False  # a second object in this process too
    assert ProcessLock(path).acquire() is True  # released on leaving the block


def test_owner_unknown_without_a_file(tmp_path: Path) -> None:
    assert ProcessLock(tmp_path / "none.lock").owner_pid() is None
