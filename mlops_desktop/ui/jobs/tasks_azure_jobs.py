"""Task bodies of the Jobs page for Azure ML workspaces: plain functions, free of Qt.

Azure ML jobs become :class:`~mlops_desktop.retraining.jobs.Job` records (backend
``"azureml"``, id ``azure:<workspace>:<job name>``) so the page lists them beside local jobs
with one model. What only Azure jobs have (Studio link, compute, why Cancel is not allowed)
rides in ``Job.handle``. The SDK is imported inside the functions (workers only). A job's log is
followed by one long-running worker that publishes each new piece of text
(:func:`follow_azure_log_task`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from mlops_desktop.core.config import AppConfig, BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus, Trigger
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK, describe_error

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureCompute, AzureJob

AZURE_BACKEND = "azureml"
#: Opens the Azure ML backend of a workspace (tests may pass their own).
AzureOpener = Callable[[WorkspaceConfig], "AzureMlBackend"]

#: Azure ML's job states -> the app's (anything unknown counts as queued: not yet final).
#: The page shows Azure's own word (:func:`azure_status_text`): "preparing" is not "queued".
_STATUS: dict[str, JobStatus] = {
    "NotStarted": JobStatus.QUEUED,
    "Starting": JobStatus.QUEUED,
    "Provisioning": JobStatus.QUEUED,
    "Preparing": JobStatus.QUEUED,
    "Queued": JobStatus.QUEUED,
    "Running": JobStatus.RUNNING,
    "Finalizing": JobStatus.RUNNING,
    "CancelRequested": JobStatus.RUNNING,
    "Completed": JobStatus.SUCCEEDED,
    "Failed": JobStatus.FAILED,
    "NotResponding": JobStatus.FAILED,
    "Canceled": JobStatus.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class AzureLogText:
    """New text of an Azure job's log, published while a worker follows it."""

    job_id: str
    text: str


@dataclass(frozen=True, slots=True)
class AzureJobsRead:
    """The Azure ML jobs of the Azure workspaces, and the workspaces that could not be read."""

    jobs: tuple[Job, ...] = ()
    problems: tuple[str, ...] = ()


def is_azure_job(job: Job) -> bool:
    """True for a record made from an Azure ML job."""
    return job.backend == AZURE_BACKEND


def azure_status_text(job: Job) -> str:
    """Azure ML's state of the job in the page's words: ``not started``, ``preparing``, …"""
    raw = str(job.handle.get("azure_status", "") or "")
    if not raw:
        return job.status.value
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw).lower()


def studio_url(job: Job) -> str:
    """The job's Azure ML Studio address ("" when Azure gave none)."""
    return str(job.handle.get("studio_url", ""))


def cancel_blocked_reason(job: Job) -> str:
    """Why the signed-in identity may not cancel this Azure job ("" when it may)."""
    return str(job.handle.get("cancel_blocked", ""))


def azure_workspaces(config: AppConfig, only: str | None = None) -> list[WorkspaceConfig]:
    """The configured Azure ML workspaces (or just ``only``, when it is one)."""
    return [
        ws
        for ws in config.workspaces
        if ws.backend == BackendKind.AZUREML and (only is None or ws.name == only)
    ]


def default_azure_opener(workspace: WorkspaceConfig) -> AzureMlBackend:
    """The workspace's :class:`AzureMlBackend` (one per worker: MLClient is not shared)."""
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

    return AzureMlBackend(workspace)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def azure_job_record(workspace: str, job: AzureJob, cancel_blocked: str = "") -> Job:
    """The app's record of an Azure ML job (status mapped, trigger from ``mlops.trigger``)."""
    raw_trigger = job.tags.get("mlops.trigger", "")
    trigger_known = raw_trigger in {t.value for t in Trigger}
    return Job(
        id=f"azure:{workspace}:{job.name}",
        workspace=workspace,
        backend=AZURE_BACKEND,
        # The "model" column shows what the job is: its display name or experiment.
        spec=JobSpec(
            script=job.display_name or job.experiment or job.name,
            experiment=job.experiment or None,
            params=dict(job.parameters),
            tracked=False,
        ),
        trigger=Trigger(raw_trigger) if trigger_known else Trigger.MANUAL,
        trigger_detail=job.tags.get("mlops.retrain_of", ""),
        status=_STATUS.get(job.status, JobStatus.QUEUED),
        created_at=_iso(job.created_at) or "",
        started_at=_iso(job.start_time),
        ended_at=_iso(job.end_time),
        cancel_requested=job.status == "CancelRequested",
        submitted_by=job.created_by,
        handle={
            "azure_name": job.name,
            "azure_status": job.status,
            "compute": job.compute,
            "studio_url": job.studio_url,
            "trigger_known": trigger_known,
            "cancel_blocked": cancel_blocked,
        },
    )


