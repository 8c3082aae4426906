"""The jobs API the GUI, the CLI and the retraining check use.

``submit`` records a job as ``queued`` and starts it when a slot is free (at most
``max_running`` jobs run at once; a finishing job starts the next). Records persist in
SQLite, so they survive restarts; every read reconciles running jobs with their processes, so a
job whose supervisor died while the app was closed shows as failed ("lost") with its exit status
when one was recorded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Conflict, MlopsError
from mlops_desktop.core.identity import current_identity
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import (
    LINK_RUN_ACTION,
    PROMOTE_ACTION,
    FollowUp,
    Job,
    JobSpec,
    JobStatus,
    Trigger,
    new_record_id,
    utc_now,
)
from mlops_desktop.retraining.launchers import launcher_for, launcher_for_workspace

#: Environment variable overriding how many jobs may run at once.
MAX_RUNNING_ENV = "MLOPS_DESKTOP_MAX_JOBS"
DEFAULT_MAX_RUNNING = 2
DEFAULT_CANCEL_GRACE = 10.0


def _default_max_running() -> int:
    try:
        return max(1, int(os.environ.get(MAX_RUNNING_ENV, DEFAULT_MAX_RUNNING)))
    except ValueError:
        return DEFAULT_MAX_RUNNING


class JobManager:
    """Submit, list, follow and cancel jobs of every workspace."""

    def __init__(self, store: JobStore | None = None, *, max_running: int | None = None) -> None:
        self.store = store or JobStore()
        self.max_running = max_running or _default_max_running()

    # -- submit ---------------------------------------------------------------------------

    def new_job(
        self,
        workspace: WorkspaceConfig,
        spec: JobSpec,
        *,
        trigger: Trigger = Trigger.MANUAL,
        trigger_detail: str = "",
        policy: str | None = None,
    ) -> Job:
        """A prepared (validated) job record, not yet stored."""
        follow_ups: list[FollowUp] = []
        if spec.tracked:
            follow_ups.append(FollowUp(LINK_RUN_ACTION, workspace.name))
        if spec.promote_to:
            follow_ups.append(FollowUp(PROMOTE_ACTION, spec.promote_to))
        job = Job(
            id=new_record_id(),
            workspace=workspace.name,
            backend=workspace.backend.value,
            spec=spec,
            trigger=trigger,
            trigger_detail=trigger_detail,
            policy=policy,
            created_at=utc_now(),
            follow_ups=tuple(follow_ups),
            submitted_by=current_identity(),
        )
        return launcher_for_workspace(workspace, self.store).prepare(job, workspace)

    def submit(
        self,
        workspace: WorkspaceConfig,
        spec: JobSpec,
        *,
        trigger: Trigger = Trigger.MANUAL,
        trigger_detail: str = "",
        policy: str | None = None,
    ) -> Job:
        """Record a job and start it if a slot is free; returns its record."""
        job = self.new_job(
            workspace, spec, trigger=trigger, trigger_detail=trigger_detail, policy=policy
        )
        self.store.insert(job)
        self.dispatch()
        return self.store.get(job.id)

    def submit_for_policy(
        self,
        workspace: WorkspaceConfig,
        spec: JobSpec,
        *,
        policy: str,
        trigger: Trigger,
        trigger_detail: str,
        not_before: datetime | None,
    ) -> Job:
        """Submit unless the policy has an active job or fired after ``not_before``.

        The check and the insert happen in one transaction, so two checks racing (the app's
        background evaluation and a system timer) never fire twice. Raises :class:`Conflict`
        naming the blocking job.
        """
        job = self.new_job(
            workspace, spec, trigger=trigger, trigger_detail=trigger_detail, policy=policy
        )
        with self.store.transaction() as conn:
            active = JobStore.active_for_policy(conn, policy)
            if active is not None:
                raise Conflict(f"job {active.id} of policy {policy!r} is {active.status.value}")
            last = JobStore.last_for_policy(conn, policy)
            if (
                last is not None
                and not_before is not None
                and datetime.fromisoformat(last.created_at) > not_before
            ):
                raise Conflict(f"policy {policy!r} fired job {last.id} at {last.created_at}")
            JobStore.write(conn, job)
        self.dispatch()
        return self.store.get(job.id)

    def dispatch(self) -> list[Job]:
        """Start the oldest queued jobs while fewer than ``max_running`` run."""
        claimed: list[Job] = []
        with self.store.transaction() as conn:
            running = conn.execute(
                "SELECT COUNT(*) FROM jobs WHERE status = ?", (JobStatus.RUNNING.value,)
            ).fetchone()[0]
            free = self.max_running - int(running)
            if free > 0:
                rows = conn.execute(
                    "SELECT id FROM jobs WHERE status = ? ORDER BY created_at, id LIMIT ?",
                    (JobStatus.QUEUED.value, free),
                ).fetchall()
                for (job_id,) in rows:
                    job = JobStore.read(conn, job_id)
                    job = job.replace(
                        status=JobStatus.RUNNING,
                        claimed_at=utc_now(),
                        handle={**job.handle, "max_running": self.max_running},
                    )
                    JobStore.write(conn, job)
                    claimed.append(job)
        started = []
        for job in claimed:
            try:
                started.append(launcher_for(job.backend, self.store).start(job))
            except (OSError, MlopsError) as exc:
                started.append(self._fail(job.id, f"cannot start the job: {exc}"))
        return started

    def _fail(self, job_id: str, error: str) -> Job:
        return self.store.update(
            job_id,
            lambda j: j.replace(
                status=JobStatus.FAILED, ended_at=utc_now(), error=error
            ).skip_pending("the job failed to start"),
        )

    # -- read -----------------------------------------------------------------------------

    def _reconciled(self, job: Job) -> Job:
        if job.status is not JobStatus.RUNNING:
            return job
        try:
            return launcher_for(job.backend, self.store).reconcile(job)
        except MlopsError:
            return job

    def get(self, job_id: str) -> Job:
        """One job (a unique id prefix is enough), reconciled with its process."""
        return self._reconciled(self.store.get(job_id))

    def list_jobs(
        self,
        *,
        workspace: str | None = None,
        policy: str | None = None,
        statuses: tuple[JobStatus, ...] = (),
        experiment: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Job]:
        """Jobs, newest first; running ones reconciled with their processes."""
        jobs = self.store.list(
            statuses=statuses,
            policy=policy,
            workspace=workspace,
            experiment=experiment,
            limit=limit,
            offset=offset,
        )
        reconciled = [self._reconciled(j) for j in jobs]
        if any(r.status is not j.status for r, j in zip(reconciled, jobs, strict=True)):
            self.dispatch()  # a lost job freed its slot
        return reconciled

    def log_path(self, job_id: str) -> Path:
        """The job's log file (it may not exist yet for a queued job)."""
        return self.store.log_path(self.store.get(job_id).id)

    def tail_log(self, job_id: str, lines: int = 50) -> list[str]:
        """The last ``lines`` lines of the job's log."""
        if lines <= 0:
            return []
        path = self.log_path(job_id)
        try:
            with open(path, "rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                window = 8192
                while True:  # read back from the end until enough lines are in view
                    start = max(0, size - window)
                    fh.seek(start)
                    data = fh.read()
                    if start == 0 or data.count(b"\n") > lines:
                        break
                    window *= 4
        except FileNotFoundError:
            return []
        return data.decode("utf-8", errors="replace").splitlines()[-lines:]

    def follow_log(self, job_id: str, poll: float = 0.2) -> Iterator[str]:
        """The log from its start, line by line, until the job has settled."""
        path = self.log_path(job_id)
        position = 0
        pending = b""
        while True:
            settled = self.get(job_id).settled
            try:
                with open(path, "rb") as fh:
                    fh.seek(position)
                    chunk = fh.read()
                    position = fh.tell()
            except FileNotFoundError:
                chunk = b""
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                yield raw.decode("utf-8", errors="replace")
            if settled and not chunk:
                if pending:
                    yield pending.decode("utf-8", errors="replace")
                return
            if not chunk:
                time.sleep(poll)

    # -- control --------------------------------------------------------------------------

    def cancel(
        self, job_id: str, *, grace: float = DEFAULT_CANCEL_GRACE, wait: float | None = None
    ) -> Job:
        """Cancel a job: a queued one at once; a running one gets SIGTERM, then SIGKILL after
        ``grace`` seconds. Waits until it ended (up to ``wait``, default grace + 15 s)."""
        job = self.get(job_id)
        if job.status.finished:
            return job
        if job.status is JobStatus.QUEUED:
            cancelled = self.store.update(job.id, _cancel_queued)
            if cancelled.status.finished:
                return cancelled
            job = cancelled
        launcher_for(job.backend, self.store).request_cancel(job, grace)
        return self.wait(job.id, timeout=wait if wait is not None else grace + 15.0, settled=False)

    def wait(self, job_id: str, timeout: float | None = None, *, settled: bool = True) -> Job:
        """Wait until the job has settled (final, follow-ups done) or ``timeout`` passes.

        Returns the job as it then is; check ``job.status.finished`` after a timeout.
        With ``settled=False`` it returns as soon as the status is final.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.05
        while True:
            job = self.get(job_id)
            if (job.settled if settled else job.status.finished) or (
                deadline is not None and time.monotonic() >= deadline
            ):
                return job
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)


def _cancel_queued(job: Job) -> Job:
    if job.status is not JobStatus.QUEUED:
        return job  # it was started meanwhile: cancel the running job instead
    return job.replace(
        status=JobStatus.CANCELLED, cancel_requested=True, ended_at=utc_now()
    ).skip_pending("cancelled before it started")
