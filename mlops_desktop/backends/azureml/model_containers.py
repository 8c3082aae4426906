"""Tags of Azure ML model *containers* (a registered model as a whole, not one version).

azure-ai-ml 1.35 reads and writes model versions only, so these go to the ARM "Model
Containers" routes directly (see :mod:`.arm`). Promotion keeps its approval requests here, in
the target workspace, where everyone who can read that workspace sees them.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.errors import NotFound

if TYPE_CHECKING:
    from mlops_desktop.core.azure_clouds import CloudTarget
    from mlops_desktop.core.azure_settings import AzureSettings
    from mlops_desktop.core.config import WorkspaceConfig

#: The stable api-version of Microsoft.MachineLearningServices model containers.
MODEL_CONTAINERS_API_VERSION = "2024-04-01"


class AzureModelContainers:
    """Read and tag registered models (containers) of an Azure ML workspace."""

    workspace: WorkspaceConfig
    credential: Any
    cloud: CloudTarget
    settings: AzureSettings

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    @property
    def arm_id(self) -> str:  # pragma: no cover
        raise NotImplementedError

    def model_containers(self) -> list[dict[str, Any]]:
        """Every model container (all pages) as ARM returns it (``name``, ``properties``)."""
        from mlops_desktop.backends.azureml.arm import arm_get_pages

        with self._call("list registered models"):
            pages = arm_get_pages(
                self.credential,
                self.cloud,
                self.settings,
                f"{self.arm_id}/models",
                MODEL_CONTAINERS_API_VERSION,
            )
        return [item for page in pages for item in page.get("value", [])]

    def model_container(self, name: str) -> dict[str, Any] | None:
        """One model container, or None when the workspace has no model called ``name``."""
        from mlops_desktop.backends.azureml.arm import arm_get_pages

        try:
            with self._call(f"read registered model {name}"):
                pages = arm_get_pages(
                    self.credential,
                    self.cloud,
                    self.settings,
                    f"{self.arm_id}/models/{name}",
                    MODEL_CONTAINERS_API_VERSION,
                )
        except NotFound:
            return None
        return pages[0] if pages else None

    def put_model_container(self, name: str, tags: dict[str, str]) -> dict[str, Any]:
        """Create model ``name`` or replace its tags (description and archiving are kept)."""
        from mlops_desktop.backends.azureml.arm import arm_put

        current = self.model_container(name)
        properties = dict((current or {}).get("properties") or {})
        body = {
            "properties": {
                "description": properties.get("description") or "",
                "isArchived": bool(properties.get("isArchived", False)),
                "tags": dict(tags),
            }
        }
        with self._call(f"tag registered model {name}"):
            return arm_put(
                self.credential,
                self.cloud,
                self.settings,
                f"{self.arm_id}/models/{name}",
                MODEL_CONTAINERS_API_VERSION,
                body,
            )

    def set_model_container_tag(self, name: str, key: str, value: str) -> None:
        """Set one tag on model ``name`` (created when missing), keeping its other tags."""
        current = self.model_container(name)
        tags = {
            str(k): str(v)
            for k, v in (((current or {}).get("properties") or {}).get("tags") or {}).items()
        }
        tags[key] = value
        self.put_model_container(name, tags)
