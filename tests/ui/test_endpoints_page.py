"""The Endpoints page against real local endpoints on 127.0.0.1.

One module-wide home holds a local MLflow workspace ``shop-prod`` with a small trained model
and an endpoint ``shop-api`` (deployments blue 100 %, green 0 %), served through a warm fork
host; tests that change its traffic or state put it back. Every endpoint created here is
deleted by a finalizer and the fork host is stopped at the end of the module.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from endpoint_helpers import cleanup
from PySide6.QtCore import Qt

from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    WorkspaceConfig,
    local_mlflow_workspace,
    save_config,
)
from mlops_desktop.core.entities import Capabilities, ConnectionInfo, ConnectionState
from mlops_desktop.core.errors import Conflict, InvalidInput, PermissionDenied
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving import processes
from mlops_desktop.serving.entities import DeploymentStatus, EndpointStatus
from mlops_desktop.serving.manager import HOST_DIR_ENV, EndpointManager
from mlops_desktop.serving.state import load_record
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.endpoints.endpoints_tree_model import (
    KIND_ROLE,
    SUMMARY_ROLE,
    Column,
    EndpointsModel,
    RowKind,
)

pytestmark = pytest.mark.slow

HOME_ENV = "MLOPS_DESKTOP_HOME"
WORKSPACE = "shop-prod"
MODEL = "shop"
ENDPOINT = "shop-api"
WAIT_MS = 20_000


class _NoEndpointsBackend:
    """A backend without endpoints (as Azure ML workspaces are, here), and offline."""

    def capabilities(self) -> Capabilities:
        return Capabilities()

    def check_connection(self) -> ConnectionInfo:
        return ConnectionInfo(ConnectionState.OFFLINE, "not reachable from tests")

    def close(self) -> None:
        pass


def opener(workspace: WorkspaceConfig) -> Any:
    """Real MLflow backends; Azure workspaces get a stub that declares no endpoints."""
    if workspace.backend is BackendKind.AZUREML:
        return _NoEndpointsBackend()
    from mlops_desktop.backends.registry import open_backend

    return open_backend(workspace)


def azure_workspace() -> WorkspaceConfig:
    return WorkspaceConfig(
        name="azure-prod",
        backend=BackendKind.AZUREML,
        stage=Stage.PROD,
        azure=AzureConnection(subscription_id="s", resource_group="r", workspace_name="w"),
    )


@pytest.fixture(scope="module")
def endpoint_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home with ``shop-prod`` (a trained ridge model, @champion) and ``shop-api`` running."""
    home = tmp_path_factory.mktemp("endpoints-home")
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
        save_config(AppConfig(workspaces=(workspace, azure_workspace())))
        manager = EndpointManager(workspace)
        try:
            manager.create_endpoint(ENDPOINT, model=MODEL, version="champion")
            manager.add_deployment(ENDPOINT, "green", model=MODEL, version="1")
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
    """This test runs in the module's home (its endpoints, its fork host)."""
    monkeypatch.setenv(HOME_ENV, str(endpoint_home))
    return endpoint_home


@pytest.fixture
def config(home: Path) -> AppConfig:
    from mlops_desktop.core.config import load_config

    return load_config()


@pytest.fixture
def manager(config: AppConfig) -> Iterator[EndpointManager]:
    """The module endpoint's manager; traffic is reset to blue=100, no mirror, afterwards."""
    made = EndpointManager(config.workspace(WORKSPACE))
    yield made
    endpoint = made.get_endpoint(ENDPOINT, probe=False)
    if endpoint.status is EndpointStatus.STOPPED:
        made.start_endpoint(ENDPOINT)
    made.set_traffic(ENDPOINT, {"blue": 100}, {})


def make_page(qtbot: Any) -> tuple[Any, Any]:
    from mlops_desktop.ui.endpoints.endpoints_page import EndpointsPage
    from mlops_desktop.ui.shell.workers import WorkerPool

    pool = WorkerPool()
    page = EndpointsPage(pool, opener=opener)
    qtbot.addWidget(page)
    page.resize(1300, 860)
    page.show()
    return page, pool


