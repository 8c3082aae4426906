"""The Models page: every model version across all workspaces, with a detail pane."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from PySide6.QtCore import QItemSelection, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.entities import ConnectionState, ModelVersion
from mlops_desktop.core.identity import current_identity
from mlops_desktop.promotion.entities import OperationResult
from mlops_desktop.ui.common.backend_tasks import (
    WorkspaceSnapshot,
    describe_error,
    lineage_by_stage,
)
from mlops_desktop.ui.common.delegates import AliasChipsDelegate, StagePillDelegate
from mlops_desktop.ui.common.empty_state_view import EmptyStateView
from mlops_desktop.ui.models_page import tasks_promotion as promotion
from mlops_desktop.ui.models_page.model_detail_view import ModelVersionDetailView
from mlops_desktop.ui.models_page.promote_dialog import PromoteDialog
from mlops_desktop.ui.models_page.versions_table_model import (
    ALIASES_ROLE,
    STAGE_ROLE,
    Column,
    ModelVersionsModel,
    ModelVersionsProxyModel,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool
from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope

_COLUMN_WIDTHS = {
    Column.MODEL: 230,
    Column.VERSION: 76,
    Column.STAGE: 110,
    Column.WORKSPACE: 130,
    Column.ALIASES: 170,
    Column.KEY_METRIC: 150,
    Column.CREATED: 150,
}


class ModelVersionsTableView(QTableView):
    """The versions table: row selection, stage pills, alias chips, a "no results" overlay."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("VersionsTable")
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(34)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(48)
        self.setItemDelegateForColumn(Column.STAGE, StagePillDelegate(STAGE_ROLE, self))
        self.setItemDelegateForColumn(Column.ALIASES, AliasChipsDelegate(ALIASES_ROLE, self))
        self.overlay = QLabel(self.viewport())
        self.overlay.setObjectName("EmptyHint")
        self.overlay.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.overlay.setWordWrap(True)
        self.overlay.hide()

    def apply_default_widths(self) -> None:
        """Column widths that fit typical content."""
        for column, width in _COLUMN_WIDTHS.items():
            self.horizontalHeader().resizeSection(column, width)

    def set_overlay(self, text: str) -> None:
        """Show ``text`` over the empty table (empty text hides it)."""
        self.overlay.setText(text)
        self.overlay.setVisible(bool(text))
        self._place_overlay()

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """Keep the overlay centred."""
        super().resizeEvent(event)
        self._place_overlay()

    def _place_overlay(self) -> None:
        rect = self.viewport().rect().adjusted(40, 30, -40, -30)
        self.overlay.setGeometry(rect.left(), rect.top(), rect.width(), min(rect.height(), 120))


