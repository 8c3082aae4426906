"""How a job runs on a workspace's backend: one protocol, one launcher per backend kind.

The :class:`~mlops_desktop.retraining.job_manager.JobManager` speaks only this protocol, so the
GUI and CLI never branch on backend kind. MLflow workspaces (local stores and tracking servers)
run jobs as supervised local processes (:mod:`mlops_desktop.retraining.local_launcher`); Azure
ML workspaces will submit command jobs to Azure ML compute through the same calls.
"""

from __future__ import annotations

from typing import Protocol

from mlops_desktop.core.config import BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import Job


class JobLauncher(Protocol):
    """Starts, watches and stops the jobs of one kind of backend."""

    def prepare(self, job: Job, workspace: WorkspaceConfig) -> Job:
        """Fill in what the job will run (command, environment, tracking URI); validates."""
        ...

    def start(self, job: Job) -> Job:
        """Start a claimed job; returns it with the launcher's handle recorded."""
        ...

    def reconcile(self, job: Job) -> Job:
        """The job's true state when the record says it runs (e.g. its process is gone)."""
        ...

    def request_cancel(self, job: Job, grace: float) -> None:
        """Ask a running job to stop; ``grace`` seconds before it is killed."""
        ...


def launcher_for(backend: str, store: JobStore) -> JobLauncher:
    """The launcher of a backend kind (``job.backend`` or a workspace's ``backend``)."""
    if backend == BackendKind.MLFLOW.value:
        from mlops_desktop.retraining.local_launcher import LocalProcessLauncher

        return LocalProcessLauncher(store)
    raise InvalidInput(
        f"jobs on {backend} workspaces are not available in this version",
        hint="Azure ML jobs arrive with the Azure ML backend; meanwhile submit them with "
        "`az ml job create` (see `mlops-desktop export-ci --azure-devops`)",
    )


def launcher_for_workspace(workspace: WorkspaceConfig, store: JobStore) -> JobLauncher:
    """The launcher of a workspace's backend."""
    return launcher_for(workspace.backend.value, store)