@pytest.fixture
def page(qtbot: Any, config: AppConfig) -> Iterator[Any]:
    """The page, loaded with the module's configuration, ``shop-api`` selected."""
    made, pool = make_page(qtbot)
    with qtbot.waitSignal(made.dataLoaded, timeout=WAIT_MS):
        made.set_config(config)
    assert made.selected_key() == (WORKSPACE, ENDPOINT)
    yield made
    made.refresh_timer.stop()
    assert pool.shutdown(10_000)


# -- Qt-free task bodies ----------------------------------------------------------------------


def test_tasks_list_endpoints_and_read_telemetry(config: AppConfig, manager) -> None:
    listed = tasks.list_workspace_endpoints(TaskContext(), config, opener=opener)
    assert [item.workspace for item in listed] == ["azure-prod", WORKSPACE]
    azure, shop = listed
    assert not azure.supported and azure.reason == Capabilities().endpoints.reason != ""
    assert shop.supported and [e.name for e in shop.endpoints] == [ENDPOINT]
    endpoint = shop.endpoints[0]
    assert endpoint.traffic == {"blue": 100, "green": 0}
    assert all(d.status is DeploymentStatus.HEALTHY for d in endpoint.deployments)

    workspace = config.workspace(WORKSPACE)
    before = tasks.endpoint_telemetry(TaskContext(), workspace, ENDPOINT).total_requests
    example = tasks.load_input_example(TaskContext(), workspace, ENDPOINT)
    body = tasks.parse_request_body(example)
    ok = tasks.invoke_endpoint(TaskContext(), workspace, ENDPOINT, body, "green")
    assert ok.ok and ok.deployment == "green" and len(ok.predictions) == 5
    bad = tasks.invoke_endpoint(TaskContext(), workspace, ENDPOINT, b'{"inputs": [["x"]]}')
    assert bad.status == 400

    def counted() -> tasks.EndpointTelemetry:
        return tasks.endpoint_telemetry(TaskContext(), workspace, ENDPOINT)

    assert processes.wait_until(lambda: counted().total_requests >= before + 2, 15)
    telemetry = counted()
    assert telemetry.total_errors >= 1 and 0 < telemetry.error_fraction < 1
    assert len(telemetry.times) == len(telemetry.requests_per_min) >= 60
    assert "green" in telemetry.by_deployment
    assert telemetry.p95_ms is not None and telemetry.p95_ms >= telemetry.p50_ms > 0
    assert telemetry.last_request is not None
    for label in tasks.TELEMETRY_WINDOWS:
        assert tasks.endpoint_telemetry(TaskContext(), workspace, ENDPOINT, label).total_requests


def test_request_json_is_formatted_and_checked() -> None:
    data = {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2.5], [3, None]]}}
    text = tasks.format_request_json(data)
    assert '"data": [\n      [1, 2.5],\n      [3, null]\n    ]' in text
    assert json.loads(text) == data
    with pytest.raises(InvalidInput, match=r"line 2, column 1"):
        tasks.parse_request_body('{"a": 1,\n}')
    with pytest.raises(InvalidInput, match="empty"):
        tasks.parse_request_body("  ")


# -- the tree ---------------------------------------------------------------------------------


