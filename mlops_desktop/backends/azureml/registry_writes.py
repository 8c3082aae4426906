"""Registry writes for promotion across Azure ML workspaces: copy a version, move an alias,
archive a version (Azure ML never deletes model versions; archiving hides them), and download a
version's model files.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. A copy inside one
workspace registers the source version's files *by reference* (its ``azureml://`` path). A copy
from another workspace downloads the files from the source's datastore into a temporary folder
and registers them here with ``Model(path=folder)``, which uploads them into this workspace's
default datastore: azure-ai-ml re-scopes every ``azureml://…/datastores/…`` path to the current
workspace, so a reference would name files that are not there. When both workspaces name the
same Azure ML registry the version is shared through it instead (:mod:`.registry_share`) and no
files are copied. Either way the copy carries the
lineage tags every backend uses, and the source's metrics and parameters as
``mlops.metric.*``/``mlops.param.*`` properties, so it shows them even where the source job is
not. Storage is checked once before each transfer (:mod:`.model_files`), so an unreachable
account or a missing permission fails in seconds, naming the storage account.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml import mapping
from mlops_desktop.backends.azureml.model_files import (
    StorageTarget,
    check_storage,
    datastore_path,
    require_datastore_path,
    storage_errors,
    use_sdk_cloud,
)
from mlops_desktop.backends.azureml.registry_share import (
    REGISTRY_ASSET_TAG,
    share_into_registry,
    shared_registry,
)
from mlops_desktop.core.entities import (
    KEY_METRIC_GOAL_TAG,
    KEY_METRIC_TAG,
    LINEAGE_PROMOTED_AT,
    LINEAGE_PROMOTED_BY,
    LINEAGE_SOURCE_MODEL,
    LINEAGE_SOURCE_RUN,
    LINEAGE_SOURCE_VERSION,
    LINEAGE_SOURCE_WORKSPACE,
    ModelVersion,
)
from mlops_desktop.core.errors import NotFound
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.azure_clouds import CloudTarget
    from mlops_desktop.core.azure_settings import AzureSettings
    from mlops_desktop.core.config import WorkspaceConfig


class AzureRegistryWrites:
    """Model version writes of an Azure ML workspace."""

    client: Any
    workspace: WorkspaceConfig
    cloud: CloudTarget
    settings: AzureSettings
    credential: Any

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def get_model_version(
        self, registered_name: str, version: str
    ) -> ModelVersion:  # pragma: no cover
        raise NotImplementedError

    def _next_version(self, name: str) -> str:
        try:
            with self._call(f"list versions of {name}"):
                numbers = [
                    int(str(m.version))
                    for m in self.client.models.list(name=name)
                    if str(m.version).isdigit()
                ]
        except NotFound:
            numbers = []
        return str(max(numbers, default=0) + 1)

    def copy_model_version_from(
        self,
        source: Any,
        name: str,
        version: str,
        *,
        target_name: str | None = None,
        promoted_by: str = "",
        extra_tags: dict[str, str] | None = None,
        ctx: TaskContext | None = None,
    ) -> ModelVersion:
        """Register ``source``'s ``name`` v``version`` here as the next version of
        ``target_name`` (default: the same name), with lineage; returns the new version.

        From another workspace the model files are downloaded and uploaded into this
        workspace's default datastore; inside one workspace they are shared by reference.
        ``ctx`` reports progress and is checked for cancellation between the steps.
        """
        from azure.ai.ml.entities import Model

        steps = 4
        _progress(ctx, 0, steps, f"reading {name} version {version} in {source.workspace.name}")
        original = source.get_model_version(name, version)
        with source._call(f"read {name} version {version}"):
            raw = source.client.models.get(name, str(version))
        target = target_name or name
        action = f"copy {name} version {version} from {source.workspace.name}"
        tags = {
            k: v
            for k, v in original.tags.items()
            if k not in (mapping.ALIAS_TAG, mapping.HAND_ALIAS_TAG)  # aliases do not travel
        }
        tags.update(
            {
                LINEAGE_SOURCE_WORKSPACE: source.workspace.name,
                LINEAGE_SOURCE_MODEL: name,
                LINEAGE_SOURCE_VERSION: str(version),
                LINEAGE_PROMOTED_BY: promoted_by,
                LINEAGE_PROMOTED_AT: datetime.now(UTC).isoformat(timespec="seconds"),
                **(extra_tags or {}),
            }
        )
        if original.run_id:
            tags[LINEAGE_SOURCE_RUN] = original.run_id
        properties = {str(k): str(v) for k, v in (getattr(raw, "properties", None) or {}).items()}
        run = original.run
        if run is not None:
            properties.update({f"mlops.metric.{k}": repr(v) for k, v in run.metrics.items()})
            properties.update({f"mlops.param.{k}": str(v) for k, v in run.params.items()})
            for key in (KEY_METRIC_TAG, KEY_METRIC_GOAL_TAG):
                if key in run.tags:
                    properties[key] = run.tags[key]
        model_type = mapping.text(getattr(raw, "type", None)) or "mlflow_model"
        description = str(getattr(raw, "description", "") or "")
        registry = None if self._same_workspace(source) else shared_registry(self, source)
        by_reference = (
            registry is not None
            or self._same_workspace(source)
            or datastore_path(str(raw.path)) is None
        )
        with contextlib.ExitStack() as stack:
            path = str(raw.path)
            storage: StorageTarget | None = None
            if registry is not None:
                # Both workspaces name one registry: share there, reference it here.
                _progress(ctx, 1, steps, f"sharing {name} version {version} into {registry}")
                path = share_into_registry(source, registry, name, str(version), path)
                tags[REGISTRY_ASSET_TAG] = path
            elif not by_reference:
                # Another workspace's datastore: download, then upload into ours on register.
                _progress(
                    ctx, 1, steps, f"downloading the model files from {source.workspace.name}"
                )
                tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mlops-copy-")))
                path = str(source.download_model_version(name, str(version), tmp / "files"))
                _progress(ctx, 2, steps, f"checking the storage of {self.workspace.name}")
                storage = check_storage(self, None, action=action)
            _progress(ctx, 3, steps, f"registering {target} in {self.workspace.name}")
            model = Model(
                name=target,
                version=self._next_version(target),
                path=path,
                type=model_type,
                description=description,
                tags=tags,
                properties=properties,
            )
            with (
                self._call(f"register {target} from {source.workspace.name}"),
                storage_errors(self.workspace, action, storage) if storage else _no_storage(),
            ):
                use_sdk_cloud(self.cloud.name)
                created = self.client.models.create_or_update(model)
        _progress(ctx, steps, steps, f"registered {target} version {created.version}")
        return self.get_model_version(target, str(created.version))

    def download_model_version(
        self, name: str, version: str, dest: Path, *, ctx: TaskContext | None = None
    ) -> Path:
        """Download a version's model files into ``dest`` (a new folder); returns the folder
        that holds them (for an MLflow model, the folder with ``MLmodel``)."""
        action = f"download {name} version {version}"
        _progress(ctx, 0, 3, f"reading {name} version {version}")
        with self._call(f"read {name} version {version}"):
            raw = self.client.models.get(name, str(version))
        files = require_datastore_path(str(raw.path), name, str(version), self.workspace)
        _progress(ctx, 1, 3, f"checking the storage of {self.workspace.name}")
        storage = check_storage(self, files.datastore, action=action)
        _progress(ctx, 2, 3, f"downloading the files of {name} version {version}")
        dest.mkdir(parents=True, exist_ok=True)
        with self._call(action), storage_errors(self.workspace, action, storage):
            use_sdk_cloud(self.cloud.name)
            self.client.models.download(name, str(version), download_path=str(dest))
        # azure-ai-ml writes a folder's files to DEST/NAME/<last path segment>, a file's to
        # DEST/NAME/<file name>.
        root = dest / name
        folder = root / Path(files.path).name
        found = folder if folder.is_dir() else root
        if not found.is_dir() or not any(found.iterdir()):
            raise NotFound(
                f"{action}: its files are missing from datastore {files.datastore} of "
                f"{self.workspace.name!r} (path {files.path})",
                hint="the version's files were deleted from storage; register it again",
            )
        _progress(ctx, 3, 3, f"downloaded {name} version {version}")
        return found

    def _same_workspace(self, source: Any) -> bool:
        mine = self.workspace.azure
        theirs = source.workspace.azure
        return (
            mine is not None
            and theirs is not None
            and (mine.subscription_id, mine.resource_group.lower(), mine.workspace_name.lower())
            == (
                theirs.subscription_id,
                theirs.resource_group.lower(),
                theirs.workspace_name.lower(),
            )
        )

    def set_model_version_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version``: its ``mlops.aliases`` tag gains it, others lose it."""
        with self._call(f"list versions of {name}"):
            versions = list(self.client.models.list(name=name))
        if not any(str(m.version) == str(version) for m in versions):
            raise NotFound(f"model {name!r} has no version {version} in {self.workspace.name!r}")
        for model in versions:
            tags = dict(model.tags or {})
            current = set(
                mapping.parse_aliases({mapping.ALIAS_TAG: tags.get(mapping.ALIAS_TAG, "")})
            )
            wanted = current | {alias} if str(model.version) == str(version) else current - {alias}
            if wanted == current:
                continue
            tags[mapping.ALIAS_TAG] = ",".join(sorted(wanted))
            if not wanted:
                tags.pop(mapping.ALIAS_TAG)
            self._retag(model, tags)

    def delete_model_version_alias(self, name: str, alias: str) -> None:
        """Remove ``alias`` from every version of ``name`` (no error when absent)."""
        with self._call(f"list versions of {name}"):
            versions = list(self.client.models.list(name=name))
        for model in versions:
            tags = dict(model.tags or {})
            current = set(
                mapping.parse_aliases({mapping.ALIAS_TAG: tags.get(mapping.ALIAS_TAG, "")})
            )
            if alias in current:
                rest = sorted(current - {alias})
                if rest:
                    tags[mapping.ALIAS_TAG] = ",".join(rest)
                else:
                    tags.pop(mapping.ALIAS_TAG)
                self._retag(model, tags)

    def _retag(self, model: Any, tags: dict[str, str]) -> None:
        # The list omits nothing the update needs; Azure ML updates tags of an existing version
        # in place (its files and path cannot change).
        with self._call(f"get {model.name} version {model.version}"):
            full = self.client.models.get(model.name, str(model.version))
        full.tags = tags
        with self._call(f"tag {model.name} version {model.version}"):
            self.client.models.create_or_update(full)

    def archive_model_version(self, name: str, version: str) -> None:
        """Archive a version (how a failed promotion's copy is undone on Azure ML)."""
        with self._call(f"archive {name} version {version}"):
            self.client.models.archive(name=name, version=str(version))


def _no_storage() -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()  # a copy by reference transfers no files


def _progress(ctx: TaskContext | None, done: int, total: int, message: str) -> None:
    if ctx is not None:
        ctx.progress(done, total, message)  # also where a cancelled copy stops
