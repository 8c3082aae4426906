"""Which Azure cloud a workspace lives in: the name azure-ai-ml knows it by, its endpoints.

azure-ai-ml keeps clouds in a process-wide table and registers a custom cloud only once per name
(a second registration under the same name is silently ignored). A custom cloud is therefore
registered under a name derived from its metadata, so two workspaces with different metadata
never share one, and the same metadata always maps to the same name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from mlops_desktop.core.config import AzureConnection
from mlops_desktop.core.errors import InvalidInput

#: The clouds azure-ai-ml knows without metadata, with their Microsoft Entra authority hosts.
KNOWN_CLOUDS: dict[str, tuple[str, str]] = {
    "AzureCloud": ("https://login.microsoftonline.com", "https://management.azure.com/"),
    "AzureChinaCloud": ("https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn/"),
    "AzureUSGovernment": (
        "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net/",
    ),
}

#: Keys azure-ai-ml requires in ``cloud_metadata``.
METADATA_KEYS = (
    "azure_portal",
    "resource_manager",
    "active_directory",
    "aml_resource_id",
    "storage_endpoint",
    "registry_discovery_endpoint",
)


@dataclass(frozen=True)
class CloudTarget:
    """A resolved cloud: what to pass to ``MLClient`` and to azure-identity."""

    name: str
    metadata: dict[str, str] | None
    authority: str
    resource_manager: str

    @property
    def scope(self) -> str:
        """The ARM token scope, as azure-ai-ml requests it."""
        return self.resource_manager.rstrip("/") + "/.default"

    def client_kwargs(self) -> dict[str, object]:
        """``cloud`` (and ``cloud_metadata``) keyword arguments for ``MLClient``."""
        if self.metadata is None:
            return {"cloud": self.name}
        return {"cloud": self.name, "cloud_metadata": dict(self.metadata)}


def resolve_cloud(connection: AzureConnection) -> CloudTarget:
    """The cloud of ``connection``: a known one by name, or custom metadata under a stable name."""
    metadata = connection.cloud_metadata
    if metadata:
        missing = [k for k in METADATA_KEYS if not metadata.get(k)]
        if missing:
            raise InvalidInput(
                f"cloud metadata of {connection.workspace_name!r} lacks {', '.join(missing)}",
                hint="give all of: " + ", ".join(METADATA_KEYS),
            )
        for key in ("resource_manager", "active_directory"):
            if not str(metadata[key]).startswith("https://"):
                raise InvalidInput(
                    f"cloud metadata {key}={metadata[key]!r} must be an https:// URL",
                    hint="Azure credentials are only ever sent over TLS",
                )
        clean = {k: str(metadata[k]) for k in METADATA_KEYS}
        return CloudTarget(
            name=custom_cloud_name(connection.cloud, clean),
            metadata=clean,
            authority=clean["active_directory"].rstrip("/"),
            resource_manager=clean["resource_manager"],
        )
    if connection.cloud not in KNOWN_CLOUDS:
        raise InvalidInput(
            f"unknown Azure cloud {connection.cloud!r}",
            hint=f"use one of {', '.join(KNOWN_CLOUDS)}, or give cloud_metadata for a custom one",
        )
    authority, resource_manager = KNOWN_CLOUDS[connection.cloud]
    return CloudTarget(connection.cloud, None, authority, resource_manager)


def custom_cloud_name(base: str, metadata: dict[str, str]) -> str:
    """``BASE-<12 hex digits of the metadata's hash>``: stable, unique per metadata."""
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode("utf-8")).hexdigest()
    prefix = base if base and base not in KNOWN_CLOUDS else "Custom"
    return f"{prefix}-{digest[:12]}"