def test_tree_shows_workspaces_endpoints_and_deployments(qtbot, qtmodeltester, page) -> None:
    model = page.model
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    azure = model.index(0, 0)
    assert azure.data() == "azure-prod" and azure.data(KIND_ROLE) == RowKind.WORKSPACE
    assert azure.data(SUMMARY_ROLE).startswith("Endpoints not available")
    assert model.rowCount(azure) == 0
    shop = model.index(1, 0)
    assert shop.data(SUMMARY_ROLE) == "1 endpoint · 1 running"
    endpoint = model.index(0, 0, shop)
    port = manager_port(page)
    row = [model.index(0, c, shop).data() for c in Column]
    assert row[Column.NAME] == ENDPOINT and row[Column.STATUS] == "Running"
    assert row[Column.URL] == f"http://127.0.0.1:{port}"
    assert model.rowCount(endpoint) == 2
    blue = [model.index(0, c, endpoint).data() for c in Column]
    green = [model.index(1, c, endpoint).data() for c in Column]
    assert blue[: Column.MIRROR + 1] == ["blue", "Healthy", MODEL, "v1", "100 %", "—"]
    assert green[Column.TRAFFIC] == "0 %"
    tooltip = model.index(0, Column.NAME, endpoint).data(Qt.ItemDataRole.ToolTipRole)
    assert "pid" in tooltip and "Port" in tooltip
    assert page.tree.isExpanded(endpoint)
    assert "1 endpoint(s) across 2 workspace(s) · 1 running" in page.subtitle_label.text()
    assert page.detail_title.text() == ENDPOINT
    assert page.url_label.text() == f"http://127.0.0.1:{port}/invocations"
    assert not page.start_button.isEnabled() and page.stop_button.isEnabled()


def manager_port(page: Any) -> int:
    endpoint = page.selected_endpoint()
    assert endpoint is not None
    return endpoint.port


def test_model_updates_in_place_and_resets_when_rows_change(qtmodeltester, config) -> None:
    items = tasks.list_workspace_endpoints(TaskContext(), config, probe=False, opener=opener)
    model = EndpointsModel()
    assert model.set_workspaces(items) is True
    qtmodeltester.check(model)
    changed: list[Any] = []
    model.dataChanged.connect(lambda *args: changed.append(args))
    stopped = [
        replace(
            item,
            endpoints=tuple(replace(e, status=EndpointStatus.STOPPED) for e in item.endpoints),
        )
        for item in items
    ]
    assert model.set_workspaces(stopped) is False  # same rows: cells change in place
    assert changed
    endpoint_index = model.index_of((WORKSPACE, ENDPOINT))
    assert model.index(endpoint_index.row(), Column.STATUS, endpoint_index.parent()).data() == (
        "Stopped"
    )
    fewer = [replace(item, endpoints=()) for item in items]
    assert model.set_workspaces(fewer) is True
    assert not model.index_of((WORKSPACE, ENDPOINT)).isValid()
    qtmodeltester.check(model)


# -- the Test panel ---------------------------------------------------------------------------


def test_test_panel_round_trip(qtbot, page) -> None:
    view = page.test_view
    page.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: "dataframe_split" in view.request_text(), timeout=WAIT_MS)
    assert view.target_combo.itemText(0) == "(traffic split)"
    assert view.send_button.isEnabled()
    qtbot.mouseClick(view.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status_pill.text().startswith("200"), timeout=WAIT_MS)
    predictions = json.loads(view.response_text())["predictions"]
    assert len(predictions) == 5 and all(isinstance(p, float) for p in predictions)
    assert "answered by <b>blue</b>" in view.answer_label.text()
    assert " ms" in view.answer_label.text()

    view.set_target_deployment("green")
    view.response_view.clear()
    view.send()
    qtbot.waitUntil(lambda: "answered by <b>green</b>" in view.answer_label.text(), timeout=WAIT_MS)
    assert json.loads(view.response_text())["predictions"] == predictions

    view.editor.setPlainText('{"dataframe_split": {"columns": ["age"],')
    view.validate()
    assert "not valid JSON" in view.request_status.text()
    assert not view.send_button.isEnabled()
    view.editor.setPlainText('{"dataframe_split": {"columns": ["age"], "data": [["old"]]}}')
    assert view.validate() is not None
    view.send()
    qtbot.waitUntil(lambda: view.status_pill.text().startswith("400"), timeout=WAIT_MS)
    assert view.response_text()  # MLflow's message


