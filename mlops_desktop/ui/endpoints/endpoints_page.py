"""The Endpoints page: every workspace's endpoints, their health, telemetry and traffic.

Top: a tree of workspaces (newest stage first) → endpoints → deployments with status, model
version, traffic and mirror shares. Bottom: the selected endpoint — headline figures and
requests/min, latency and error-rate charts (*Monitoring*), a request console (*Test*) and the
traffic editor (*Traffic*).

All I/O runs in workers. Each kind of request follows "latest request wins"
(:class:`~mlops_desktop.ui.shell.workers.LatestRequest`); while the page is visible a timer
refreshes the selected endpoint's telemetry every few seconds and the health of every endpoint less
often, never starting a refresh while the previous one of the same kind is still running.

The page's parts live beside it: the tree's view and delegate (``endpoints_tree_view``), the
detail header (``endpoint_detail_header``), the empty state (``endpoints_empty_view``), the
actions and dialogs (``endpoints_page_actions``) and the style sheet (``endpoints_page_style``).
What differs between kinds of endpoint is read from each endpoint's traits.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.serving.entities import Endpoint, EndpointStatus
from mlops_desktop.ui.common.backend_tasks import BackendOpener, describe_error
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.endpoints.endpoint_detail_panel import EndpointDetailPanel
from mlops_desktop.ui.endpoints.endpoints_empty_view import EndpointsEmptyView
from mlops_desktop.ui.endpoints.endpoints_page_actions import EndpointActions, toolbar_button
from mlops_desktop.ui.endpoints.endpoints_page_requests import EndpointRequests
from mlops_desktop.ui.endpoints.endpoints_page_style import PAGE_STYLE
from mlops_desktop.ui.endpoints.endpoints_tree_model import EndpointsModel, Key, RowKind
from mlops_desktop.ui.endpoints.endpoints_tree_view import (
    fitted_tree_height,
    make_endpoints_tree,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, Worker, WorkerPool

#: Telemetry refresh while the page is visible; endpoint health every HEALTH_EVERY ticks.
REFRESH_MS = 5000
HEALTH_EVERY = 2


class EndpointsPage(EndpointActions, EndpointRequests, QWidget):
    """Endpoints per workspace with deployments, health, telemetry, a test console and the
    traffic editor."""

    #: The first load (list, and the selected endpoint's telemetry) finished or failed.
    dataLoaded = Signal()
    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)
    #: Things that went well, for the status bar.
    infoPosted = Signal(str)
    #: The selected endpoint changed: Endpoint or None.
    selectedEndpointChanged = Signal(object)

    def __init__(
        self,
        pool: WorkerPool,
        *,
        opener: BackendOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointsPage")
        style.set_themed_style_sheet(self, PAGE_STYLE)  # light or dark, following the theme
        self._pool = pool
        self._opener = opener
        self._config = AppConfig()
        self._configured = False
        self._loaded = False
        self._awaiting_telemetry = False
        self._selected_key: Key = ()
        self._reset_key: Key = ()
        self._pending_select: Key = ()
        self._list_request = LatestRequest(self)
        self._telemetry_request = LatestRequest(self)
        self._example_request = LatestRequest(self)
        self._invoke_request = LatestRequest(self)
        self._list_busy = False
        self._telemetry_busy = False
        self._actions: list[Worker] = []
        #: Capabilities asked of each workspace's backend (they do not change with a config).
        self._capabilities: dict[str, Capability] = {}
        self._ticks = 0
        self._telemetry_failing: Key = ()
        #: Asks before stopping an endpoint; tests replace it.
        self.confirm: Callable[[str, str], bool] = self._ask

        self.model = EndpointsModel(self)
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title_label = QLabel("Endpoints")
        self.title_label.setObjectName("PageTitle")
        self.subtitle_label = QLabel("Local endpoints across your workspaces")
        self.subtitle_label.setObjectName("PageSubtitle")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)

        self._build_action_buttons()
        self.refresh_button = toolbar_button(
            "Refresh", style.icon("refresh"), "Reload endpoints, health and telemetry"
        )
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.setContentsMargins(24, 14, 24, 8)
        header.setSpacing(8)
        header.addLayout(titles, 1)
        for button in (self.create_button, self.deploy_button, self.start_button, self.stop_button):
            header.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addSpacing(6)
        header.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.activity_label = QLabel("")
        self.activity_label.setObjectName("CountLabel")
        self.activity_label.hide()
        self.activity_bar = QProgressBar()
        self.activity_bar.setTextVisible(False)
        self.activity_bar.setFixedSize(120, 6)
        self.activity_bar.setRange(0, 0)
        self.activity_bar.hide()
        activity = QHBoxLayout()
        activity.setContentsMargins(24, 0, 24, 6)
        activity.setSpacing(8)
        activity.addWidget(self.activity_label)
        activity.addWidget(self.activity_bar, 0, Qt.AlignmentFlag.AlignVCenter)
        activity.addStretch(1)

        self.tree = make_endpoints_tree(self.model)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.doubleClicked.connect(self._tree_double_clicked)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        self.model.modelReset.connect(self._after_reset)

        self.detail = self._build_detail()

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("EndpointsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([236, 520])
        # Fitted to its rows on every resize (the page may load while hidden, at a size it
        # never shows at) until the user drags the divider.
        self._user_sized_tree = False
        self.splitter.splitterMoved.connect(self._splitter_dragged)
        self.splitter.installEventFilter(self)

        self.empty_view = EndpointsEmptyView()
        self.empty_view.createRequested.connect(self.open_create_dialog)
        self.loading_label = QLabel("Loading endpoints…")
        self.loading_label.setObjectName("EmptyHint")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.loading_label)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(activity)
        layout.addWidget(self.stack, 1)
        self._update_actions()

    def _build_detail(self) -> QWidget:
        detail = EndpointDetailPanel()
        # The panel's parts, by the names the page has always had.
        self.monitor_view, self.header = detail.monitor_view, detail.header
        self.test_view, self.traffic_view, self.tabs = (
            detail.test_view,
            detail.traffic_view,
            detail.tabs,
        )
        self.detail_hint, self.detail_stack = detail.detail_hint, detail.detail_stack
        self.detail_title = self.header.detail_title
        self.status_pill = self.header.status_pill
        self.stage_pill = self.header.stage_pill
        self.url_label = self.header.url_label
        self.copy_button = self.header.copy_button
        self.detail_subtitle = self.header.detail_subtitle
        self.monitor_view.window_selector.windowChanged.connect(lambda _w: self.request_telemetry())
        self.header.copyRequested.connect(self.copy_scoring_uri)
        self.test_view.sendRequested.connect(self._send)
        self.test_view.resetRequested.connect(self._load_example)
        self.traffic_view.applyRequested.connect(self._apply_traffic)
        # The time window and its caption apply to the Monitoring tab only.
        self.tabs.currentChanged.connect(lambda _index: self._show_window_selector())
        return detail

    # -- public API ---------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the first list (and the selected endpoint's telemetry) came in or failed."""
        return self._loaded

    def set_config(self, config: AppConfig) -> None:
        """Show these workspaces' endpoints (reloads)."""
        if config is not self._config:
            self._capabilities = {}
        self._config = config
        self._configured = True
        self.refresh()

    def set_refresh_interval(self, milliseconds: int) -> None:
        """How often telemetry refreshes while the page is visible."""
        self._timer.setInterval(milliseconds)

    @property
    def refresh_timer(self) -> QTimer:
        """The periodic refresh timer (runs only while the page is visible)."""
        return self._timer

    def workspace(self, name: str) -> WorkspaceConfig:
        """A configured workspace."""
        return self._config.workspace(name)

    def _target(self) -> tuple[WorkspaceConfig, str] | None:
        """The selected endpoint's workspace and name (None when none, or when its workspace
        left the configuration and the list has not caught up yet)."""
        key = self._selected_key
        if len(key) < 2:
            return None
        workspace = next((w for w in self._config.workspaces if w.name == key[0]), None)
        return (workspace, key[1]) if workspace is not None else None

    def selected_key(self) -> Key:
        """Key of the selected row (``()`` when nothing is selected)."""
        return self._selected_key

    def selected_endpoint(self) -> Endpoint | None:
        """The endpoint of the selected row."""
        return self.model.endpoint(self._selected_key) if len(self._selected_key) >= 2 else None

    def select(self, key: Key) -> bool:
        """Select the row with ``key``; False when there is none."""
        index = self.model.index_of(key)
        if not index.isValid():
            return False
        flags = (
            self.tree.selectionModel().SelectionFlag.ClearAndSelect
            | self.tree.selectionModel().SelectionFlag.Rows
        )
        self.tree.selectionModel().setCurrentIndex(index, flags)
        self.tree.scrollTo(index)
        return True

    def refresh(self) -> None:
        """Reload every workspace's endpoints (and then the selected endpoint's telemetry)."""
        if not self._configured:
            return
        self._list_request.begin()
        self._list_busy = True
        worker = self._pool.submit(
            tasks.list_workspace_endpoints,
            self._config,
            opener=self._opener,
            known=dict(self._capabilities),
            name="list endpoints",
        )
        self._list_request.track(worker)
        self._list_request.connect(worker.signals.result, self._on_list)
        self._list_request.connect(worker.signals.error, self._on_list_error)
        self._list_request.connect(worker.signals.finished, self._list_finished)
        if not self.model.workspaces():
            self.stack.setCurrentWidget(self.loading_label)

    def _tree_double_clicked(self, index: QModelIndex) -> None:
        if self.model.kind(index) in (RowKind.ENDPOINT, RowKind.DEPLOYMENT):
            self.show_test()

    def show_test(self) -> None:
        """Open the Test tab (targeting the selected deployment, if one is selected)."""
        self.tabs.setCurrentWidget(self.test_view)
        self.test_view.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def copy_scoring_uri(self) -> None:
        """Put the selected endpoint's scoring URI on the clipboard."""
        endpoint = self.selected_endpoint()
        if endpoint is not None:
            QGuiApplication.clipboard().setText(endpoint.scoring_uri)
            self.infoPosted.emit(f"Copied {endpoint.scoring_uri}")

    # -- visibility and the refresh timer -----------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh while visible."""
        super().showEvent(event)
        if not self._timer.isActive():
            self._timer.start()
            if self._loaded:
                self._tick()

    def hideEvent(self, event: QHideEvent) -> None:
        """No refreshing while hidden."""
        super().hideEvent(event)
        self._timer.stop()

    def _tick(self) -> None:
        if not self._configured or not self.isVisible():
            return
        self._ticks += 1
        if not self._telemetry_busy and len(self._selected_key) >= 2:
            self.request_telemetry()
        if self._ticks % HEALTH_EVERY == 0 and not self._list_busy and not self._actions:
            self.refresh()

    # -- list results -------------------------------------------------------------------------

    def _on_list(self, items: list[tasks.WorkspaceEndpoints]) -> None:
        self._capabilities = {i.workspace: Capability(i.supported, i.reason) for i in items}
        reset = self.model.set_workspaces(items)
        if not reset:
            self._refresh_detail()
        self._update_header(items)
        first_load = not self._loaded and not self._awaiting_telemetry
        if self.model.endpoint_count():
            self.stack.setCurrentWidget(self.splitter)
        else:
            self.empty_view.set_situation(items, bool(self._config.workspaces))
            self.stack.setCurrentWidget(self.empty_view)
        pending, self._pending_select = self._pending_select, ()
        if pending and self.model.index_of(pending).isValid():
            self.select(pending)
        elif len(self._selected_key) < 2 or not self.model.index_of(self._selected_key).isValid():
            first = self.model.endpoints()[0] if self.model.endpoint_count() else None
            if first is not None:
                self.select((first.workspace, first.name))
            else:
                self._set_selected(())
        if first_load:
            if len(self._selected_key) >= 2 and self._telemetry_busy:
                self._awaiting_telemetry = True
            else:
                self._mark_loaded()

    def _on_list_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.errorOccurred.emit(error)
        self._set_activity(f"Could not list endpoints: {describe_error(error)}")
        if self.stack.currentWidget() is self.loading_label:
            self.empty_view.set_situation([], bool(self._config.workspaces))
            self.stack.setCurrentWidget(self.empty_view)
        self._mark_loaded()

    def _list_finished(self) -> None:
        self._list_busy = False

    def _mark_loaded(self) -> None:
        self._awaiting_telemetry = False
        if not self._loaded:
            self._loaded = True
            self.dataLoaded.emit()

    def _before_reset(self) -> None:
        self._reset_key = self._selected_key

    def _after_reset(self) -> None:
        self.tree.expandAll()
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        QTimer.singleShot(0, self, self._fit_tree)
        key, self._reset_key = self._reset_key, ()
        # A deployment that went keeps its endpoint selected; a gone endpoint clears it.
        if key and not self.select(key) and not (len(key) > 2 and self.select(key[:2])):
            self._set_selected(())

    def _splitter_dragged(self, _pos: int, _index: int) -> None:
        self._user_sized_tree = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-fit the tree when the splitter gets its real size (shown, window resized)."""
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self, self._fit_tree)
        return super().eventFilter(watched, event)

    def _fit_tree(self) -> None:
        """Give the tree the height of its rows (at least MIN_TREE_ROWS of them, else at most
        about half the page), the rest to the details; a divider the user moved stays."""
        if self._user_sized_tree:
            return
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        top = fitted_tree_height(self.tree, total)
        self.splitter.setSizes([top, total - top])

    def _update_header(self, items: list[tasks.WorkspaceEndpoints]) -> None:
        endpoints = [e for i in items for e in i.endpoints]
        running = sum(1 for e in endpoints if e.status is EndpointStatus.RUNNING)
        deployments = sum(len(e.deployments) for e in endpoints)
        attention = [
            e for e in endpoints if e.status in (EndpointStatus.DEGRADED, EndpointStatus.DEAD)
        ]
        parts = [
            f"{len(endpoints)} endpoint(s) across {len(items)} workspace(s)",
            f"{running} running",
            f"{deployments} deployment(s)",
        ]
        if attention:
            parts.append(f"{len(attention)} need attention")
        self.subtitle_label.setText(" · ".join(parts))

    # -- selection ----------------------------------------------------------------------------

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.tree.selectionModel().selectedRows()
        key = self.model.key(rows[0]) if rows else ()
        if key and len(key) < 2:
            return  # a workspace group row
        self._set_selected(key)

    def _set_selected(self, key: Key) -> None:
        previous = self._selected_key[:2]
        self._selected_key = key
        endpoint_changed = key[:2] != previous
        if endpoint_changed:
            self._telemetry_request.begin()
            self._telemetry_busy = False
            self._invoke_request.begin()
            self._example_request.begin()
            self.monitor_view.clear()
        self._refresh_detail(force=endpoint_changed)
        if len(key) > 2:
            self.test_view.set_target_deployment(key[2])
        if endpoint_changed:
            endpoint = self.selected_endpoint()
            self.selectedEndpointChanged.emit(endpoint)
            if endpoint is not None:
                self.request_telemetry()
                self._load_example(key[2] if len(key) > 2 else "")
            elif self._awaiting_telemetry:
                self._mark_loaded()
        self._update_actions()

    def _refresh_detail(self, *, force: bool = False) -> None:
        endpoint = self.selected_endpoint()
        if endpoint is None:
            self.detail_stack.setCurrentWidget(self.detail_hint)
            self.test_view.set_endpoint(None)
            self.traffic_view.set_endpoint(None, {}, force=True)
            self._update_actions()
            return
        self.detail_stack.setCurrentIndex(1)
        colors = self.model.colors(self._selected_key)
        item = self.model.workspace_at(self.model.index_of(self._selected_key[:1]))
        self.header.show_endpoint(endpoint, item.stage if item is not None else None)
        self.test_view.set_endpoint(endpoint)
        self.traffic_view.set_endpoint(endpoint, colors, force=force)
        # Requests collected elsewhere (Azure Monitor): no local window or figures.
        self.monitor_view.set_local_telemetry(endpoint.traits.collects_requests)
        self._show_window_selector()
        self._update_actions()

    def _show_window_selector(self) -> None:
        """The time window and caption belong to the Monitoring tab (window: local only)."""
        monitoring = self.tabs.currentIndex() == 0
        local = self.monitor_view.local_telemetry
        self.monitor_view.window_selector.setVisible(monitoring and local)
        self.monitor_view.caption.setVisible(monitoring)
