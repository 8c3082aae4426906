"""The Overview with a live local endpoint: its health and last-hour traffic in the champion's
cell (from the requests the router collected), and the endpoint link opening the Endpoints page
on it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from endpoint_helpers import cleanup
from PySide6.QtCore import Qt

from mlops_desktop.core.config import AppConfig, load_config, local_mlflow_workspace, save_config
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.overview.entities import Health
from mlops_desktop.overview.readers import last_hour_traffic
from mlops_desktop.overview.snapshot import overview_snapshot
from mlops_desktop.serving.manager import HOST_DIR_ENV, EndpointManager

HOME_ENV = "MLOPS_DESKTOP_HOME"
WORKSPACE = "shop-prod"
MODEL = "shop"
ENDPOINT = "shop-api"
REQUESTS = 5


@pytest.fixture(scope="module")
def endpoint_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``shop-prod`` with ``shop`` v1 @champion served by ``shop-api``, which answered
    :data:`REQUESTS` requests."""
    home = tmp_path_factory.mktemp("overview-endpoints-home")
    host_dir = tmp_path_factory.mktemp("host")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(home))
        patch.setenv(HOST_DIR_ENV, str(host_dir))
        from mlops_desktop.backends.mlflow.backend import MlflowBackend
        from mlops_desktop.pipelines.train import TrainConfig, train
        from mlops_desktop.serving.launchers import ForkLauncher

        workspace = local_mlflow_workspace(WORKSPACE, Stage.PROD)
        assert workspace.mlflow is not None
        train(
            TrainConfig(
                tracking_uri=workspace.mlflow.tracking_uri,
                artifact_root=workspace.mlflow.artifact_root,
                registered_model=MODEL,
                experiment="shop",
                data="diabetes",
                model_type="ridge",
                run_name="ridge-1",
            )
        )
        MlflowBackend(workspace).set_model_version_alias(MODEL, "champion", "1")
        save_config(AppConfig(workspaces=(workspace,)))
        manager = EndpointManager(workspace)
        try:
            endpoint = manager.create_endpoint(ENDPOINT, model=MODEL, version="champion")
            for _ in range(REQUESTS):
                assert manager.invoke(ENDPOINT).ok
            # the router writes what it collected every half second
            deadline = time.monotonic() + 30
            while last_hour_traffic(endpoint.directory, datetime.now(UTC)).requests < REQUESTS:
                assert time.monotonic() < deadline, "the router never wrote its requests"
                time.sleep(0.2)
            yield home
        finally:
            cleanup(manager)
            launcher = ForkLauncher(host_dir)
            info = launcher.host_info()
            launcher.stop_host()
            if info:
                import psutil

                with contextlib.suppress(psutil.NoSuchProcess, psutil.TimeoutExpired):
                    psutil.Process(int(info["pid"])).wait(10)


@pytest.fixture
def home(endpoint_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(HOME_ENV, str(endpoint_home))
    return endpoint_home


def test_the_endpoint_and_its_last_hour_are_in_the_champions_cell(home: Path) -> None:
    snapshot = overview_snapshot(TaskContext(), load_config())
    (column,) = snapshot.columns
    cell = snapshot.cell(MODEL, column)
    assert cell is not None and cell.champion.version == "1"
    (endpoint,) = cell.endpoints
    assert endpoint.name == ENDPOINT and endpoint.status == "running"
    assert endpoint.health is Health.OK and endpoint.serving == ("v1 · 100 %",)
    assert endpoint.champion_share == 100
    traffic = endpoint.traffic
    assert traffic.collected and traffic.requests == REQUESTS and traffic.errors == 0
    assert traffic.p95_ms is not None and traffic.p95_ms > 0
    assert traffic.buckets[-1] == REQUESTS
    assert not cell.problems


def test_the_endpoint_link_opens_the_endpoints_page_on_it(qtbot, make_window, home) -> None:
    window = make_window()
    qtbot.waitUntil(lambda: window.overview_page.snapshot() is not None, timeout=120_000)
    card = window.overview_page.card(MODEL, WORKSPACE, "prod")
    assert card is not None
    (button,) = card.endpoint_buttons
    assert button.full_text == ENDPOINT
    assert card.sparklines[0].values()[-1] == REQUESTS
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "endpoints"
    page = window.endpoints_page
    qtbot.waitUntil(lambda: page.selected_key() == (WORKSPACE, ENDPOINT), timeout=60_000)
    assert window.overview_navigation.pending is None
