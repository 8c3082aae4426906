"""Who acts in a workspace: the signed-in Azure identity there, else :func:`current_identity`."""

from __future__ import annotations

from mlops_desktop.core.config import BackendKind, WorkspaceConfig
from mlops_desktop.core.identity import current_identity


def acting_identity(workspace: WorkspaceConfig | None = None) -> str:
    """The person acting in ``workspace`` (I/O for Azure ML: run it off the GUI thread).

    Azure ML: the identity of the token its credential gives (``MLFLOW_TRACKING_USERNAME``
    or the OS user mean nothing there). MLflow or no workspace: :func:`current_identity`.
    """
    if workspace is not None and workspace.backend is BackendKind.AZUREML:
        from mlops_desktop.backends.azureml.identity import signed_in_identity

        return signed_in_identity(workspace)
    return current_identity()
