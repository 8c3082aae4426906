"""The schedules port: recurring jobs (retraining) and monitors a service runs by itself.

* Azure ML workspaces: Azure ML's job and monitor schedules (:class:`AzureSchedules`).
* Local and MLflow workspaces: no service runs schedules; retraining runs on a schedule through
  retraining *policies* (``retrain policy add --cron``), which the app's check evaluates. Their
  port is :class:`PolicySchedules`: it provides nothing of this port and says so
  (:attr:`Schedules.provided`), pointing at the policies.

Schedules are :class:`~mlops_desktop.backends.azureml.entities.AzureSchedule` records (the
only kind with service schedules); ``kind`` (job or monitor), the target and the trigger are
fields of it, and :func:`runs_text`/:func:`trigger_text` say them the same way everywhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from mlops_desktop.backends.azureml.entities import AzureSchedule
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.core.config import WorkspaceConfig

__all__ = ["AzureSchedule", "AzureSchedules", "PolicySchedules", "Schedules"]

#: Where local and MLflow workspaces schedule retraining instead.
POLICY_HINT = "local and MLflow workspaces schedule retraining with `retrain policy add --cron`"
#: What a schedule of each kind creates, said for a table (``RUNS``/``Creates`` columns).
_MONITOR = "monitor"


def monitor_target_text(schedule: AzureSchedule) -> str:
    """``endpoint/deployments/blue`` of a monitor's ARM target (the tail people know)."""
    return schedule.monitor_target.rsplit("/onlineEndpoints/", 1)[-1]


def runs_text(schedule: AzureSchedule) -> str:
    """What it runs, short: the monitored deployment, or the job's experiment/name."""
    match schedule.kind:
        case "monitor":
            return monitor_target_text(schedule)
        case _:
            return schedule.job_experiment or schedule.job_display_name


def creates_text(schedule: AzureSchedule) -> str:
    """What the schedule creates, in a sentence: a job (and its experiment) or a monitor."""
    match schedule.kind:
        case "monitor":
            return f"monitor of {monitor_target_text(schedule).replace('/deployments/', '/')}"
        case _:
            job = schedule.job_display_name or schedule.job_experiment
            experiment = schedule.job_experiment
            if job and experiment and job != experiment:
                return f"job {job} (experiment {experiment})"
            return f"job {job}" if job else "a job"


class Schedules(Protocol):
    """The schedules of one workspace."""

    workspace: WorkspaceConfig
    #: Whether the workspace's service runs schedules (and why not).
    provided: Capability

    def list_schedules(self) -> list[AzureSchedule]:
        """Every schedule, enabled or not, by name."""
        ...

    def write_blocked(self) -> str:
        """Why the identity may not change schedules ("" when it may or when unknown)."""
        ...

    def create_retraining(self, name: str, **options: Any) -> AzureSchedule:
        """A schedule re-running a template job on ``cron=`` or ``every=`` (permission checked)."""
        ...

    def switch(self, name: str, on: bool, ctx: TaskContext | None = None) -> AzureSchedule:
        """Enable or disable a schedule (permission checked)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class PolicySchedules:
    """Local and MLflow workspaces: schedules are retraining policies, not a service's."""

    provided = Capability(False, POLICY_HINT)

    def __init__(self, workspace: WorkspaceConfig) -> None:
        self.workspace = workspace

    def _refuse(self) -> InvalidInput:
        return InvalidInput(
            f"workspace {self.workspace.name!r} is not an Azure ML workspace", hint=POLICY_HINT
        )

    def list_schedules(self) -> list[AzureSchedule]:
        """None: the policies are listed by ``retrain policy list``."""
        raise self._refuse()

    def write_blocked(self) -> str:
        """The reason this port provides nothing."""
        return self.provided.reason

    def create_retraining(self, name: str, **options: Any) -> AzureSchedule:
        """Refused, pointing at ``retrain policy add --cron``."""
        raise self._refuse()

    def switch(self, name: str, on: bool, ctx: TaskContext | None = None) -> AzureSchedule:
        """Refused, pointing at the policies."""
        raise self._refuse()

    def close(self) -> None:
        """Nothing to release."""


class AzureSchedules:
    """Azure ML job and monitor schedules of one workspace."""

    provided = Capability(True)

    def __init__(self, workspace: WorkspaceConfig, backend: AzureMlBackend | None = None) -> None:
        if backend is None:
            from mlops_desktop.backends.azureml.backend import AzureMlBackend

            backend = AzureMlBackend(workspace)
        self.workspace = workspace
        self.backend = backend

    def list_schedules(self) -> list[AzureSchedule]:
        """Job and monitor schedules, disabled ones included."""
        return self.backend.list_schedules()

    def write_blocked(self) -> str:
        """Why the identity may not write schedules ("" when it may, or when unreadable)."""
        try:
            return self.backend.check_permission("write_schedule").reason
        except MlopsError:
            return ""  # unreadable: the write itself reports a refusal

    def create_retraining(self, name: str, **options: Any) -> AzureSchedule:
        """Check ``write_schedule``, then create the schedule."""
        self.backend.require_permission("write_schedule")
        return self.backend.create_retraining_schedule(name, **options)

    def switch(self, name: str, on: bool, ctx: TaskContext | None = None) -> AzureSchedule:
        """Check ``write_schedule``, then enable or disable the schedule."""
        self.backend.require_permission("write_schedule")
        if on:
            return self.backend.enable_schedule(name, ctx)
        return self.backend.disable_schedule(name, ctx)

    def close(self) -> None:
        """Close the workspace's clients."""
        self.backend.close()


# -- schedule times (Azure ML's cron and recurrence rules) --------------------------------------


def next_run(schedule: AzureSchedule, now: datetime) -> datetime | None:
    """When the schedule runs next, in its time zone (None when disabled or unknown)."""
    from mlops_desktop.backends.azureml.schedule_times import next_run as _next_run

    return _next_run(schedule, now)


def validate_cron(expression: str) -> str:
    """The expression when Azure ML accepts it; ``InvalidInput`` saying why not."""
    from mlops_desktop.backends.azureml.schedule_times import validate_cron as _validate

    return _validate(expression)


def parse_every(text: str) -> tuple[str, int]:
    """``"12 hours"`` -> (``hour``, 12); ``InvalidInput`` for what Azure ML would refuse."""
    from mlops_desktop.backends.azureml.schedule_actions import parse_every as _parse

    return _parse(text)


def upcoming_cron_runs(expression: str, time_zone: str, now: datetime, count: int = 3) -> Any:
    """The next ``count`` times a cron expression fires in ``time_zone``."""
    from mlops_desktop.backends.azureml.schedule_times import upcoming_cron_runs as _upcoming

    return _upcoming(expression, time_zone, now, count)
