"""Helpers of the commands that act on Azure ML workspaces (permissions, deployments, jobs)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from mlops_desktop.core.config import BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, MlopsError

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

T = TypeVar("T")


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


def read_azure(workspace: WorkspaceConfig, read: Callable[[AzureMlBackend], T]) -> T | None:
    """``read(backend)`` on the workspace's backend, closed after; None when it fails with an
    :class:`~mlops_desktop.core.errors.MlopsError` (said on stderr: one workspace of several)."""
    try:
        backend = open_azure_backend(workspace)
        try:
            return read(backend)
        finally:
            backend.close()
    except MlopsError as exc:
        print(f"{workspace.name}: {exc.message}", file=sys.stderr)
        return None
