"""Promotion's registry of an Azure ML workspace: the same surface as
:class:`~mlops_desktop.promotion.registry.RegistryAccess`, mapped onto Azure ML's rules.

- Aliases live in each version's ``mlops.aliases`` tag (Azure ML has no aliases).
- Azure ML never deletes model versions: undoing a copy *archives* what it registered. A copy
  through a registry (both workspaces name the same one) registers a reference to the registry
  asset here; undo archives that reference and leaves the registry version, which other
  workspaces may use.
- Registered-model tags (approval requests) are model container tags, read and written
  through ARM (see :mod:`~mlops_desktop.backends.azureml.model_containers`).
- There are no MLflow experiments or import runs: the copy records lineage in tags and the
  source's metrics and parameters in properties, so those calls find nothing to clean up.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml import mapping
from mlops_desktop.backends.azureml.registry_share import REGISTRY_ASSET_TAG
from mlops_desktop.core.entities import LINEAGE_PROMOTED_BY, ModelVersion
from mlops_desktop.core.errors import MlopsError, NotFound
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.azure_endpoints import azure_model_cache
from mlops_desktop.promotion.registry import RegistryLookups
from mlops_desktop.serving.model_cache import download_model_folder

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

log = logging.getLogger(__name__)


class AzureRegistryAccess(RegistryLookups):
    """Registry reads and writes of one Azure ML workspace, as promotion needs them."""

    def __init__(self, backend: AzureMlBackend) -> None:
        self.backend = backend
        self.client = backend.client

    def require_promotion_rights(self) -> None:
        """PermissionDenied naming the missing Azure RBAC actions (read from
        ``Microsoft.Authorization/permissions``) before any change."""
        self.backend.require_permission("promote_into")

    # -- registered models -----------------------------------------------------------------

    def registered_model(self, name: str) -> dict[str, Any] | None:
        """The model container (ARM JSON), or None when the workspace has no such model."""
        return self.backend.model_container(name)

    def _versions(self, name: str) -> list[Any]:
        try:
            with self.backend._call(f"list versions of {name}"):
                return list(self.client.models.list(name=name))
        except NotFound:
            return []

    def aliases(self, name: str) -> dict[str, str]:
        """Alias -> version, from the versions' alias tags (empty when there is no model)."""
        found: dict[str, str] = {}
        for model in sorted(self._versions(name), key=lambda m: _number(m.version)):
            for alias in mapping.parse_aliases(dict(model.tags or {})):
                found[alias] = str(model.version)
        return found

    def ensure_registered_model(self, name: str) -> None:
        """Create the model container when it does not exist."""
        if self.registered_model(name) is None:
            self.backend.put_model_container(name, {})

    def delete_registered_model(self, name: str) -> None:
        """Archive every version of ``name`` (Azure ML keeps models; archived ones are hidden)."""
        for model in self._versions(name):
            self.delete_version(name, str(model.version))

    def set_registered_model_tag(self, name: str, key: str, value: str) -> None:
        """Set one tag on the model container."""
        self.backend.set_model_container_tag(name, key, value)

    def registered_models_with_tags(self, prefix: str) -> list[tuple[str, dict[str, str]]]:
        """(name, tags starting with ``prefix``) of every model container having such tags."""
        found = []
        for container in self.backend.model_containers():
            tags = (container.get("properties") or {}).get("tags") or {}
            mine = {str(k): str(v) for k, v in tags.items() if str(k).startswith(prefix)}
            if mine:
                found.append((str(container.get("name", "")), mine))
        return found

    # -- versions --------------------------------------------------------------------------

    def versions_tagged(self, name: str, key: str, value: str) -> list[str]:
        """Version numbers of ``name`` carrying tag ``key`` = ``value`` (archived excluded)."""
        return sorted(
            (str(m.version) for m in self._versions(name) if (m.tags or {}).get(key) == value),
            key=_number,
        )

    def delete_version(self, name: str, version: str) -> None:
        """Archive one version and drop its aliases (no error when absent)."""
        try:
            with self.backend._call(f"read {name} version {version}"):
                model = self.client.models.get(name, str(version))
        except NotFound:
            return
        if mapping.parse_aliases(dict(model.tags or {})):
            self.backend._retag(
                model,
                {
                    k: v
                    for k, v in (model.tags or {}).items()
                    if k not in (mapping.ALIAS_TAG, mapping.HAND_ALIAS_TAG)
                },
            )
        self.backend.archive_model_version(name, str(version))

    # -- runs and experiments: Azure ML copies create none ---------------------------------

    def experiment_id(self, name: str) -> str | None:
        """None: a copy into Azure ML records no import run."""
        return None

    def delete_experiment(self, name: str) -> None:
        """Nothing to delete."""

    def runs_tagged(self, experiment: str, key: str, value: str) -> list[str]:
        """No import runs on Azure ML."""
        return []

    def delete_run(self, run_id: str) -> None:
        """Nothing to delete."""

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
        # By reference inside one workspace or through a shared registry, else downloaded and
        # uploaded here.
        copied = self.backend.copy_model_version_from(
            source.backend,
            name,
            version,
            target_name=target_name,
            promoted_by=extra_tags.get(LINEAGE_PROMOTED_BY, ""),
            extra_tags=extra_tags,
            ctx=ctx,
        )
        if REGISTRY_ASSET_TAG in copied.tags:
            self._cache_source_files(source, name, version, target_name, copied.version)
        return copied

    def _cache_source_files(
        self, source: Any, name: str, version: str, target_name: str, target_version: str
    ) -> None:
        """Put the source's files where this workspace's deploy step reads a version's model
        folder: a registry reference has no files in this workspace's datastore to download,
        and they are the source's files. Only the local cache is written; a failure leaves the
        deploy step to say the files are unavailable."""
        dest = azure_model_cache(self.backend.workspace.name) / target_name / str(target_version)
        if (dest / "MLmodel").is_file():
            return
        try:
            download_model_folder(source.backend, name, version, dest)
        except MlopsError as exc:
            log.warning("model files of %s v%s not cached: %s", name, version, exc)


def _number(version: Any) -> tuple[int, str]:
    text = str(version)
    return (int(text), "") if text.isdigit() else (0, text)
