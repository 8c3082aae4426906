"""Task bodies of the Jobs page for jobs a service runs (Azure ML): plain functions, no Qt.

Their records list beside local jobs with one model; what differs rides in the record and is
read through its :func:`~mlops_desktop.ports.jobs.kind_of`. Each call opens the workspace's
jobs port (one per worker: SDK clients are not shared) and closes it. A log the service holds is
followed by one long-running worker that publishes each new piece (:func:`follow_log_task`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.jobs import JobQuery, Jobs, kind_of
from mlops_desktop.ports.provider import open_jobs, open_local_jobs
from mlops_desktop.retraining.jobs import Job
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK, describe_error


@dataclass(frozen=True, slots=True)
class LogText:
    """New text of a followed log, published while a worker follows it."""

    job_id: str
    text: str


@dataclass(frozen=True, slots=True)
class ServiceJobsRead:
    """Jobs of the service-run workspaces, and the workspaces that could not be read."""

    jobs: tuple[Job, ...] = ()
    problems: tuple[str, ...] = ()


def open_port(workspace: WorkspaceConfig) -> Any:
    """The workspace's jobs port, opened under the app's open lock (SDK set-up is not
    thread-safe)."""
    with _OPEN_LOCK:
        return open_jobs(workspace)


def port_of_job(config: AppConfig, job: Job) -> Jobs:
    """The port that holds ``job``: the local runner, or its workspace's service."""
    if kind_of(job).local_runner:
        return open_local_jobs()
    return open_port(config.workspace(job.workspace))


def list_service_jobs(
    ctx: TaskContext, workspaces: Sequence[WorkspaceConfig], *, limit: int = 100
) -> ServiceJobsRead:
    """The first page (``limit`` newest) of each workspace's jobs; an unreachable one is a
    problem line."""
    jobs: list[Job] = []
    problems: list[str] = []
    for n, ws in enumerate(workspaces):
        ctx.progress(n, len(workspaces), f"{ws.name}: listing jobs")
        ctx.check()
        try:
            port = open_port(ws)
            try:
                page = port.list_jobs(JobQuery(page_size=limit), ctx)
            finally:
                port.close()
        except MlopsError as exc:
            problems.append(f"{ws.name}: {describe_error(exc)}")
            continue
        jobs.extend(page.jobs)
    return ServiceJobsRead(tuple(jobs), tuple(problems))


def cancel_job_task(ctx: TaskContext, config: AppConfig, job: Job, grace: float = 10.0) -> Job:
    """Cancel a job where it runs (a service checks permission first) once it took effect."""
    ctx.check()
    port = port_of_job(config, job)
    try:
        return port.cancel(job.id, grace=grace, ctx=ctx)
    finally:
        port.close()


def follow_log_task(
    ctx: TaskContext, config: AppConfig, job: Job, *, poll_seconds: float | None = None
) -> Job:
    """Publish the job's log (:class:`LogText`), then its new text until the job ends.

    Returns the job as it then is. Runs until the job has finished, so the page cancels it
    when the selection changes (or the window closes).
    """
    ctx.check()
    blocked = kind_of(job).cancel_blocked(job)
    port = port_of_job(config, job)
    try:
        for piece in port.follow_log(job.id, ctx=ctx, poll_seconds=poll_seconds):
            if piece.text:
                ctx.publish(LogText(job.id, piece.text))
        fresh = port.get(job.id)
    finally:
        port.close()
    if blocked:  # what the list read about the identity still holds
        fresh = fresh.replace(handle={**fresh.handle, "cancel_blocked": blocked})
    return fresh
