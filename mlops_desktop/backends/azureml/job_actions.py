"""Azure ML jobs: list with status/timing/compute, submit a retraining command job, cancel.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. Retraining re-runs a
*template* job — by default the newest completed command job of the experiment — with new
parameters (literal inputs) and optionally new data inputs: its code snapshot, environment and
compute are already assets in the workspace, so nothing is uploaded (Studio's *Clone job*).
"""

from __future__ import annotations

import contextlib
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml.endpoint_actions import sdk_progress_dots_silenced, wait_for
from mlops_desktop.backends.azureml.entities import AzureJob
from mlops_desktop.backends.azureml.mapping import _input_data, created_at, parse_time, text
from mlops_desktop.core.errors import InvalidInput, NotFound, Unavailable
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.azure_settings import AzureSettings
    from mlops_desktop.core.config import WorkspaceConfig

_LITERAL_TYPES = (str, int, float, bool)


class AzureJobActions:
    """Jobs of an Azure ML workspace."""

    client: Any
    workspace: WorkspaceConfig
    settings: AzureSettings

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def require_permission(self, operation: str) -> None:  # pragma: no cover
        raise NotImplementedError

    def list_jobs(self, *, experiment: str | None = None, limit: int = 50) -> list[AzureJob]:
        """Jobs, newest first (optionally of one experiment)."""
        with self._call("list jobs"):
            jobs = [job_from_azure(j) for j in self.client.jobs.list()]
        if experiment:
            jobs = [j for j in jobs if j.experiment == experiment]
        jobs.sort(key=lambda j: j.created_at.timestamp() if j.created_at else 0.0, reverse=True)
        return jobs[:limit]

    def get_job(self, name: str) -> AzureJob:
        """One job."""
        with self._call(f"read job {name}"):
            return job_from_azure(self.client.jobs.get(name))

    def submit_retraining_job(
        self,
        *,
        template: str | None = None,
        experiment: str | None = None,
        parameters: dict[str, Any] | None = None,
        inputs: dict[str, str] | None = None,
        compute: str | None = None,
        display_name: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> AzureJob:
        """Submit a command job re-running ``template`` with new parameters and inputs.

        ``parameters`` override the template's literal inputs (unknown names are an error: the
        command line only passes the inputs it names); ``inputs`` replace asset inputs by URI
        (``azureml:data:3``, ``azureml://datastores/…``).
        """
        job, source = self.build_retraining_job(
            template=template,
            experiment=experiment,
            parameters=parameters,
            inputs=inputs,
            compute=compute,
            display_name=display_name,
            tags=tags,
        )
        with self._call(f"submit a retraining job from {source}"):
            return job_from_azure(self.client.jobs.create_or_update(job))

    def submit_manual_retraining(
        self,
        *,
        template: str | None = None,
        experiment: str | None = None,
        parameters: dict[str, Any] | None = None,
        inputs: dict[str, str] | None = None,
        compute: str | None = None,
        trigger: str = "manual",
    ) -> AzureJob:
        """Check ``submit_job`` permission, then :meth:`submit_retraining_job` tagged ``trigger``.

        What ``jobs submit`` (CLI) and the *Retrain…* dialog (GUI) both do: a missing RBAC
        action is a ``PermissionDenied`` naming it, before any write.
        """
        self.require_permission("submit_job")
        return self.submit_retraining_job(
            template=template,
            experiment=experiment,
            parameters=parameters,
            inputs=inputs,
            compute=compute,
            tags={"mlops.trigger": trigger},
        )

    def build_retraining_job(
        self,
        *,
        template: str | None = None,
        experiment: str | None = None,
        parameters: dict[str, Any] | None = None,
        inputs: dict[str, str] | None = None,
        compute: str | None = None,
        display_name: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> tuple[Any, str]:
        """(the command job entity, the template job's name), not submitted."""
        from azure.ai.ml import Input, Output, command

        source = self._template_job(template, experiment)
        literal = {k: v for k, v in (source.inputs or {}).items() if _literal_value(v) is not None}
        unknown = sorted(set(parameters or {}) - set(literal))
        if unknown:
            raise InvalidInput(
                f"job {source.name} has no parameter {', '.join(unknown)}",
                hint=f"its parameters: {', '.join(sorted(literal)) or 'none'}",
            )
        missing = sorted(set(inputs or {}) - set(source.inputs or {}))
        if missing:
            raise InvalidInput(
                f"job {source.name} has no input {', '.join(missing)}",
                hint=f"its inputs: {', '.join(sorted(source.inputs or {})) or 'none'}",
            )
        new_inputs: dict[str, Any] = {}
        for name, value in (source.inputs or {}).items():
            if name in (parameters or {}):
                new_inputs[name] = (parameters or {})[name]
            elif name in literal:
                new_inputs[name] = _literal_value(value)
            else:
                asset = _input_data(value)
                new_inputs[name] = Input(
                    type=text(getattr(asset, "type", None)) or "uri_folder",
                    path=(inputs or {}).get(name) or getattr(asset, "path", None),
                    mode=getattr(asset, "mode", None),
                )
        job = command(
            name=f"{_slug(source.experiment_name or 'retrain')}-{uuid.uuid4().hex[:10]}",
            display_name=display_name or f"retrain of {source.display_name or source.name}",
            experiment_name=source.experiment_name,
            description=f"Retraining submitted by MLOps Desktop from job {source.name}",
            command=source.command,
            code=source.code,
            environment=source.environment,
            compute=compute or source.compute,
            inputs=new_inputs,
            # Same kinds of outputs, at the new job's default location (not the template's).
            outputs={
                name: Output(
                    type=text(getattr(_input_data(out), "type", None)) or "uri_folder",
                    mode=getattr(_input_data(out), "mode", None),
                )
                for name, out in (source.outputs or {}).items()
            },
            tags={**dict(source.tags or {}), **(tags or {}), "mlops.retrain_of": source.name},
        )
        return job, str(source.name)

    def _template_job(self, template: str | None, experiment: str | None) -> Any:
        if template:
            with self._call(f"read job {template}"):
                job = self.client.jobs.get(template)
            if text(getattr(job, "type", None)).lower() != "command":
                raise InvalidInput(
                    f"job {template} is a {text(getattr(job, 'type', None))} job",
                    hint="retraining re-runs a command job",
                )
            return job
        with self._call("list jobs"):
            candidates = [
                j
                for j in self.client.jobs.list()
                if text(getattr(j, "type", None)).lower() == "command"
                and text(getattr(j, "status", None)) == "Completed"
                and (not experiment or getattr(j, "experiment_name", None) == experiment)
            ]
        if not candidates:
            where = f" of experiment {experiment!r}" if experiment else ""
            raise NotFound(
                f"no completed command job{where} to retrain from in {self.workspace.name!r}",
                hint="name one with --from-job, or run a training job in the workspace first",
            )
        newest = max(candidates, key=lambda j: (created_at(j) or datetime.min).timestamp())
        with self._call(f"read job {newest.name}"):
            return self.client.jobs.get(newest.name)  # the list omits some details

    def wait_for_job(
        self,
        name: str,
        *,
        timeout: float | None = None,
        poll_seconds: float | None = None,
        ctx: TaskContext | None = None,
    ) -> AzureJob:
        """Poll a job until Azure ML reports it finished (``Unavailable`` after ``timeout``)."""
        interval = poll_seconds if poll_seconds is not None else self.settings.polling_interval
        deadline = None if timeout is None else time.monotonic() + timeout
        polls = 0
        while True:
            job = self.get_job(name)
            if job.finished:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise Unavailable(
                    f"job {name} is still {job.status} after {timeout:g} s",
                    hint="wait longer (--timeout) or follow it in Azure ML Studio",
                )
            polls += 1
            if ctx:
                ctx.progress(0, 1, f"job {name}: {job.status} (poll {polls})")
            # Sleep in short slices so cancelling the context is noticed quickly.
            until = time.monotonic() + interval
            while time.monotonic() < until:
                if ctx:
                    ctx.check()
                time.sleep(min(0.2, max(0.0, until - time.monotonic())))

    def cancel_job(self, name: str, ctx: TaskContext | None = None) -> AzureJob:
        """Cancel a queued or running job; waits for Azure ML to confirm."""
        with sdk_progress_dots_silenced():
            with self._call(f"cancel job {name}"):
                poller = self.client.jobs.begin_cancel(name)
            wait_for(poller, ctx, f"cancel of {name}", self._call)
        return self.get_job(name)


def _literal_value(value: Any) -> Any:
    """The literal of a job input (a hyperparameter), or None for an asset input."""
    data = _input_data(value)
    return data if isinstance(data, _LITERAL_TYPES) else None


def _utc(value: datetime | None) -> datetime | None:
    # Azure ML writes these as UTC without a zone ("2025-07-02 08:03:41").
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _slug(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "-" for c in name.lower())
    return cleaned.strip("-_")[:40] or "retrain"


#: What a job without a compute target runs on (Azure ML picks and bills the machines).
SERVERLESS = "serverless"


def job_compute(job: Any) -> str:
    """The compute target's name; ``serverless`` for a job without one (``computeId: null``).

    A pipeline job names its compute in its settings (``default_compute``), if anywhere.
    """
    compute = str(getattr(job, "compute", "") or "")
    if not compute and text(getattr(job, "type", None)).lower() == "pipeline":
        compute = str(getattr(getattr(job, "settings", None), "default_compute", "") or "")
        return compute.rsplit("/", 1)[-1]
    return compute.rsplit("/", 1)[-1] or SERVERLESS


def job_from_azure(job: Any) -> AzureJob:
    """An :class:`AzureJob` from an azure-ai-ml job entity."""
    properties = dict(getattr(job, "properties", None) or {})
    parameters: dict[str, str] = {}
    assets: dict[str, str] = {}
    for name, value in (getattr(job, "inputs", None) or {}).items():
        literal = _literal_value(value)
        if literal is not None:
            parameters[name] = str(literal)
        elif getattr(_input_data(value), "path", None):
            assets[name] = str(_input_data(value).path)
    services = getattr(job, "services", None) or {}
    studio = services.get("Studio") if isinstance(services, dict) else None
    context = getattr(job, "creation_context", None)
    return AzureJob(
        name=str(job.name),
        display_name=str(getattr(job, "display_name", "") or job.name),
        experiment=str(getattr(job, "experiment_name", "") or ""),
        status=text(getattr(job, "status", None)),
        job_type=text(getattr(job, "type", None)),
        compute=job_compute(job),
        instance_type=str(getattr(getattr(job, "resources", None), "instance_type", "") or ""),
        created_at=created_at(job),
        created_by=str(getattr(context, "created_by", "") or ""),
        # Azure ML records start/end in the job's properties once it ran.
        start_time=_utc(parse_time(properties.get("StartTimeUtc"))),
        end_time=_utc(parse_time(properties.get("EndTimeUtc"))),
        parameters=parameters,
        inputs=assets,
        tags={k: text(v) for k, v in (getattr(job, "tags", None) or {}).items()},
        studio_url=str(getattr(studio, "endpoint", "") or ""),
    )
