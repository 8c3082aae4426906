"""Task bodies of the Jobs page: plain functions ``fn(ctx, ...)``, testable without Qt.

They speak to :class:`~mlops_desktop.retraining.job_manager.JobManager` (SQLite records under
the data dir, local supervised processes); nothing heavy is imported. The Azure ML part of the
*Retrain…* dialog (templates, computes, permission, submit) calls the Azure backend in workers;
its SDK is imported inside the backend only.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import Job, JobSpec
from mlops_desktop.ui.jobs.tasks_azure_jobs import (
    AzureOpener,
    _open,
    azure_job_record,
    permission_reason,
    template_choices,
)

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.entities import AzureCompute, AzureJob

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


# -- Azure ML retraining (the dialog's Azure part) --------------------------------------------

#: How many recent completed command jobs the dialog offers as templates.
TEMPLATE_LIMIT = 20


@dataclass(frozen=True, slots=True)
class AzureRetrainChoices:
    """What the dialog offers for one Azure workspace, read in one worker."""

    #: Recent completed command jobs, newest first (the first is the backend's default).
    templates: tuple[AzureJob, ...] = ()
    computes: tuple[AzureCompute, ...] = ()
    #: Why the signed-in identity may not submit jobs ("" when it may, or when unreadable).
    submit_blocked: str = ""
    #: Parts that could not be read (e.g. the compute list), one line each.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AzureRetrainRequest:
    """A retraining submission: the template job and what changes."""

    template: str
    parameters: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    #: None: the template's compute.
    compute: str | None = None


def azure_retrain_choices_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    *,
    limit: int = TEMPLATE_LIMIT,
    opener: AzureOpener | None = None,
) -> AzureRetrainChoices:
    """Recent completed command jobs, the computes and the ``submit_job`` permission."""
    ctx.check()
    backend = _open(workspace, opener)
    try:
        templates, computes, problems = template_choices(ctx, backend, limit)
        ctx.check()
        # Unreadable permissions leave Submit on; the backend checks again before writing.
        blocked = permission_reason(backend, "submit_job")
    finally:
        backend.close()
    return AzureRetrainChoices(templates, computes, blocked, tuple(problems))


def azure_template_task(
    ctx: TaskContext, workspace: WorkspaceConfig, name: str, *, opener: AzureOpener | None = None
) -> AzureJob:
    """One template job read in full (its parameters and data inputs prefill the dialog)."""
    ctx.check()
    backend = _open(workspace, opener)
    try:
        return backend.get_job(name)
    finally:
        backend.close()


def submit_azure_retraining_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    request: AzureRetrainRequest,
    *,
    opener: AzureOpener | None = None,
) -> Job:
    """Submit the retraining job (permission checked first, as the CLI); its Jobs-page record."""
    ctx.check()
    backend = _open(workspace, opener)
    try:
        job = backend.submit_manual_retraining(
            template=request.template,
            parameters=request.parameters,
            inputs=request.inputs,
            compute=request.compute,
        )
    finally:
        backend.close()
    return azure_job_record(workspace.name, job)


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


def azure_retrain_request(
    template: AzureJob, values: dict[str, str], compute: str | None = None
) -> AzureRetrainRequest:
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
    return AzureRetrainRequest(template.name, parameters, inputs, compute or None)


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