def test_selecting_a_deployment_targets_it(qtbot, page) -> None:
    assert page.select((WORKSPACE, ENDPOINT, "green"))
    assert page.test_view.target_deployment() == "green"
    assert page.selected_endpoint().name == ENDPOINT
    actions = {text: (run, enabled) for text, run, enabled in page.context_actions()}
    assert actions["Start"][1] is False and actions["Stop…"][1] is True
    run, enabled = actions["Send a test request to green…"]
    assert enabled
    run()
    assert page.tabs.currentWidget() is page.test_view


# -- the traffic editor -----------------------------------------------------------------------


def test_traffic_editor_rejects_bad_sums_and_applies_a_split(qtbot, page, manager) -> None:
    view = page.traffic_view
    page.tabs.setCurrentWidget(view)
    assert view.traffic() == {"blue": 100, "green": 0}
    assert not view.apply_button.isEnabled()  # nothing changed yet

    view.set_weights({"blue": 70, "green": 20})
    assert view.total() == 90
    assert "must sum to 100" in view.message()
    assert "must be 100" in view.total_label.text()
    assert not view.apply_button.isEnabled()

    view.set_weights({"blue": 70, "green": 30})
    view.set_mirror("green", 20)
    assert "already" not in view.message() and view.message() == ""
    assert view.apply_button.isEnabled()
    with qtbot.waitSignal(page.infoPosted, timeout=WAIT_MS):
        qtbot.mouseClick(view.apply_button, Qt.MouseButton.LeftButton)
    endpoint = manager.get_endpoint(ENDPOINT)
    assert endpoint.traffic == {"blue": 70, "green": 30}
    assert endpoint.mirror_traffic == {"green": 20}
    assert view.message().startswith("Applied: blue 70 %, green 30 %")
    # Audited as the CLI's changes are (both deployments serve the champion: allowed in prod).
    records = AuditLog().find(AuditAction.TRAFFIC, endpoint=ENDPOINT)
    (record,) = [r for r in records if r.details["to"] == {"blue": 70, "green": 30}]
    assert record.details["stage"] == "prod" and "Endpoints page" in record.details["reason"]
    assert record.details["mirror_to"] == {"green": 20}
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: (
            page.model.index_of((WORKSPACE, ENDPOINT, "green")).isValid()
            and page.model.endpoint((WORKSPACE, ENDPOINT)).traffic["green"] == 30
        ),
        timeout=WAIT_MS,
    )
    assert not view.is_dirty()

    view.set_weights({"blue": 100, "green": 0})
    view.set_mirror("blue", 10)
    assert "already receives all live traffic" in view.message()
    assert not view.apply_button.isEnabled()
    view.set_mirror("", 0)
    assert view.mirror() == {} and view.apply_button.isEnabled()


def test_a_failed_apply_keeps_the_edits(qtbot, page, manager, monkeypatch) -> None:
    def refuse(ctx, workspace, name, traffic, mirror, **kwargs):
        raise Conflict("the router is being reconfigured by another process")

    monkeypatch.setattr(tasks, "apply_traffic", refuse)
    errors: list[BaseException] = []
    page.errorOccurred.connect(errors.append)
    view = page.traffic_view
    view.set_weights({"blue": 40, "green": 60})
    view.apply()
    qtbot.waitUntil(lambda: view.message().startswith("Not applied"), timeout=WAIT_MS)
    assert "reconfigured" in view.message()
    assert view.traffic() == {"blue": 40, "green": 60}
    assert view.apply_button.isEnabled()
    assert errors and isinstance(errors[0], Conflict)
    # A periodic refresh of the same endpoint keeps the unsaved edits.
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
    page.refresh()
    qtbot.waitUntil(lambda: not page._list_busy, timeout=WAIT_MS)
    assert view.traffic() == {"blue": 40, "green": 60}
    assert manager.get_endpoint(ENDPOINT).traffic == {"blue": 100, "green": 0}
    view.reset()
    assert view.traffic() == {"blue": 100, "green": 0}


