"""Recurring retraining schedules: create, enable, disable (``schedules.begin_*``).

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. A schedule submits
the same command job a manual retraining would (:meth:`.job_actions.AzureJobActions.
build_retraining_job`) on a cron expression or a simple recurrence.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml import resources
from mlops_desktop.backends.azureml.endpoint_actions import sdk_progress_dots_silenced, wait_for
from mlops_desktop.backends.azureml.entities import AzureSchedule
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.config import WorkspaceConfig

_CRON_FIELD = re.compile(r"^[\d*/,\-]+$")
_EVERY = re.compile(r"^(\d+)\s*(minute|hour|day|week|month)s?$", re.IGNORECASE)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")


def check_cron(expression: str) -> str:
    """``expression`` if it is a five-field cron expression (as Azure ML takes), else an error."""
    fields = expression.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise InvalidInput(
            f"{expression!r} is not a cron expression",
            hint="five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * 1'",
        )
    return " ".join(fields)


def parse_every(text: str) -> tuple[str, int]:
    """``"2 days"`` -> ("day", 2): a recurrence frequency and interval."""
    match = _EVERY.match(text.strip())
    if not match or int(match.group(1)) < 1:
        raise InvalidInput(
            f"cannot read the recurrence {text!r}", hint="write e.g. '1 day', '12 hours', '1 week'"
        )
    return match.group(2).lower(), int(match.group(1))


class AzureScheduleActions:
    """Create and switch job schedules of an Azure ML workspace."""

    client: Any
    workspace: WorkspaceConfig

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def build_retraining_job(self, **kwargs: Any) -> tuple[Any, str]:  # pragma: no cover
        raise NotImplementedError

    def create_retraining_schedule(
        self,
        name: str,
        *,
        cron: str | None = None,
        every: str | None = None,
        time_zone: str = "UTC",
        template: str | None = None,
        experiment: str | None = None,
        parameters: dict[str, Any] | None = None,
        inputs: dict[str, str] | None = None,
        compute: str | None = None,
        display_name: str | None = None,
        enabled: bool = True,
        ctx: TaskContext | None = None,
    ) -> AzureSchedule:
        """Create (or replace) a schedule that submits a retraining job on ``cron``/``every``."""
        from azure.ai.ml.entities import CronTrigger, JobSchedule, PipelineJob, RecurrenceTrigger

        if not _NAME.match(name):
            raise InvalidInput(
                f"schedule name {name!r} is not valid", hint="letters, digits, '-' and '_'"
            )
        if (cron is None) == (every is None):
            raise InvalidInput("give either a cron expression or a recurrence (not both)")
        if cron is not None:
            trigger: Any = CronTrigger(expression=check_cron(cron), time_zone=time_zone)
        else:
            frequency, interval = parse_every(str(every))
            trigger = RecurrenceTrigger(frequency=frequency, interval=interval, time_zone=time_zone)
        job, source = self.build_retraining_job(
            template=template,
            experiment=experiment,
            parameters=parameters,
            inputs=inputs,
            compute=compute,
            tags={"mlops.trigger": "schedule", "mlops.schedule": name},
        )
        # azure-ai-ml schedules only pipeline jobs (command jobs need its private preview): the
        # retraining command runs as the single step of a pipeline, as Azure ML's docs show.
        job.name = "retrain"
        pipeline_job = PipelineJob(
            jobs={"retrain": job},
            experiment_name=job.experiment_name,
            display_name=display_name or name,
            compute=job.compute,
            tags=dict(job.tags or {}),
        )
        schedule = JobSchedule(
            name=name,
            trigger=trigger,
            create_job=pipeline_job,
            display_name=display_name or name,
            description=f"Retraining from job {source} (MLOps Desktop)",
            tags={"mlops.retraining": "scheduled"},
        )
        schedule._is_enabled = enabled  # the SDK's begin_enable/disable set it the same way
        return self._put_schedule(schedule, f"create schedule {name}", ctx)

    def enable_schedule(self, name: str, ctx: TaskContext | None = None) -> AzureSchedule:
        """Switch a schedule on."""
        return self._switch(name, True, ctx)

    def disable_schedule(self, name: str, ctx: TaskContext | None = None) -> AzureSchedule:
        """Switch a schedule off (it stays, with its trigger and job)."""
        return self._switch(name, False, ctx)

    def _switch(self, name: str, on: bool, ctx: TaskContext | None) -> AzureSchedule:
        verb = "enable" if on else "disable"
        with sdk_progress_dots_silenced():
            with self._call(f"{verb} schedule {name}"):
                operations = self.client.schedules
                poller = operations.begin_enable(name) if on else operations.begin_disable(name)
            wait_for(poller, ctx, f"{verb} {name}", self._call)
        return self._get_schedule(name)

    def _put_schedule(self, schedule: Any, what: str, ctx: TaskContext | None) -> AzureSchedule:
        with sdk_progress_dots_silenced():
            with self._call(what):
                poller = self.client.schedules.begin_create_or_update(schedule)
            wait_for(poller, ctx, what, self._call)
        return self._get_schedule(schedule.name)

    def _get_schedule(self, name: str) -> AzureSchedule:
        with self._call(f"read schedule {name}"):
            return resources.schedule_from_azure(self.client.schedules.get(name))
