"""Map MLflow entities onto core entities."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import DatasetRef, Experiment, ModelVersion, RegisteredModel, Run


def from_millis(value: int | None) -> datetime | None:
    """MLflow's epoch milliseconds as an aware UTC datetime."""
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1000.0, tz=UTC)


def run_from_mlflow(run: Any) -> Run:
    """A core Run from an ``mlflow.entities.Run``."""
    info, data = run.info, run.data
    datasets: list[DatasetRef] = []
    inputs = getattr(run, "inputs", None)
    for dataset_input in getattr(inputs, "dataset_inputs", None) or []:
        ds = dataset_input.dataset
        context = next((t.value for t in dataset_input.tags if t.key == "mlflow.data.context"), "")
        datasets.append(
            DatasetRef(
                name=ds.name,
                digest=ds.digest,
                source_type=ds.source_type or "",
                source=ds.source or "",
                context=context,
                schema=ds.schema or "",
                profile=ds.profile or "",
            )
        )
    return Run(
        run_id=info.run_id,
        experiment_id=str(info.experiment_id),
        name=info.run_name or "",
        status=info.status or "",
        start_time=from_millis(info.start_time),
        end_time=from_millis(info.end_time),
        params=dict(data.params),
        metrics={k: float(v) for k, v in data.metrics.items()},
        tags={k: v for k, v in data.tags.items()},
        datasets=tuple(datasets),
        artifact_uri=info.artifact_uri or "",
    )


def registered_model_from_mlflow(model: Any) -> RegisteredModel:
    """A core RegisteredModel (with its alias map) from MLflow's."""
    aliases = getattr(model, "aliases", None) or {}
    return RegisteredModel(
        name=model.name,
        description=model.description or "",
        tags=dict(model.tags or {}),
        aliases={str(alias): str(version) for alias, version in dict(aliases).items()},
        created_at=from_millis(model.creation_timestamp),
        updated_at=from_millis(model.last_updated_timestamp),
    )


def model_version_from_mlflow(
    workspace: WorkspaceConfig,
    version: Any,
    *,
    aliases: tuple[str, ...] | None = None,
    run: Run | None = None,
) -> ModelVersion:
    """A core ModelVersion from MLflow's; ``aliases`` override the (often empty) field."""
    stage, logical = workspace.split_model_name(version.name)
    own_aliases = tuple(getattr(version, "aliases", None) or ())
    return ModelVersion(
        workspace=workspace.name,
        stage=stage,
        model=logical,
        registered_name=version.name,
        version=str(version.version),
        aliases=tuple(sorted(aliases if aliases is not None else own_aliases)),
        tags=dict(version.tags or {}),
        description=version.description or "",
        status=str(version.status or ""),
        created_at=from_millis(version.creation_timestamp),
        source=version.source or "",
        run_id=version.run_id or None,
        run=run,
    )


def experiment_from_mlflow(experiment: Any) -> Experiment:
    """A core Experiment from MLflow's."""
    return Experiment(
        experiment_id=str(experiment.experiment_id),
        name=experiment.name,
        artifact_location=experiment.artifact_location or "",
        lifecycle_stage=experiment.lifecycle_stage or "active",
        tags=dict(experiment.tags or {}),
    )
