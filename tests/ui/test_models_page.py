"""The Models page against real local MLflow stores (and a fake backend for edge cases)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, Qt
from ui_fakes import FakeBackend, FakeOpener, make_version

from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    MlflowConnection,
    WorkspaceConfig,
    load_config,
    save_config,
)
from mlops_desktop.core.entities import ConnectionState, ModelVersion
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.models_page.versions_table_model import Column, format_metric
from mlops_desktop.ui.shell.notifications import NotificationLevel
from mlops_desktop.ui.workspaces.navigator_tree_model import COUNT_ROLE, Scope

LOAD_TIMEOUT = 90_000


def real_versions(config: AppConfig) -> list[ModelVersion]:
    """What the stores hold, read straight through the backends (the ground truth)."""
    from mlops_desktop.backends.registry import open_backend

    versions: list[ModelVersion] = []
    for ws in config.workspaces:
        versions.extend(open_backend(ws).list_model_versions())
    return versions


def loaded_window(qtbot, make_window, **kwargs):
    window = make_window(start=False, **kwargs)
    with qtbot.waitSignal(window.dataLoaded, timeout=LOAD_TIMEOUT):
        window.start()
    return window


def fake_workspace(name: str, stage: Stage = Stage.DEV) -> WorkspaceConfig:
    """A workspace the fake opener serves (the real registry cannot open it: no Azure yet)."""
    return WorkspaceConfig(
        name=name,
        backend=BackendKind.AZUREML,
        stage=stage,
        azure=AzureConnection(subscription_id="s", resource_group="r", workspace_name=name),
    )


# -- real local MLflow stores ---------------------------------------------------------------


def test_table_fills_from_real_workspaces(qtbot, qtmodeltester, ui_demo_home, make_window):
    window = loaded_window(qtbot, make_window)
    page = window.models_page
    config = load_config()
    expected = real_versions(config)

    assert len(expected) >= 3
    assert {v.key for v in page.versions_model.versions()} == {v.key for v in expected}
    assert {v.stage for v in page.visible_versions()} == {Stage.DEV, Stage.STAGING, Stage.PROD}
    qtmodeltester.check(page.versions_model)
    qtmodeltester.check(page.proxy_model)
    qtmodeltester.check(window.navigator.navigator_model)
    for ws in config.workspaces:
        assert window.loader.connection(ws.name).state is ConnectionState.ONLINE
    assert "3 online" in window.workspace_summary_text()

    # Cells show what the stores hold.
    champion = next(v for v in expected if v.stage is Stage.PROD and "champion" in v.aliases)
    row = page.versions_model.row_of(champion.key)
    cell = page.versions_model.index
    assert cell(row, Column.MODEL).data() == champion.model
    assert cell(row, Column.VERSION).data() == champion.version
    assert cell(row, Column.STAGE).data() == "prod"
    assert cell(row, Column.WORKSPACE).data() == champion.workspace
    assert cell(row, Column.ALIASES).data() == "@champion"
    assert cell(row, Column.KEY_METRIC).data() == (
        f"{champion.key_metric_name}  {format_metric(champion.key_metric_value)}"
    )
    assert cell(row, Column.SOURCE_RUN).data().startswith("copy of ")

    # Navigator counts per scope and the first row selected with its details.
    nav = window.navigator.navigator_model
    assert nav.index_of(Scope()).data(COUNT_ROLE) == len(expected)
    prod_count = sum(1 for v in expected if v.stage is Stage.PROD)
    assert nav.index_of(Scope(Stage.PROD, "prod")).data(COUNT_ROLE) == prod_count
    assert page.selected_version() is not None
    assert page.detail_view.version == page.selected_version()


def test_search_and_navigator_scope_filter_the_table(qtbot, ui_demo_home, make_window):
    window = loaded_window(qtbot, make_window)
    window.show_page("models")  # the Overview is the first page; the table's overlay is here
    page = window.models_page
    everything = page.visible_versions()

    page.set_search("@champion")
    champions = [v for v in everything if "champion" in v.aliases]
    assert len(champions) >= 3
    assert sorted(v.key for v in page.visible_versions()) == sorted(v.key for v in champions)

    page.set_search("ridge")
    by_run = [v for v in everything if v.run is not None and "ridge" in v.run.name]
    assert by_run
    assert [v.key for v in page.visible_versions()] == [v.key for v in by_run]

    page.set_search("DIABETES   staging")  # every term, any case
    staging_rows = [v for v in everything if v.stage is Stage.STAGING]
    assert staging_rows
    assert sorted(v.key for v in page.visible_versions()) == sorted(v.key for v in staging_rows)

    page.set_search("no-such-model-anywhere")
    assert page.proxy_model.rowCount() == 0
    assert page.table.overlay.isVisible()
    assert "No model versions match" in page.table.overlay.text()
    assert page.detail_view.version is None

    page.set_search("")
    assert len(page.visible_versions()) == len(everything)
    assert not page.table.overlay.isVisible()

    window.navigator.set_scope(Scope(Stage.PROD))
    assert page.visible_versions() and all(v.stage is Stage.PROD for v in page.visible_versions())
    assert page.scope_label.text() == "Prod"
    window.navigator.set_scope(Scope(Stage.DEV, "dev"))
    dev_rows = [v for v in everything if v.stage is Stage.DEV]
    assert sorted(v.key for v in page.visible_versions()) == sorted(v.key for v in dev_rows)
    window.navigator.set_scope(Scope())
    assert len(page.visible_versions()) == len(everything)


def test_sorting_by_key_metric_follows_the_numbers(qtbot, ui_demo_home, make_window):
    window = loaded_window(qtbot, make_window)
    page = window.models_page
    page.table.sortByColumn(Column.KEY_METRIC, Qt.SortOrder.AscendingOrder)
    values = [v.key_metric_value for v in page.visible_versions()]
    assert None not in values
    assert values == sorted(values)
    page.table.sortByColumn(Column.KEY_METRIC, Qt.SortOrder.DescendingOrder)
    assert [v.key_metric_value for v in page.visible_versions()] == sorted(values, reverse=True)


def test_detail_pane_shows_params_metrics_and_lineage(
    qtbot, qtmodeltester, ui_demo_home, make_window
):
    window = loaded_window(qtbot, make_window)
    page = window.models_page
    versions = page.versions_model.versions()
    prod = next(v for v in versions if v.stage is Stage.PROD and "champion" in v.aliases)
    dev_champion = next(v for v in versions if v.stage is Stage.DEV and "champion" in v.aliases)
    assert page.select_version(prod.key)

    detail = page.detail_view
    assert detail.version == prod
    assert prod.run is not None and prod.run.metrics
    assert detail.metrics_model.as_dict() == {
        name: format_metric(value) for name, value in prod.run.metrics.items()
    }
    params = detail.params_model.as_dict()
    assert params == prod.run.params
    assert "model_type" in params
    assert detail.tags_model.as_dict()["mlops.source_workspace"] == "dev"
    assert detail.summary_text("Key metric").startswith(f"{prod.key_metric_name} = ")
    assert detail.lineage_view.stages_present() == [Stage.DEV, Stage.STAGING, Stage.PROD]
    assert detail.lineage_view.entries(Stage.DEV) == [dev_champion]
    assert "@champion" in detail.lineage_view.lineage_text()
    assert detail.title_label.text() == prod.model
    for model in (detail.metrics_model, detail.params_model, detail.tags_model):
        qtmodeltester.check(model)

    # A dev version that was never promoted lives in dev only.
    lonely = next(v for v in versions if v.stage is Stage.DEV and not v.aliases)
    assert page.select_version(lonely.key)
    assert detail.lineage_view.stages_present() == [Stage.DEV]
    assert detail.lineage_view.entries(Stage.DEV) == [lonely]


def test_unreachable_workspace_is_offline_while_the_others_load(qtbot, ui_demo_home, make_window):
    demo = load_config()
    unreachable = WorkspaceConfig(
        name="remote-prod",
        stage=Stage.PROD,
        mlflow=MlflowConnection(tracking_uri="http://127.0.0.1:9"),
    )
    save_config(demo.with_workspace(unreachable))

    window = loaded_window(qtbot, make_window)

    info = window.loader.connection("remote-prod")
    assert info.state in (ConnectionState.OFFLINE, ConnectionState.ERROR)
    assert "127.0.0.1:9" in info.detail
    for ws in demo.workspaces:
        assert window.loader.connection(ws.name).state is ConnectionState.ONLINE
    page = window.models_page
    assert {v.key for v in page.versions_model.versions()} == {v.key for v in real_versions(demo)}
    items = window.navigator.navigator_model.workspace_items("remote-prod")
    assert items and all("127.0.0.1:9" in item.toolTip() for item in items)
    warnings = [n for n in window.notifications.history if n.level is NotificationLevel.WARNING]
    assert any("remote-prod" in n.message for n in warnings)
    assert "3 online" in window.workspace_summary_text()
    assert (
        "offline" in window.workspace_summary_text() or "error" in window.workspace_summary_text()
    )


def test_single_workspace_hosting_several_stages(qtbot, prefix_workspace, make_window):
    save_config(AppConfig(workspaces=(prefix_workspace,)))
    window = loaded_window(qtbot, make_window)

    nav = window.navigator.navigator_model
    assert nav.index_of(Scope(Stage.DEV, "shared")).isValid()
    assert nav.index_of(Scope(Stage.PROD, "shared")).isValid()
    assert not nav.index_of(Scope(Stage.STAGING, "shared")).isValid()
    assert len(nav.workspace_items("shared")) == 2

    page = window.models_page
    rows = {(v.registered_name, v.stage) for v in page.visible_versions()}
    assert rows == {("dev.churn", Stage.DEV), ("prod.churn", Stage.PROD)}
    cell = page.versions_model.index
    for row, version in enumerate(page.versions_model.versions()):
        assert cell(row, Column.MODEL).data() == "churn"
        assert cell(row, Column.STAGE).data() == version.stage.value
        assert cell(row, Column.KEY_METRIC).data().startswith("roc_auc")

    prod = next(v for v in page.versions_model.versions() if v.stage is Stage.PROD)
    assert page.select_version(prod.key)
    assert page.detail_view.lineage_view.stages_present() == [Stage.DEV, Stage.PROD]
    window.navigator.set_scope(Scope(Stage.DEV, "shared"))
    assert [v.registered_name for v in page.visible_versions()] == ["dev.churn"]


# -- edge cases with the fast fake backend --------------------------------------------------


def test_key_metric_sort_is_numeric_not_textual(qtbot, qtmodeltester, make_window):
    values = {"1": 9.5, "2": 100.0, "3": 10.25, "4": None}
    versions = [make_version("lab", n, metric=v) for n, v in values.items()]
    save_config(AppConfig(workspaces=(fake_workspace("lab"),)))
    opener = FakeOpener(lambda ws: FakeBackend(ws, versions))
    window = loaded_window(qtbot, make_window, opener=opener)
    page = window.models_page
    qtmodeltester.check(page.proxy_model)

    page.table.sortByColumn(Column.KEY_METRIC, Qt.SortOrder.AscendingOrder)
    assert [v.key_metric_value for v in page.visible_versions()] == [9.5, 10.25, 100.0, None]
    page.table.sortByColumn(Column.KEY_METRIC, Qt.SortOrder.DescendingOrder)
    shown = [v.key_metric_value for v in page.visible_versions() if v.key_metric_value]
    assert shown == [100.0, 10.25, 9.5]
    page.table.sortByColumn(Column.VERSION, Qt.SortOrder.AscendingOrder)
    assert [v.version for v in page.visible_versions()] == ["1", "2", "3", "4"]


def test_latest_request_wins_and_stale_results_are_dropped(qtbot, make_window):
    save_config(AppConfig(workspaces=(fake_workspace("a"), fake_workspace("b", Stage.PROD))))
    stale_gate, fresh_gate = threading.Event(), threading.Event()
    phase = {"stale": True}

    def factory(ws: WorkspaceConfig) -> FakeBackend:
        if phase["stale"]:
            return FakeBackend(ws, [make_version(ws.name, "1", model="stale")], gate=stale_gate)
        return FakeBackend(ws, [make_version(ws.name, "7", model="fresh")], gate=fresh_gate)

    opener = FakeOpener(factory)
    # On the Models page from the start: the (hidden) Overview then opens no backend itself.
    window = make_window(opener=opener, start=False)
    window.show_page("models")
    window.start()
    page = window.models_page
    qtbot.waitUntil(lambda: sum(b.entered.is_set() for b in opener.opened) == 2, timeout=10_000)
    stale = list(opener.opened)

    # Ask again while the first request is in flight.
    phase["stale"] = False
    window.refresh()
    qtbot.waitUntil(lambda: len(opener.opened) == 4, timeout=10_000)
    fresh = opener.opened[2:]
    qtbot.waitUntil(lambda: all(b.entered.is_set() for b in fresh), timeout=10_000)

    # The superseded calls answer first, while the new request still waits for the same
    # workspaces: their answers must be dropped, not taken for the new request's.
    stale_gate.set()
    qtbot.waitUntil(lambda: all(b.returned.is_set() for b in stale), timeout=10_000)
    qtbot.waitUntil(lambda: window.pool.active_count() == 2, timeout=10_000)
    QCoreApplication.processEvents()
    assert page.versions_model.rowCount() == 0
    assert window.loader.is_loading
    assert window.loader.connection("a").state is ConnectionState.CONNECTING

    with qtbot.waitSignal(window.loader.loadFinished, timeout=10_000):
        fresh_gate.set()
    assert {(v.model, v.version) for v in page.versions_model.versions()} == {("fresh", "7")}
    for name in ("a", "b"):
        assert window.loader.connection(name).state is ConnectionState.ONLINE


def test_a_failing_workspace_reports_once_and_keeps_the_others(qtbot, make_window):
    from mlops_desktop.core.errors import AuthError

    save_config(AppConfig(workspaces=(fake_workspace("ok"), fake_workspace("locked"))))

    def factory(ws: WorkspaceConfig) -> FakeBackend:
        if ws.name == "locked":
            return FakeBackend(ws, error=AuthError("needs credentials", hint="set a token"))
        return FakeBackend(ws, [make_version("ok", "1", metric=1.0)])

    window = loaded_window(qtbot, make_window, opener=FakeOpener(factory))
    assert window.loader.connection("locked").state is ConnectionState.AUTH_REQUIRED
    assert "set a token" in window.loader.connection("locked").detail
    assert [v.workspace for v in window.models_page.visible_versions()] == ["ok"]
    failures = [n for n in window.notifications.history if "locked" in n.message]
    assert failures and failures[0].hint == "set a token"
    assert "not loaded: locked" in window.status_view.message()
