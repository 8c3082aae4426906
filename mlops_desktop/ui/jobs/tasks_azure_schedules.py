"""Task bodies of the Jobs page's Azure ML schedules: list, enable/disable, create. Free of Qt.

Each call opens its own backend (MLClient is not shared between threads); writes check the
``write_schedule`` permission first, as the CLI does. What the identity may not do rides along
with each row (``write_blocked``), so the view disables the buttons and says why.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.jobs.tasks_azure_jobs import (
    AzureOpener,
    _open,
    permission_reason,
    template_choices,
)

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.entities import AzureCompute, AzureJob, AzureSchedule

#: Time zones the *New schedule* dialog offers (Azure ML takes Windows names; others typed).
TIME_ZONES: tuple[str, ...] = (
    "UTC",
    "W. Europe Standard Time",
    "GMT Standard Time",
    "Romance Standard Time",
    "Central Europe Standard Time",
    "E. Europe Standard Time",
    "Eastern Standard Time",
    "Central Standard Time",
    "Mountain Standard Time",
    "Pacific Standard Time",
    "India Standard Time",
    "China Standard Time",
    "Tokyo Standard Time",
    "AUS Eastern Standard Time",
)
RECURRENCE_UNITS: tuple[str, ...] = ("minute", "hour", "day", "week", "month")
TEMPLATE_LIMIT = 25
#: Azure ML's rule for schedule names (as ``schedule_actions`` checks it before writing).
_SCHEDULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One schedule of one Azure workspace, as the view shows it."""

    workspace: str
    schedule: AzureSchedule
    #: When it runs next, in its time zone (None when disabled or not known).
    next_run: datetime | None = None
    #: Why the identity may not change schedules here ("" when it may).
    write_blocked: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """(workspace, schedule name)."""
        return (self.workspace, self.schedule.name)


@dataclass(frozen=True, slots=True)
class AzureSchedulesRead:
    """Schedules of the Azure workspaces, and the workspaces that could not be read."""

    rows: tuple[ScheduleRow, ...] = ()
    problems: tuple[str, ...] = ()
    #: Why schedules may not be written, per workspace read ("" when they may).
    blocked: dict[str, str] | None = None


def trigger_text(schedule: AzureSchedule) -> str:
    """``cron 0 3 * * 1`` or ``every 1 day at 02:30`` (the time zone is a column of its own)."""
    if schedule.trigger_type == "cron":
        return f"cron {schedule.expression}"
    return schedule.expression or schedule.trigger_type


def creates_text(schedule: AzureSchedule) -> str:
    """What the schedule creates: the job's experiment/name, or the monitored deployment."""
    if schedule.kind == "monitor":
        target = schedule.monitor_target.rsplit("/onlineEndpoints/", 1)[-1]
        return f"monitor of {target.replace('/deployments/', '/')}"
    job = schedule.job_display_name or schedule.job_experiment
    experiment = schedule.job_experiment
    if job and experiment and job != experiment:
        return f"job {job} (experiment {experiment})"
    return f"job {job}" if job else "a job"


def next_run_text(row: ScheduleRow) -> str:
    """``2026-11-30 03:00 CET``, or why there is none."""
    if not row.schedule.enabled:
        return "— (disabled)"
    if row.next_run is None:
        return "unknown"
    return f"{row.next_run:%Y-%m-%d %H:%M} {row.next_run.tzname() or ''}".strip()


def _row(workspace: str, schedule: AzureSchedule, blocked: str, now: datetime) -> ScheduleRow:
    from mlops_desktop.backends.azureml.schedule_times import next_run

    return ScheduleRow(workspace, schedule, next_run(schedule, now), blocked)


