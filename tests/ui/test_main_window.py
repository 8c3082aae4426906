"""The main window: empty state, demo creation, Add workspace, menus, state, notifications."""

from __future__ import annotations

import threading

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDialogButtonBox
from ui_fakes import FakeBackend, FakeOpener, make_version

from mlops_desktop import __version__
from mlops_desktop.core import paths
from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    StageLayout,
    WorkspaceConfig,
    load_config,
    save_config,
)
from mlops_desktop.core.entities import ConnectionState
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.notifications import NotificationLevel
from mlops_desktop.ui.shell.placeholder_page import PlaceholderPage
from mlops_desktop.ui.shell.window_pages import PAGES, PLACEHOLDER_SENTENCES
from mlops_desktop.ui.shell.window_state import ui_state_path
from mlops_desktop.ui.workspaces.add_workspace_dialog import AddWorkspaceDialog
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope
from mlops_desktop.ui.workspaces.workspace_form import WorkspaceKind


def fake_workspace(name: str, stage: Stage = Stage.DEV) -> WorkspaceConfig:
    return WorkspaceConfig(
        name=name,
        backend=BackendKind.AZUREML,
        stage=stage,
        azure=AzureConnection(subscription_id="s", resource_group="r", workspace_name=name),
    )


def test_empty_state_offers_demo_and_add_workspace(qtbot, make_window):
    window = make_window(start=False)
    with qtbot.waitSignal(window.dataLoaded, timeout=30_000):
        window.start()
    page = window.models_page
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_state.demo_button.text() == "Create demo workspaces"
    assert page.empty_state.add_button.text() == "Add workspace…"
    assert page.empty_state.demo_button.isEnabled()
    assert not page.empty_state.progress_bar.isVisible()
    assert "No workspaces" in window.workspace_summary_text()
    assert window.is_data_loaded()


