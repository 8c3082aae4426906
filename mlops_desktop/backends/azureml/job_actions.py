"""Azure ML jobs: list with status/timing/compute, submit a retraining command job, cancel.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. Retraining re-runs a
*template* job — by default the newest completed command job of the experiment — with new
parameters (literal inputs) and optionally new data inputs: its code snapshot, environment and
compute are already assets in the workspace, so nothing is uploaded (Studio's *Clone job*).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable
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
        """The newest ``limit`` jobs (optionally of one experiment): one page, not every job."""
        jobs, _ = self.list_job_page(page_size=limit, keep=_of_experiment(experiment))
        return jobs

    def list_job_page(
        self,
        *,
        token: str | None = None,
        page_size: int | None = 50,
        job_type: str | None = None,
        tag: str | None = None,
        archived: bool = False,
        keep: Callable[[AzureJob], bool] | None = None,
    ) -> tuple[list[AzureJob], str | None]:
        """One page of jobs, newest first, and the token of the next page (None: the last).

        Azure ML filters by ``jobType``, ``tag`` and ``listViewType`` and sorts newest first;
        it pages with ``nextLink`` at a size of its own. This reads service pages (each one
        request) until ``page_size`` jobs were seen, and stops: the token says where the next
        page starts (the service page's link and how far into it). ``keep`` narrows what was
        seen (a filter the service lacks), so a page may hold fewer than ``page_size`` jobs.
        ``page_size=None``: exactly one service page, whatever its size.
        """
        from azure.ai.ml.constants import ListViewType

        link, skip = _decode_token(token)
        view = ListViewType.ALL if archived else ListViewType.ACTIVE_ONLY
        filters = {k: v for k, v in (("job_type", job_type), ("tag", tag)) if v}
        found: list[AzureJob] = []
        seen = 0
        next_token: str | None = None
        with self._call("list jobs"):
            pages = self.client.jobs.list(list_view_type=view, **filters).by_page(
                continuation_token=link
            )
            for page in pages:
                items = [j for j in page if j is not None][skip:]  # None: an unreadable job
                following = pages.continuation_token
                take = items if page_size is None else items[: max(0, page_size - seen)]
                seen += len(take)
                found += [j for j in map(job_from_azure, take) if keep is None or keep(j)]
                if len(take) < len(items):  # stopped inside this service page
                    next_token = _encode_token(link, skip + len(take))
                    break
                link, skip = following, 0
                next_token = _encode_token(link, 0) if link else None
                if link is None or page_size is None or seen >= page_size:
                    break
        found.sort(key=_created_key, reverse=True)  # the service's order, kept if it slips
        return found, next_token

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
        # The service filters command jobs and sorts newest first: the first match is it.
        newest: AzureJob | None = None
        token: str | None = None
        while newest is None:
            found, token = self.list_job_page(
                token=token,
                page_size=None,  # a service page at a time: stop at the first that has one
                job_type="Command",
                keep=lambda j: (
                    j.status == "Completed" and (not experiment or j.experiment == experiment)
                ),
            )
            newest = max(found, key=_created_key) if found else None
            if token is None:
                break
        if newest is None:
            where = f" of experiment {experiment!r}" if experiment else ""
            raise NotFound(
                f"no completed command job{where} to retrain from in {self.workspace.name!r}",
                hint="name one with --from-job, or run a training job in the workspace first",
            )
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


def _created_key(job: AzureJob) -> float:
    return (job.created_at or datetime.min.replace(tzinfo=UTC)).timestamp()


def _of_experiment(experiment: str | None) -> Callable[[AzureJob], bool] | None:
    return (lambda j: j.experiment == experiment) if experiment else None


def _encode_token(link: str | None, skip: int) -> str:
    """A page token: the service page's link ("" for the first) and the jobs to skip in it."""
    return json.dumps({"link": link or "", "skip": skip})


def _decode_token(token: str | None) -> tuple[str | None, int]:
    if not token:
        return None, 0
    try:
        data = json.loads(token)
        return (str(data["link"]) or None), int(data["skip"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"cannot read the page token {token!r}") from exc


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