def list_azure_schedules(
    ctx: TaskContext,
    workspaces: Sequence[WorkspaceConfig],
    *,
    opener: AzureOpener | None = None,
    now: datetime | None = None,
) -> AzureSchedulesRead:
    """Every schedule (enabled or not) of each workspace; an unreadable one is a problem line."""
    now = now or datetime.now(UTC)
    rows: list[ScheduleRow] = []
    problems: list[str] = []
    blocked: dict[str, str] = {}
    for n, ws in enumerate(workspaces):
        ctx.progress(n, len(workspaces), f"{ws.name}: listing Azure ML schedules")
        try:
            backend = _open(ws, opener)
            try:
                found = backend.list_schedules()
                blocked[ws.name] = permission_reason(backend, "write_schedule")
            finally:
                backend.close()
        except MlopsError as exc:
            problems.append(f"{ws.name}: {describe_error(exc)}")
            continue
        rows.extend(_row(ws.name, s, blocked[ws.name], now) for s in found)
    return AzureSchedulesRead(tuple(rows), tuple(problems), blocked)


def switch_azure_schedule(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    enable: bool,
    *,
    opener: AzureOpener | None = None,
) -> ScheduleRow:
    """Enable or disable a schedule (permission checked first); waits for Azure ML."""
    ctx.progress(0, 2, f"{'enabling' if enable else 'disabling'} schedule {name}")
    backend = _open(workspace, opener)
    try:
        backend.require_permission("write_schedule")
        switch = backend.enable_schedule if enable else backend.disable_schedule
        schedule = switch(name, ctx)
    finally:
        backend.close()
    return _row(workspace.name, schedule, "", datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class ScheduleChoices:
    """What *New schedule* offers in one workspace: template jobs, computes, permission."""

    templates: tuple[AzureJob, ...] = ()
    computes: tuple[AzureCompute, ...] = ()
    blocked: str = ""
    problems: tuple[str, ...] = ()


def schedule_choices_task(
    ctx: TaskContext, workspace: WorkspaceConfig, *, opener: AzureOpener | None = None
) -> ScheduleChoices:
    """Recent completed command jobs (what a schedule re-runs), computes, ``write_schedule``."""
    ctx.check()
    backend = _open(workspace, opener)
    try:
        templates, computes, problems = template_choices(ctx, backend, TEMPLATE_LIMIT)
        blocked = permission_reason(backend, "write_schedule")
    finally:
        backend.close()
    return ScheduleChoices(templates, computes, blocked, tuple(problems))


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    """A new retraining schedule: a cron expression or a recurrence, and what it re-runs."""

    name: str
    template: str
    cron: str | None = None
    #: e.g. ``"1 day"``, ``"12 hours"``.
    every: str | None = None
    time_zone: str = "UTC"
    compute: str | None = None
    display_name: str | None = None
    enabled: bool = True

    def check(self) -> ScheduleRequest:
        """This request with a validated cron/recurrence, or InvalidInput (nothing sent)."""
        from mlops_desktop.backends.azureml.schedule_actions import parse_every
        from mlops_desktop.backends.azureml.schedule_times import validate_cron

        if not _SCHEDULE_NAME.match(self.name):
            raise InvalidInput(
                f"schedule name {self.name!r} is not valid",
                hint="letters, digits, '-' and '_', starting with a letter or digit",
            )
        if not self.template:
            raise InvalidInput("choose the completed job the schedule re-runs")
        if (self.cron is None) == (self.every is None):
            raise InvalidInput("give either a cron expression or a recurrence")
        if not self.time_zone.strip():
            raise InvalidInput(
                "choose a time zone",
                hint="a Windows time zone name as Azure ML takes it, e.g. W. Europe Standard Time",
            )
        if self.cron is not None:
            return replace(self, cron=validate_cron(self.cron))
        parse_every(str(self.every))
        return self


def create_azure_schedule_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    request: ScheduleRequest,
    *,
    opener: AzureOpener | None = None,
) -> ScheduleRow:
    """Create the schedule (permission checked first); waits for Azure ML to provision it."""
    request = request.check()
    ctx.progress(0, 2, f"creating schedule {request.name} in {workspace.name}")
    backend = _open(workspace, opener)
    try:
        backend.require_permission("write_schedule")
        schedule = backend.create_retraining_schedule(
            request.name,
            cron=request.cron,
            every=request.every,
            time_zone=request.time_zone,
            template=request.template,
            compute=request.compute,
            display_name=request.display_name,
            enabled=request.enabled,
            ctx=ctx,
        )
    finally:
        backend.close()
    return _row(workspace.name, schedule, "", datetime.now(UTC))
