"""Run the loopback server as a developer does (``python -m tests.azureml.arm_server``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Standalone:
    """A running standalone server: its printed lines up to ``ARM_SERVER_READY``."""

    lines: list[str]
    base_url: str
    state: Path


@contextlib.contextmanager
def standalone_server(*args: str) -> Iterator[Standalone]:
    """Start it with ``args``, wait until it says it is ready, stop it afterwards (it must
    exit cleanly). The test's own ``MLOPS_DESKTOP_HOME`` is not passed on."""
    env = {k: v for k, v in os.environ.items() if k != "MLOPS_DESKTOP_HOME"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.azureml.arm_server", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("ARM_SERVER_READY"):
                break
        else:
            pytest.fail("".join(lines))
        _, base_url, state = lines[-1].split()
        yield Standalone(lines, base_url, Path(state))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0
