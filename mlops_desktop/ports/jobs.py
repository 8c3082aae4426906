"""The jobs port: list (paged, filtered where the jobs live), submit, cancel, logs.

Every kind speaks in :class:`~mlops_desktop.retraining.jobs.Job` records, so one table lists
local and Azure ML jobs side by side. What differs between kinds — whose status words the page
shows, whether the trigger is always known, where the log comes from, what a re-run starts
from — is declared by the job's :class:`JobKind` (``kind_of(job)``), never tested by callers.

* :class:`LocalJobs`: the local job runner (:class:`~mlops_desktop.retraining.job_manager.
  JobManager`): SQLite records, supervised processes, a log file per job.
* :class:`~mlops_desktop.ports.azure_jobs.AzureJobs`: the jobs of an Azure ML workspace.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus


class LogSource(StrEnum):
    """Where a job's log comes from, which decides how a viewer reads it."""

    #: A file on this machine: poll its last lines while the job runs.
    TAIL = "tail"
    #: The service: one reader follows the log from its start until the job ends.
    FOLLOW = "follow"


class SubmitMode(StrEnum):
    """What a submission names."""

    #: A pipeline spec (:class:`~mlops_desktop.retraining.jobs.JobSpec`) run here.
    PIPELINE = "pipeline"
    #: A job of the service re-run with new parameters and data (:class:`RerunRequest`).
    RERUN = "rerun"


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs, and which page of them. Always newest first.

    ``token`` is the ``next_token`` of the previous :class:`JobPage` (None: the first page).
    """

    experiment: str | None = None
    statuses: tuple[JobStatus, ...] = ()
    policy: str | None = None
    #: e.g. ``command`` (jobs a re-run can start from); kinds without job types ignore it.
    job_type: str | None = None
    page_size: int = 50
    token: str | None = None
    #: Only order offered by every kind; declared so a caller need not assume it.
    newest_first: bool = True


@dataclass(frozen=True, slots=True)
class JobPage:
    """One page of jobs and the token of the next one (None on the last page)."""

    jobs: tuple[Job, ...] = ()
    next_token: str | None = None


@dataclass(frozen=True, slots=True)
class JobLogText:
    """A job's log as read once: file name -> text (one file for a local job)."""

    job_id: str
    status: str
    files: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobLogPiece:
    """New text of a followed log; the last piece carries the final status (text may be "")."""

    job_id: str
    file: str
    text: str
    status: str


@dataclass(frozen=True, slots=True)
class RerunRequest:
    """A re-run of a service job: the template job (None: newest completed) and changes."""

    template: str | None = None
    experiment: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    #: None: the template's compute.
    compute: str | None = None


