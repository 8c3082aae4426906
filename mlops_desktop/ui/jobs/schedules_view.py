"""The Jobs page's Azure ML schedules: what each Azure workspace runs by itself, and when.

One row per schedule (retraining jobs and model monitors): trigger (cron or recurrence) with
its time zone, enabled or not, what it creates and when it runs next. *Enable*, *Disable* and
*New schedule…* are off, with the missing Azure permission in the tooltip, where the signed-in
identity may not write schedules. Reads and writes run in workers; the latest read wins.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.ports.provider import schedule_workspaces
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.jobs.tasks_azure_schedules import (
    AzureSchedulesRead,
    ScheduleRow,
    creates_text,
    list_azure_schedules,
    next_run_text,
    switch_azure_schedule,
    trigger_text,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

COLUMNS = ("Workspace", "Schedule", "Trigger", "Time zone", "Enabled", "Creates", "Next run")
WORKSPACE, NAME, TRIGGER, TIME_ZONE, ENABLED, CREATES, NEXT_RUN = range(len(COLUMNS))
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


class AzureSchedulesView(QWidget):
    """Job and monitor schedules of the configured Azure ML workspaces."""

    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)
    #: Short news for the status bar.
    infoPosted = Signal(str)
    #: A read finished (or failed).
    loaded = Signal()

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AzureSchedulesView")
        self._pool = pool
        self._config = AppConfig()
        self._only: str | None = None
        self._rows: list[ScheduleRow] = []
        self._blocked: dict[str, str] = {}
        self._read = LatestRequest(self)
        self._action = LatestRequest(self)
        self._busy = False
        self._pending_select: tuple[str, str] | None = None
        self._build()
        self.setVisible(False)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(4)
        header = QHBoxLayout()
        title = QLabel("Azure ML schedules")
        title.setObjectName("SectionTitle")
        bold = title.font()
        bold.setBold(True)
        title.setFont(bold)
        header.addWidget(title)
        self.status_label = QLabel("")
        self.status_label.setObjectName("CountLabel")
        header.addWidget(self.status_label)
        self.problem_label = QLabel("")
        self.problem_label.setObjectName("AzureProblem")
        style.set_themed_style_sheet(self.problem_label, "color: #B45309;")
        self.problem_label.hide()
        header.addWidget(self.problem_label)
        header.addStretch(1)
        self.enable_button = QPushButton("Enable")
        self.enable_button.clicked.connect(lambda: self.switch_selected(True))
        self.disable_button = QPushButton("Disable")
        self.disable_button.clicked.connect(lambda: self.switch_selected(False))
        self.new_button = QPushButton("New schedule…")
        self.new_button.clicked.connect(self.open_new_dialog)
        for button in (self.enable_button, self.disable_button, self.new_button):
            header.addWidget(button)
        layout.addLayout(header)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("AzureSchedules")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        head = self.table.horizontalHeader()
        head.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        head.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self._update_buttons()

    def sizeHint(self) -> QSize:
        """Room for the header and a few rows: the job list and its log keep the rest."""
        rows = min(max(self.table.rowCount(), 3), 5)
        row_height = self.table.verticalHeader().defaultSectionSize()
        height = 48 + self.table.horizontalHeader().sizeHint().height() + rows * row_height
        return QSize(super().sizeHint().width(), height)

    # -- data ---------------------------------------------------------------------------------

    def set_config(self, config: AppConfig) -> None:
        """Use these workspaces (only the Azure ML ones have schedules here)."""
        self._config = config

    def workspaces(self) -> list[WorkspaceConfig]:
        """The Azure ML workspaces shown (all of them, or the page's filtered one)."""
        return schedule_workspaces(self._config, self._only)

    def rows(self) -> list[ScheduleRow]:
        """The schedules as last read, in table order."""
        return list(self._rows)

    def refresh(self, only: str | None = None) -> None:
        """Read the schedules again (of workspace ``only``, or all); hidden without Azure."""
        self._only = only
        workspaces = self.workspaces()
        self.setVisible(bool(workspaces))
        self._read.begin()
        if not workspaces:
            self._show(AzureSchedulesRead())
            return
        self.status_label.setText("reading…")
        worker = self._pool.submit(list_azure_schedules, workspaces, name="list Azure schedules")
        self._read.track(worker)
        self._read.connect(worker.signals.result, self._show)
        self._read.connect(worker.signals.error, self._read_failed)

    def _show(self, read: AzureSchedulesRead) -> None:
        selected = self.selected_row()
        wanted = self._pending_select or (selected.key if selected else None)
        self._pending_select = None
        self._rows = sorted(read.rows, key=lambda r: r.key)
        self._blocked = dict(read.blocked or {})
        self.table.setRowCount(len(self._rows))
        for n, row in enumerate(self._rows):
            self._fill(n, row)
        on = sum(1 for r in self._rows if r.schedule.enabled)
        self.status_label.setText(f"{len(self._rows)} schedule(s) · {on} enabled")
        self.problem_label.setVisible(bool(read.problems))
        self.problem_label.setText(
            f"{len(read.problems)} workspace(s) unreadable" if read.problems else ""
        )
        self.problem_label.setToolTip("\n".join(read.problems))
        if wanted is not None:
            self.select(*wanted)
        self._update_buttons()
        self.loaded.emit()

    def _fill(self, n: int, row: ScheduleRow) -> None:
        s = row.schedule
        values = (
            row.workspace,
            s.name,
            trigger_text(s),
            s.time_zone or "UTC",
            "yes" if s.enabled else "no",
            creates_text(s),
            next_run_text(row),
        )
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setData(KEY_ROLE, row.key)
            if column == NAME and s.description:
                item.setToolTip(s.description)
            self.table.setItem(n, column, item)

    def _read_failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.status_label.setText(f"could not read schedules: {describe_error(error)}")
        self.errorOccurred.emit(error)
        self.loaded.emit()

    # -- selection and buttons ----------------------------------------------------------------

    def select(self, workspace: str, name: str) -> bool:
        """Select a schedule's row; False when it is not listed."""
        for n, row in enumerate(self._rows):
            if row.key == (workspace, name):
                self.table.selectRow(n)
                return True
        return False

    def selected_row(self) -> ScheduleRow | None:
        """The selected schedule."""
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._rows):
            return None
        return self._rows[rows[0].row()]

    def _update_buttons(self) -> None:
        row = self.selected_row()
        blocked = row.write_blocked if row else ""
        why = (
            f"You may not change schedules in {row.workspace}: {blocked}" if row and blocked else ""
        )
        idle = not self._busy
        self.enable_button.setEnabled(
            idle and row is not None and not row.schedule.enabled and not blocked
        )
        self.disable_button.setEnabled(
            idle and row is not None and row.schedule.enabled and not blocked
        )
        for button in (self.enable_button, self.disable_button):
            button.setToolTip(why)
        allowed = [w.name for w in self.workspaces() if not self._blocked.get(w.name)]
        self.new_button.setEnabled(idle and bool(allowed))
        reasons = {w: r for w, r in self._blocked.items() if r}
        self.new_button.setToolTip(
            ""
            if allowed or not reasons
            else "You may not create schedules: "
            + "; ".join(f"{w}: {r}" for w, r in sorted(reasons.items()))
        )

    # -- actions ------------------------------------------------------------------------------

    def switch_selected(self, enable: bool) -> None:
        """Enable or disable the selected schedule in a worker."""
        row = self.selected_row()
        if row is None or row.write_blocked or row.schedule.enabled == enable:
            return
        workspace = self._config.workspace(row.workspace)
        verb = "Enabling" if enable else "Disabling"
        self._busy = True
        self._update_buttons()
        self.status_label.setText(f"{verb} {row.schedule.name}…")
        self._action.begin()
        worker = self._pool.submit(
            switch_azure_schedule, workspace, row.schedule.name, enable, name="switch schedule"
        )
        self._action.track(worker)
        self._action.connect(
            worker.signals.progress,
            lambda _d, _t, text: self.status_label.setText(text[:1].upper() + text[1:]),
        )
        self._action.connect(worker.signals.result, self._switched)
        self._action.connect(worker.signals.error, self._action_failed)

    def _switched(self, row: ScheduleRow) -> None:
        self._busy = False
        state = "enabled" if row.schedule.enabled else "disabled"
        self.infoPosted.emit(f"Schedule {row.schedule.name} ({row.workspace}) {state}")
        self._pending_select = row.key
        self.refresh(self._only)

    def _action_failed(self, error: BaseException) -> None:
        self._busy = False
        self._update_buttons()
        if isinstance(error, Cancelled):
            return
        self.status_label.setText(describe_error(error))
        self.errorOccurred.emit(error)

    def open_new_dialog(self) -> QDialog:
        """The *New schedule* dialog (non-blocking); a created schedule is selected."""
        from mlops_desktop.ui.jobs.schedule_dialog import NewScheduleDialog

        selected = self.selected_row()
        dialog = NewScheduleDialog(
            self.workspaces(),
            self._pool,
            workspace=selected.workspace if selected else None,
            blocked=self._blocked,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.created.connect(self._created)
        dialog.open()
        return dialog

    def _created(self, row: ScheduleRow) -> None:
        self.infoPosted.emit(f"Schedule {row.schedule.name} created in {row.workspace}")
        self._pending_select = row.key
        self.refresh(self._only)
