"""The main window: sidebar (pages + stage/workspace navigator), pages, menus, status bar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QWidget,
)

from mlops_desktop import __version__
from mlops_desktop.core import paths
from mlops_desktop.core.config import AppConfig, load_config
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState
from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.core.settings import Settings, load_settings_or_defaults
from mlops_desktop.core.stages import STAGE_ORDER
from mlops_desktop.ui.audit.audit_page import AuditPage
from mlops_desktop.ui.common.backend_tasks import BackendOpener, create_demo_workspaces
from mlops_desktop.ui.compute.compute_page import ComputePage
from mlops_desktop.ui.drift.drift_page import DriftPage
from mlops_desktop.ui.endpoints.endpoints_page import EndpointsPage
from mlops_desktop.ui.endpoints.tasks_endpoints import (
    ReattachSummary,
    reattach_endpoints,
    workspaces_with_endpoints,
)
from mlops_desktop.ui.jobs.jobs_page import JobsPage
from mlops_desktop.ui.models_page.models_page import ModelsPage
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.background import BackgroundServices
from mlops_desktop.ui.shell.notifications import (
    NotificationCenter,
    NotificationDetailsDialog,
    NotificationLevel,
    NotificationStatusView,
)
from mlops_desktop.ui.shell.placeholder_page import PlaceholderPage
from mlops_desktop.ui.shell.settings_dialog import SettingsDialog
from mlops_desktop.ui.shell.shortcuts_sheet import ShortcutsDialog
from mlops_desktop.ui.shell.sidebar import PageEntry, SidebarView
from mlops_desktop.ui.shell.workers import Worker, WorkerPool
from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader
from mlops_desktop.ui.workspaces.add_workspace_dialog import AddWorkspaceDialog
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope

#: Pages in sidebar order; Ctrl+1 … Ctrl+6 switch to them.
PAGES: tuple[PageEntry, ...] = (
    PageEntry("models", "Models", "models"),
    PageEntry("endpoints", "Endpoints", "endpoints"),
    PageEntry("drift", "Drift", "drift"),
    PageEntry("jobs", "Jobs", "jobs"),
    PageEntry("compute", "Compute", "compute"),
    PageEntry("audit", "Audit", "audit"),
)

#: What each page that a later feature fills will show.
PLACEHOLDER_SENTENCES: dict[str, str] = {}

DemoTask = Callable[..., Any]
ConfigLoader = Callable[[], AppConfig]


def _page_is_loaded(page: QWidget) -> bool:
    """A page's ``is_loaded`` (method or property); pages without one have nothing to load."""
    loaded = getattr(page, "is_loaded", True)
    return bool(loaded() if callable(loaded) else loaded)


def _scrollable(page: QWidget) -> QScrollArea:
    """``page`` in a frameless scroll area, so a wide page never forces a wide window."""
    area = QScrollArea()
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setWidget(page)
    return area


def ui_state_path() -> Path:
    """Where window geometry and layout are remembered."""
    return paths.config_dir() / "ui-state.ini"


def open_ui_settings() -> QSettings:
    """The UI state store (INI format at :func:`ui_state_path`)."""
    path = ui_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


@dataclass
class _DemoRun:
    worker: Worker
    cancelling: bool = False
    succeeded: bool = False


