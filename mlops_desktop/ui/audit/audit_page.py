"""The Audit page: the hash-chained record of every promotion, approval, rollback and traffic
change, newest first, with search, an action filter, the full record and a chain check.

Reading the log and verifying the chain run in workers (the latest request wins). The page
reads the log only while shown: whenever it is shown, and on a reload (F5) while shown.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.audit import AuditRecord, AuditVerification
from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.ui.audit.audit_table_model import (
    FROM_TO,
    OUTCOME,
    RECORD_ROLE,
    TIME,
    WHO,
    AuditFilterProxy,
    AuditModel,
)
from mlops_desktop.ui.audit.tasks_audit import (
    ACTION_FAMILIES,
    detail_html,
    load_audit_task,
    verification_text,
    verify_audit_task,
)
from mlops_desktop.ui.common.column_fit import ColumnFitter
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

ALL_ACTIONS = ""
_BANNER_COLORS = {
    "info": ("#F3F4F6", "#374151"),
    "ok": ("#DCFCE7", "#166534"),
    "bad": ("#FEE2E2", "#991B1B"),
}


def _banner_style(kind: str) -> str:
    background, color = _BANNER_COLORS[kind]
    return (
        f"QLabel#AuditBanner {{ background: {background}; color: {color}; "
        "border-radius: 6px; padding: 8px 12px; font-size: 13px; }"
    )


class AuditPage(QWidget):
    """The audit log as a filterable table with a detail pane and a "Verify chain" button.

    ``path`` overrides the log file (default: the app home's, read in the worker).
    """

    #: Emitted once the first listing is in (or failed).
    dataLoaded = Signal()
    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)
    #: A chain check finished (the :class:`AuditVerification`).
    verified = Signal(object)

    def __init__(
        self, pool: WorkerPool, parent: QWidget | None = None, *, path: Path | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AuditPage")
        self._pool = pool
        self._path = path
        self._loaded = False
        self._selected_seq: int | None = None
        self._verification: AuditVerification | None = None
        self._list_request = LatestRequest(self)
        self._verify_request = LatestRequest(self)
        self._build()

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("Audit")
        title.setObjectName("PageTitle")
        subtitle = QLabel(
            "Append-only, hash-chained record of every promotion, approval, rollback and "
            "traffic change: who, when, what, from, to, gate results."
        )
        subtitle.setObjectName("PageSubtitle")
        subtitle.setWordWrap(True)
        layout.addWidget(title)
        layout.addWidget(subtitle)

        toolbar = QHBoxLayout()
        self.search_edit = QLineEdit()
        self.search_edit.setAccessibleName("Search audit records")
        self.search_edit.setPlaceholderText("Search who, model, version, operation id…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(280)
        self.search_edit.textChanged.connect(self._filter_changed)
        toolbar.addWidget(self.search_edit)
        self.action_filter = QComboBox()
        self.action_filter.setAccessibleName("Action filter")
        self.action_filter.addItem("All actions", ALL_ACTIONS)
        for label, family in ACTION_FAMILIES:
            self.action_filter.addItem(label, family)
        # Sized by a short label, not the longest family, so the window's minimum width stays.
        self.action_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.action_filter.setMinimumContentsLength(8)
        self.action_filter.currentIndexChanged.connect(lambda _i: self._filter_changed())
        toolbar.addWidget(self.action_filter)
        self.count_label = QLabel("")
        self.count_label.setObjectName("CountLabel")
        toolbar.addWidget(self.count_label)
        toolbar.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setObjectName("PrimaryButton")
        self.verify_button.setToolTip(
            "Recompute every record's SHA-256 and check each links to the one before"
        )
        self.verify_button.clicked.connect(self.verify)
        toolbar.addWidget(self.refresh_button)
        toolbar.addWidget(self.verify_button)
        layout.addLayout(toolbar)

        self.banner = QLabel("Verify the chain to check that no record was edited or removed.")
        self.banner.setObjectName("AuditBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._set_banner("info", self.banner.text())
        layout.addWidget(self.banner)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("AuditSplitter")
        self.audit_model = AuditModel(self)
        self.proxy = AuditFilterProxy(self)
        self.proxy.setSourceModel(self.audit_model)
        self.table = QTableView()
        self.table.setObjectName("AuditTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TIME, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        # Contents-wide columns; when narrow, who / from → to / outcome elide, never a header.
        self.column_fitter = ColumnFitter(self.table, shrink=(WHO, FROM_TO, OUTCOME), grow=OUTCOME)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.splitter.addWidget(self.table)

        self.detail = QTextBrowser()
        self.detail.setObjectName("AuditDetail")
        self.detail.setOpenLinks(False)
        self.detail.setPlaceholderText("Select a record to see it in full.")
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([260, 420])
        layout.addWidget(self.splitter, 1)

    def _set_banner(self, kind: str, text: str) -> None:
        self.banner.setStyleSheet(_banner_style(kind))
        self.banner.setProperty("state", kind)
        self.banner.setText(text)

    # -- data ---------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the first listing finished loading (or failed to), and while the page is
        hidden: it reads the log only when shown, so a hidden page keeps nobody waiting."""
        return self._loaded or not self.isVisible()

    @property
    def verification(self) -> AuditVerification | None:
        """The last chain check (None before the first)."""
        return self._verification

    @property
    def banner_state(self) -> str:
        """``"info"`` before a check, then ``"ok"`` or ``"bad"``."""
        return str(self.banner.property("state"))

    def set_config(self, _config: AppConfig) -> None:
        """The configuration changed (F5, a reload): read the log again if the page is shown
        (a hidden page reads it when next shown)."""
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Reload the records in a worker (supersedes a running reload)."""
        self._list_request.begin()
        worker = self._pool.submit(load_audit_task, self._path, name="list audit records")
        self._list_request.track(worker)
        self._list_request.connect(worker.signals.result, self._on_records)
        self._list_request.connect(worker.signals.error, self._on_list_error)

    def _on_records(self, records: list[AuditRecord]) -> None:
        self.audit_model.set_records(records)
        self._update_count()
        self._keep_selection()
        self._mark_loaded()

    def _on_list_error(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.errorOccurred.emit(error)
        self._mark_loaded()

    def _mark_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.dataLoaded.emit()

    def _filter_changed(self) -> None:
        self.proxy.set_search(self.search_edit.text())
        self.proxy.set_action_family(str(self.action_filter.currentData() or ""))
        self._update_count()
        self._keep_selection()

    def _keep_selection(self) -> None:
        """Keep the selected record when it is still shown, else select the newest shown."""
        if self._selected_seq is not None and self._select_seq(self._selected_seq):
            return
        if self.proxy.rowCount():
            self.table.setCurrentIndex(self.proxy.index(0, 0))
            self.table.selectRow(0)
        else:
            self._show_record(None)

    def _update_count(self) -> None:
        total = self.audit_model.rowCount()
        shown = self.proxy.rowCount()
        noun = f"record{'s' if total != 1 else ''}"
        self.count_label.setText(
            f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}"
        )

    # -- selection ----------------------------------------------------------------------------

    def _select_seq(self, seq: int) -> bool:
        row = self.audit_model.row_of_seq(seq)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.audit_model.index(row, 0))
        if not index.isValid():
            return False
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self._show_record(self.audit_model.record_at(row))
        return True

    def select_record(self, seq: int) -> bool:
        """Select the record with ``seq`` (False when it is not shown)."""
        return self._select_seq(seq)

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record = current.data(RECORD_ROLE) if current.isValid() else None
        self._show_record(record)

    def selected_record(self) -> AuditRecord | None:
        """The record in the detail pane."""
        if self._selected_seq is None:
            return None
        row = self.audit_model.row_of_seq(self._selected_seq)
        return self.audit_model.record_at(row) if row >= 0 else None

    def _show_record(self, record: AuditRecord | None) -> None:
        self._selected_seq = record.seq if record is not None else None
        if record is None:
            self.detail.clear()
            return
        self.detail.setHtml(detail_html(record))

    # -- verification -------------------------------------------------------------------------

    def verify(self) -> None:
        """Check the whole chain in a worker; the banner shows the outcome."""
        self._verify_request.begin()
        self.verify_button.setEnabled(False)
        self._set_banner("info", "Verifying the hash chain…")
        worker = self._pool.submit(verify_audit_task, self._path, name="verify audit chain")
        self._verify_request.track(worker)
        self._verify_request.connect(worker.signals.result, self._on_verified)
        self._verify_request.connect(worker.signals.error, self._on_verify_error)

    def _on_verified(self, result: AuditVerification) -> None:
        self.verify_button.setEnabled(True)
        self._verification = result
        self._set_banner("ok" if result.ok else "bad", verification_text(result))
        if not result.ok and result.bad_seq is not None:
            self._select_seq(result.bad_seq)
        self.verified.emit(result)

    def _on_verify_error(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        if isinstance(error, Cancelled):
            return
        self._set_banner("bad", f"✘ Could not verify the chain: {error}")
        self.errorOccurred.emit(error)

    # -- visibility ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Reload whenever the page is shown."""
        super().showEvent(event)
        self.refresh()