class JobKind:
    """What jobs of one kind are like: the defaults describe local jobs."""

    #: ``Job.backend`` of records of this kind (local records name the workspace's backend).
    backend: str = ""
    log_source: LogSource = LogSource.TAIL
    submit_mode: SubmitMode = SubmitMode.PIPELINE
    #: The status cell shows the service's own word ("preparing"), not the app's.
    service_status_words: bool = False
    #: Cancelling needs a permission the identity may lack (the record says why not).
    cancel_checks_permission: bool = False
    #: The CLI lists the service's own fields (name, service status, compute, …).
    service_listing: bool = False
    #: Where jobs of this kind run, for the detail line ("" for this machine).
    runs_on: str = ""
    #: The local job runner holds these records (else the workspace's service does).
    local_runner: bool = True
    #: The query filters the store itself applies (SQLite for local jobs) ...
    stored_filters: frozenset[str] = frozenset({"experiment", "statuses", "policy"})
    #: ... and those applied to each page read (a page may then hold fewer jobs; its token
    #: still goes on). Every kind orders newest first.
    page_filters: frozenset[str] = frozenset()
    #: The raw status of a job that succeeded (what a followed log's last piece says).
    succeeded_status: str = JobStatus.SUCCEEDED.value

    def status_text(self, job: Job) -> str:
        """The status in the words the page shows."""
        return job.status.value

    def raw_status(self, job: Job) -> str:
        """The status in the words of whoever runs the job (the CLI prints these)."""
        return job.status.value

    def trigger_text(self, job: Job) -> str:
        """The trigger, "" when the record does not know it."""
        return job.trigger.value

    def compute(self, job: Job) -> str:
        """Where the job runs."""
        return "local"

    def display_id(self, job: Job) -> str:
        """The id people type (``jobs cancel ID``)."""
        return job.id

    def trigger_tooltip(self, job: Job) -> str:
        """Why the job ran, in a sentence ("" when nothing more is known)."""
        if job.trigger_detail or job.policy:
            policy = f"policy {job.policy}: " if job.policy else ""
            return policy + job.trigger_detail
        return ""

    def status_tooltip(self, job: Job) -> str:
        """More about the status ("" when nothing)."""
        return ""

    def studio_url(self, job: Job) -> str:
        """The job's page in the service's web UI ("" when none)."""
        return ""

    def cancel_blocked(self, job: Job) -> str:
        """Why the identity may not cancel the job ("" when it may)."""
        return ""

    def template_name(self, job: Job) -> str | None:
        """The name a re-run of this job starts from (None: the kind re-runs no job)."""
        return None

    def service_record(self, job: Job) -> dict[str, Any]:
        """The job as the service describes it (``--json`` of service listings)."""
        return job.to_json()


#: Local jobs (of local-store and MLflow-server workspaces alike).
LOCAL_JOBS = JobKind()
_KINDS: dict[str, JobKind] = {}


def register_kind(kind: JobKind) -> JobKind:
    """Make ``kind_of`` answer ``kind`` for records whose ``backend`` is ``kind.backend``."""
    _KINDS[kind.backend] = kind
    return kind


def kind_of(job: Job) -> JobKind:
    """The kind of a job record (local unless a service kind claims its backend)."""
    if not _KINDS:  # the service kinds register themselves when their module loads
        import mlops_desktop.ports.azure_jobs  # noqa: F401
    return _KINDS.get(job.backend, LOCAL_JOBS)


