"""MLflow runs of jobs: the run and model version a job produced; a policy's newest run.

The job's run carries the tag ``mlops.job_id`` (set through ``MLFLOW_RUN_CONTEXT``), so any
script that logs to MLflow is linked, not only the sample pipeline. Once found, the job's own
resource use (CPU seconds, peak memory of its process) is logged on the run beside MLflow's
host-wide system metrics, and a run the cancelled or crashed process left ``RUNNING`` is closed
as ``KILLED`` or ``FAILED``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import NotFound
from mlops_desktop.retraining.jobs import JOB_ID_TAG, POLICY_TAG, Job, JobStatus

#: Metric names of the job's own resource use, logged on its run.
RESOURCE_METRICS = {"cpu_seconds": "job.cpu_seconds", "peak_rss_mb": "job.peak_rss_mb"}


@dataclass(frozen=True)
class RunLink:
    """The run a job logged and the model version it registered (if any)."""

    run_id: str
    run_status: str
    registered_model: str | None
    version: str | None


def _client(job: Job) -> Any:
    from mlflow import MlflowClient

    if not _store_exists(job.tracking_uri):
        raise NotFound(f"the MLflow store {job.tracking_uri} does not exist: the job logged no run")
    server_workspace = job.env.get("MLFLOW_WORKSPACE")
    if server_workspace:
        os.environ["MLFLOW_WORKSPACE"] = server_workspace  # this process serves this job only
    registry = job.env.get("MLFLOW_REGISTRY_URI") or job.tracking_uri
    return MlflowClient(tracking_uri=job.tracking_uri, registry_uri=registry)


def _find_run(client: Any, job: Job) -> Any:
    query = f"tags.`{JOB_ID_TAG}` = '{job.id}'"
    named = job.env.get("MLFLOW_EXPERIMENT_NAME")
    experiment = client.get_experiment_by_name(named) if named else None
    candidates = [experiment.experiment_id] if experiment is not None else []
    for ids in (candidates, [e.experiment_id for e in client.search_experiments()]):
        if not ids:
            continue
        runs = client.search_runs(ids, filter_string=query, max_results=1)
        if runs:
            return runs[0]
    raise NotFound(f"no MLflow run in {job.tracking_uri} carries {JOB_ID_TAG}={job.id}")


def link_run(job: Job) -> RunLink:
    """Find the job's run and version; log its resource use; close it if left running."""
    client = _client(job)
    run = _find_run(client, job)
    run_id = run.info.run_id
    for key, metric in RESOURCE_METRICS.items():
        if key in job.resources:
            client.log_metric(run_id, metric, float(job.resources[key]))
    status = run.info.status
    if status == "RUNNING" and job.status.finished:
        ended = {JobStatus.SUCCEEDED: "FINISHED", JobStatus.CANCELLED: "KILLED"}
        status = ended.get(job.status, "FAILED")
        client.set_terminated(run_id, status)
    versions = client.search_model_versions(f"run_id = '{run_id}'")
    newest = max(versions, key=lambda v: int(v.version), default=None)
    return RunLink(
        run_id=run_id,
        run_status=status,
        registered_model=newest.name if newest else None,
        version=str(newest.version) if newest else None,
    )


def last_policy_run_start(workspace: WorkspaceConfig, policy: str) -> datetime | None:
    """When the newest run a policy's job logged in ``workspace`` started (None: none).

    The tracking store remembers retraining across machines: a CI runner starts with an empty
    job database each time, but the runs its jobs logged carry ``mlops.policy``.
    """
    from mlops_desktop.backends.mlflow.backend import MlflowBackend

    assert workspace.mlflow is not None
    if not _store_exists(workspace.mlflow.tracking_uri):
        return None  # no store yet, so no runs (and opening one would create it)
    client = MlflowBackend(workspace).client
    experiment_ids = [e.experiment_id for e in client.search_experiments()]
    if not experiment_ids:
        return None
    runs = client.search_runs(
        experiment_ids,
        filter_string=f"tags.`{POLICY_TAG}` = '{policy}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    if not runs:
        return None
    return datetime.fromtimestamp(runs[0].info.start_time / 1000, tz=UTC)


def _store_exists(uri: str) -> bool:
    """False for a local SQLite store whose file is missing (opening it would create it)."""
    if uri.startswith("sqlite:///"):
        return Path(unquote(uri.removeprefix("sqlite:///"))).exists()
    return True