def permission_reason(backend: AzureMlBackend, operation: str) -> str:
    """Why the signed-in identity may not do ``operation`` ("" when it may)."""
    try:
        return backend.check_permission(operation).reason
    except MlopsError:
        # Permissions unreadable: leave the button on; the write itself reports a refusal.
        return ""


def template_choices(
    ctx: TaskContext, backend: AzureMlBackend, limit: int
) -> tuple[tuple[AzureJob, ...], tuple[AzureCompute, ...], list[str]]:
    """What a re-run can start from: the newest ``limit`` completed command jobs, the computes,
    and what could not be read (the compute list is optional: a problem line, not an error).
    """
    jobs = backend.list_jobs(limit=500)
    templates = tuple(
        j for j in jobs if j.job_type.lower() == "command" and j.status == "Completed"
    )[:limit]
    ctx.check()
    problems: list[str] = []
    try:
        computes = tuple(backend.list_computes(with_nodes=False))
    except MlopsError as exc:
        computes = ()
        problems.append(f"computes: {describe_error(exc)}")
    return templates, computes, problems


def _open(workspace: WorkspaceConfig, opener: AzureOpener | None) -> AzureMlBackend:
    with _OPEN_LOCK:
        return (opener or default_azure_opener)(workspace)


def list_azure_jobs(
    ctx: TaskContext,
    workspaces: Sequence[WorkspaceConfig],
    *,
    limit: int = 100,
    opener: AzureOpener | None = None,
) -> AzureJobsRead:
    """Newest ``limit`` jobs of each Azure workspace; an unreachable one is a problem line."""
    jobs: list[Job] = []
    problems: list[str] = []
    for n, ws in enumerate(workspaces):
        ctx.progress(n, len(workspaces), f"{ws.name}: listing Azure ML jobs")
        ctx.check()
        try:
            backend = _open(ws, opener)
            try:
                found = backend.list_jobs(limit=limit)
                reason = permission_reason(backend, "cancel_job")
            finally:
                backend.close()
        except MlopsError as exc:
            problems.append(f"{ws.name}: {describe_error(exc)}")
            continue
        jobs.extend(azure_job_record(ws.name, j, reason) for j in found)
    return AzureJobsRead(tuple(jobs), tuple(problems))


def _workspace_of(config: AppConfig, job: Job) -> WorkspaceConfig:
    if not is_azure_job(job):
        raise InvalidInput(f"job {job.id} is not an Azure ML job")
    return config.workspace(job.workspace)


def cancel_azure_job_task(
    ctx: TaskContext, config: AppConfig, job: Job, *, opener: AzureOpener | None = None
) -> Job:
    """Cancel an Azure ML job (permission checked first) and wait for Azure to confirm."""
    ctx.check()
    backend = _open(_workspace_of(config, job), opener)
    try:
        backend.require_permission("cancel_job")
        canceled = backend.cancel_job(str(job.handle["azure_name"]), ctx)
    finally:
        backend.close()
    return azure_job_record(job.workspace, canceled)


def follow_azure_log_task(
    ctx: TaskContext,
    config: AppConfig,
    job: Job,
    *,
    opener: AzureOpener | None = None,
    poll_seconds: float | None = None,
) -> Job:
    """Publish the job's user log (:class:`AzureLogText`), then its new text until it ends.

    Returns the job as Azure ML reports it at the end. Runs until the job has finished, so the
    page cancels it when the selection changes (or the window closes).
    """
    ctx.check()
    name = str(job.handle["azure_name"])
    backend = _open(_workspace_of(config, job), opener)
    try:
        for chunk in backend.follow_job_log(name, ctx=ctx, poll_seconds=poll_seconds):
            if chunk.text:
                ctx.publish(AzureLogText(job.id, chunk.text))
        fresh = backend.get_job(name)
    finally:
        backend.close()
    return azure_job_record(job.workspace, fresh, cancel_blocked_reason(job))
