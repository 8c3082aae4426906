"""Helpers of the commands that act on Azure ML workspaces (permissions, deployments, jobs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_desktop.core.config import BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend


def is_azure(workspace: WorkspaceConfig) -> bool:
    """True for an Azure ML workspace."""
    return workspace.backend == BackendKind.AZUREML


def open_azure_backend(workspace: WorkspaceConfig) -> AzureMlBackend:
    """The Azure ML backend of ``workspace``; a clear error for other kinds of workspace."""
    if not is_azure(workspace):
        raise InvalidInput(
            f"workspace {workspace.name!r} is not an Azure ML workspace",
            hint="this command acts on Azure ML workspaces (`workspaces list` shows the kinds)",
        )
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

    return AzureMlBackend(workspace)
