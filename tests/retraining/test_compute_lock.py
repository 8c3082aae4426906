"""One sampler at a time: a second sampler (another real process) records nothing while the
first holds the store's lock, says who records, and takes over when the first stops."""

from __future__ import annotations

import os
import subprocess
import sys

from mlops_desktop.retraining.compute_samples import MACHINE_CPU, SampleStore
from mlops_desktop.retraining.compute_watch import SamplingLoop

CLI = [sys.executable, "-m", "mlops_desktop", "compute", "sample"]


def test_cli_sampler_waits_while_this_process_records() -> None:
    loop = SamplingLoop(discover=dict)
    assert loop.sample_once() is not None  # this process now holds the lock
    try:
        done = subprocess.run(
            [*CLI, "--interval", "0.05", "--count", "3"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        loop.close()
    assert done.returncode == 0, done.stderr
    assert f"another sampler is recording (pid {os.getpid()})" in done.stdout
    assert done.stdout.count("another sampler") == 1  # said once, not every tick
    assert "0 sample(s) recorded" in done.stdout
    assert len(SampleStore().load(MACHINE_CPU)[0]) == 1  # only ours


def test_app_sampler_skips_while_the_cli_records_then_takes_over() -> None:
    cli = subprocess.Popen(
        [*CLI, "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert cli.stdout is not None
        first = cli.stdout.readline()  # printed after its first sample: it holds the lock
        assert "cpu" in first, cli.stderr.read() if cli.stderr else first
        loop = SamplingLoop(discover=dict)
        assert loop.sample_once() is None
        assert loop.other_sampler_pid == cli.pid
    finally:
        cli.kill()
        cli.wait(10)
    recorded_by_cli = len(SampleStore().load(MACHINE_CPU)[0])
    values = loop.sample_once()  # the lock went with the killed process
    assert values is not None and loop.other_sampler_pid is None
    assert len(SampleStore().load(MACHINE_CPU)[0]) == recorded_by_cli + 1
    loop.close()
