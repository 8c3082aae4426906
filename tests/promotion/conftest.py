"""Fixtures for promotion tests: real MLflow stores, real endpoints on 127.0.0.1.

Built once per session (read-only afterwards): a migrated empty MLflow store to copy, and a dev
store with three trained versions of ``diabetes`` (v1 elastic net — the staging champion —,
v2 ridge, better, v3 a heavily regularised elastic net, much worse). Per test: fresh staging
and prod stores in the test's app home (staging holds a copy of dev v1 as ``champion``, served
by endpoint ``diabetes`` as deployment ``blue``), a ``policy.toml``, and a finalizer deleting
every endpoint the test made.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from endpoint_helpers import cleanup
from promotion_helpers import (
    MODEL,
    ForkRunner,
    Stages,
    fast_policy,
    free_port,
)

from mlops_desktop.core.config import (
    AppConfig,
    MlflowConnection,
    WorkspaceConfig,
    local_mlflow_workspace,
    save_config,
)
from mlops_desktop.core.policy import PolicyConfig, save_policy
from mlops_desktop.core.stages import Stage
from mlops_desktop.serving.launchers import ForkLauncher
from mlops_desktop.serving.manager import HOST_DIR_ENV

#: dev versions built by the session template: (model type, params).
DEV_RUNS = (
    ("elastic_net", {"alpha": 0.01}),  # v1: rmse ~58, the staging champion
    ("ridge", {"alpha": 0.1}),  # v2: rmse ~53, a good candidate
    ("elastic_net", {"alpha": 1.0}),  # v3: rmse ~75, a bad candidate
)


@pytest.fixture(scope="session")
def serving_host_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One warm fork host for the session's endpoints; stopped at the end."""
    folder = tmp_path_factory.mktemp("promotion-host")
    launcher = ForkLauncher(folder)
    yield folder
    info = launcher.host_info()
    launcher.stop_host()
    if info:
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(int(info["pid"])).wait(10)


@pytest.fixture(autouse=True)
def _shared_host(serving_host_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Endpoint managers (also in child processes) use the session's warm host."""
    monkeypatch.setenv(HOST_DIR_ENV, str(serving_host_dir))
    monkeypatch.delenv("MLOPS_DESKTOP_CRASH_AT", raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "alice")


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow SQLite store with every schema migration applied and nothing in it."""
    from mlflow import MlflowClient

    folder = tmp_path_factory.mktemp("empty-store")
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    MlflowClient(uri, registry_uri=uri).search_registered_models(max_results=1)
    return folder / "mlflow.db"


def _workspace_on(name: str, stage: Stage, folder: Path) -> WorkspaceConfig:
    return WorkspaceConfig(
        name=name,
        stage=stage,
        mlflow=MlflowConnection(
            tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
            artifact_root=(folder / "artifacts").as_uri(),
        ),
    )


@pytest.fixture(scope="session")
def dev_store(tmp_path_factory: pytest.TempPathFactory, empty_store: Path) -> Path:
    """Folder of the shared dev store (three versions); tests only read it."""
    from mlops_desktop.pipelines.train import TrainConfig, train

    folder = tmp_path_factory.mktemp("dev-store")
    shutil.copy(empty_store, folder / "mlflow.db")
    ws = _workspace_on("dev", Stage.DEV, folder)
    assert ws.mlflow is not None
    for model_type, params in DEV_RUNS:
        train(
            TrainConfig(
                tracking_uri=ws.mlflow.tracking_uri,
                artifact_root=ws.mlflow.artifact_root,
                registered_model=MODEL,
                experiment="diabetes",
                model_type=model_type,
                params=dict(params),
            )
        )
    return folder


@pytest.fixture(scope="session")
def fork_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkRunner]:
    """The warm process forking command runs (stopped at the end)."""
    logs = tmp_path_factory.mktemp("fork-runner")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("fork_runner.py"))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert "ready" in proc.stdout.readline()
        yield ForkRunner(proc, logs)
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _fresh_store(workspace: WorkspaceConfig, empty_store: Path) -> None:
    assert workspace.mlflow is not None
    db = Path(workspace.mlflow.tracking_uri.removeprefix("sqlite:///"))
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(empty_store, db)


@pytest.fixture
def stages(app_home: Path, dev_store: Path, empty_store: Path) -> Iterator[Stages]:
    """dev (shared, read-only) + fresh staging (champion v1 served by ``diabetes``/blue) +
    fresh empty prod; a policy with fast canaries (prod needs approval, as by default);
    every endpoint deleted afterwards."""
    from mlops_desktop.backends.mlflow.backend import MlflowBackend, copy_model_version
    from mlops_desktop.serving.manager import EndpointManager

    dev = _workspace_on("dev", Stage.DEV, dev_store)
    staging = local_mlflow_workspace("staging", Stage.STAGING)
    prod = local_mlflow_workspace("prod", Stage.PROD)
    for workspace in (staging, prod):
        _fresh_store(workspace, empty_store)
    config = AppConfig(workspaces=(dev, staging, prod))
    save_config(config)
    prod_policy = fast_policy().model_copy(update={"requires_approval": True})
    save_policy(PolicyConfig(stages={Stage.STAGING: fast_policy(), Stage.PROD: prod_policy}))
    target = MlflowBackend(staging)
    copied = copy_model_version(MlflowBackend(dev), MODEL, "1", target, MODEL)
    target.set_model_version_alias(MODEL, "champion", copied.version)
    managers = [EndpointManager(staging), EndpointManager(prod)]
    try:
        managers[0].create_endpoint(
            MODEL, model=MODEL, version="champion", deployment="blue", port=free_port()
        )
        yield Stages(app_home, config, dev, staging, prod)
    finally:
        for manager in managers:
            cleanup(manager)
        os.environ.pop("MLOPS_DESKTOP_CRASH_AT", None)
