"""Fixtures of the GUI tests: real local MLflow stores, windows, fakes for edge cases.

The repository-level ``tests/conftest.py`` sets ``QT_QPA_PLATFORM=offscreen``, turns MLflow
telemetry off and gives every test a fresh ``MLOPS_DESKTOP_HOME`` (``app_home``); its session
``demo_snapshot`` builds the real demo workspaces once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import azure_blob_fixtures
import pytest

from mlops_desktop.core.config import (
    AppConfig,
    StageLayout,
    WorkspaceConfig,
    load_config,
    local_mlflow_workspace,
    save_config,
)
from mlops_desktop.core.stages import Stage

PREFIX_WORKSPACE = "shared"

# Azure ML workspaces with real model files (loopback ARM, Azurite, CONNECT proxy): the
# fixtures of tests/azureml, defined once in azure_blob_fixtures.
arm_cert = azure_blob_fixtures.arm_cert
azurite = azure_blob_fixtures.azurite
azure_blob_env = azure_blob_fixtures.azure_blob_env


@pytest.fixture
def ui_demo_home(demo_snapshot: Path, app_home: Path) -> Path:
    """A fresh home listing the session's real demo workspaces (dev, staging, prod).

    Only the configuration is copied: the stores are shared and only read, and without the
    demo's current data the Drift page does not start a drift computation in every test.
    """
    config = load_config(demo_snapshot / "config" / "config.toml")
    save_config(config)
    return app_home


@pytest.fixture(scope="session")
def prefix_workspace(tmp_path_factory: pytest.TempPathFactory) -> WorkspaceConfig:
    """A real local MLflow store in the name-prefix layout hosting dev and prod.

    ``dev.churn`` v1 is trained by the sample pipeline; ``prod.churn`` v1 is its copy (same
    origin, so the same version promoted).
    """
    home = tmp_path_factory.mktemp("prefix-home")
    previous = os.environ.get("MLOPS_DESKTOP_HOME")
    os.environ["MLOPS_DESKTOP_HOME"] = str(home)
    try:
        from mlops_desktop.backends.mlflow.backend import MlflowBackend, copy_model_version
        from mlops_desktop.pipelines.train import TrainConfig, train

        workspace = local_mlflow_workspace(
            PREFIX_WORKSPACE, None, layout=StageLayout.NAME_PREFIX
        ).model_copy(update={"stages": (Stage.DEV, Stage.PROD)})
        assert workspace.mlflow is not None
        train(
            TrainConfig(
                tracking_uri=workspace.mlflow.tracking_uri,
                artifact_root=workspace.mlflow.artifact_root,
                registered_model="dev.churn",
                experiment="churn",
                data="breast_cancer",
                model_type="logistic_regression",
                run_name="logreg-1",
            )
        )
        backend = MlflowBackend(workspace)
        copy_model_version(backend, "dev.churn", "1", backend, "prod.churn")
        backend.set_model_version_alias("prod.churn", "champion", "1")
    finally:
        if previous is None:
            os.environ.pop("MLOPS_DESKTOP_HOME", None)
        else:
            os.environ["MLOPS_DESKTOP_HOME"] = previous
    return workspace


def write_config(*workspaces: WorkspaceConfig) -> AppConfig:
    """Save a configuration with ``workspaces`` into the test's home."""
    config = AppConfig(workspaces=tuple(workspaces))
    save_config(config)
    return config


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Callable[..., Any]]:
    """Build, show and start a MainWindow; closed (workers cancelled and awaited) at teardown."""
    from mlops_desktop.ui.shell.main_window import MainWindow

    windows: list[MainWindow] = []

    def factory(
        *, start: bool = True, size: tuple[int, int] | None = (1400, 860), **kwargs: Any
    ) -> MainWindow:
        window = MainWindow(**kwargs)
        qtbot.addWidget(window)
        if size is not None:
            window.resize(*size)
        window.show()
        windows.append(window)
        if start:
            window.start()
        return window

    yield factory
    for window in windows:
        window.close()  # saves state, cancels workers and waits for them (with a deadline)
        assert window.shutdown(), "a worker outlived the quit deadline"
