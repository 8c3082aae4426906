"""Loads every configured workspace in background workers; the latest request wins.

One worker per workspace runs :func:`mlops_desktop.ui.common.backend_tasks.load_workspace`, so a
slow or unreachable workspace never holds back the others. Connection states (connecting → online /
offline / error) and results are announced with signals in the GUI thread; failures go to the
:class:`~mlops_desktop.ui.shell.notifications.NotificationCenter`, the one place errors are
reported.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState
from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.ui.common.backend_tasks import (
    BackendOpener,
    WorkspaceSnapshot,
    connection_state_for_error,
    describe_error,
    load_workspace,
)
from mlops_desktop.ui.shell.notifications import (
    Notification,
    NotificationCenter,
    NotificationLevel,
    notification_from_exception,
)
from mlops_desktop.ui.shell.workers import LatestRequest, Worker, WorkerPool


class WorkspaceLoader(QObject):
    """Owns the configuration on display and the per-workspace loads of the current request."""

    #: The configuration changed (AppConfig); pages rebuild their workspace lists.
    configChanged = Signal(object)
    #: A workspace's connection state changed: (name, ConnectionInfo).
    connectionChanged = Signal(str, object)
    #: A workspace answered: WorkspaceSnapshot (its versions replace the previous ones).
    workspaceLoaded = Signal(object)
    #: A workspace failed to load: (name, exception). Its previous versions are stale.
    workspaceFailed = Signal(str, object)
    #: A request started for this many workspaces.
    loadStarted = Signal(int)
    #: (finished, total) workspaces of the current request.
    progressChanged = Signal(int, int)
    #: Every workspace of the current request has answered or failed.
    loadFinished = Signal()

    def __init__(
        self,
        pool: WorkerPool,
        notifications: NotificationCenter,
        *,
        opener: BackendOpener | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._notifications = notifications
        self._opener = opener
        self._request = LatestRequest(self)
        self._config = AppConfig()
        self._connections: dict[str, ConnectionInfo] = {}
        self._snapshots: dict[str, WorkspaceSnapshot] = {}
        self._pending: set[str] = set()
        self._failures: dict[str, BaseException | ConnectionInfo] = {}
        self._total = 0
        self._started_at = 0.0
        self._last_duration: float | None = None
        self._loaded_once = False

    # -- configuration ------------------------------------------------------------------------

    @property
    def config(self) -> AppConfig:
        """The configuration on display."""
        return self._config

    def set_config(self, config: AppConfig) -> None:
        """Show ``config``'s workspaces (call :meth:`reload` to read them)."""
        removed = set(self._snapshots) - {ws.name for ws in config.workspaces}
        for name in removed:
            self._snapshots.pop(name, None)
        self._connections = {
            ws.name: self._connections.get(ws.name, ConnectionInfo(ConnectionState.UNKNOWN))
            for ws in config.workspaces
        }
        self._config = config
        self.configChanged.emit(config)

    # -- loading ------------------------------------------------------------------------------

    @property
    def is_loading(self) -> bool:
        """True while the current request has workspaces still to answer."""
        return bool(self._pending)

    @property
    def has_loaded(self) -> bool:
        """True once a request has finished (even with failures)."""
        return self._loaded_once

    @property
    def generation(self) -> int:
        """The current request's generation (see :class:`.workers.LatestRequest`)."""
        return self._request.generation

    @property
    def last_duration(self) -> float | None:
        """Seconds the last finished request took."""
        return self._last_duration

    def snapshots(self) -> dict[str, WorkspaceSnapshot]:
        """The latest answer of every workspace that answered."""
        return dict(self._snapshots)

    def connection(self, name: str) -> ConnectionInfo:
        """The last known connection state of workspace ``name``."""
        return self._connections.get(name, ConnectionInfo(ConnectionState.UNKNOWN))

    def reload(self) -> int:
        """Load every workspace again; cancels and supersedes a request still running.

        Returns the new request's generation.
        """
        generation = self._request.begin()
        workspaces = list(self._config.workspaces)
        self._pending = {ws.name for ws in workspaces}
        self._failures = {}
        self._total = len(workspaces)
        self._started_at = time.perf_counter()
        self.loadStarted.emit(self._total)
        for ws in workspaces:
            self._set_connection(ws.name, ConnectionInfo(ConnectionState.CONNECTING))
            self._submit(ws)
        self.progressChanged.emit(0, self._total)
        if not workspaces:
            self._finish()
        return generation

    def cancel(self) -> None:
        """Stop the current request (its late results are dropped)."""
        self._request.begin()
        for name in sorted(self._pending):
            self._set_connection(name, ConnectionInfo(ConnectionState.UNKNOWN, "load cancelled"))
        self._pending = set()

    def _submit(self, ws: WorkspaceConfig) -> Worker:
        worker = self._pool.submit(load_workspace, ws, self._opener, name=f"load {ws.name}")
        self._request.track(worker)
        self._request.connect(worker.signals.result, self._on_result)
        self._request.connect(
            worker.signals.error, lambda error, name=ws.name: self._on_error(name, error)
        )
        return worker

    def _on_result(self, snapshot: WorkspaceSnapshot) -> None:
        if snapshot.workspace not in self._pending:
            return
        info = snapshot.connection
        self._set_connection(snapshot.workspace, info)
        if info.state is ConnectionState.ONLINE:
            self._snapshots[snapshot.workspace] = snapshot
            if snapshot.problems:  # listed, but not all of it: say what is missing
                self._notifications.notify(
                    Notification(
                        NotificationLevel.WARNING,
                        f"Workspace {snapshot.workspace!r}: {'; '.join(snapshot.problems)}",
                        hint="its other models are listed; press F5 to read it again",
                    )
                )
            self.workspaceLoaded.emit(snapshot)
        else:
            self._snapshots.pop(snapshot.workspace, None)
            self._failures[snapshot.workspace] = info
            self._notifications.notify(
                Notification(
                    NotificationLevel.WARNING,
                    f"Workspace {snapshot.workspace!r} is {info.state.value}: {info.detail}",
                    hint="check that its server is running and reachable, then press F5",
                )
            )
            self.workspaceFailed.emit(snapshot.workspace, Unreachable(info))
        self._done(snapshot.workspace)

    def _on_error(self, name: str, error: BaseException) -> None:
        if name not in self._pending or isinstance(error, Cancelled):
            return
        state = connection_state_for_error(error)
        self._set_connection(name, ConnectionInfo(state, describe_error(error)))
        self._snapshots.pop(name, None)
        self._failures[name] = error
        level = (
            NotificationLevel.WARNING if isinstance(error, MlopsError) else NotificationLevel.ERROR
        )
        self._notifications.notify(
            notification_from_exception(error, context=f"Workspace {name!r}", level=level)
        )
        self.workspaceFailed.emit(name, error)
        self._done(name)

    def _done(self, name: str) -> None:
        self._pending.discard(name)
        self.progressChanged.emit(self._total - len(self._pending), self._total)
        if not self._pending:
            self._finish()

    def _finish(self) -> None:
        self._last_duration = time.perf_counter() - self._started_at
        self._loaded_once = True
        self._announce_summary()
        self.loadFinished.emit()

    def _announce_summary(self) -> None:
        if not self._total:
            return
        versions = sum(len(s.versions) for s in self._snapshots.values())
        loaded = self._total - len(self._failures)
        seconds = self._last_duration or 0.0
        if not self._failures:
            self._notifications.info(
                f"Loaded {versions} model versions from {loaded} workspace(s) in {seconds:.1f} s"
            )
            return
        problems = []
        details = []
        for name, failure in self._failures.items():
            if isinstance(failure, ConnectionInfo):
                problems.append(f"{name} ({failure.state.value})")
                details.append(f"{name}: {failure.state.value} — {failure.detail}")
            else:
                state = connection_state_for_error(failure)
                problems.append(f"{name} ({state.value})")
                details.append(f"{name}: {describe_error(failure)}")
        self._notifications.notify(
            Notification(
                NotificationLevel.WARNING,
                f"Loaded {versions} model versions from {loaded} of {self._total} workspaces; "
                f"not loaded: {', '.join(problems)}",
                hint="hover a workspace in the navigator for its error; press F5 to retry",
                details="\n".join(details),
            )
        )

    def _set_connection(self, name: str, info: ConnectionInfo) -> None:
        self._connections[name] = info
        self.connectionChanged.emit(name, info)


class Unreachable(MlopsError):
    """A workspace answered its connection check with a state other than online."""

    def __init__(self, info: ConnectionInfo) -> None:
        super().__init__(info.detail or info.state.value)
        self.info = info