def test_the_prod_policy_refuses_a_traffic_change_with_the_cli_reason(qtbot, page, manager) -> None:
    from mlops_desktop.core.policy import PolicyConfig, StagePolicy, policy_file, save_policy
    from mlops_desktop.promotion.serving_guard import guard_serving_change, planned_traffic

    save_policy(PolicyConfig(stages={Stage.PROD: StagePolicy(operators=("oncall",))}))
    try:
        before = manager.get_endpoint(ENDPOINT, probe=False)
        change = planned_traffic(before, {"blue": 40, "green": 60}, origin="test")
        with pytest.raises(PermissionDenied) as expected:  # what the CLI says
            guard_serving_change(manager.workspace, change)
        records = AuditLog().records()
        view = page.traffic_view
        view.set_weights({"blue": 40, "green": 60})
        view.apply()
        qtbot.waitUntil(lambda: view.message().startswith("Not applied"), timeout=WAIT_MS)
        assert expected.value.message in view.message()
        assert "may not change what shop-prod serves" in view.message()
        qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)
        assert manager.get_endpoint(ENDPOINT).traffic == {"blue": 100, "green": 0}
        assert AuditLog().records() == records
    finally:
        policy_file().unlink()


# -- telemetry --------------------------------------------------------------------------------


def test_charts_get_data_after_requests_without_overlapping_refreshes(
    qtbot, page, manager, monkeypatch
) -> None:
    running = {"now": 0, "most": 0}
    lock = threading.Lock()
    original = tasks.endpoint_telemetry

    def counted(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
        try:
            return original(*args, **kwargs)
        finally:
            with lock:
                running["now"] -= 1

    monkeypatch.setattr(tasks, "endpoint_telemetry", counted)
    monitor = page.monitor_view
    start = monitor.telemetry.total_requests if monitor.telemetry else 0
    for _ in range(4):
        assert manager.invoke(ENDPOINT).ok
    page.set_refresh_interval(100)  # ticks faster than a telemetry read: refreshes must queue
    qtbot.waitUntil(
        lambda: monitor.telemetry is not None and monitor.telemetry.total_requests >= start + 4,
        timeout=WAIT_MS,
    )
    assert running["most"] == 1
    shown = monitor.shown_series()
    assert sum(shown["requests"][1]) > 0
    assert len(shown["requests"][0]) == len(shown["requests"][1]) + 1  # bucket edges
    p50 = [v for v in shown["blue p50"][1] if not math.isnan(v)]
    assert p50 and all(v > 0 for v in p50)
    assert monitor.requests_card.value() == f"{monitor.telemetry.total_requests:,}"
    assert monitor.p95_card.value().endswith("ms")

    page.set_refresh_interval(60_000)
    monitor.window_selector.set_current("24 h")
    qtbot.waitUntil(
        lambda: monitor.telemetry is not None and monitor.telemetry.window_label == "24 h",
        timeout=WAIT_MS,
    )
    assert monitor.caption.text() == "Collected requests, last 24 hours, per 15 minutes"


def test_a_stale_telemetry_result_is_dropped(qtbot, page, monkeypatch) -> None:
    gate = threading.Event()
    entered = threading.Event()
    returned = threading.Event()
    original = tasks.endpoint_telemetry

    def slow_for_the_hour(ctx, workspace, name, window_label="1 h", **kwargs):
        if window_label == "7 d":
            entered.set()
            gate.wait(WAIT_MS / 1000)  # ignores cancel, like a read in flight
            try:
                return original(ctx, workspace, name, "1 h", **kwargs)
            finally:
                returned.set()
        return original(ctx, workspace, name, window_label, **kwargs)

    monkeypatch.setattr(tasks, "endpoint_telemetry", slow_for_the_hour)
    page.set_refresh_interval(60_000)
    monitor = page.monitor_view
    monitor.window_selector.set_current("7 d")
    qtbot.waitUntil(entered.is_set, timeout=WAIT_MS)  # in flight, blocked in the worker
    monitor.window_selector.set_current("24 h")  # supersedes it
    qtbot.waitUntil(
        lambda: monitor.telemetry is not None and monitor.telemetry.window_label == "24 h",
        timeout=WAIT_MS,
    )
    gate.set()
    assert returned.wait(WAIT_MS / 1000)
    qtbot.waitUntil(lambda: page._pool.active_count() == 0, timeout=WAIT_MS)
    assert monitor.telemetry.window_label == "24 h"


# -- actions ----------------------------------------------------------------------------------


def test_stop_and_start(qtbot, page, manager) -> None:
    page.confirm = lambda _title, _text: False
    page.stop_selected()
    assert not page.busy  # declined
    page.stop_selected(confirm=False)
    qtbot.waitUntil(
        lambda: page.selected_endpoint().status is EndpointStatus.STOPPED, timeout=WAIT_MS
    )
    assert page.status_pill.text() == "● Stopped"
    assert page.start_button.isEnabled() and not page.stop_button.isEnabled()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: page.selected_endpoint().status is EndpointStatus.RUNNING, timeout=WAIT_MS
    )
    assert manager.invoke(ENDPOINT).ok


