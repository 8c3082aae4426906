"""The registry writes promotion needs beyond the backend protocol (delete, tags, lookups).

:class:`RegistryAccess` wraps an MLflow backend and calls its ``MlflowClient`` inside the
backend's error translation (and server-workspace header);
:class:`~mlops_desktop.promotion.azure_registry.AzureRegistryAccess` is its Azure ML
counterpart. Steps get either from :func:`open_registry` and never branch on the backend.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import ModelVersion
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.backends.mlflow.backend import MlflowBackend
    from mlops_desktop.promotion.azure_registry import AzureRegistryAccess

#: Experiment where ``register_model_version`` records imported versions.
IMPORTS_EXPERIMENT = "mlops-desktop-imports"


def open_mlflow_backend(workspace: WorkspaceConfig) -> MlflowBackend:
    """The workspace's backend, which must be MLflow."""
    from mlops_desktop.backends.mlflow.backend import MlflowBackend
    from mlops_desktop.backends.registry import open_backend

    backend = open_backend(workspace)
    if not isinstance(backend, MlflowBackend):
        raise InvalidInput(f"workspace {workspace.name!r} is not an MLflow workspace")
    return backend


def open_registry(workspace: WorkspaceConfig) -> RegistryAccess | AzureRegistryAccess:
    """The promotion registry of any workspace (MLflow or Azure ML)."""
    from mlops_desktop.core.config import BackendKind

    if workspace.backend is BackendKind.AZUREML:
        from mlops_desktop.backends.azureml.backend import AzureMlBackend
        from mlops_desktop.promotion.azure_registry import AzureRegistryAccess

        return AzureRegistryAccess(AzureMlBackend(workspace))
    return RegistryAccess(open_mlflow_backend(workspace))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "\\'") + "'"


class RegistryLookups:
    """What every promotion registry derives from its backend's reads and alias writes."""

    backend: Any

    @property
    def workspace(self) -> WorkspaceConfig:
        """The workspace this registry belongs to."""
        return self.backend.workspace

    def get_version(self, name: str, version: str) -> ModelVersion:
        """One version with its run (NotFound when absent)."""
        return self.backend.get_model_version(name, version)

    def resolve_version(self, name: str, version_or_alias: str) -> str:
        """The version number of a number or an alias (NotFound when neither exists)."""
        text = str(version_or_alias).strip()
        if text.isdigit():
            return self.backend.get_model_version(name, text).version
        return self.backend.get_model_version_by_alias(name, text).version

    def version_by_alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version an alias points at, or None."""
        try:
            return self.backend.get_model_version_by_alias(name, alias)
        except NotFound:
            return None

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version``."""
        self.backend.set_model_version_alias(name, alias, version)

    def delete_alias(self, name: str, alias: str) -> None:
        """Remove ``alias`` (no error when absent)."""
        self.backend.delete_model_version_alias(name, alias)

    def restore_alias(self, name: str, alias: str, version: str | None) -> None:
        """Make ``alias`` point at ``version`` again, or not exist when ``version`` is None."""
        if self.registered_model(name) is None:
            return
        if version is None:
            self.delete_alias(name, alias)
        else:
            self.set_alias(name, alias, version)

    def registered_model(self, name: str) -> Any | None:  # pragma: no cover
        raise NotImplementedError

    def require_promotion_rights(self) -> None:
        """PermissionDenied before any change when the signed-in identity cannot register,
        deploy and shift traffic here (nothing to check for an MLflow registry)."""

    def copy_in(
        self,
        source: RegistryLookups,
        name: str,
        version: str,
        target_name: str,
        *,
        extra_tags: dict[str, str],
        ctx: TaskContext | None = None,
    ) -> ModelVersion:
        """Register ``source``'s ``name`` v``version`` here as the next ``target_name``
        (``source`` is a registry of the same kind: promotion copies within one kind)."""
        if type(source) is not type(self):
            raise InvalidInput(
                f"cannot promote from {source.workspace.name!r} into {self.workspace.name!r}: "
                "they are different kinds of workspace (MLflow and Azure ML)",
                hint="promote between workspaces of the same kind",
            )
        return self._copy_from(source, name, version, target_name, extra_tags=extra_tags, ctx=ctx)

    def _copy_from(
        self,
        source: Any,
        name: str,
        version: str,
        target_name: str,
        *,
        extra_tags: dict[str, str],
        ctx: TaskContext | None,
    ) -> ModelVersion:  # pragma: no cover
        raise NotImplementedError

    def download_version(self, name: str, version: str, dest: Path) -> Path:
        """The version's model folder, downloaded into ``dest``."""
        return self.backend.download_model_version(name, version, dest)

    def download_run_file(self, run_id: str, artifact_path: str, dest: Path) -> Path | None:
        """One artifact of a run downloaded into ``dest``, or None when the run has none."""
        return self.backend.download_run_artifacts(run_id, artifact_path, dest)


