"""The jobs port of an Azure ML workspace, and what Azure ML jobs are like (their kind).

Azure ML jobs become :class:`~mlops_desktop.retraining.jobs.Job` records (backend
``"azureml"``, id ``azure:<workspace>:<job name>``) so they list beside local jobs. What only
they have (Azure's status word, compute, Studio link, why Cancel is not allowed, the service's
own record) rides in ``Job.handle`` and is read through :class:`AzureJobKind`. Listing reads one
page of the service (``nextLink`` pages, filtered by job type, newest first), never every job.
The SDK is imported inside the backend, on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml.entities import AzureCompute, AzureJob
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.jobs import (
    JobKind,
    JobLogPiece,
    JobLogText,
    JobPage,
    JobQuery,
    LogSource,
    RerunRequest,
    SubmitMode,
    register_kind,
)
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus, Trigger

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

__all__ = ["AZURE_JOBS", "AzureCompute", "AzureJob", "AzureJobKind", "AzureJobs"]

AZURE_BACKEND = "azureml"

#: Azure ML's job states -> the app's (anything unknown counts as queued: not yet final).
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
#: The app's status words a query names -> the Azure ML state it matches (``jobs list
#: --status``, as it always matched).
STATUS_FILTER: dict[JobStatus, str] = {
    JobStatus.QUEUED: "Queued",
    JobStatus.RUNNING: "Running",
    JobStatus.SUCCEEDED: "Completed",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELLED: "Canceled",
}


class AzureJobKind(JobKind):
    """Azure ML jobs: Azure's status words, a trigger only when tagged, logs from the service,
    re-runs of a template job, cancel gated by RBAC."""

    backend = AZURE_BACKEND
    log_source = LogSource.FOLLOW
    submit_mode = SubmitMode.RERUN
    service_status_words = True
    cancel_checks_permission = True
    service_listing = True
    runs_on = "Azure ML"
    local_runner = False
    succeeded_status = "Completed"
    #: Jobs - List filters by job type (and tags, archive state); no Azure job has a policy.
    stored_filters = frozenset({"job_type"})
    page_filters = frozenset({"experiment", "statuses"})

    def raw_status(self, job: Job) -> str:
        """Azure ML's state as Azure ML spells it (``NotStarted``, ``Completed``, …)."""
        return str(job.handle.get("azure_status", "") or job.status.value)

    def status_text(self, job: Job) -> str:
        """Azure ML's state in the page's words: ``not started``, ``preparing``, …"""
        raw = str(job.handle.get("azure_status", "") or "")
        if not raw:
            return job.status.value
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", raw).lower()

    def trigger_text(self, job: Job) -> str:
        """The trigger, "" when the job has no ``mlops.trigger`` tag (not every job has)."""
        return job.trigger.value if job.handle.get("trigger_known") else ""

    def compute(self, job: Job) -> str:
        """The compute target (``serverless`` for a job naming none)."""
        return str(job.handle.get("compute", ""))

    def display_id(self, job: Job) -> str:
        """The name Studio and ``jobs cancel JOB -w W`` use."""
        return str(job.handle.get("azure_name") or job.id)

    def trigger_tooltip(self, job: Job) -> str:
        """The job it re-ran."""
        return f"re-run of Azure ML job {job.trigger_detail}" if job.trigger_detail else ""

    def status_tooltip(self, job: Job) -> str:
        """Azure ML's own state."""
        return f"Azure ML: {job.handle.get('azure_status', '')}"

    def studio_url(self, job: Job) -> str:
        """The job's Azure ML Studio address ("" when Azure gave none)."""
        return str(job.handle.get("studio_url", ""))

    def cancel_blocked(self, job: Job) -> str:
        """Why the signed-in identity may not cancel this job ("" when it may)."""
        return str(job.handle.get("cancel_blocked", ""))

    def template_name(self, job: Job) -> str | None:
        """The job itself: a re-run starts from it."""
        return str(job.handle.get("azure_name", "")) or None

    def service_record(self, job: Job) -> dict[str, Any]:
        """The Azure ML job's fields (what ``jobs list --json`` prints for Azure)."""
        return dict(job.handle.get("service_record") or {})


AZURE_JOBS = register_kind(AzureJobKind())


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def service_json(job: AzureJob) -> dict[str, Any]:
    """An Azure ML job as JSON: its fields and its duration."""
    data: dict[str, Any] = to_jsonable(asdict(job))
    data["duration_seconds"] = job.duration_seconds
    return data


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
            "service_record": service_json(job),
        },
    )


@dataclass(frozen=True, slots=True)
class RerunChoices:
    """What a re-run can start from in one workspace."""

    #: Recent completed command jobs, newest first (the first is the default template).
    templates: tuple[AzureJob, ...] = ()
    computes: tuple[AzureCompute, ...] = ()
    #: Why the signed-in identity may not submit jobs ("" when it may, or when unreadable).
    submit_blocked: str = ""
    #: Parts that could not be read (e.g. the compute list), one line each.
    problems: tuple[str, ...] = ()


def _name(job_id: str) -> str:
    """The Azure job name of a record id (``azure:W:NAME``) or of a bare name."""
    return (
        job_id.split(":", 2)[2]
        if job_id.startswith("azure:") and job_id.count(":") >= 2
        else job_id
    )


