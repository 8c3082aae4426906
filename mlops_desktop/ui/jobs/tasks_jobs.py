"""Task bodies of the Jobs page: plain functions ``fn(ctx, ...)``, testable without Qt.

Local jobs come from the local job runner's port (SQLite records under the data dir, local
supervised processes); a re-run of a service job (the *Retrain…* dialog for a workspace whose
jobs re-run a template, e.g. Azure ML) goes through that workspace's jobs port in workers.
Nothing heavy is imported here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.azure_jobs import AzureJob, RerunChoices
from mlops_desktop.ports.jobs import JobQuery, RerunRequest
from mlops_desktop.ports.provider import open_jobs, open_local_jobs
from mlops_desktop.retraining.jobs import Job, JobSpec
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.jobs.tasks_service_jobs import open_port

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
    """Local jobs of every workspace (or of ``workspace``), newest first, reconciled."""
    ctx.check()
    return list(open_local_jobs(workspace).list_jobs(JobQuery(page_size=limit), ctx).jobs)


def tail_log_task(ctx: TaskContext, job_id: str, lines: int = DEFAULT_TAIL_LINES) -> LogTail:
    """The job (reconciled with its process) and the last ``lines`` lines of its log."""
    ctx.check()
    job, tail = open_local_jobs().tail(job_id, lines)  # type: ignore[attr-defined]
    return LogTail(job, tail)


def submit_job_task(ctx: TaskContext, workspace: WorkspaceConfig, spec: JobSpec) -> Job:
    """Submit a manual job in ``workspace``; returns its record (queued or running)."""
    ctx.check()
    return open_jobs(workspace).submit(spec)


# -- re-running a service job (the dialog's part for Azure ML) -----------------------------

#: How many recent completed command jobs the dialog offers as templates.
TEMPLATE_LIMIT = 20


def rerun_choices_task(
    ctx: TaskContext, workspace: WorkspaceConfig, *, limit: int = TEMPLATE_LIMIT
) -> RerunChoices:
    """Recent completed command jobs, the computes and the ``submit_job`` permission."""
    ctx.check()
    port = open_port(workspace)
    try:
        return port.rerun_choices(ctx, limit, describe_error)
    finally:
        port.close()


def template_task(ctx: TaskContext, workspace: WorkspaceConfig, name: str) -> AzureJob:
    """One template job read in full (its parameters and data inputs prefill the dialog)."""
    ctx.check()
    port = open_port(workspace)
    try:
        return port.template(name)
    finally:
        port.close()


def submit_rerun_task(ctx: TaskContext, workspace: WorkspaceConfig, request: RerunRequest) -> Job:
    """Submit the re-run (permission checked first, as the CLI); its Jobs-page record."""
    ctx.check()
    port = open_port(workspace)
    try:
        return port.rerun(request)
    finally:
        port.close()


def _typed_value(name: str, text: str, template_text: str) -> Any:
    """``text`` as the type of the template's value (which Azure ML typed the input by)."""
    try:
        old = ast.literal_eval(template_text)
    except (ValueError, SyntaxError):
        old = template_text
    if isinstance(old, bool):
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        raise InvalidInput(f"parameter {name} must be True or False, not {text!r}")
    if isinstance(old, int | float):
        try:
            new = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            new = None
        if isinstance(old, int) and (isinstance(new, bool) or not isinstance(new, int)):
            raise InvalidInput(f"parameter {name} must be an integer, not {text!r}")
        if isinstance(new, bool) or not isinstance(new, int | float):
            raise InvalidInput(f"parameter {name} must be a number, not {text!r}")
        return float(new) if isinstance(old, float) else new
    return text


def rerun_request(
    template: AzureJob, values: dict[str, str], compute: str | None = None
) -> RerunRequest:
    """The request for the values typed over ``template``'s parameters and data inputs.

    Only changed values are sent (the backend keeps the rest); a parameter keeps its type
    (``max_depth`` stays an integer). Raises :class:`InvalidInput` naming the bad value.
    """
    parameters: dict[str, Any] = {}
    inputs: dict[str, str] = {}
    for name, raw in values.items():
        text = raw.strip()
        if name in template.parameters:
            if not text:
                raise InvalidInput(f"parameter {name} needs a value")
            if text != template.parameters[name]:
                parameters[name] = _typed_value(name, text, template.parameters[name])
        elif name in template.inputs:
            if not text:
                raise InvalidInput(f"data input {name} needs a URI")
            if text != template.inputs[name]:
                inputs[name] = text
        else:
            raise InvalidInput(f"job {template.name} has no parameter {name}")
    return RerunRequest(template.name, None, parameters, inputs, compute or None)


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
