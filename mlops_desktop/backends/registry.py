"""Open the backend of a workspace by its kind; heavy SDKs load only here, lazily."""

from __future__ import annotations

from mlops_desktop.backends.base import Backend
from mlops_desktop.core.config import BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput


def open_backend(workspace: WorkspaceConfig) -> Backend:
    """A backend for ``workspace``. Imports the backend's SDK on first use."""
    if workspace.backend is BackendKind.MLFLOW:
        from mlops_desktop.backends.mlflow.backend import MlflowBackend

        return MlflowBackend(workspace)
    if workspace.backend is BackendKind.AZUREML:
        from mlops_desktop.backends.azureml.backend import AzureMlBackend

        return AzureMlBackend(workspace)
    raise InvalidInput(
        f"workspace {workspace.name!r}: the {workspace.backend.value} backend is not available "
        "in this version",
        hint="Azure ML workspaces arrive with the Azure ML backend",
    )
