"""Task bodies of the Compute page: plain functions ``fn(ctx, ...)``, testable without Qt.

They read the compute sample store (files under the data dir), the job store, an MLflow run's
system metrics and Azure ML computes; numpy arrays go to the charts as they are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.compute import AzureWorkspaceCompute, read_service_compute
from mlops_desktop.retraining.compute_runs import RunSystemMetrics, run_system_metrics
from mlops_desktop.retraining.compute_samples import (
    MACHINE_CPU,
    MACHINE_MEMORY,
    SampleStore,
    process_series,
)
from mlops_desktop.retraining.compute_watch import (
    MachineUse,
    ProcessUse,
    machine_usage,
    process_usage,
)
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import Job

#: The window selector: label → seconds.
WINDOWS: dict[str, int] = {"15 min": 15 * 60, "1 h": 3600, "24 h": 86_400, "7 d": 7 * 86_400}

#: (times, values) as numpy arrays (numpy loads in the worker, not at window start).
Series = tuple[Any, Any]
#: Samples further apart than this many sampling intervals have a gap between them (the app
#: was closed, a process was not running): the charts draw no line across it.
GAP_FACTOR = 2.5


@dataclass(frozen=True)
class LocalCompute:
    """What the local section shows for one window."""

    since: float
    until: float
    machine: MachineUse
    machine_cpu: Series
    machine_memory: Series
    processes: list[ProcessUse]
    #: label → (times, values) of each process's CPU % and RSS MB.
    process_cpu: dict[str, Series] = field(default_factory=dict)
    process_rss: dict[str, Series] = field(default_factory=dict)


def sampling_interval(times: Any) -> float | None:
    """The typical spacing of sample ``times`` (their median step); None with fewer than 3."""
    import numpy as np

    steps = np.diff(np.asarray(times, dtype=float))
    steps = steps[steps > 0]
    return float(np.median(steps)) if len(steps) >= 2 else None


def break_gaps(times: Any, values: Any, interval: float | None) -> Series:
    """The series with a NaN point in every gap wider than ``GAP_FACTOR`` intervals, so a
    curve drawn with ``connect="finite"`` breaks there instead of bridging missing samples."""
    import numpy as np

    t = np.asarray(times, dtype=float)
    v = np.asarray(values, dtype=float)
    if interval is None or len(t) < 2:
        return t, v
    gaps = np.flatnonzero(np.diff(t) > GAP_FACTOR * interval)
    if not len(gaps):
        return t, v
    middles = (t[gaps] + t[gaps + 1]) / 2
    return np.insert(t, gaps + 1, middles), np.insert(v, gaps + 1, np.nan)


def _arrays(pair: tuple[list[float], list[float]], interval: float | None) -> Series:
    return break_gaps(pair[0], pair[1], interval)


def load_local_compute(
    ctx: TaskContext, window_seconds: float, *, store: SampleStore | None = None
) -> LocalCompute:
    """Machine and process samples of the last ``window_seconds``, broken at sampling gaps."""
    store = store or SampleStore()
    until = time.time()
    since = until - window_seconds
    machine = machine_usage(store, since, until)
    cpu_raw = store.load(MACHINE_CPU, since, until)
    # The machine is sampled at every tick: its spacing is the sampler's interval.
    interval = sampling_interval(cpu_raw[0])
    cpu = _arrays(cpu_raw, interval)
    memory = _arrays(store.load(MACHINE_MEMORY, since, until), interval)
    processes = process_usage(store, since, until)
    per_cpu: dict[str, Series] = {}
    per_rss: dict[str, Series] = {}
    for process in processes:
        ctx.check()
        cpu_series = store.load(process_series(process.label, "cpu"), since)
        rss_series = store.load(process_series(process.label, "rss_mb"), since)
        per_cpu[process.label] = _arrays(cpu_series, interval)
        per_rss[process.label] = _arrays(rss_series, interval)
    return LocalCompute(since, until, machine, cpu, memory, processes, per_cpu, per_rss)


def load_azure_compute(ctx: TaskContext, config: AppConfig) -> list[AzureWorkspaceCompute]:
    """Computes, quota and hints of every Azure ML workspace (none: an empty list)."""
    ctx.check()
    return read_service_compute(config, ctx)


def list_run_jobs(ctx: TaskContext, limit: int = 50) -> list[Job]:
    """Recent jobs that have an MLflow run, newest first."""
    ctx.check()
    return [job for job in JobManager().list_jobs(limit=limit) if job.run_id]


def load_run_metrics(ctx: TaskContext, job_id: str) -> RunSystemMetrics:
    """The system metrics of one job's run."""
    ctx.check()
    return run_system_metrics(JobManager().get(job_id))
