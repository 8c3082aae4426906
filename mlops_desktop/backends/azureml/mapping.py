"""Map azure-ai-ml entities (models, jobs) onto core entities.

Azure ML has no model aliases: the app reads them from the version tag ``mlops.aliases``
(comma-separated, e.g. ``champion``) and also accepts a hand-set ``alias`` tag. Azure ML jobs
carry no metrics in the ARM API: metrics come from job properties or tags named
``mlops.metric.<name>`` (parameters: literal job inputs and ``mlops.param.<name>``), and for a
version whose job lives in another workspace (promoted copies) from the same keys in the
version's own properties.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import (
    KEY_METRIC_GOAL_TAG,
    KEY_METRIC_TAG,
    DatasetRef,
    Experiment,
    ModelVersion,
    RegisteredModel,
    Run,
)

ALIAS_TAG = "mlops.aliases"
HAND_ALIAS_TAG = "alias"
METRIC_PREFIX = "mlops.metric."
PARAM_PREFIX = "mlops.param."
_JOB_IN_PATH = (
    re.compile(r"/ExperimentRun/dcid\.([^/]+)/", re.IGNORECASE),
    re.compile(r"^azureml://jobs/([^/]+)/", re.IGNORECASE),
    re.compile(r"^runs:/([^/]+)/", re.IGNORECASE),
)


def text(value: Any) -> str:
    """An SDK value (enums included) as plain text; None as ''."""
    if value is None:
        return ""
    return str(getattr(value, "value", value))


def parse_time(value: Any) -> datetime | None:
    """A datetime, or an ISO-8601 text (``Z`` for UTC) read as one; None when it is not one."""
    if isinstance(value, datetime) or value is None:
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def created_at(entity: Any) -> datetime | None:
    """When an SDK resource was created (from its ``creation_context``)."""
    context = getattr(entity, "creation_context", None)
    value = getattr(context, "created_at", None)
    return value if isinstance(value, datetime) else None


def modified_at(entity: Any) -> datetime | None:
    """When an SDK resource was last modified."""
    context = getattr(entity, "creation_context", None)
    value = getattr(context, "last_modified_at", None)
    return value if isinstance(value, datetime) else None


def parse_aliases(tags: dict[str, str]) -> tuple[str, ...]:
    """Aliases a version carries in its ``mlops.aliases`` / ``alias`` tags, sorted."""
    found: set[str] = set()
    for key in (ALIAS_TAG, HAND_ALIAS_TAG):
        for part in str(tags.get(key, "")).split(","):
            if part.strip():
                found.add(part.strip())
    return tuple(sorted(found))


def job_name_of(model: Any) -> str | None:
    """The job that produced a model version: ``job_name``, else parsed from its path."""
    if getattr(model, "job_name", None):
        return str(model.job_name)
    path = str(getattr(model, "path", "") or "")
    for pattern in _JOB_IN_PATH:
        match = pattern.search(path)
        if match:
            return match.group(1)
    return None


def prefixed_numbers(*sources: dict[str, Any] | None, prefix: str = METRIC_PREFIX) -> dict:
    """``{name: float}`` of keys ``<prefix><name>`` whose values parse as numbers."""
    found: dict[str, float] = {}
    for source in sources:
        for key, value in (source or {}).items():
            if key.startswith(prefix):
                try:
                    found[key.removeprefix(prefix)] = float(value)
                except (TypeError, ValueError):
                    continue
    return found


def prefixed_texts(*sources: dict[str, Any] | None, prefix: str = PARAM_PREFIX) -> dict:
    """``{name: str}`` of keys ``<prefix><name>``."""
    found: dict[str, str] = {}
    for source in sources:
        for key, value in (source or {}).items():
            if key.startswith(prefix):
                found[key.removeprefix(prefix)] = str(value)
    return found


def _input_data(value: Any) -> Any:
    # Job inputs come back wrapped (NodeInput) on command nodes; the wrapped value is the
    # literal or the Input asset. azure-ai-ml has no public accessor for it.
    return getattr(value, "_data", value)


def run_from_job(job: Any) -> Run:
    """A core Run from an Azure ML job (command, pipeline, sweep, …)."""
    params: dict[str, str] = {}
    datasets: list[DatasetRef] = []
    for name, raw in (getattr(job, "inputs", None) or {}).items():
        data = _input_data(raw)
        if data is None:
            continue
        if isinstance(data, (str, int, float, bool)):
            params[name] = str(data)
        elif getattr(data, "path", None):
            datasets.append(
                DatasetRef(
                    name=name,
                    digest=text(getattr(data, "version", None)),
                    source_type=text(getattr(data, "type", None)),
                    source=str(data.path),
                    context="input",
                )
            )
    properties = dict(getattr(job, "properties", None) or {})
    tags = {k: text(v) for k, v in (getattr(job, "tags", None) or {}).items()}
    params.update(prefixed_texts(properties, tags))
    return Run(
        run_id=str(job.name),
        experiment_id=text(getattr(job, "experiment_name", None)),
        name=text(getattr(job, "display_name", None)) or str(job.name),
        status=text(getattr(job, "status", None)),
        start_time=created_at(job),
        params=params,
        metrics=prefixed_numbers(properties, tags),
        tags=tags,
        datasets=tuple(datasets),
        artifact_uri=f"azureml://jobs/{job.name}/outputs/artifacts",
    )


def run_from_model_properties(model: Any, job_name: str | None) -> Run | None:
    """A Run carrying the metrics/params a promoted version records in its properties."""
    properties = dict(getattr(model, "properties", None) or {})
    metrics = prefixed_numbers(properties)
    params = prefixed_texts(properties)
    if not metrics and not params:
        return None
    tags = {k: str(properties[k]) for k in (KEY_METRIC_TAG, KEY_METRIC_GOAL_TAG) if k in properties}
    return Run(
        run_id=job_name or "",
        experiment_id="",
        name=job_name or "",
        params=params,
        metrics=metrics,
        tags=tags,
    )


def merge_version_metrics(run: Run | None, model: Any, job_name: str | None) -> Run | None:
    """The job's run, completed by metrics/params recorded on the version itself."""
    from_version = run_from_model_properties(model, job_name)
    if run is None:
        return from_version
    if from_version is None:
        return run
    from dataclasses import replace

    return replace(
        run,
        metrics={**from_version.metrics, **run.metrics},
        params={**from_version.params, **run.params},
        tags={**from_version.tags, **run.tags},
    )