def test_create_endpoint_dialog(qtbot, page, manager) -> None:
    from mlops_desktop.ui.endpoints.create_endpoint_dialog import suggested_name

    assert suggested_name("prod.Churn_Model") == "churn-model"
    assert suggested_name("prod.Churn_Model", {"churn-model", "churn-model-2"}) == "churn-model-3"
    dialog = page.open_create_dialog()
    qtbot.waitUntil(lambda: dialog.version_combo.count() > 0, timeout=WAIT_MS)
    assert dialog.workspace().name == WORKSPACE  # Azure cannot serve, so it is not offered
    assert dialog.model_combo.currentText() == MODEL
    assert dialog.version_combo.itemText(0) == "@champion (version 1)"
    assert dialog.name_edit.text() == MODEL
    dialog.name_edit.setText(ENDPOINT)
    assert "already has an endpoint" in dialog.error_label.text()
    dialog.name_edit.setText("1bad")
    assert "must be 2-32 characters" in dialog.error_label.text()
    assert not dialog.create_button.isEnabled()
    dialog.name_edit.setText("shop-canary")
    assert dialog.create_button.isEnabled()
    try:
        dialog.accept()
        qtbot.waitUntil(lambda: page.selected_key() == (WORKSPACE, "shop-canary"), timeout=WAIT_MS)
        assert page.selected_endpoint().status is EndpointStatus.RUNNING
        assert page.model.endpoint_count() == 2
    finally:
        with contextlib.suppress(Exception):
            manager.delete_endpoint("shop-canary")


# -- empty states and the main window ---------------------------------------------------------


def test_empty_state_explains_how_to_create_one(qtbot, app_home: Path) -> None:
    save_config(AppConfig(workspaces=(azure_workspace(),)))
    from mlops_desktop.core.config import load_config

    page, pool = make_page(qtbot)
    try:
        with qtbot.waitSignal(page.dataLoaded, timeout=WAIT_MS):
            page.set_config(load_config())
        assert page.stack.currentWidget() is page.empty_view
        assert "None of these workspaces can serve" in page.empty_view.note.text()
        assert not page.empty_view.create_button.isEnabled()

        local = local_mlflow_workspace("lab", Stage.DEV)
        page.set_config(AppConfig(workspaces=(local,)))
        qtbot.waitUntil(lambda: page.empty_view.create_button.isEnabled(), timeout=WAIT_MS)
        assert page.empty_view.command.text() == (
            "mlops-desktop endpoints create NAME --workspace W --model M --version V"
        )
        assert page.empty_view.note.text() == ""
    finally:
        assert pool.shutdown(10_000)


