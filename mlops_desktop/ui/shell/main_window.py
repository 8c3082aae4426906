"""The main window: sidebar (pages + stage/workspace navigator), pages, menus, status bar.

:class:`MainWindow` is assembled from parts, one module each: the pages and what feeds them
(:mod:`.window_pages`), menus, status bar and their commands (:mod:`.window_menus`), the demo
task (:mod:`.window_demo`) and the remembered layout (:mod:`.window_state`); this module holds
start-up, loading, sign-in and shutdown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QMainWindow

from mlops_desktop.core.config import AppConfig, load_config
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.settings import Settings, load_settings_or_defaults
from mlops_desktop.ui.common.backend_tasks import BackendOpener, create_demo_workspaces
from mlops_desktop.ui.common.chart_library import load_pyqtgraph, pyqtgraph_loaded
from mlops_desktop.ui.endpoints.tasks_endpoints import (
    ReattachSummary,
    reattach_endpoints,
    workspaces_with_endpoints,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.background import BackgroundServices
from mlops_desktop.ui.shell.notifications import NotificationCenter, NotificationDetailsDialog
from mlops_desktop.ui.shell.window_demo import DemoRunner, DemoTask, _DemoRun
from mlops_desktop.ui.shell.window_menus import WindowMenus
from mlops_desktop.ui.shell.window_pages import WindowPages
from mlops_desktop.ui.shell.window_state import WindowState, open_ui_settings
from mlops_desktop.ui.shell.workers import WorkerPool
from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader
from mlops_desktop.ui.workspaces.add_workspace_dialog import AddWorkspaceDialog

ConfigLoader = Callable[[], AppConfig]


class MainWindow(WindowPages, WindowMenus, DemoRunner, WindowState, QMainWindow):
    """The one window: dev, staging and prod workspaces side by side.

    Backends are opened only inside worker tasks; call :meth:`start` after ``show()`` so the
    window is on screen before anything loads. ``remember_state`` restores and saves geometry
    and layout in :func:`~.window_state.ui_state_path` (off for screenshots).
    """

    #: Every page has its data (all workspace loads finished or failed).
    dataLoaded = Signal()
    #: The demo task ended: True when it built the demo, False when cancelled or failed.
    demoFinished = Signal(bool)

    def __init__(
        self,
        *,
        opener: BackendOpener | None = None,
        demo_task: DemoTask | None = None,
        load: ConfigLoader = load_config,
        settings: QSettings | None = None,
        pool: WorkerPool | None = None,
        notifications: NotificationCenter | None = None,
        remember_state: bool = True,
        app_settings: Settings | None = None,
        background: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle("MLOps Desktop")
        self.setWindowIcon(style.icon("app"))
        self._load = load
        self._demo_task = demo_task or create_demo_workspaces
        self._demo: _DemoRun | None = None
        self._remember_state = remember_state
        #: Start the compute sampler, event notifications and policy checks in start().
        self._background = background
        if settings is None and remember_state:
            settings = open_ui_settings()
        self._settings = settings
        self._details_dialog: NotificationDetailsDialog | None = None
        self._shut_down = False
        self._shutdown_clean = True
        self._opener = opener
        #: None before start(); False while endpoints are being re-attached; True after.
        self._reattached: bool | None = None

        self.pool = pool or WorkerPool(self)
        self.notifications = notifications or NotificationCenter(self)
        self.loader = WorkspaceLoader(self.pool, self.notifications, opener=opener, parent=self)

        self._build_pages(opener)

        self._build_status_bar()
        self._build_menus()
        self._connect()
        # Notification list and tray now; sampler, event polls and policy checks at start().
        self.background = BackgroundServices(self)
        # Settings → Refresh: workspaces reload on their own only when asked to.
        self._auto_refresh = QTimer(self)
        self._auto_refresh.timeout.connect(self._auto_refresh_due)
        settings_problem = None
        if app_settings is None:
            app_settings, settings_problem = load_settings_or_defaults()
        self.app_settings: Settings = app_settings
        self.apply_settings(app_settings)
        if settings_problem:
            self.notifications.warning(settings_problem)
        self.show_page("overview")
        self.resize(1400, 860)
        if remember_state:
            self._restore_state()

    # -- loading ------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the configuration and load every workspace in the background; re-attach the
        local endpoints left running (restarting what died) in a worker."""
        self.reload_config()
        self._reattach_endpoints()
        self._recover_promotions()
        self._warm_charts()
        if self._background:  # a person's session (not --screenshot, not tests): sample, watch
            self.background.start()

    def _warm_charts(self) -> None:
        """Import pyqtgraph in a worker now that the window is up: a chart shown on a click
        (not after a task that loads it itself) then never imports it on the GUI thread."""
        if not pyqtgraph_loaded():
            self.pool.submit(load_pyqtgraph, name="load the chart library")

    def _recover_promotions(self) -> None:
        """Finish or roll back promotions a crash interrupted (in a worker; see
        docs/promotion.md), reporting what was recovered."""
        from mlops_desktop.ui.models_page.tasks_promotion import (
            journal_exists,
            recover_at_start,
            recovery_message,
        )

        if not journal_exists():
            return

        def report(results: list[Any]) -> None:
            message, bad = recovery_message(results)
            if bad:
                self.notifications.warning(message, hint="mlops-desktop promotions list")
            elif message:
                self.notifications.info(message)

        worker = self.pool.submit(recover_at_start, name="recover promotions")
        worker.signals.result.connect(report)
        worker.signals.error.connect(
            lambda error: self.notifications.report_exception(
                error, context="Recovering interrupted promotions failed"
            )
        )

    def _reattach_endpoints(self) -> None:
        if self._reattached is not None:
            return
        if not workspaces_with_endpoints(self.loader.config):
            self._reattached = True  # no endpoint was ever created here: nothing to re-attach
            self._feed_endpoints_page()
            self._feed_overview_page()
            return
        self._reattached = False
        worker = self.pool.submit(
            reattach_endpoints,
            self.loader.config,
            opener=self._opener,
            name="re-attach endpoints",
        )
        worker.signals.result.connect(self._endpoints_reattached)
        worker.signals.error.connect(
            lambda error: self.notifications.report_exception(
                error, context="Re-attaching endpoints failed"
            )
        )
        worker.signals.finished.connect(self._reattach_finished)

    def _endpoints_reattached(self, summary: ReattachSummary) -> None:
        message = summary.message()
        if summary.failures:
            self.notifications.warning(
                message, hint="see the endpoint's router.log and deployments/*.log"
            )
        elif message:
            self.notifications.info(message)

    def _reattach_finished(self) -> None:
        self._reattached = True
        if not self._shut_down:
            self._feed_endpoints_page()
            self._feed_overview_page()

    def reload_config(self) -> None:
        """Re-read the configuration file, then reload every workspace."""
        try:
            config = self._load()
        except MlopsError as exc:
            self.notifications.report_exception(exc, context="Cannot read the configuration")
            config = AppConfig()
        for problem in config.shared_store_problems():
            self.notifications.warning(problem)
        self.loader.set_config(config)
        self.loader.reload()
        self._feed_drift_page()
        self._feed_endpoints_page()

    def refresh(self) -> None:
        """F5: re-read the configuration and reload (a running load is superseded); Azure
        permissions are read afresh too (a role may have changed)."""
        from mlops_desktop.ports.identity import forget_permissions

        forget_permissions()
        self.reload_config()

    def sign_in_to_workspace(self, name: str) -> None:
        """Navigator *Sign in…*: the Azure sign-in dialog; reload once signed in."""
        from mlops_desktop.ui.workspaces.azure_sign_in import AzureSignInDialog

        try:
            workspace = self.loader.config.workspace(name)
        except MlopsError as exc:
            self.notifications.report_exception(exc, context="Sign in")
            return
        dialog = AzureSignInDialog(workspace, self.pool, opener=self._opener, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.signedIn.connect(lambda _identity: self.refresh())
        dialog.show()
        dialog.start()

    # -- settings -------------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """Use ``settings``: refresh intervals now, theme when it changed."""
        previous = getattr(self, "app_settings", None)
        self.app_settings = settings
        self.background.apply_settings(settings.background)
        never = 2**31 - 1  # 0 means "only on F5": a timer interval Qt will never reach
        refresh = settings.refresh
        self.endpoints_page.set_refresh_interval(refresh.endpoints_seconds * 1000 or never)
        self.jobs_page.refresh_timer.setInterval(refresh.jobs_seconds * 1000 or never)
        if refresh.workspaces_seconds:
            self._auto_refresh.start(refresh.workspaces_seconds * 1000)
        else:
            self._auto_refresh.stop()
        if previous is not None and previous.theme != settings.theme:
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if isinstance(app, QApplication):
                style.apply_theme(app, settings.theme)
            self._retint_icons()

    def _auto_refresh_due(self) -> None:
        if not self.loader.is_loading:
            self.refresh()

    # -- dialogs ------------------------------------------------------------------------------

    def add_workspace(self) -> AddWorkspaceDialog:
        """Open the *Add workspace* dialog; a saved workspace is loaded at once."""
        dialog = AddWorkspaceDialog(self, pool=self.pool)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._workspace_dialog_closed(dialog, result))
        dialog.open()
        return dialog

    def _workspace_dialog_closed(self, dialog: AddWorkspaceDialog, result: int) -> None:
        if result == QDialog.DialogCode.Accepted and dialog.saved_workspace is not None:
            created = dialog.azure_creation is not None and dialog.azure_creation.created
            verb = "created in Azure ML and added" if created else "added"
            self.notifications.info(f"Workspace {dialog.saved_workspace.name!r} {verb}")
            self.reload_config()

    # -- shutdown -------------------------------------------------------------------------------

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel all work and wait up to ``timeout_ms``; True when every worker finished."""
        if self._shut_down:
            return self._shutdown_clean
        self._shut_down = True
        self.loader.cancel()
        if self._demo is not None:
            self._demo.worker.cancel()
        self.background.stop()
        self._shutdown_clean = self.pool.shutdown(timeout_ms)
        return self._shutdown_clean

    def closeEvent(self, event: QCloseEvent) -> None:
        """Save the layout, cancel workers and wait for them (with a deadline)."""
        if self._remember_state:
            self.save_state()
        if self._details_dialog is not None:
            self._details_dialog.close()
        self.shutdown()
        super().closeEvent(event)