class Jobs(Protocol):
    """The jobs of one workspace (or, for the local runner, of every local workspace)."""

    kind: JobKind

    def list_jobs(self, query: JobQuery, ctx: TaskContext | None = None) -> JobPage:
        """One page of jobs matching ``query``, newest first."""
        ...

    def get(self, job_id: str) -> Job:
        """One job as it stands now."""
        ...

    def submit(self, spec: JobSpec) -> Job:
        """Run a pipeline spec (``SubmitMode.PIPELINE`` kinds)."""
        ...

    def rerun(self, request: RerunRequest) -> Job:
        """Re-run a service job (``SubmitMode.RERUN`` kinds)."""
        ...

    def cancel(self, job_id: str, *, grace: float = 10.0, ctx: TaskContext | None = None) -> Job:
        """Cancel a queued or running job; returns it once the cancel took effect."""
        ...

    def wait(
        self, job_id: str, *, timeout: float | None = None, ctx: TaskContext | None = None
    ) -> Job:
        """Wait until the job has ended (or ``timeout`` passed); the job as it then is."""
        ...

    def read_log(
        self, job_id: str, *, lines: int = 100, file: str | None = None, all_files: bool = False
    ) -> JobLogText:
        """The log (its last ``lines`` lines for a local job)."""
        ...

    def follow_log(
        self,
        job_id: str,
        *,
        file: str | None = None,
        all_files: bool = False,
        ctx: TaskContext | None = None,
        poll_seconds: float | None = None,
    ) -> Iterator[JobLogPiece]:
        """The log from its start, then new text, until the job has ended."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class LocalJobs:
    """The local job runner as a :class:`Jobs` port (records under the app's data dir).

    Opened for one workspace it lists and submits that workspace's jobs; opened for none
    (``workspace_name`` optional) it lists the jobs of every (or the named) workspace.
    """

    kind = LOCAL_JOBS

    def __init__(
        self,
        workspace: WorkspaceConfig | None = None,
        manager: Any = None,
        *,
        workspace_name: str | None = None,
    ) -> None:
        from mlops_desktop.retraining.job_manager import JobManager

        self.workspace = workspace
        self.workspace_name = workspace.name if workspace else workspace_name
        self.manager = manager or JobManager()

    def list_jobs(self, query: JobQuery, ctx: TaskContext | None = None) -> JobPage:
        """One page from the job store: SQLite filters, orders and pages (offset tokens)."""
        if ctx is not None:
            ctx.check()
        offset = _offset(query.token)
        jobs = self.manager.list_jobs(
            workspace=self.workspace_name,
            policy=query.policy,
            statuses=query.statuses,
            experiment=query.experiment,
            limit=query.page_size + 1,  # one more says whether a next page exists
            offset=offset,
        )
        more = len(jobs) > query.page_size
        token = str(offset + query.page_size) if more else None
        return JobPage(tuple(jobs[: query.page_size]), token)

    def get(self, job_id: str) -> Job:
        """One job (a unique id prefix is enough), reconciled with its process."""
        return self.manager.get(job_id)

    def submit(self, spec: JobSpec) -> Job:
        """Record a job in this port's workspace and start it when a slot is free."""
        if self.workspace is None:
            raise InvalidInput("submitting a job needs a workspace", hint="pass --workspace")
        return self.manager.submit(self.workspace, spec)

    def rerun(self, request: RerunRequest) -> Job:
        """Local jobs run pipeline specs; there is no service job to re-run."""
        raise InvalidInput(
            "local jobs run a pipeline spec, not a re-run of another job",
            hint="submit the training pipeline (or --script) instead",
        )

    def cancel(self, job_id: str, *, grace: float = 10.0, ctx: TaskContext | None = None) -> Job:
        """SIGTERM, SIGKILL after ``grace``; returns the job once it has ended."""
        return self.manager.cancel(job_id, grace=grace)

    def wait(
        self, job_id: str, *, timeout: float | None = None, ctx: TaskContext | None = None
    ) -> Job:
        """Wait until the job has settled (follow-ups included)."""
        return self.manager.wait(job_id, timeout=timeout)

    def read_log(
        self, job_id: str, *, lines: int = 100, file: str | None = None, all_files: bool = False
    ) -> JobLogText:
        """The last ``lines`` lines of the job's log file."""
        text = "".join(f"{line}\n" for line in self.manager.tail_log(job_id, lines))
        return JobLogText(job_id, "", {"job.log": text})

    def follow_log(
        self,
        job_id: str,
        *,
        file: str | None = None,
        all_files: bool = False,
        ctx: TaskContext | None = None,
        poll_seconds: float | None = None,
    ) -> Iterator[JobLogPiece]:
        """The log line by line until the job has settled; then its final status."""
        for line in self.manager.follow_log(job_id):
            yield JobLogPiece(job_id, "job.log", f"{line}\n", "")
        yield JobLogPiece(job_id, "", "", self.manager.get(job_id).status.value)

    def tail(self, job_id: str, lines: int) -> tuple[Job, list[str]]:
        """The job (reconciled) and its last ``lines`` log lines, for a polling viewer."""
        job = self.manager.get(job_id)
        return job, self.manager.tail_log(job.id, lines)

    def log_path(self, job_id: str) -> Any:
        """The job's log file."""
        return self.manager.log_path(job_id)

    def close(self) -> None:
        """Nothing to release (each store call opens its own connection)."""


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return max(0, int(token))
    except ValueError as exc:
        raise InvalidInput(f"cannot read the page token {token!r}") from exc
