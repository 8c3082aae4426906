"""The main window's pages: the sidebar and page stack, feeding each page the configuration,
the navigator's counts and the status bar's workspace summary (a part of
:class:`~mlops_desktop.ui.shell.main_window.MainWindow`)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QProgressBar,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState
from mlops_desktop.core.stages import STAGE_ORDER
from mlops_desktop.ui.audit.audit_page import AuditPage
from mlops_desktop.ui.common.backend_tasks import BackendOpener
from mlops_desktop.ui.compute.compute_page import ComputePage
from mlops_desktop.ui.drift.drift_page import DriftPage
from mlops_desktop.ui.endpoints.endpoints_page import EndpointsPage
from mlops_desktop.ui.jobs.jobs_page import JobsPage
from mlops_desktop.ui.models_page.models_page import ModelsPage
from mlops_desktop.ui.overview.overview_navigation import OverviewNavigation
from mlops_desktop.ui.overview.overview_page import OverviewPage
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.placeholder_page import PlaceholderPage
from mlops_desktop.ui.shell.sidebar import PageEntry, SidebarView
from mlops_desktop.ui.shell.workers import WorkerPool
from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope

#: Pages in sidebar order; Ctrl+1 … Ctrl+7 switch to them. The Overview is the first page.
PAGES: tuple[PageEntry, ...] = (
    PageEntry("overview", "Overview", "overview"),
    PageEntry("models", "Models", "models"),
    PageEntry("endpoints", "Endpoints", "endpoints"),
    PageEntry("drift", "Drift", "drift"),
    PageEntry("jobs", "Jobs", "jobs"),
    PageEntry("compute", "Compute", "compute"),
    PageEntry("audit", "Audit", "audit"),
)

#: What each page that a later feature fills will show.
PLACEHOLDER_SENTENCES: dict[str, str] = {}


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


class WindowPages:
    """The pages of the main window and what keeps them fed (a mixin of ``MainWindow``)."""

    # Set by MainWindow before the pages are built.
    pool: WorkerPool
    loader: WorkspaceLoader
    notifications: NotificationCenter
    load_progress: QProgressBar
    workspace_summary: QLabel
    _reattached: bool | None

    def _build_pages(self, opener: BackendOpener | None) -> None:
        """The sidebar and the page stack, side by side in a splitter."""
        self.sidebar = SidebarView(PAGES)
        self.navigator = self.sidebar.navigator
        self.pages = QStackedWidget()
        self.pages.setObjectName("Pages")
        self.overview_page = OverviewPage(self.pool, opener=opener)
        self.models_page = ModelsPage(self.loader, pool=self.pool)
        self.drift_page = DriftPage(self.pool)
        self._drift_config: AppConfig | None = None
        self.endpoints_page = EndpointsPage(self.pool, opener=opener)
        self.jobs_page = JobsPage(self.pool)
        self.audit_page = AuditPage(self.pool)
        self.compute_page = ComputePage(self.pool)
        self._endpoints_config: AppConfig | None = None
        self._pages: dict[str, QWidget] = {
            "overview": self.overview_page,
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
        self.overview_navigation = OverviewNavigation(self)

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
        self.overview_page.dataLoaded.connect(self._page_loaded)
        self.overview_page.errorOccurred.connect(
            lambda error: self.notifications.report_exception(error, context="Overview")
        )
        self.overview_page.openRequested.connect(self.overview_navigation.open)
        # Without workspaces the Overview offers the Models page's start: demo (with its
        # progress there) or a workspace of one's own.
        self.overview_page.createDemoRequested.connect(
            lambda: (self.show_page("models"), self.create_demo())
        )
        self.overview_page.addWorkspaceRequested.connect(self.add_workspace)
        self.loader.configChanged.connect(lambda _config: self._feed_overview_page())

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

    def _feed_overview_page(self) -> None:
        """Hand the Overview the configuration (each F5 re-reads it), once endpoints are
        re-attached, so it never shows an endpoint dead that start-up is restarting."""
        if not self._reattached:
            return
        self.overview_page.set_config(self.loader.config)

    # -- the loader's news: navigator, counts, summary -----------------------------------------

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