class RegistryAccess(RegistryLookups):
    """Registry reads and writes of one MLflow workspace, as promotion needs them."""

    def __init__(self, backend: MlflowBackend) -> None:
        self.backend = backend
        self.client = backend.client

    @contextlib.contextmanager
    def _call(self, action: str) -> Iterator[None]:
        with self.backend._call(action):
            yield

    # -- registered models -----------------------------------------------------------------

    def registered_model(self, name: str) -> Any | None:
        """MLflow's registered model (tags, aliases), or None when absent."""
        try:
            with self._call(f"read registered model {name}"):
                return self.client.get_registered_model(name)
        except NotFound:
            return None

    def aliases(self, name: str) -> dict[str, str]:
        """Alias -> version of a registered model (empty when it does not exist)."""
        model = self.registered_model(name)
        return {str(k): str(v) for k, v in (model.aliases if model else {}).items()}

    def ensure_registered_model(self, name: str) -> None:
        """Create the registered model when it does not exist."""
        if self.registered_model(name) is None:
            with self._call(f"create registered model {name}"):
                self.client.create_registered_model(name)

    def delete_registered_model(self, name: str) -> None:
        """Delete a registered model with all its versions (no error when absent)."""
        with contextlib.suppress(NotFound), self._call(f"delete registered model {name}"):
            self.client.delete_registered_model(name)

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set one tag on a registered model."""
        with self._call(f"tag registered model {name}"):
            self.client.set_registered_model_tag(name, key, value)

    def registered_models_with_tags(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        """(name, tags starting with ``prefix``) of every registered model having such tags."""
        found = []
        for model in self.backend.list_registered_models():
            tags = {k: v for k, v in model.tags.items() if k.startswith(prefix)}
            if tags:
                found.append((model.name, tags))
        return found

    # -- versions --------------------------------------------------------------------------

    def versions_tagged(self, name: str, key: str, value: str) -> list[str]:
        """Version numbers of ``name`` carrying tag ``key`` = ``value``."""
        query = f"name = {_quote(name)} and tags.`{key}` = {_quote(value)}"
        with self._call(f"search versions of {name}"):
            found = self.client.search_model_versions(query)
        return sorted((str(v.version) for v in found), key=int)

    def delete_version(self, name: str, version: str) -> None:
        """Delete one version (no error when absent)."""
        with contextlib.suppress(NotFound), self._call(f"delete {name} version {version}"):
            self.client.delete_model_version(name, str(version))

    # -- runs and experiments --------------------------------------------------------------

    def experiment_id(self, name: str) -> str | None:
        """Id of an active experiment, or None."""
        with self._call(f"read experiment {name}"):
            found = self.client.get_experiment_by_name(name)
        if found is None or found.lifecycle_stage != "active":
            return None
        return str(found.experiment_id)

    def delete_experiment(self, name: str) -> None:
        """Delete an experiment (MLflow keeps it as 'deleted'); no error when absent."""
        experiment_id = self.experiment_id(name)
        if experiment_id is not None:
            with self._call(f"delete experiment {name}"):
                self.client.delete_experiment(experiment_id)

    def runs_tagged(self, experiment: str, key: str, value: str) -> list[str]:
        """Ids of active runs of ``experiment`` carrying tag ``key`` = ``value``."""
        experiment_id = self.experiment_id(experiment)
        if experiment_id is None:
            return []
        with self._call(f"search runs of {experiment}"):
            runs = self.client.search_runs(
                [experiment_id], filter_string=f"tags.`{key}` = {_quote(value)}"
            )
        return [r.info.run_id for r in runs]

    def delete_run(self, run_id: str) -> None:
        """Delete a run (MLflow keeps it as 'deleted'); no error when absent."""
        with contextlib.suppress(NotFound), self._call(f"delete run {run_id}"):
            self.client.delete_run(run_id)

    # -- promotion copy --------------------------------------------------------------------

    def _copy_from(
        self,
        source: Any,
        name: str,
        version: str,
        target_name: str,
        *,
        extra_tags: dict[str, str],
        ctx: TaskContext | None,
    ) -> ModelVersion:
        from mlops_desktop.backends.mlflow.backend import copy_model_version

        return copy_model_version(
            source.backend, name, version, self.backend, target_name, extra_tags=extra_tags
        )
