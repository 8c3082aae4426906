"""The one place that looks at a workspace's kind: it hands out the ports that kind provides.

* a local MLflow store: its registry, local serving and the local job runner;
* an MLflow tracking server: its registry, plus local serving and local jobs;
* an Azure ML workspace: everything on Azure ML.

A port a kind does not provide is a declared :class:`~mlops_desktop.core.entities.Capability`
with a reason, never a branch in a caller. Every SDK is imported lazily, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlops_desktop.core.config import BackendKind, WorkspaceConfig


@dataclass(frozen=True, slots=True)
class WorkspacePorts:
    """The ports of one workspace. Cheap to make; each port is opened when first asked for."""

    workspace: WorkspaceConfig

    @property
    def on_azure(self) -> bool:
        """Whether the workspace lives on Azure ML (for the provider's own choices only)."""
        return self.workspace.backend is BackendKind.AZUREML


def ports_of(workspace: WorkspaceConfig) -> WorkspacePorts:
    """The ports ``workspace`` provides."""
    return WorkspacePorts(workspace)