class ModelsPage(QWidget):
    """Table of versions (search, scope, typed sort) beside the selected version's details.

    With no workspace configured the page shows the :class:`EmptyStateView` instead.
    Emits ``selectedVersionChanged(ModelVersion | None)``. The detail pane's promotion actions
    run here: the promote dialog, one-click rollback, approval decisions (in ``pool``'s
    workers); their outcomes go out as ``infoPosted`` / ``errorOccurred`` and a finished
    operation asks for ``refreshRequested``.
    """

    selectedVersionChanged = Signal(object)
    refreshRequested = Signal()
    #: A sentence for the notifications (an operation's outcome).
    infoPosted = Signal(str)
    #: An operation failed to run: the exception.
    errorOccurred = Signal(object)
    #: A promote dialog was opened (tests and the main window may watch it).
    promoteDialogOpened = Signal(object)

    def __init__(
        self,
        loader: WorkspaceLoader,
        parent: QWidget | None = None,
        *,
        pool: WorkerPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ModelsPage")
        self._loader = loader
        self._pool = pool or WorkerPool(self)
        self._requests = LatestRequest(self)
        self._requests_model: str | None = None
        self._operation_running = ""
        self.promote_dialog: PromoteDialog | None = None
        self._rows_changing = False
        self._selected_key: tuple[str, str, str] | None = None
        self._scope = Scope()

        self.versions_model = ModelVersionsModel(self)
        self.proxy_model = ModelVersionsProxyModel(self)
        self.proxy_model.setSourceModel(self.versions_model)

        # Header: title, subtitle, search and refresh.
        self.title_label = QLabel("Models")
        self.title_label.setObjectName("PageTitle")
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("PageSubtitle")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("SearchBox")
        self.search_edit.setPlaceholderText("Search models, versions, aliases, runs…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.addAction(style.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_edit.setFixedWidth(320)
        self.search_edit.textChanged.connect(self._search_changed)
        self.refresh_button = QToolButton()
        self.refresh_button.setObjectName("ToolbarButton")
        self.refresh_button.setIcon(style.icon("refresh"))
        self.refresh_button.setIconSize(QSize(16, 16))
        self.refresh_button.setText("Refresh")
        self.refresh_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.refresh_button.setToolTip("Reload every workspace (F5)")
        self.refresh_button.clicked.connect(self.refreshRequested)
        header = QHBoxLayout()
        header.setContentsMargins(24, 18, 24, 10)
        header.setSpacing(10)
        header.addLayout(titles, 1)
        header.addWidget(self.search_edit, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignVCenter)

        # Scope line: what the table is limited to and how many rows show.
        self.scope_label = QLabel()
        self.scope_label.setObjectName("ScopeChip")
        self.count_label = QLabel()
        self.count_label.setObjectName("CountLabel")
        scope_row = QHBoxLayout()
        scope_row.setContentsMargins(24, 0, 24, 8)
        scope_row.setSpacing(10)
        scope_row.addWidget(self.scope_label)
        scope_row.addWidget(self.count_label)
        scope_row.addStretch(1)

        self.table = ModelVersionsTableView()
        self.table.setModel(self.proxy_model)
        self.table.apply_default_widths()
        self.table.sortByColumn(Column.STAGE, Qt.SortOrder.DescendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail_view = ModelVersionDetailView()
        self.detail_view.promoteRequested.connect(self.open_promote_dialog)
        self.detail_view.rollbackRequested.connect(self.roll_back_selected)
        self.detail_view.decideRequested.connect(self.decide_request)
        self.detail_view.executeRequested.connect(self.execute_request)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("ModelsSplitter")
        self.splitter.setChildrenCollapsible(False)
        table_frame = QWidget()
        table_frame.setObjectName("TableFrame")
        table_layout = QVBoxLayout(table_frame)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table)
        self.splitter.addWidget(table_frame)
        self.splitter.addWidget(self.detail_view)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setHandleWidth(1)
        self.splitter.setSizes([330, 420])

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.setSpacing(0)
        content_layout.addLayout(header)
        content_layout.addLayout(scope_row)
        content_layout.addWidget(self.splitter, 1)

        self.empty_state = EmptyStateView()
        self.stack = QStackedWidget()
        self.stack.addWidget(content)
        self.stack.addWidget(self.empty_state)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        # Ctrl+F is the main window's View → Find action (one shortcut, listed in the sheet).

        loader.configChanged.connect(self._config_changed)
        loader.workspaceLoaded.connect(self._workspace_loaded)
        loader.workspaceFailed.connect(self._workspace_failed)
        loader.loadStarted.connect(lambda _n: self._update_labels())
        loader.progressChanged.connect(lambda _d, _t: self._update_labels())
        loader.loadFinished.connect(self._load_finished)
        self.proxy_model.rowsInserted.connect(lambda *_: self._update_labels())
        self.proxy_model.rowsRemoved.connect(lambda *_: self._update_labels())
        self.proxy_model.modelReset.connect(self._update_labels)
        self.proxy_model.layoutChanged.connect(self._update_labels)
        self._config_changed(loader.config)

    # -- public API ---------------------------------------------------------------------------

    def is_loaded(self) -> bool:
        """True once the workspaces' current load has finished (or there is nothing to load)."""
        return not self._loader.is_loading and (
            self._loader.has_loaded or not self._loader.config.workspaces
        )

    @property
    def scope(self) -> Scope:
        """The stage/workspace the table is limited to."""
        return self._scope

    def set_scope(self, scope: Scope) -> None:
        """Limit the table to ``scope`` (from the navigator)."""
        self._scope = scope
        self.proxy_model.set_scope(scope.stage, scope.workspace)
        self._after_filter()

    def set_search(self, text: str) -> None:
        """Type ``text`` into the search box."""
        self.search_edit.setText(text)

    def focus_search(self) -> None:
        """Put the cursor into the search box."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def visible_versions(self) -> list[ModelVersion]:
        """The versions the table shows, in display order."""
        return [self.proxy_model.version_at(row) for row in range(self.proxy_model.rowCount())]

    def selected_version(self) -> ModelVersion | None:
        """The selected version, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy_model.version_at(rows[0].row()) if rows else None

    def select_version(self, key: tuple[str, str, str]) -> bool:
        """Select the row of the version with ``key``; False when it is not shown."""
        source_row = self.versions_model.row_of(key)
        if source_row < 0:
            return False
        index = self.proxy_model.mapFromSource(self.versions_model.index(source_row, 0))
        if not index.isValid():
            return False
        self._select_proxy_row(index.row())
        return True

    def select_row(self, row: int) -> None:
        """Select the ``row``-th visible row."""
        self._select_proxy_row(row)

    # -- loader events ------------------------------------------------------------------------

    def _config_changed(self, config: AppConfig) -> None:
        self.versions_model.remove_workspaces_not_in({ws.name for ws in config.workspaces})
        self.stack.setCurrentIndex(0 if config.workspaces else 1)
        self._update_labels()

    def _workspace_loaded(self, snapshot: WorkspaceSnapshot) -> None:
        with self._replacing_rows():
            self.versions_model.set_workspace_versions(snapshot.workspace, snapshot.versions)
        self._restore_selection()

    def _workspace_failed(self, name: str, _error: object) -> None:
        with self._replacing_rows():
            self.versions_model.remove_workspace(name)
        self._restore_selection()

    @contextlib.contextmanager
    def _replacing_rows(self) -> Iterator[None]:
        # Removing the selected row makes Qt select a neighbour; that is not the user's choice.
        self._rows_changing = True
        try:
            yield
        finally:
            self._rows_changing = False

    def _load_finished(self) -> None:
        self._update_labels()
        if self.selected_version() is None and self.proxy_model.rowCount():
            self._select_proxy_row(0)
        self.reload_requests()

    # -- selection ----------------------------------------------------------------------------

    def _select_proxy_row(self, row: int) -> None:
        index = self.proxy_model.index(row, 0)
        if not index.isValid():
            return
        flags = (
            self.table.selectionModel().SelectionFlag.ClearAndSelect
            | self.table.selectionModel().SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def _restore_selection(self) -> None:
        selected = self.selected_version()
        wanted = self._selected_key
        if wanted is not None and (selected is None or selected.key != wanted):
            self.select_version(wanted)
        self._refresh_detail()

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        version = self.selected_version()
        if self._rows_changing:
            return
        if version is not None:
            self._selected_key = version.key
        elif not self._loader.is_loading:
            self._selected_key = None
        self._refresh_detail()

    def _refresh_detail(self) -> None:
        version = self.selected_version()
        if version is None:
            if self.detail_view.version is not None:
                self.detail_view.set_version(None)
                self.selectedVersionChanged.emit(None)
            return
        lineage = lineage_by_stage(version, self.versions_model.versions())
        changed = self.detail_view.version != version
        self.detail_view.set_version(version, lineage)
        self._update_actions()
        if version.model != self._requests_model and not self._loader.is_loading:
            self.reload_requests()
        if changed:
            self.selectedVersionChanged.emit(version)

    # -- promotion ----------------------------------------------------------------------------

    def promote_state(self) -> promotion.ActionState:
        """The promote button's state for the selected version."""
        return promotion.promote_action(self.selected_version(), self._loader.config)

    def rollback_state(self) -> promotion.ActionState:
        """The rollback button's state for the selected version's stage."""
        return promotion.rollback_action(
            self.selected_version(), self.versions_model.versions(), self._loader.config
        )

    def _update_actions(self) -> None:
        if self._operation_running:
            self.detail_view.set_actions_busy(self._operation_running)
            return
        self.detail_view.set_actions(self.promote_state(), self.rollback_state())

    def open_promote_dialog(self) -> PromoteDialog | None:
        """Open the promote dialog for the selected version (None when not possible)."""
        version = self.selected_version()
        action = self.promote_state()
        if version is None or not action.enabled:
            return None
        dialog = PromoteDialog(self._pool, version, action, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.promotionFinished.connect(self._promotion_finished)
        dialog.promotionFailed.connect(self.errorOccurred)
        dialog.destroyed.connect(lambda _obj=None: self._dialog_gone(dialog))
        self.promote_dialog = dialog
        dialog.open()
        self.promoteDialogOpened.emit(dialog)
        return dialog

    def _dialog_gone(self, dialog: PromoteDialog) -> None:
        if self.promote_dialog is dialog:
            self.promote_dialog = None

    def _promotion_finished(self, result: OperationResult) -> None:
        outcome = promotion.outcome_of(result)
        self.infoPosted.emit(f"{outcome.kind.value.capitalize()}: {outcome.headline}")
        self._requests_model = None
        self.refreshRequested.emit()

    def roll_back_selected(self) -> None:
        """One click: the selected stage's previous champion takes traffic and alias back."""
        version = self.selected_version()
        action = self.rollback_state()
        if version is None or not action.enabled or self._operation_running:
            return
        self._operation_running = f"Rolling back {version.model} in {action.source}…"
        self._update_actions()
        worker = self._pool.submit(
            promotion.run_rollback,
            version.model,
            workspace=action.source,
            name=f"roll back {version.model}",
        )
        worker.signals.result.connect(self._rollback_result)
        worker.signals.error.connect(self.errorOccurred)
        worker.signals.finished.connect(self._operation_over)

    def _rollback_result(self, result: OperationResult) -> None:
        if result.ok:
            self.infoPosted.emit(f"Rolled back {result.model}: {result.target} serves again")
        else:
            self.infoPosted.emit(f"Rollback not done ({result.state.value}): {result.error}")

    def _operation_over(self) -> None:
        self._operation_running = ""
        self._update_actions()
        self._requests_model = None
        self.refreshRequested.emit()

    # -- approval requests --------------------------------------------------------------------

    def _request_workspaces(self) -> list[str]:
        # Every kind of workspace: Azure ML keeps requests as model container tags, as MLflow
        # keeps them as registered-model tags.
        return [
            ws.name
            for ws in self._loader.config.workspaces
            if self._loader.connection(ws.name).state is ConnectionState.ONLINE
        ]

    def reload_requests(self) -> None:
        """List the selected model's open approval requests (in a worker)."""
        version = self.selected_version()
        self._requests.begin()
        self._requests_model = version.model if version is not None else None
        names = self._request_workspaces()
        if version is None or not names:
            self.detail_view.set_requests([], current_identity())
            return
        worker = self._pool.submit(
            promotion.load_requests,
            self._loader.config,
            version.model,
            names,
            name=f"approval requests of {version.model}",
        )
        self._requests.track(worker)
        self._requests.connect(
            worker.signals.result,
            lambda rows: self.detail_view.set_requests(rows, current_identity()),
        )
        self._requests.connect(
            worker.signals.error,
            lambda error: self.detail_view.set_request_message(describe_error(error), error=True),
        )

    def decide_request(self, request_id: str, approve: bool) -> None:
        """Approve or reject a request; a refusal (e.g. your own request) is shown inline."""
        verb = "approved" if approve else "rejected"
        worker = self._pool.submit(
            promotion.decide_request,
            self._loader.config,
            request_id,
            approve=approve,
            name=f"decide {request_id}",
        )
        worker.signals.result.connect(
            lambda request: self._request_decided(f"Request {request.id} {verb}")
        )
        worker.signals.error.connect(
            lambda error: self.detail_view.set_request_message(describe_error(error), error=True)
        )

    def _request_decided(self, message: str) -> None:
        self.detail_view.set_request_message(message)
        self.infoPosted.emit(message)
        self.reload_requests()

    def execute_request(self, request_id: str) -> None:
        """Approve (if pending) and run the request's promotion."""
        if self._operation_running:
            return
        self._operation_running = f"Promoting (request {request_id})…"
        self._update_actions()
        self.detail_view.set_request_message(f"Approving and promoting {request_id}…")
        worker = self._pool.submit(
            promotion.approve_and_execute,
            self._loader.config,
            request_id,
            name=f"execute {request_id}",
        )
        worker.signals.result.connect(self._request_executed)
        worker.signals.error.connect(
            lambda error: self.detail_view.set_request_message(describe_error(error), error=True)
        )
        worker.signals.finished.connect(self._operation_over)

    def _request_executed(self, result: OperationResult) -> None:
        outcome = promotion.outcome_of(result)
        text = f"{outcome.kind.value.capitalize()}: {outcome.headline}"
        self.detail_view.set_request_message(
            text, error=outcome.kind is not promotion.OutcomeKind.PROMOTED
        )
        self.infoPosted.emit(text)

    # -- filtering and labels -----------------------------------------------------------------

    def _search_changed(self, text: str) -> None:
        self.proxy_model.set_search(text)
        self._after_filter()

    def _after_filter(self) -> None:
        nothing_selected = self.selected_version() is None and self.proxy_model.rowCount()
        if nothing_selected and (
            self._selected_key is None or not self.select_version(self._selected_key)
        ):
            self._select_proxy_row(0)
        self._refresh_detail()
        self._update_labels()

    def _update_labels(self) -> None:
        config = self._loader.config
        total = self.versions_model.rowCount()
        shown = self.proxy_model.rowCount()
        workspaces = len(config.workspaces)
        if self._loader.is_loading:
            loaded = sum(1 for ws in config.workspaces if ws.name in self._loader.snapshots())
            self.subtitle_label.setText(
                f"Loading {workspaces} workspace(s)… {loaded} answered so far"
            )
        else:
            stages = sorted(
                {stage for ws in config.workspaces for stage in ws.hosted_stages},
                key=lambda s: s.rank,
            )
            stage_text = " → ".join(s.value for s in stages) or "no stages"
            self.subtitle_label.setText(
                f"Registered model versions across {workspaces} workspace(s) · {stage_text}"
            )
        self.scope_label.setText(self._scope.label)
        self.count_label.setText(
            f"{shown} of {total} versions" if shown != total else f"{total} versions"
        )
        if shown:
            self.table.set_overlay("")
        elif self._loader.is_loading and not total:
            self.table.set_overlay("Loading model versions…")
        elif total:
            self.table.set_overlay("No model versions match the search or the chosen scope.")
        elif config.workspaces:
            self.table.set_overlay(
                "No model versions in these workspaces yet. Train and register a model "
                "(python -m mlops_desktop.pipelines.train --help), then press F5."
            )
        else:
            self.table.set_overlay("")