def test_main_window_reattaches_endpoints_and_hosts_the_page(qtbot, config, make_window) -> None:
    from mlops_desktop.serving.layout import EndpointLayout
    from mlops_desktop.ui.endpoints.endpoints_page import EndpointsPage

    endpoints_dir = EndpointManager(config.workspace(WORKSPACE)).root
    record = load_record(EndpointLayout(endpoints_dir / ENDPOINT))
    green = next(d for d in record.deployments if d.name == "green")
    processes.kill(record.supervisor)  # or it restarts green before the window looks
    processes.kill(green.process)  # a crash while the app was closed
    assert processes.wait_until(lambda: not processes.is_alive(green.process), 10)

    window = make_window(start=False, opener=opener)
    window.show_page("endpoints")
    with qtbot.waitSignal(window.dataLoaded, timeout=60_000):
        window.start()
    page = window.page("endpoints")
    assert isinstance(page, EndpointsPage) and page.is_loaded
    endpoint = page.model.endpoint((WORKSPACE, ENDPOINT))
    assert endpoint is not None and endpoint.status is EndpointStatus.RUNNING
    assert endpoint.deployment("green").status is DeploymentStatus.HEALTHY
    messages = [n.message for n in window.notifications.history]
    assert any("re-attached" in m and f"{WORKSPACE}/{ENDPOINT}/green" in m for m in messages)
    assert page.monitor_view.telemetry is not None


def _rows_in_view(tree: Any) -> tuple[int, int]:
    """(rows wholly visible in the tree's viewport, rows in the tree)."""
    viewport = tree.viewport().rect()
    shown = total = 0
    index = tree.model().index(0, 0)
    while index.isValid():
        total += 1
        shown += viewport.contains(tree.visualRect(index))
        index = tree.indexBelow(index)
    return shown, total


@pytest.mark.parametrize("size", [(1400, 860), (1280, 720)])
def test_every_row_shows_after_switching_to_the_page(qtbot, config, make_window, size) -> None:
    """Loaded while another page was on screen, the tree still gets room for its rows."""
    window = make_window(start=False, opener=opener, size=size)
    window.show_page("models")
    page = window.page("endpoints")
    with qtbot.waitSignal(page.dataLoaded, timeout=60_000):
        window.start()
    window.show_page("endpoints")
    assert _rows_in_view(page.tree)[1] == 5  # azure-prod, shop-prod, shop-api, blue, green
    qtbot.waitUntil(lambda: _rows_in_view(page.tree) == (5, 5), timeout=5_000)


def test_latency_legend_names_drawn_curves_and_no_empty_box(qtbot, page, config, manager) -> None:
    """The legend lists the curves that draw something; a window without requests (an idle
    endpoint) shows no legend box at all rather than an empty one."""
    from datetime import UTC, datetime

    monitor = page.monitor_view
    start = monitor.telemetry.total_requests if monitor.telemetry else 0
    for _ in range(2):
        assert manager.invoke(ENDPOINT).ok
    page.request_telemetry()
    qtbot.waitUntil(
        lambda: monitor.telemetry is not None and monitor.telemetry.total_requests >= start + 2,
        timeout=WAIT_MS,
    )
    legend = monitor.latency_legend
    entries = [label.text for _sample, label in legend.items]
    assert legend.isVisible() and {"blue p50", "blue p95"} <= set(entries)
    for sample, _label in legend.items:
        ys = sample.item.getData()[1]
        assert any(not math.isnan(y) for y in ys), sample.item.name()
    idle = tasks.endpoint_telemetry(
        TaskContext(), config.workspace(WORKSPACE), ENDPOINT, now=datetime(2000, 1, 1, tzinfo=UTC)
    )
    assert idle.total_requests == 0
    monitor.set_telemetry(idle, {})
    assert not legend.items and not legend.isVisible()