class TaskProgressView(QWidget):
    """Status-bar progress of a long task: message, bar and Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("StatusText")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(140)
        self.bar.setFixedHeight(6)
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("LinkButton")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, message: str, *, cancellable: bool) -> None:
        """Show an indeterminate bar with ``message``."""
        self.label.setText(message)
        self.bar.setRange(0, 0)
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(cancellable)
        self.show()

    def set_progress(self, done: int, total: int, message: str = "") -> None:
        """Determinate progress."""
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        if message:
            self.label.setText(message)


class MainWindow(QMainWindow):
    """The one window: dev, staging and prod workspaces side by side.

    Backends are opened only inside worker tasks; call :meth:`start` after ``show()`` so the
    window is on screen before anything loads. ``remember_state`` restores and saves geometry
    and layout in :func:`ui_state_path` (off for screenshots).
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

        self.sidebar = SidebarView(PAGES)
        self.navigator = self.sidebar.navigator
        self.pages = QStackedWidget()
        self.pages.setObjectName("Pages")
        self.models_page = ModelsPage(self.loader, pool=self.pool)
        self.drift_page = DriftPage(self.pool)
        self._drift_config: AppConfig | None = None
        self.endpoints_page = EndpointsPage(self.pool, opener=opener)
        self.jobs_page = JobsPage(self.pool)
        self.audit_page = AuditPage(self.pool)
        self.compute_page = ComputePage(self.pool)
        self._endpoints_config: AppConfig | None = None
        self._pages: dict[str, QWidget] = {
            "models": self.models_page,
            "endpoints": self.endpoints_page,
            "drift": self.drift_page,
            "jobs": self.jobs_page,
            "compute": self.compute_page,
            "audit": self.audit_page,
        }
        # What the stack holds per page: the page, or a scroll area around a wide one.
        self._frames: dict[str, QWidget] = {
            "drift": _scrollable(self.drift_page),
            "endpoints": _scrollable(self.endpoints_page),
            "compute": _scrollable(self.compute_page),
        }
        for entry in PAGES:
            page = self._pages.get(entry.key)
            if page is None:
                page = PlaceholderPage(entry.title, PLACEHOLDER_SENTENCES[entry.key], entry.icon)
                self._pages[entry.key] = page
            self.pages.addWidget(self._frames.setdefault(entry.key, page))

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("MainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([232, 1168])
        self.splitter.setHandleWidth(1)
        self.sidebar.setMinimumWidth(200)
        self.setCentralWidget(self.splitter)

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
        self.show_page("models")
        self.resize(1400, 860)
        if remember_state:
            self._restore_state()

    # -- construction -------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("StatusBar")
        bar.setSizeGripEnabled(False)
        self.status_view = NotificationStatusView(self.notifications)
        self.status_view.detailsRequested.connect(self.show_notification_details)
        bar.addWidget(self.status_view, 1)
        self.task_progress = TaskProgressView()
        self.task_progress.cancel_button.clicked.connect(self.cancel_demo)
        bar.addPermanentWidget(self.task_progress)
        self.load_progress = QProgressBar()
        self.load_progress.setTextVisible(False)
        self.load_progress.setFixedWidth(110)
        self.load_progress.setFixedHeight(6)
        self.load_progress.hide()
        bar.addPermanentWidget(self.load_progress)
        self.workspace_summary = QLabel()
        self.workspace_summary.setObjectName("StatusText")
        self.workspace_summary.setTextFormat(Qt.TextFormat.RichText)
        self.workspace_summary.setContentsMargins(0, 0, 12, 0)
        bar.addPermanentWidget(self.workspace_summary)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.add_workspace_action = QAction("&Add workspace…", self)
        self.add_workspace_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.add_workspace_action.triggered.connect(self.add_workspace)
        self.create_demo_action = QAction("Create &demo workspaces", self)
        self.create_demo_action.triggered.connect(self.create_demo)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(self.add_workspace_action)
        file_menu.addAction(self.create_demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = menu.addMenu("&View")
        self.refresh_action = QAction(style.icon("refresh"), "&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh)
        view_menu.addAction(self.refresh_action)
        self.find_action = QAction(style.icon("search"), "&Find…", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        view_menu.addAction(self.find_action)
        view_menu.addSeparator()
        self.page_actions: dict[str, QAction] = {}
        for number, entry in enumerate(PAGES, start=1):
            action = QAction(style.icon(entry.icon), entry.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, key=entry.key: self.show_page(key))
            view_menu.addAction(action)
            self.page_actions[entry.key] = action

        actions_menu = menu.addMenu("&Actions")
        self.promote_action = QAction("&Promote selected version…", self)
        self.promote_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.promote_action.triggered.connect(self.promote_selected)
        self.export_drift_action = QAction("&Export drift report…", self)
        self.export_drift_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_drift_action.triggered.connect(self.export_drift_report)
        actions_menu.addAction(self.promote_action)
        actions_menu.addAction(self.export_drift_action)

        help_menu = menu.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcuts([QKeySequence("Ctrl+/"), QKeySequence("F1")])
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction("&About MLOps Desktop", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _connect(self) -> None:
        self.sidebar.pageRequested.connect(self.show_page)
        self.sidebar.addWorkspaceRequested.connect(self.add_workspace)
        self.navigator.scopeChanged.connect(self._scope_changed)
        self.navigator.signInRequested.connect(self.sign_in_to_workspace)
        self.loader.configChanged.connect(self._config_changed)
        self.loader.connectionChanged.connect(self._connection_changed)
        self.loader.loadStarted.connect(self._load_started)
        self.loader.progressChanged.connect(self._load_progress)
        self.loader.loadFinished.connect(self._load_finished)
        self.models_page.refreshRequested.connect(self.refresh)
        self.models_page.infoPosted.connect(self.notifications.info)
        self.models_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Promotion")
        )
        self.models_page.versions_model.rowsInserted.connect(lambda *_: self._update_counts())
        self.models_page.versions_model.rowsRemoved.connect(lambda *_: self._update_counts())
        self.models_page.versions_model.modelReset.connect(self._update_counts)
        empty = self.models_page.empty_state
        empty.createDemoRequested.connect(self.create_demo)
        empty.cancelDemoRequested.connect(self.cancel_demo)
        empty.addWorkspaceRequested.connect(self.add_workspace)
        self.notifications.notified.connect(self._notified)
        self.drift_page.dataLoaded.connect(self._page_loaded)
        self.drift_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Drift")
        )
        self.pages.currentChanged.connect(lambda _index: self._feed_drift_page())
        self.endpoints_page.dataLoaded.connect(self._page_loaded)
        self.endpoints_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Endpoints")
        )
        self.endpoints_page.infoPosted.connect(self.notifications.info)
        self.pages.currentChanged.connect(lambda _index: self._feed_endpoints_page())
        self.jobs_page.dataLoaded.connect(self._page_loaded)
        self.jobs_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Jobs")
        )
        self.jobs_page.infoPosted.connect(self.notifications.info)
        self.loader.configChanged.connect(self.jobs_page.set_config)
        self.audit_page.dataLoaded.connect(self._page_loaded)
        self.audit_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Audit")
        )
        self.loader.configChanged.connect(self.audit_page.set_config)
        self.compute_page.dataLoaded.connect(self._page_loaded)
        self.compute_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Compute")
        )
        self.loader.configChanged.connect(self.compute_page.set_config)

    # -- pages --------------------------------------------------------------------------------

    def page(self, key: str) -> QWidget:
        """The page called ``key`` (see :data:`PAGES`)."""
        return self._pages[key]

    def page_keys(self) -> list[str]:
        """Keys of all pages, in order."""
        return [entry.key for entry in PAGES]

    def current_page_key(self) -> str:
        """Key of the page on display."""
        current = self.pages.currentWidget()
        return next(key for key, frame in self._frames.items() if frame is current)

    def show_page(self, key: str) -> None:
        """Switch to page ``key``."""
        if key not in self._pages:
            raise KeyError(f"no page {key!r}; pages: {', '.join(self._pages)}")
        self.pages.setCurrentWidget(self._frames[key])
        self.sidebar.set_current_page(key)

    def is_data_loaded(self) -> bool:
        """True when every page's data has loaded (or failed to)."""
        return all(_page_is_loaded(page) for page in self._pages.values())

    def _page_loaded(self) -> None:
        if self.is_data_loaded():
            self.dataLoaded.emit()

    def _feed_drift_page(self, *, force: bool = False) -> None:
        """Hand the drift page the configuration once the Models page has its data.

        On two cores the page on display loads first; the drift page starts right away only
        when it is the one shown.
        """
        config = self.loader.config
        shown = self.pages.currentWidget() is self._frames["drift"]
        ready = shown or force or not self.loader.is_loading
        if ready and config is not self._drift_config:
            self._drift_config = config
            self.drift_page.set_config(config)

    def _feed_endpoints_page(self, *, force: bool = False) -> None:
        """Hand the endpoints page the configuration once endpoints are re-attached (so it
        never shows an endpoint as dead that start-up is about to restart); like the drift
        page, it starts at once only when shown, else after the Models page has its data."""
        if not self._reattached:
            return
        config = self.loader.config
        shown = self.pages.currentWidget() is self._frames["endpoints"]
        ready = shown or force or not self.loader.is_loading
        if ready and config is not self._endpoints_config:
            self._endpoints_config = config
            self.endpoints_page.set_config(config)

    # -- loading ------------------------------------------------------------------------------

    def start(self) -> None:
        """Read the configuration and load every workspace in the background; re-attach the
        local endpoints left running (restarting what died) in a worker."""
        self.reload_config()
        self._reattach_endpoints()
        self._recover_promotions()
        if self._background:  # a person's session (not --screenshot, not tests): sample, watch
            self.background.start()

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

    def _config_changed(self, config: AppConfig) -> None:
        self.navigator.set_config(config)
        for ws in config.workspaces:
            self.navigator.set_connection(ws.name, self.loader.connection(ws.name))
        self._update_counts()
        self._update_summary()

    def _connection_changed(self, name: str, info: ConnectionInfo) -> None:
        self.navigator.set_connection(name, info)
        self._update_summary()

    def _load_started(self, total: int) -> None:
        if total:
            self.load_progress.setRange(0, total)
            self.load_progress.setValue(0)
            self.load_progress.show()
            self.load_progress.setToolTip(f"Loading {total} workspace(s)…")

    def _load_progress(self, done: int, total: int) -> None:
        self.load_progress.setRange(0, max(total, 1))
        self.load_progress.setValue(done)

    def _load_finished(self) -> None:
        self.load_progress.hide()
        self._update_counts()
        self._update_summary()
        self._feed_drift_page()
        self._feed_endpoints_page()
        self._page_loaded()

    def _scope_changed(self, scope: Scope) -> None:
        self.models_page.set_scope(scope)

    def _update_counts(self) -> None:
        counts: dict[Scope, int] = {}
        versions = self.models_page.versions_model.versions()
        loaded = set(self.loader.snapshots())
        if loaded:
            counts[Scope()] = len(versions)
        for stage in STAGE_ORDER:
            hosts = [ws.name for ws in self.loader.config.workspaces if stage in ws.hosted_stages]
            if any(name in loaded for name in hosts):
                counts[Scope(stage)] = sum(1 for v in versions if v.stage is stage)
            for name in hosts:
                if name in loaded:
                    counts[Scope(stage, name)] = sum(
                        1 for v in versions if v.stage is stage and v.workspace == name
                    )
        self.navigator.navigator_model.set_counts(counts)

    def _update_summary(self) -> None:
        config = self.loader.config
        if not config.workspaces:
            self.workspace_summary.setText(
                f"<span style='color:{style.TEXT_MUTED}'>No workspaces</span>"
            )
            return
        tally: dict[ConnectionState, int] = {}
        for ws in config.workspaces:
            state = self.loader.connection(ws.name).state
            tally[state] = tally.get(state, 0) + 1
        parts = []
        for state in (
            ConnectionState.ONLINE,
            ConnectionState.CONNECTING,
            ConnectionState.AUTH_REQUIRED,
            ConnectionState.OFFLINE,
            ConnectionState.ERROR,
            ConnectionState.UNKNOWN,
        ):
            if state in tally:
                color = style.STATE_COLORS[state]
                label = style.STATE_LABELS[state].rstrip("…").lower()
                parts.append(f"<span style='color:{color}'>●</span>&nbsp;{tally[state]} {label}")
        self.workspace_summary.setText("&nbsp;&nbsp;&nbsp;".join(parts))

    def workspace_summary_text(self) -> str:
        """The status bar's workspace summary as plain text (e.g. "● 2 online ● 1 offline")."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(self.workspace_summary.text())
        return document.toPlainText().replace("\xa0", " ")

    # -- demo ---------------------------------------------------------------------------------

    @property
    def demo_running(self) -> bool:
        """True while the demo is being created."""
        return self._demo is not None

    def create_demo(self) -> None:
        """Create the demo workspaces in a worker (progress + Cancel), then reload."""
        if self._demo is not None:
            return
        worker = self.pool.submit(self._demo_task, name="create demo workspaces")
        self._demo = _DemoRun(worker)
        worker.signals.progress.connect(self._demo_progress)
        worker.signals.result.connect(self._demo_result)
        worker.signals.error.connect(self._demo_error)
        worker.signals.finished.connect(self._demo_finished)
        self.models_page.empty_state.set_demo_running(True)
        if not self._empty_state_shown():
            self.task_progress.start("Creating demo workspaces…", cancellable=True)
        self.create_demo_action.setEnabled(False)
        self.notifications.info("Creating demo workspaces (dev, staging, prod)…")

    def _empty_state_shown(self) -> bool:
        page = self.models_page
        return page.isVisible() and page.stack.currentWidget() is page.empty_state

    def cancel_demo(self) -> None:
        """Ask the demo task to stop after its current step."""
        if self._demo is None or self._demo.cancelling:
            return
        self._demo.cancelling = True
        self._demo.worker.cancel()
        self.models_page.empty_state.set_cancelling()
        self.task_progress.cancel_button.setEnabled(False)
        self.task_progress.label.setText("Cancelling…")

    def _demo_progress(self, done: int, total: int, message: str) -> None:
        self.models_page.empty_state.set_demo_progress(done, total, message)
        if self._demo is not None and not self._demo.cancelling:
            self.task_progress.set_progress(done, total, f"Demo: {message}")

    def _demo_result(self, summary: object) -> None:
        if self._demo is not None:
            self._demo.succeeded = True
        lines = getattr(summary, "lines", None)
        text = lines()[0] if callable(lines) else "demo workspaces ready"
        self.notifications.info(f"Demo workspaces ready — {text}")

    def _demo_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.notifications.info("Demo creation cancelled")
        else:
            self.notifications.report_exception(error, context="Creating the demo failed")

    def _demo_finished(self) -> None:
        run = self._demo
        self._demo = None
        self.models_page.empty_state.set_demo_running(False)
        self.task_progress.hide()
        self.create_demo_action.setEnabled(True)
        succeeded = run is not None and run.succeeded
        if not self._shut_down:
            self.reload_config()
        self.demoFinished.emit(succeeded)

    # -- settings, shortcuts, common actions ----------------------------------------------------

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

    def _retint_icons(self) -> None:
        """Icons are tinted per theme: hand the menus and sidebar this theme's."""
        self.refresh_action.setIcon(style.icon("refresh"))
        self.find_action.setIcon(style.icon("search"))
        for entry in PAGES:
            self.page_actions[entry.key].setIcon(style.icon(entry.icon))
            self.sidebar.page_button(entry.key).setIcon(style.icon(entry.icon))

    def _auto_refresh_due(self) -> None:
        if not self.loader.is_loading:
            self.refresh()

    def open_settings(self) -> SettingsDialog:
        """Open the Settings dialog (Ctrl+,); applied settings take effect at once."""
        dialog = SettingsDialog(self.app_settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settingsApplied.connect(self.apply_settings)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        """The keyboard shortcuts sheet, built from this window's menus."""
        dialog = ShortcutsDialog(self.menuBar(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the current page's search or filter box."""
        page = self.page(self.current_page_key())
        edit = getattr(page, "search_edit", None) or getattr(page, "filter_edit", None)
        if edit is not None:
            edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            edit.selectAll()

    def promote_selected(self) -> None:
        """Promote the version selected on the Models page (its gated dialog)."""
        self.show_page("models")
        if self.models_page.selected_version() is None:
            self.notifications.info("Select a model version to promote")
            return
        self.models_page.open_promote_dialog()

    def export_drift_report(self) -> None:
        """Export the Drift page's result (compute it first)."""
        self.show_page("drift")
        if self.drift_page.result is None:
            self.notifications.info("Compute drift first, then export the report")
            return
        self.drift_page.ask_export()

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

    def about_text(self) -> str:
        """The About box text."""
        return (
            f"<h3>MLOps Desktop {__version__}</h3>"
            "<p>A desktop control room for the MLOps loop: dev, staging and prod workspaces "
            "(local MLflow stores, MLflow servers, later Azure ML) side by side.</p>"
            "<p>Every action is also a command: <code>mlops-desktop --help</code>.</p>"
        )

    def show_about(self) -> None:
        """Help → About."""
        QMessageBox.about(self, "About MLOps Desktop", self.about_text())

    def show_notification_details(self, notification: object | None = None) -> None:
        """Open the (non-modal) details dialog on ``notification`` (default: the latest)."""
        target = notification or self.notifications.latest
        if target is None:
            return
        if self._details_dialog is None:
            self._details_dialog = NotificationDetailsDialog(self.notifications, self)
        self._details_dialog.show_notification(target)

    @property
    def details_dialog(self) -> NotificationDetailsDialog | None:
        """The details dialog, once opened."""
        return self._details_dialog

    def _notified(self, notification: Any) -> None:
        if getattr(notification, "unexpected", False) and notification.level is (
            NotificationLevel.ERROR
        ):
            self.show_notification_details(notification)

    # -- state and shutdown -------------------------------------------------------------------

    def _restore_state(self) -> None:
        settings = self._settings
        if settings is None:
            return
        size = settings.value("window/size")
        if isinstance(size, QSize) and size.isValid():
            self.resize(size)
        position = settings.value("window/pos")
        if isinstance(position, QPoint) and any(
            screen.availableGeometry().contains(position) for screen in QGuiApplication.screens()
        ):
            self.move(position)
        if str(settings.value("window/maximized", "false")).lower() == "true":
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        for key, splitter in (
            ("window/splitter", self.splitter),
            ("models/splitter", self.models_page.splitter),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                splitter.restoreState(value)
        header = settings.value("models/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.models_page.table.horizontalHeader().restoreState(header)
        page = settings.value("window/page")
        if isinstance(page, str) and page in self._pages:
            self.show_page(page)

    def save_state(self) -> None:
        """Remember geometry, layout and the current page."""
        settings = self._settings
        if settings is None:
            return
        maximized = self.isMaximized()
        settings.setValue("window/maximized", maximized)
        if not maximized:
            settings.setValue("window/size", self.size())
            settings.setValue("window/pos", self.pos())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("models/splitter", self.models_page.splitter.saveState())
        settings.setValue("models/header", self.models_page.table.horizontalHeader().saveState())
        settings.setValue("window/page", self.current_page_key())
        settings.sync()

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
