"""A fast, pure-Python backend for the edge cases real stores cannot stage on demand.

Slow loads (blocked on an event), failures and unusual values. The main UI tests use real
local MLflow stores; these fakes only cover what those cannot.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import (
    KEY_METRIC_TAG,
    Capabilities,
    ConnectionInfo,
    ConnectionState,
    Experiment,
    ModelVersion,
    RegisteredModel,
    Run,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext


def make_version(
    workspace: str,
    version: str,
    *,
    model: str = "churn",
    stage: Stage | None = Stage.DEV,
    metric: float | None = None,
    metric_name: str = "rmse",
    aliases: tuple[str, ...] = (),
    run_id: str | None = None,
    run_name: str = "",
    tags: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> ModelVersion:
    """A model version with a source run carrying ``metric`` as its key metric."""
    run_id = run_id or f"run-{workspace}-{model}-{version}"
    metrics = {metric_name: metric} if metric is not None else {}
    run = Run(
        run_id=run_id,
        experiment_id="1",
        name=run_name or f"train-{version}",
        metrics=metrics,
        params=params or {"alpha": "1.0"},
        tags={KEY_METRIC_TAG: metric_name} if metric is not None else {},
    )
    return ModelVersion(
        workspace=workspace,
        stage=stage,
        model=model,
        registered_name=model,
        version=version,
        aliases=aliases,
        tags=tags or {},
        status="READY",
        created_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=int(version)),
        run_id=run_id,
        run=run,
    )


class FakeBackend:
    """Implements the Backend protocol over fixed data.

    ``gate``: ``list_model_versions`` blocks until it is set — ignoring cancellation like a
    network call in flight, or checking for it when ``cooperative``. ``error``: raised by
    ``list_model_versions``.
    """

    def __init__(
        self,
        workspace: WorkspaceConfig,
        versions: Iterable[ModelVersion] = (),
        *,
        connection: ConnectionInfo | None = None,
        gate: threading.Event | None = None,
        cooperative: bool = False,
        error: BaseException | None = None,
    ) -> None:
        self.workspace = workspace
        self.versions = list(versions)
        self.connection = connection or ConnectionInfo(ConnectionState.ONLINE, "fake")
        self.gate = gate
        self.cooperative = cooperative
        self.error = error
        self.entered = threading.Event()
        self.returned = threading.Event()
        self.list_calls = 0

    def capabilities(self) -> Capabilities:
        return Capabilities()

    def check_connection(self) -> ConnectionInfo:
        return self.connection

    def list_registered_models(self, ctx: TaskContext | None = None) -> list[RegisteredModel]:
        return []

    def list_model_versions(
        self, ctx: TaskContext | None = None, *, with_runs: bool = True
    ) -> list[ModelVersion]:
        self.list_calls += 1
        self.entered.set()
        if self.gate is not None:
            deadline = 300 if self.cooperative else 3000  # x 10 ms
            for _ in range(deadline):
                if self.gate.wait(0.01):
                    break
                if self.cooperative and ctx is not None:
                    ctx.check()
            else:
                raise TimeoutError("gate never opened")
        if self.error is not None:
            raise self.error
        self.returned.set()
        return list(self.versions)

    def get_model_version(self, registered_name: str, version: str) -> ModelVersion:
        raise NotImplementedError

    def get_run(self, run_id: str) -> Run:
        raise NotImplementedError

    def list_experiments(self) -> list[Experiment]:
        return []

    def list_runs(self, experiment_ids: list[str], max_results: int = 100) -> list[Run]:
        return []

    def close(self) -> None:
        pass


class FakeOpener:
    """Opens a FakeBackend per workspace from a factory; remembers every backend it made."""

    def __init__(self, factory: Callable[[WorkspaceConfig], FakeBackend]) -> None:
        self.factory = factory
        self.opened: list[FakeBackend] = []
        self._lock = threading.Lock()

    def __call__(self, workspace: WorkspaceConfig) -> FakeBackend:
        backend = self.factory(workspace)
        with self._lock:
            self.opened.append(backend)
        return backend
