"""MLflow system metrics logged on a job's run (``system/cpu_utilization_percentage``, …).

Jobs run with ``MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING`` on, so each run carries its machine's
CPU and memory over the run; the Compute page plots them for a chosen job. MLflow is imported
only when called (in a worker).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlops_desktop.core.errors import NotFound
from mlops_desktop.retraining.jobs import Job

#: The system metrics shown, in order (MLflow's names).
SYSTEM_METRICS = (
    "system/cpu_utilization_percentage",
    "system/system_memory_usage_percentage",
    "system/system_memory_usage_megabytes",
)


@dataclass(frozen=True)
class RunSystemMetrics:
    """A job's run and its system metrics: name → (epoch seconds, values)."""

    job_id: str
    run_id: str
    series: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    #: The job's own process use (``job.cpu_seconds``, ``job.peak_rss_mb``), if recorded.
    resources: dict[str, float] = field(default_factory=dict)


def run_system_metrics(job: Job, metrics: tuple[str, ...] = SYSTEM_METRICS) -> RunSystemMetrics:
    """The system metrics of ``job``'s MLflow run; NotFound when the job has no run yet."""
    if not job.run_id or not job.tracking_uri:
        raise NotFound(f"job {job.id} has no MLflow run (yet)")
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=job.tracking_uri)
    series: dict[str, tuple[list[float], list[float]]] = {}
    for name in metrics:
        history = sorted(client.get_metric_history(job.run_id, name), key=lambda m: m.timestamp)
        if history:
            series[name] = ([m.timestamp / 1000 for m in history], [m.value for m in history])
    return RunSystemMetrics(job.id, job.run_id, series, dict(job.resources))
