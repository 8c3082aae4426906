"""The one protocol every backend implements and every caller uses.

The GUI, the CLI, promotion and retraining never branch on backend kind: they call these
methods, which speak in :mod:`mlops_desktop.core.entities` and raise
:mod:`mlops_desktop.core.errors`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import (
    Capabilities,
    ConnectionInfo,
    Experiment,
    ModelVersion,
    RegisteredModel,
    Run,
)
from mlops_desktop.core.tasks import TaskContext


@runtime_checkable
class Backend(Protocol):
    """A workspace's backend. Instances are cheap; each worker thread may open its own."""

    workspace: WorkspaceConfig

    def capabilities(self) -> Capabilities:
        """What this backend can do, and why not where it cannot."""
        ...

    def check_connection(self) -> ConnectionInfo:
        """Reach the backend once; never raises for an unreachable backend."""
        ...

    def list_registered_models(self, ctx: TaskContext | None = None) -> list[RegisteredModel]:
        """Every registered model (all pages) with its aliases."""
        ...

    def list_model_versions(
        self, ctx: TaskContext | None = None, *, with_runs: bool = True
    ) -> list[ModelVersion]:
        """Every version of every registered model, with aliases and (optionally) source runs."""
        ...

    def get_model_version(self, registered_name: str, version: str) -> ModelVersion:
        """One version with aliases, tags and its source run (params, metrics, datasets)."""
        ...

    def get_model_version_by_alias(self, registered_name: str, alias: str) -> ModelVersion:
        """The version an alias (e.g. ``champion``) points at."""
        ...

    def download_run_artifacts(self, run_id: str, artifact_path: str, dest: Path) -> Path | None:
        """Copy one artifact folder of a run into ``dest``; None when the run has none."""
        ...

    def get_run(self, run_id: str) -> Run:
        """One run with params, metrics, tags and logged datasets."""
        ...

    def list_experiments(self) -> list[Experiment]:
        """Active experiments."""
        ...

    def list_runs(self, experiment_ids: list[str], max_results: int = 100) -> list[Run]:
        """The newest runs of the given experiments."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
