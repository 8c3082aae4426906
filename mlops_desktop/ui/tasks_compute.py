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
from mlops_desktop.retraining.compute_azure import (
    AzureWorkspaceCompute,
    azure_workspaces,
    read_all_azure_compute,
)
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


def _arrays(pair: tuple[list[float], list[float]]) -> Series:
    import numpy as np

    return np.asarray(pair[0], dtype=float), np.asarray(pair[1], dtype=float)


def load_local_compute(
    ctx: TaskContext, window_seconds: float, *, store: SampleStore | None = None
) -> LocalCompute:
    """Machine and process samples of the last ``window_seconds``."""
    store = store or SampleStore()
    until = time.time()
    since = until - window_seconds
    machine = machine_usage(store, since, until)
    cpu = _arrays(store.load(MACHINE_CPU, since, until))
    memory = _arrays(store.load(MACHINE_MEMORY, since, until))
    processes = process_usage(store, since, until)
    per_cpu: dict[str, Series] = {}
    per_rss: dict[str, Series] = {}
    for process in processes:
        ctx.check()
        per_cpu[process.label] = _arrays(store.load(process_series(process.label, "cpu"), since))
        per_rss[process.label] = _arrays(store.load(process_series(process.label, "rss_mb"), since))
    return LocalCompute(since, until, machine, cpu, memory, processes, per_cpu, per_rss)


def load_azure_compute(ctx: TaskContext, config: AppConfig) -> list[AzureWorkspaceCompute]:
    """Computes, quota and hints of every Azure ML workspace (none: an empty list)."""
    ctx.check()
    if not azure_workspaces(config):
        return []
    return read_all_azure_compute(config, ctx)


def list_run_jobs(ctx: TaskContext, limit: int = 50) -> list[Job]:
    """Recent jobs that have an MLflow run, newest first."""
    ctx.check()
    return [job for job in JobManager().list_jobs(limit=limit) if job.run_id]


def load_run_metrics(ctx: TaskContext, job_id: str) -> RunSystemMetrics:
    """The system metrics of one job's run."""
    ctx.check()
    return run_system_metrics(JobManager().get(job_id))
