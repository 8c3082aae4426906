"""Task bodies of the Jobs page: plain functions ``fn(ctx, ...)``, testable without Qt.

They speak to :class:`~mlops_desktop.retraining.job_manager.JobManager` (SQLite records under
the data dir, local supervised processes); nothing heavy is imported.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import Job, JobSpec

#: How many jobs the page lists (newest first).
DEFAULT_LIMIT = 500
#: How many log lines the live tail shows.
DEFAULT_TAIL_LINES = 400


@dataclass(frozen=True)
class LogTail:
    """The last lines of one job's log, with the job as it stood when they were read."""

    job: Job
    lines: list[str]


def list_jobs_task(
    ctx: TaskContext, *, workspace: str | None = None, limit: int = DEFAULT_LIMIT
) -> list[Job]:
    """Jobs of every workspace (or of ``workspace``), newest first, reconciled."""
    ctx.check()
    return JobManager().list_jobs(workspace=workspace, limit=limit)


def tail_log_task(ctx: TaskContext, job_id: str, lines: int = DEFAULT_TAIL_LINES) -> LogTail:
    """The job (reconciled with its process) and the last ``lines`` lines of its log."""
    ctx.check()
    manager = JobManager()
    job = manager.get(job_id)
    ctx.check()
    return LogTail(job, manager.tail_log(job.id, lines))


def cancel_job_task(ctx: TaskContext, job_id: str, grace: float = 10.0) -> Job:
    """Cancel a job (SIGTERM, SIGKILL after ``grace``) and return it once it has ended."""
    ctx.check()
    return JobManager().cancel(job_id, grace=grace)


def submit_job_task(ctx: TaskContext, workspace: WorkspaceConfig, spec: JobSpec) -> Job:
    """Submit a manual job in ``workspace``; returns its record (queued or running)."""
    ctx.check()
    return JobManager().submit(workspace, spec)


def parse_params(text: str) -> dict[str, Any]:
    """``"alpha=0.5, max_depth=3"`` (commas, semicolons or new lines) → a dict.

    Values are Python literals when they parse as one (``0.5``, ``3``, ``None``, ``'x'``),
    else strings. Raises :class:`InvalidInput` for an item without ``=`` or a name.
    """
    params: dict[str, Any] = {}
    for raw in text.replace(";", ",").replace("\n", ",").split(","):
        item = raw.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not name.isidentifier():
            raise InvalidInput(f"parameter {item!r} is not NAME=VALUE")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value
    return params


def format_duration(seconds: float | None) -> str:
    """``83.2`` → ``"1m 23s"``; ``None`` → ``""``."""
    if seconds is None:
        return ""
    total = round(seconds)
    if total < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
