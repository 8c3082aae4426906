"""Azure ML online endpoints offered as drift data by the Drift page (a worker task body)."""

from __future__ import annotations

from mlops_desktop.core.config import WorkspaceConfig


def azure_endpoints(workspace: WorkspaceConfig) -> list[tuple[str, list[str]]]:
    """``(endpoint, [deployment, …])`` of an Azure ML workspace; MlopsError when unreachable.

    Their data collector's files are what ``endpoint:WORKSPACE/NAME`` sources download."""
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

    backend = AzureMlBackend(workspace)
    try:
        return [(e.name, [d.name for d in e.deployments]) for e in backend.list_online_endpoints()]
    finally:
        backend.close()
