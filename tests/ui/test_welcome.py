"""The welcome flow: first run only, demo with progress and cancel, MLflow server, Azure."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from PySide6.QtCore import Qt

from mlops_desktop.core.config import AppConfig, load_config, local_mlflow_workspace, save_config
from mlops_desktop.core.settings import Settings, load_settings
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.app import open_welcome, should_welcome
from mlops_desktop.ui.shell.workers import WorkerPool
from mlops_desktop.ui.workspaces.welcome_wizard import WelcomeWizard


def test_only_on_first_run(app_home: Path) -> None:
    empty = AppConfig()
    assert should_welcome(Settings(), empty)
    assert not should_welcome(Settings(welcome_done=True), empty)
    configured = AppConfig(workspaces=(local_mlflow_workspace("dev", Stage.DEV),))
    assert not should_welcome(Settings(), configured), "people with workspaces skip it"
    assert not should_welcome(Settings(), None), "a broken config is reported, not welcomed"


def test_main_window_never_opens_it_by_itself(qtbot, make_window) -> None:
    window = make_window()  # empty home, first run
    assert window.findChild(WelcomeWizard) is None


def test_demo_step_shows_progress_and_cancels(qtbot) -> None:
    entered = threading.Event()

    def slow_demo(ctx: TaskContext, *, reset: bool = False) -> None:
        ctx.progress(1, 4, "training run 1/4 in dev")
        entered.set()
        while True:
            ctx.check()
            threading.Event().wait(0.01)

    pool = WorkerPool()
    wizard = WelcomeWizard(pool, slow_demo)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.mouseClick(wizard.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(entered.is_set, timeout=5000)
    qtbot.waitUntil(lambda: wizard.demo_progress.value() == 1, timeout=5000)
    assert wizard.demo_progress.maximum() == 4
    assert "training run 1/4" in wizard.demo_status.text()
    assert not wizard.demo_button.isEnabled() and wizard.demo_cancel.isEnabled()
    qtbot.mouseClick(wizard.demo_cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.demo_worker is None, timeout=5000)
    assert wizard.demo_status.text() == "Cancelled."
    assert wizard.demo_button.isEnabled()
    assert pool.shutdown(5000)


def test_demo_step_creates_workspaces(qtbot) -> None:
    def quick_demo(ctx: TaskContext, *, reset: bool = False) -> str:
        save_config(AppConfig(workspaces=(local_mlflow_workspace("dev", Stage.DEV),)))
        ctx.progress(1, 1, "demo ready")
        return "ok"

    pool = WorkerPool()
    wizard = WelcomeWizard(pool, quick_demo)
    qtbot.addWidget(wizard)
    with qtbot.waitSignal(wizard.workspacesChanged, timeout=5000):
        wizard.start_demo()
    assert [w.name for w in load_config().workspaces] == ["dev"]
    assert pool.shutdown(5000)


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/health" else 404)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, *_args: object) -> None:
        pass


def test_mlflow_server_step_tests_and_adds(qtbot, app_home: Path) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    pool = WorkerPool()
    try:
        wizard = WelcomeWizard(pool, lambda ctx: None)
        qtbot.addWidget(wizard)
        wizard.server_uri.setText("not a url")
        wizard.test_server()
        assert "http://" in wizard.server_status.text()
        uri = f"http://127.0.0.1:{server.server_port}"
        wizard.server_uri.setText(uri)
        wizard.test_button.click()
        qtbot.waitUntil(lambda: wizard.server_status.text().startswith("✓"), timeout=5000)
        assert "answered: OK" in wizard.server_status.text()
        wizard.server_name.setText("team-dev")
        with qtbot.waitSignal(wizard.workspacesChanged, timeout=5000):
            assert wizard.add_server()
        workspace = load_config().workspace("team-dev")
        assert workspace.stage is Stage.DEV and workspace.location == uri
        wizard.server_name.setText("bad name!")
        assert not wizard.add_server()
        assert wizard.server_status.text().startswith("✗")
    finally:
        server.shutdown()
        assert pool.shutdown(5000)


def test_finishing_or_skipping_remembers_and_opens_models(qtbot, make_window) -> None:
    window = make_window()
    window.show_page("audit")
    wizard = open_welcome(window)
    assert isinstance(wizard, WelcomeWizard) and wizard.isVisible()
    assert wizard.skip_button.text() == "Skip setup"
    assert not wizard.back_button.isEnabled()
    wizard.next_button.click()
    assert wizard.current_step() == 1 and "MLflow" in wizard.title_label.text()
    wizard.next_button.click()
    assert wizard.next_button.text() == "Finish"
    wizard.back_button.click()
    assert wizard.current_step() == 1
    wizard.skip_button.click()
    assert wizard.skipped and not wizard.isVisible()
    assert load_settings().welcome_done
    assert window.app_settings.welcome_done
    assert window.current_page_key() == "models"


def test_sign_in_asks_for_an_azure_workspace_first(qtbot, app_home: Path) -> None:
    pool = WorkerPool()
    wizard = WelcomeWizard(pool, lambda ctx: None)
    qtbot.addWidget(wizard)
    assert wizard.sign_in() is None
    assert "Add an Azure ML workspace first" in wizard.azure_status.text()
    assert pool.shutdown(5000)


def test_finish_restyles_safely(qtbot, make_window, qapp) -> None:
    """The flow stays open while the theme follows the system (QWizard crashed here)."""
    from mlops_desktop.core.settings import Theme
    from mlops_desktop.ui.shell import style

    window = make_window(start=False)
    wizard = open_welcome(window)
    try:
        style.apply_theme(qapp, Theme.DARK)
        style.apply_theme(qapp, Theme.LIGHT)
    finally:
        style.apply_theme(qapp, Theme.LIGHT)
    wizard.next_button.click()
    wizard.next_button.click()
    wizard.next_button.click()  # Finish
    assert not wizard.isVisible() and not wizard.skipped
    assert load_settings().welcome_done
