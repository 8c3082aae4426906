"""Task bodies behind the Models page: plain functions ``fn(ctx, ...)``, free of Qt.

They run inside :mod:`mlops_desktop.ui.shell.workers` threads in the app and are called directly in
tests. Only ``core`` and ``backends`` are imported here; each backend's SDK loads lazily when the
first backend is opened, inside a worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlops_desktop.backends.base import Backend
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState, ModelVersion
from mlops_desktop.core.errors import AuthError, MlopsError, Unavailable
from mlops_desktop.core.lineage import lineage_by_stage
from mlops_desktop.core.tasks import TaskContext

#: Opens a workspace's backend; :func:`mlops_desktop.backends.registry.open_backend` in the app.
BackendOpener = Callable[[WorkspaceConfig], Backend]

# Opening the first backend imports its SDK (mlflow: several seconds, many modules). Importing
# one big package from several threads at once can see half-initialised modules, so backends are
# opened one at a time; the reads that follow run in parallel.
_OPEN_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class WorkspaceSnapshot:
    """What one workspace answered: its connection state and (when online) its versions."""

    workspace: str
    connection: ConnectionInfo
    versions: tuple[ModelVersion, ...] = ()
    seconds: float = 0.0
    #: What of an online workspace could not be read (one model's versions); the rest is in
    #: ``versions``.
    problems: tuple[str, ...] = ()


def default_backend_opener(workspace: WorkspaceConfig) -> Backend:
    """:func:`~mlops_desktop.backends.registry.open_backend`, imported on first use."""
    from mlops_desktop.backends.registry import open_backend

    return open_backend(workspace)


def load_workspace(
    ctx: TaskContext, workspace: WorkspaceConfig, opener: BackendOpener | None = None
) -> WorkspaceSnapshot:
    """Check a workspace's connection and, when it is online, read all its model versions.

    An unreachable backend is a snapshot with an offline state (not an exception); failures
    while reading raise :class:`~mlops_desktop.core.errors.MlopsError` subclasses.
    """
    started = time.perf_counter()
    ctx.progress(0, 3, f"{workspace.name}: connecting")
    with _OPEN_LOCK:
        ctx.check()
        backend = (opener or default_backend_opener)(workspace)
    try:
        ctx.progress(1, 3, f"{workspace.name}: checking connection")
        connection = backend.check_connection()
        ctx.check()
        if connection.state is not ConnectionState.ONLINE:
            return WorkspaceSnapshot(workspace.name, connection, (), time.perf_counter() - started)
        ctx.progress(2, 3, f"{workspace.name}: reading model versions")
        versions = tuple(backend.list_model_versions(ctx, with_runs=True))
        ctx.check()
        return WorkspaceSnapshot(
            workspace.name,
            connection,
            versions,
            time.perf_counter() - started,
            tuple(getattr(backend, "read_problems", ())),
        )
    finally:
        backend.close()


def connection_state_for_error(error: BaseException) -> ConnectionState:
    """The connection state a failed load leaves a workspace in."""
    if isinstance(error, Unavailable):
        return ConnectionState.OFFLINE
    if isinstance(error, AuthError):
        return ConnectionState.AUTH_REQUIRED
    return ConnectionState.ERROR


def describe_error(error: BaseException) -> str:
    """One line about an error for a tooltip or status bar (message, then the hint)."""
    if isinstance(error, MlopsError):
        return f"{error.message} — {error.hint}" if error.hint else error.message
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _version_number(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 62, version)


def version_sort_key(version: str) -> tuple[int, str]:
    """Sort key that orders ``"2"`` before ``"10"`` and non-numeric versions last."""
    return _version_number(version)


def create_demo_workspaces(ctx: TaskContext, *, reset: bool = False) -> Any:
    """Build the demo workspaces (:func:`mlops_desktop.demo.create_demo`), imported lazily."""
    from mlops_desktop.demo import create_demo

    ctx.check()
    return create_demo(ctx, reset=reset)


__all__ = [
    "BackendOpener",
    "WorkspaceSnapshot",
    "connection_state_for_error",
    "create_demo_workspaces",
    "default_backend_opener",
    "describe_error",
    "lineage_by_stage",
    "load_workspace",
    "version_sort_key",
]
