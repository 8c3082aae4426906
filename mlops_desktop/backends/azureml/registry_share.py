"""Promotion through an Azure ML registry: share a workspace's model version into the
registry once (``ModelOperations.share``), then register the target workspace's version as a
reference to the registry asset.

Why a reference in the target workspace rather than deploying the registry asset directly:
promotion keeps aliases, lineage, gates and undo on the *target workspace's* versions, and
azure-ai-ml 1.35 accepts a workspace model whose path is a registry asset URI
(``azureml://registries/{registry}/models/{name}/versions/{version}``): ``is_url`` holds for it,
so nothing is uploaded, and ``resolve_short_datastore_url`` re-scopes only datastore paths. The
deployment names the workspace version as for any other model; no files enter the target
workspace's storage. (Checked against azure-ai-ml and the loopback server, not a live service:
should Azure ML refuse such a path, deploying the registry URI directly is the fallback.)

``share`` swaps the client it runs on for a registry client while it works, so it runs on an
``MLClient`` of its own, never the backend's shared one. Registry versions are never archived
by an undo: other workspaces may already reference them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml.model_files import use_sdk_cloud
from mlops_desktop.core.errors import NotFound

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

_PREFIX = "azureml://registries/"
#: Lineage tag of a version promoted through a registry: the registry asset it references.
REGISTRY_ASSET_TAG = "mlops.registry_asset"


def shared_registry(target: Any, source: Any) -> str | None:
    """The registry both workspaces name (compared case-insensitively), else None."""
    mine = target.workspace.azure
    theirs = source.workspace.azure
    if mine is None or theirs is None or not mine.registry_name or not theirs.registry_name:
        return None
    if mine.registry_name.lower() != theirs.registry_name.lower():
        return None
    return mine.registry_name


def registry_asset_uri(registry: str, name: str, version: str) -> str:
    """How a deployment or a workspace model names a registry model version."""
    return f"{_PREFIX}{registry}/models/{name}/versions/{version}"


def _registry_of(path: str) -> str | None:
    if not path.lower().startswith(_PREFIX):
        return None
    return path[len(_PREFIX) :].split("/", 1)[0]


def share_into_registry(
    source: AzureMlBackend, registry: str, name: str, version: str, source_path: str
) -> str:
    """The registry asset URI of ``source``'s ``name`` v``version``, shared first when the
    registry does not hold that name/version yet.

    A source version that already references this registry (promoted through it earlier)
    is not shared again: its URI is returned as is.
    """
    if (_registry_of(source_path) or "").lower() == registry.lower():
        return source_path
    from azure.ai.ml import MLClient

    use_sdk_cloud(source.cloud.name)  # registry discovery reads the SDK's current cloud
    action = f"share {name} version {version} into registry {registry}"
    with source._call(f"reach registry {registry}"):
        registry_client = MLClient(
            source.credential, registry_name=registry, **source.client_kwargs()
        )
    try:
        with source._call(f"read {name} version {version} in registry {registry}"):
            registry_client.models.get(name, str(version))
        return registry_asset_uri(registry, name, str(version))
    except NotFound:
        pass  # not there yet: share it
    # A client of its own: share() swaps the operations' client for the registry's.
    sharing = source._make_client()
    with source._call(action):
        sharing.models.share(
            name,
            str(version),
            share_with_name=name,
            share_with_version=str(version),
            registry_name=registry,
        )
    return registry_asset_uri(registry, name, str(version))