def test_create_demo_shows_progress_and_can_be_cancelled(qtbot, make_window):
    entered = threading.Event()

    def slow_demo(ctx: TaskContext, *, reset: bool = False) -> None:
        ctx.progress(0, 4, "checking configuration")
        ctx.progress(1, 4, "training run 1/4 in dev")
        entered.set()
        while True:  # a long step that checks for cancel
            ctx.check()
            threading.Event().wait(0.01)

    window = make_window(demo_task=slow_demo)
    window.show_page("models")  # the Overview is the first page; the empty state is here
    empty = window.models_page.empty_state
    qtbot.mouseClick(empty.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(entered.is_set, timeout=5000)
    qtbot.waitUntil(lambda: empty.progress_bar.value() == 1, timeout=5000)
    assert window.demo_running
    assert empty.progress_bar.isVisible() and empty.cancel_button.isVisible()
    assert empty.progress_bar.maximum() == 4
    assert "Training run 1/4" in empty.progress_label.text()
    assert not empty.demo_button.isEnabled()
    assert not window.task_progress.isVisible(), "the empty state shows the progress itself"

    with qtbot.waitSignal(window.demoFinished, timeout=5000) as finished:
        qtbot.mouseClick(empty.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    assert not window.demo_running
    assert not empty.progress_bar.isVisible()
    assert empty.demo_button.isEnabled()
    assert any("cancelled" in n.message for n in window.notifications.history)


def test_created_demo_is_loaded_into_the_window(qtbot, make_window):
    def quick_demo(ctx: TaskContext, *, reset: bool = False) -> str:
        ctx.progress(0, 1, "writing configuration")
        save_config(
            AppConfig(workspaces=(fake_workspace("dev"), fake_workspace("prod", Stage.PROD)))
        )
        ctx.progress(1, 1, "demo ready")
        return "ok"

    opener = FakeOpener(lambda ws: FakeBackend(ws, [make_version(ws.name, "1", metric=2.0)]))
    window = make_window(demo_task=quick_demo, opener=opener)
    with qtbot.waitSignal(window.demoFinished, timeout=5000) as finished:
        window.create_demo()
    assert finished.args == [True]
    qtbot.waitUntil(lambda: window.models_page.versions_model.rowCount() == 2, timeout=10_000)
    page = window.models_page
    assert page.stack.currentWidget() is not page.empty_state
    assert window.loader.connection("prod").state is ConnectionState.ONLINE


def test_failed_demo_is_reported_with_its_hint(qtbot, make_window):
    def broken_demo(ctx: TaskContext, *, reset: bool = False) -> None:
        raise InvalidInput("a workspace named 'dev' exists", hint="remove it first")

    window = make_window(demo_task=broken_demo)
    with qtbot.waitSignal(window.demoFinished, timeout=5000) as finished:
        window.create_demo()
    assert finished.args == [False]
    latest = window.notifications.latest
    assert latest is not None and latest.level is NotificationLevel.ERROR
    assert "a workspace named 'dev' exists" in latest.message and latest.hint == "remove it first"
    assert "a workspace named 'dev' exists" in window.status_view.message()


def _dialog(qtbot) -> AddWorkspaceDialog:
    dialog = AddWorkspaceDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _ok(dialog: AddWorkspaceDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_add_workspace_dialog_shows_inline_errors_and_keeps_input(qtbot):
    save_config(AppConfig(workspaces=(fake_workspace("prod", Stage.PROD),)))
    dialog = _dialog(qtbot)

    qtbot.keyClicks(dialog.name_edit, "prod")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "already exists" in dialog.error_text("name")
    assert dialog.name_edit.text() == "prod"

    dialog.name_edit.setText("team server")
    dialog.set_kind(WorkspaceKind.MLFLOW_SERVER)
    dialog.uri_edit.setText("ftp://example.com")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "letters, digits" in dialog.error_text("name")
    dialog.name_edit.setText("team-server")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "http(s)" in dialog.error_text("uri")
    assert dialog.uri_edit.text() == "ftp://example.com"
    assert dialog.kind() is WorkspaceKind.MLFLOW_SERVER
    assert dialog.isVisible()
    assert [ws.name for ws in load_config().workspaces] == ["prod"], "nothing saved"

    # Azure ML is offered; its fields appear only when it is chosen (tests/ui/
    # test_add_workspace_azure.py covers them).
    assert dialog.kind_buttons[WorkspaceKind.AZURE_ML].isEnabled()
    assert not dialog.subscription_edit.isVisible()


def test_add_workspace_dialog_saves_a_server_and_a_local_store(qtbot):
    dialog = _dialog(qtbot)
    assert not dialog.uri_edit.isEnabled(), "a local store needs no URI"
    dialog.name_edit.setText("team-server")
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(Stage.STAGING))
    dialog.set_kind(WorkspaceKind.MLFLOW_SERVER)
    assert dialog.uri_edit.isEnabled()
    dialog.uri_edit.setText("http://127.0.0.1:5000/")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    saved = load_config().workspace("team-server")
    assert saved.stage is Stage.STAGING
    assert saved.mlflow is not None and saved.mlflow.tracking_uri == "http://127.0.0.1:5000"

    second = _dialog(qtbot)
    second.name_edit.setText("shared")
    second.stage_combo.setCurrentIndex(second.stage_combo.count() - 1)
    with qtbot.waitSignal(second.accepted, timeout=2000):
        second.submit()
    shared = load_config().workspace("shared")
    assert shared.layout is StageLayout.NAME_PREFIX
    assert shared.mlflow is not None
    assert shared.mlflow.tracking_uri == (
        f"sqlite:///{paths.local_workspace_dir('shared') / 'mlflow.db'}"
    )
    assert [ws.name for ws in load_config().workspaces] == ["team-server", "shared"]


def test_window_adds_a_workspace_and_loads_it(qtbot, make_window):
    opener = FakeOpener(lambda ws: FakeBackend(ws, [make_version(ws.name, "3", metric=1.5)]))
    window = make_window(opener=opener)
    dialog = window.add_workspace()
    assert dialog.isVisible()
    dialog.name_edit.setText("lab")
    # A server nobody listens on: only the fake opener answers for it.
    dialog.set_kind(WorkspaceKind.MLFLOW_SERVER)
    dialog.uri_edit.setText("http://127.0.0.1:9")
    with qtbot.waitSignal(window.loader.loadFinished, timeout=10_000):
        dialog.submit()
    assert [ws.name for ws in window.loader.config.workspaces] == ["lab"]
    assert window.navigator.navigator_model.index_of(Scope(Stage.DEV, "lab")).isValid()
    assert [v.version for v in window.models_page.visible_versions()] == ["3"]


def test_menus_shortcuts_and_pages(qtbot, make_window):
    window = make_window()
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    assert list(menus) == ["File", "View", "Actions", "Help"]
    file_items = [a.text().replace("&", "") for a in menus["File"].actions() if a.text()]
    assert file_items == ["Add workspace…", "Create demo workspaces", "Settings…", "Quit"]
    assert window.refresh_action.shortcut().toString() == "F5"
    assert window.refresh_action in menus["View"].actions()
    assert window.about_action in menus["Help"].actions()
    assert __version__ in window.about_text()

    assert [e.key for e in PAGES] == [
        "overview",
        "models",
        "endpoints",
        "drift",
        "jobs",
        "compute",
        "audit",
    ]
    for number, entry in enumerate(PAGES, start=1):
        action = window.page_actions[entry.key]
        assert action.shortcut().toString() == f"Ctrl+{number}"
        action.trigger()
        assert window.current_page_key() == entry.key
        assert window.sidebar.page_button(entry.key).isChecked()
    qtbot.mouseClick(window.sidebar.page_button("models"), Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "models"

    placeholders = [window.page(k) for k in window.page_keys() if k in PLACEHOLDER_SENTENCES]
    assert not placeholders  # every page is built (Compute was the last placeholder)
    for page in placeholders:
        assert isinstance(page, PlaceholderPage)
        assert page.sentence.endswith(".") and " arrive" in page.sentence


def test_window_geometry_and_page_are_remembered(qtbot, make_window):
    first = make_window()
    first.resize(1111, 777)
    qtbot.waitUntil(lambda: first.size() == QSize(1111, 777))
    first.show_page("jobs")
    first.close()
    assert ui_state_path() == paths.config_dir() / "ui-state.ini"
    assert ui_state_path().exists()
    assert "size=@Size(1111 777)" in ui_state_path().read_text()

    second = make_window(size=None)
    assert second.size() == QSize(1111, 777)
    assert second.current_page_key() == "jobs"


def test_uncaught_exceptions_reach_the_status_bar_and_details_dialog(qtbot, make_window):
    window = make_window()
    center = window.notifications
    center.install_exception_hooks()
    try:

        def crash() -> None:
            raise ValueError("bad thing in a thread")

        with qtbot.waitSignal(center.notified, timeout=5000) as blocker:
            thread = threading.Thread(target=crash, name="crasher")
            thread.start()
            thread.join()
    finally:
        center.uninstall_exception_hooks()
    notification = blocker.args[0]
    assert notification.unexpected and notification.level is NotificationLevel.ERROR
    assert "crasher" in notification.message and "bad thing in a thread" in notification.message
    assert "bad thing in a thread" in window.status_view.message()
    dialog = window.details_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert "Traceback" in dialog.text() and "raise ValueError" in dialog.text()


def test_mlops_errors_show_message_and_hint(qtbot, make_window):
    window = make_window()
    error = InvalidInput("the tracking URI is not valid", hint="use http(s)://host:port")
    window.notifications.report_exception(error, context="Workspace 'x'")
    assert window.status_view.message() == "Workspace 'x': the tracking URI is not valid"
    assert window.status_view.current is not None
    window.show_notification_details()
    text = window.details_dialog.text()
    assert "What to do: use http(s)://host:port" in text
    assert not window.details_dialog.isModal()


def test_closing_cancels_and_awaits_running_loads(qtbot, make_window):
    save_config(AppConfig(workspaces=(fake_workspace("slow"),)))
    gate = threading.Event()  # never opened: only cancellation ends the load
    opener = FakeOpener(lambda ws: FakeBackend(ws, gate=gate, cooperative=True))
    window = make_window(opener=opener)
    qtbot.waitUntil(lambda: bool(opener.opened) and opener.opened[0].entered.is_set(), timeout=5000)
    # Other pages' quick loads may already be over; the blocked workspace load is not.
    workers = [w for w in window.pool.active_workers() if not w.is_done]
    assert workers
    window.close()
    assert window.shutdown() is True
    assert all(w.cancelled and w.is_done for w in workers)
    assert not gate.is_set()


def test_a_broken_configuration_is_reported_not_fatal(qtbot, make_window):
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("this is [not toml", encoding="utf-8")
    window = make_window(start=False)
    with qtbot.waitSignal(window.dataLoaded, timeout=30_000):
        window.start()
    latest = [n for n in window.notifications.history if n.level is NotificationLevel.ERROR]
    assert latest and latest[0].message.startswith("Cannot read the configuration")
    assert latest[0].hint == "fix or remove the file"
    assert window.models_page.stack.currentWidget() is window.models_page.empty_state


def test_a_schema_version_that_is_no_number_is_reported_not_fatal(qtbot, make_window):
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('schema_version = "one"\n', encoding="utf-8")
    window = make_window(start=False)
    with qtbot.waitSignal(window.dataLoaded, timeout=30_000):
        window.start()
    [error] = [n for n in window.notifications.history if n.level is NotificationLevel.ERROR]
    assert str(paths.config_file()) in error.message and "schema_version" in error.message
    assert paths.config_file().read_text(encoding="utf-8") == 'schema_version = "one"\n'


def test_two_workspaces_on_one_store_are_announced(qtbot, make_window):
    db = paths.local_workspace_dir("prod") / "mlflow.db"
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(
        f'[[workspaces]]\nname = "prod"\nstage = "prod"\n[workspaces.mlflow]\n'
        f'tracking_uri = "sqlite:///{db}"\n'
        f'[[workspaces]]\nname = "prodshadow"\nstage = "staging"\n[workspaces.mlflow]\n'
        f'tracking_uri = "sqlite:///{db.parent}/../prod/mlflow.db"\n',
        encoding="utf-8",
    )
    window = make_window(start=False)
    with qtbot.waitSignal(window.dataLoaded, timeout=30_000):
        window.start()
    warnings = [n.message for n in window.notifications.history]
    assert any("'prod', 'prodshadow' are one store" in m for m in warnings), warnings