class AzureJobs:
    """The jobs of one Azure ML workspace as a :class:`~mlops_desktop.ports.jobs.Jobs` port."""

    kind = AZURE_JOBS

    def __init__(self, workspace: WorkspaceConfig, backend: AzureMlBackend | None = None) -> None:
        if backend is None:
            from mlops_desktop.backends.azureml.backend import AzureMlBackend

            backend = AzureMlBackend(workspace)
        self.workspace = workspace
        self.backend = backend

    # -- reads --------------------------------------------------------------------------------

    def permission_reason(self, operation: str) -> str:
        """Why the signed-in identity may not do ``operation`` ("" when it may)."""
        try:
            return self.backend.check_permission(operation).reason
        except MlopsError:
            # Permissions unreadable: leave the button on; the write itself reports a refusal.
            return ""

    def list_service_jobs(self, query: JobQuery) -> tuple[list[AzureJob], str | None]:
        """One page of Azure ML jobs as Azure describes them, and the next page's token."""
        wanted = {STATUS_FILTER[s] for s in query.statuses}
        experiment = query.experiment

        def keep(job: AzureJob) -> bool:  # filters the Jobs - List API lacks, on one page
            return (not wanted or job.status in wanted) and (
                not experiment or job.experiment == experiment
            )

        return self.backend.list_job_page(
            token=query.token,
            page_size=query.page_size,
            job_type=query.job_type.capitalize() if query.job_type else None,
            keep=keep,
        )

    def list_jobs(self, query: JobQuery, ctx: TaskContext | None = None) -> JobPage:
        """One page of jobs, with why the identity may not cancel them."""
        if ctx is not None:
            ctx.check()
        found, token = self.list_service_jobs(query)
        reason = self.permission_reason("cancel_job")
        return JobPage(
            tuple(azure_job_record(self.workspace.name, j, reason) for j in found), token
        )

    def get(self, job_id: str) -> Job:
        """One job as Azure ML reports it now."""
        return azure_job_record(self.workspace.name, self.backend.get_job(_name(job_id)))

    def template(self, name: str) -> AzureJob:
        """One job read in full (its parameters and data inputs prefill a re-run)."""
        return self.backend.get_job(_name(name))

    def rerun_choices(self, ctx: TaskContext, limit: int, describe: Any = str) -> RerunChoices:
        """The newest ``limit`` completed command jobs, the computes, the ``submit_job``
        permission; the compute list is optional (a problem line, not an error)."""
        # Pages of command jobs (the service filters them), newest first, until enough.
        templates: list[AzureJob] = []
        token: str | None = None
        query = JobQuery(statuses=(JobStatus.SUCCEEDED,), job_type="command", page_size=limit)
        while len(templates) < limit:
            ctx.check()
            found, token = self.list_service_jobs(replace(query, token=token))
            templates += found
            if token is None:
                break
        ctx.check()
        problems: list[str] = []
        try:
            computes = tuple(self.backend.list_computes(with_nodes=False))
        except MlopsError as exc:
            computes = ()
            problems.append(f"computes: {describe(exc)}")
        ctx.check()
        blocked = self.permission_reason("submit_job")
        return RerunChoices(tuple(templates[:limit]), computes, blocked, tuple(problems))

    # -- writes -------------------------------------------------------------------------------

    def submit(self, spec: JobSpec) -> Job:
        """Azure ML jobs re-run a template job; a local pipeline spec does not apply."""
        raise InvalidInput(
            f"workspace {self.workspace.name!r} is an Azure ML workspace: jobs there re-run a "
            "command job",
            hint="name it with --from-job (default: the newest completed one of --experiment)",
        )

    def rerun_service_job(self, request: RerunRequest) -> AzureJob:
        """Check ``submit_job`` permission, then submit the re-run (tagged ``manual``)."""
        return self.backend.submit_manual_retraining(
            template=request.template,
            experiment=request.experiment,
            parameters=request.parameters,
            inputs=request.inputs,
            compute=request.compute,
        )

    def rerun(self, request: RerunRequest) -> Job:
        """Submit the re-run; its record."""
        return azure_job_record(self.workspace.name, self.rerun_service_job(request))

    def cancel(self, job_id: str, *, grace: float = 10.0, ctx: TaskContext | None = None) -> Job:
        """Cancel (permission checked first) and wait for Azure ML to confirm."""
        self.backend.require_permission("cancel_job")
        return azure_job_record(self.workspace.name, self.backend.cancel_job(_name(job_id), ctx))

    def wait(
        self, job_id: str, *, timeout: float | None = None, ctx: TaskContext | None = None
    ) -> Job:
        """Poll until Azure ML reports the job finished (``Unavailable`` after ``timeout``)."""
        job = self.backend.wait_for_job(_name(job_id), timeout=timeout, ctx=ctx)
        return azure_job_record(self.workspace.name, job)

    # -- logs ---------------------------------------------------------------------------------

    def read_log(
        self, job_id: str, *, lines: int = 100, file: str | None = None, all_files: bool = False
    ) -> JobLogText:
        """The user log (default), one named file, or every file, read once in full."""
        log = self.backend.read_job_log(_name(job_id), file=file, all_files=all_files)
        return JobLogText(log.job, log.status, dict(log.files))

    def follow_log(
        self,
        job_id: str,
        *,
        file: str | None = None,
        all_files: bool = False,
        ctx: TaskContext | None = None,
        poll_seconds: float | None = None,
    ) -> Iterator[JobLogPiece]:
        """The log from its start, then new text, until Azure ML reports the job finished."""
        name = _name(job_id)
        for chunk in self.backend.follow_job_log(
            name, file=file, all_files=all_files, ctx=ctx, poll_seconds=poll_seconds
        ):
            yield JobLogPiece(job_id, chunk.file, chunk.text, chunk.status)

    def close(self) -> None:
        """Close the workspace's clients."""
        self.backend.close()
