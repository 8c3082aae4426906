"""The one place that looks at a workspace's kind: it hands out the ports that kind provides.

* a local MLflow store: its registry, local serving and the local job runner;
* an MLflow tracking server: its registry, plus local serving and local jobs;
* an Azure ML workspace: everything on Azure ML.

A port a kind does not provide is a declared :class:`~mlops_desktop.core.entities.Capability`
with a reason, never a branch in a caller. Every SDK is imported lazily, on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import BackendKind, WorkspaceConfig

if TYPE_CHECKING:
    from mlops_desktop.ports.endpoints import Endpoints

#: Opens a workspace's backend (the GUI passes its own, e.g. one that holds its open lock).
BackendOpener = Callable[[WorkspaceConfig], Any]


@dataclass(frozen=True, slots=True)
class WorkspacePorts:
    """The ports of one workspace. Cheap to make; each port is opened when first asked for."""

    workspace: WorkspaceConfig

    @property
    def on_azure(self) -> bool:
        """Whether the workspace lives on Azure ML (for the provider's own choices only)."""
        return self.workspace.backend is BackendKind.AZUREML

    def endpoints(self, opener: BackendOpener | None = None) -> Endpoints:
        """The workspace's online endpoints: Azure ML managed online endpoints, or local
        serving (for local stores and MLflow servers alike). ``opener`` opens the backend the
        port asks (capabilities; everything, on Azure ML)."""
        if self.on_azure:
            from mlops_desktop.ports.endpoints_azure import AzureEndpoints

            return AzureEndpoints(self.workspace, opener=opener)
        from mlops_desktop.ports.endpoints_local import LocalEndpoints

        return LocalEndpoints(self.workspace, opener=opener)


def ports_of(workspace: WorkspaceConfig) -> WorkspacePorts:
    """The ports ``workspace`` provides."""
    return WorkspacePorts(workspace)


def open_endpoints(workspace: WorkspaceConfig, opener: BackendOpener | None = None) -> Endpoints:
    """The endpoints port of ``workspace`` (close it when done)."""
    return ports_of(workspace).endpoints(opener)