def model_version_from_azure(
    workspace: WorkspaceConfig, model: Any, run: Run | None
) -> ModelVersion:
    """A core ModelVersion from an azure-ai-ml ``Model`` (a version, not a container)."""
    stage, logical = workspace.split_model_name(str(model.name))
    tags = {k: text(v) for k, v in (getattr(model, "tags", None) or {}).items()}
    return ModelVersion(
        workspace=workspace.name,
        stage=stage,
        model=logical,
        registered_name=str(model.name),
        version=str(model.version),
        aliases=parse_aliases(tags),
        tags=tags,
        description=str(getattr(model, "description", None) or ""),
        # Azure ML's own lifecycle label ("Development", "Production", "Archived").
        status=text(getattr(model, "stage", None)),
        created_at=created_at(model),
        source=str(getattr(model, "path", None) or ""),
        run_id=job_name_of(model),
        run=run,
    )


def registered_model_from_azure(container: Any, versions: list[ModelVersion]) -> RegisteredModel:
    """A core RegisteredModel from a model container and its versions' alias tags."""
    aliases: dict[str, str] = {}
    for version in sorted(versions, key=lambda v: _version_key(v.version)):
        for alias in version.aliases:
            aliases[alias] = version.version  # the newest version claiming an alias wins
    return RegisteredModel(
        name=str(container.name),
        description=str(getattr(container, "description", None) or ""),
        tags={k: text(v) for k, v in (getattr(container, "tags", None) or {}).items()},
        aliases=aliases,
        created_at=created_at(container),
        updated_at=modified_at(container),
    )


def experiments_from_runs(runs: list[Run]) -> list[Experiment]:
    """Experiments named by jobs (Azure ML's ARM API lists jobs, not experiments)."""
    names = sorted({r.experiment_id for r in runs if r.experiment_id})
    return [Experiment(experiment_id=name, name=name) for name in names]


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (0, version)
