"""Registry writes for promotion across Azure ML workspaces: copy a version, move an alias,
archive a version (Azure ML never deletes model versions; archiving hides them).

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`. The copy registers
the source version's files *by reference* (its ``azureml://`` path; nothing is downloaded or
uploaded) with the lineage tags every backend uses, and the source's metrics and parameters as
``mlops.metric.*``/``mlops.param.*`` properties, so the copy shows them even where the source
job is not. By reference works inside one workspace only (see ``_check_copyable``).
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml import mapping
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
from mlops_desktop.core.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from mlops_desktop.core.config import WorkspaceConfig


class AzureRegistryWrites:
    """Model version writes of an Azure ML workspace."""

    client: Any
    workspace: WorkspaceConfig

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
    ) -> ModelVersion:
        """Register ``source``'s ``name`` v``version`` here as the next version of
        ``target_name`` (default: the same name), with lineage; returns the new version."""
        from azure.ai.ml.entities import Model

        original = source.get_model_version(name, version)
        with source._call(f"read {name} version {version}"):
            raw = source.client.models.get(name, str(version))
        target = target_name or name
        self._check_copyable(source, str(raw.path))
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
        model = Model(
            name=target,
            version=self._next_version(target),
            path=str(raw.path),
            type=mapping.text(getattr(raw, "type", None)) or "mlflow_model",
            description=str(getattr(raw, "description", "") or ""),
            tags=tags,
            properties=properties,
        )
        with self._call(f"register {target} from {source.workspace.name}"):
            created = self.client.models.create_or_update(model)
        return self.get_model_version(target, str(created.version))

    def _check_copyable(self, source: Any, path: str) -> None:
        """Refuse a copy whose files would silently point at the wrong workspace.

        azure-ai-ml 1.35 rewrites every ``azureml://…/datastores/…`` path, long form included,
        into the *current* workspace's datastore (``resolve_short_datastore_url``), so a
        version copied by reference from another workspace would name files that are not there.
        """
        mine = self.workspace.azure
        theirs = source.workspace.azure
        same = (
            mine is not None
            and theirs is not None
            and (mine.subscription_id, mine.resource_group.lower(), mine.workspace_name.lower())
            == (
                theirs.subscription_id,
                theirs.resource_group.lower(),
                theirs.workspace_name.lower(),
            )
        )
        if not same and path.startswith("azureml://") and "/datastores/" in path:
            raise InvalidInput(
                f"cannot copy a model version from {source.workspace.name!r} into "
                f"{self.workspace.name!r} by reference: azure-ai-ml re-scopes its datastore path "
                "to the target workspace, where the files are not",
                hint="promote through an Azure ML registry (models.share; not yet supported by "
                "the app), or between stages of one workspace (name-prefix layout)",
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
