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
from mlops_desktop.ports import schedules as schedule_port
from mlops_desktop.ports.provider import open_schedules
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK, describe_error
from mlops_desktop.ui.jobs.tasks_service_jobs import open_port

if TYPE_CHECKING:
    from mlops_desktop.ports.azure_jobs import AzureCompute, AzureJob
    from mlops_desktop.ports.schedules import AzureSchedule, Schedules


def _open(workspace: WorkspaceConfig) -> Schedules:
    with _OPEN_LOCK:
        return open_schedules(workspace)


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
    return schedule_port.creates_text(schedule)


def next_run_text(row: ScheduleRow) -> str:
    """``2026-11-30 03:00 CET``, or why there is none."""
    if not row.schedule.enabled:
        return "— (disabled)"
    if row.next_run is None:
        return "unknown"
    return f"{row.next_run:%Y-%m-%d %H:%M} {row.next_run.tzname() or ''}".strip()


def _row(workspace: str, schedule: AzureSchedule, blocked: str, now: datetime) -> ScheduleRow:
    return ScheduleRow(workspace, schedule, schedule_port.next_run(schedule, now), blocked)


def list_azure_schedules(
    ctx: TaskContext,
    workspaces: Sequence[WorkspaceConfig],
    *,
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
            port = _open(ws)
            try:
                found = port.list_schedules()
                blocked[ws.name] = port.write_blocked()
            finally:
                port.close()
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
) -> ScheduleRow:
    """Enable or disable a schedule (permission checked first); waits for Azure ML."""
    ctx.progress(0, 2, f"{'enabling' if enable else 'disabling'} schedule {name}")
    port = _open(workspace)
    try:
        schedule = port.switch(name, enable, ctx)
    finally:
        port.close()
    return _row(workspace.name, schedule, "", datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class ScheduleChoices:
    """What *New schedule* offers in one workspace: template jobs, computes, permission."""

    templates: tuple[AzureJob, ...] = ()
    computes: tuple[AzureCompute, ...] = ()
    blocked: str = ""
    problems: tuple[str, ...] = ()


def schedule_choices_task(ctx: TaskContext, workspace: WorkspaceConfig) -> ScheduleChoices:
    """Recent completed command jobs (what a schedule re-runs), computes, ``write_schedule``."""
    ctx.check()
    jobs = open_port(workspace)
    try:
        choices = jobs.rerun_choices(ctx, TEMPLATE_LIMIT, describe_error)
    finally:
        jobs.close()
    port = _open(workspace)
    try:
        blocked = port.write_blocked()
    finally:
        port.close()
    return ScheduleChoices(choices.templates, choices.computes, blocked, choices.problems)


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
            return replace(self, cron=schedule_port.validate_cron(self.cron))
        schedule_port.parse_every(str(self.every))
        return self


def create_azure_schedule_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    request: ScheduleRequest,
) -> ScheduleRow:
    """Create the schedule (permission checked first); waits for Azure ML to provision it."""
    request = request.check()
    ctx.progress(0, 2, f"creating schedule {request.name} in {workspace.name}")
    port = _open(workspace)
    try:
        schedule = port.create_retraining(
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
        port.close()
    return _row(workspace.name, schedule, "", datetime.now(UTC))
