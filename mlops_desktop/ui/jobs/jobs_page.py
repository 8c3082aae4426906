"""The Jobs page: training and retraining jobs of every workspace, a live log, cancel, retrain.

Every read (the job list, a log tail) and every action (submit, cancel) runs in a worker; the
latest request wins. While the page is visible the list refreshes every few seconds; while the
selected job is active its log tail is polled every second.

Jobs a service runs (Azure ML workspaces) are listed beside the local ones, read less often
(each read is a few service calls, one page of jobs). What differs per job (status words, log
source, cancel rights) is read from its kind (``kind_of(job)``). A log the service holds is
filled by one worker that follows it until the job ends; a new selection (or closing the
window) cancels that worker.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QHideEvent, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.ports.jobs import LogSource, kind_of
from mlops_desktop.ports.provider import service_job_workspaces
from mlops_desktop.retraining.jobs import Job
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.jobs.jobs_table_model import (
    JOB_ROLE,
    SORT_ROLE,
    STARTED,
    STATUS_COLORS,
    JobsModel,
    job_model_name,
    job_result,
    job_status_text,
)
from mlops_desktop.ui.jobs.retrain_dialog import RetrainDialog
from mlops_desktop.ui.jobs.schedules_view import AzureSchedulesView
from mlops_desktop.ui.jobs.tasks_jobs import (
    LogTail,
    format_duration,
    list_jobs_task,
    submit_job_task,
    tail_log_task,
)
from mlops_desktop.ui.jobs.tasks_service_jobs import (
    LogText,
    ServiceJobsRead,
    cancel_job_task,
    follow_log_task,
    list_service_jobs,
)
from mlops_desktop.ui.shell import style, theme
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

#: Milliseconds between list refreshes while the page is visible.
REFRESH_MS = 3000
#: Milliseconds between log polls while the selected job is active.
LOG_POLL_MS = 1000
#: Milliseconds between reads of the Azure ML workspaces' jobs while the page is visible.
AZURE_REFRESH_MS = 30_000
ALL_WORKSPACES = ""


class JobsPage(QWidget):
    """Jobs across workspaces with a live log tail of the selected one."""

    #: Emitted once the first job list is in (or failed).
    dataLoaded = Signal()
    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)
    #: Short news for the status bar ("job … submitted").
    infoPosted = Signal(str)
    #: A job was submitted from the page (the new record).
    jobSubmitted = Signal(object)

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobsPage")
        self._pool = pool
        self._config = AppConfig()
        self._loaded = False
        self._selected_id: str | None = None
        self._pending_select: str | None = None
        self._list_request = LatestRequest(self)
        self._log_request = LatestRequest(self)
        self._action_request = LatestRequest(self)
        self._log_busy = False
        self._azure_request = LatestRequest(self)
        self._local_jobs: list[Job] = []
        self._azure_jobs: list[Job] = []
        self._build()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.log_timer = QTimer(self)
        self.log_timer.setInterval(LOG_POLL_MS)
        self.log_timer.timeout.connect(self._poll_log)
        self.azure_timer = QTimer(self)
        self.azure_timer.setInterval(AZURE_REFRESH_MS)
        self.azure_timer.timeout.connect(self.refresh_azure)

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("Jobs")
        title.setObjectName("PageTitle")
        subtitle = QLabel(
            "Training and retraining jobs of every workspace: status, logs, cancel, retrain."
        )
        subtitle.setObjectName("PageSubtitle")
        layout.addWidget(title)
        layout.addWidget(subtitle)

        toolbar = QHBoxLayout()
        self.workspace_filter = QComboBox()
        self.workspace_filter.setAccessibleName("Workspace filter")
        self.workspace_filter.addItem("All workspaces", ALL_WORKSPACES)
        self.workspace_filter.currentIndexChanged.connect(lambda _i: self.refresh_all())
        toolbar.addWidget(self.workspace_filter)
        self.count_label = QLabel("")
        self.count_label.setObjectName("CountLabel")
        toolbar.addWidget(self.count_label)
        self.azure_problem_label = QLabel("")
        self.azure_problem_label.setObjectName("AzureProblem")
        style.set_themed_style_sheet(self.azure_problem_label, "color: #B45309;")
        self.azure_problem_label.setVisible(False)
        toolbar.addWidget(self.azure_problem_label)
        toolbar.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh_all)
        self.cancel_button = QPushButton("Cancel job")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.retrain_button = QPushButton("Retrain…")
        self.retrain_button.setObjectName("PrimaryButton")
        self.retrain_button.clicked.connect(self.open_retrain_dialog)
        for button in (self.refresh_button, self.cancel_button, self.retrain_button):
            toolbar.addWidget(button)
        layout.addLayout(toolbar)

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("JobsSplitter")
        self.jobs_model = JobsModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.jobs_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("JobsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(STARTED, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.splitter.addWidget(self.table)

        log_panel = QWidget()
        log_layout = QVBoxLayout(log_panel)
        log_layout.setContentsMargins(0, 6, 0, 0)
        self.detail_label = QLabel("Select a job to see its log.")
        self.detail_label.setObjectName("JobDetail")
        self.detail_label.setStyleSheet("QLabel#JobDetail { font-size: 13px; }")
        self.detail_label.setTextFormat(Qt.TextFormat.RichText)
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.detail_label.setOpenExternalLinks(True)
        log_layout.addWidget(self.detail_label)
        theme.manager().changed.connect(self._on_theme_changed)  # the detail's colours
        self.log_view = QPlainTextEdit()
        self.log_view.setObjectName("JobLog")
        self.log_view.setReadOnly(True)
        self.log_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.log_view.setPlaceholderText("The job's log appears here.")
        log_layout.addWidget(self.log_view, 1)
        self.splitter.addWidget(log_panel)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([260, 420])
        # Azure ML workspaces' schedules (hidden when no Azure workspace is configured).
        self.schedules_view = AzureSchedulesView(self._pool)
        self.schedules_view.errorOccurred.connect(self.errorOccurred)
        self.schedules_view.infoPosted.connect(self.infoPosted)
        self.splitter.addWidget(self.schedules_view)
        layout.addWidget(self.splitter, 1)

    # -- data ---------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the first job list finished loading (or failed to)."""
        return self._loaded

    @property
    def selected_job_id(self) -> str | None:
        """The id of the job whose log is shown."""
        return self._selected_id

    def set_config(self, config: AppConfig) -> None:
        """Use these workspaces (filter and the Retrain dialog); reloads the list."""
        self._config = config
        self.schedules_view.set_config(config)
        current = self.workspace_filter.currentData()
        self.workspace_filter.blockSignals(True)
        self.workspace_filter.clear()
        self.workspace_filter.addItem("All workspaces", ALL_WORKSPACES)
        for ws in config.workspaces:
            self.workspace_filter.addItem(ws.name, ws.name)
        self.workspace_filter.setCurrentIndex(max(0, self.workspace_filter.findData(current)))
        self.workspace_filter.blockSignals(False)
        self.refresh_all()

    def refresh_all(self) -> None:
        """Reload local and Azure ML jobs (and the Azure ML schedules)."""
        self.refresh()
        self.refresh_azure()
        self.schedules_view.refresh(self.workspace_filter.currentData() or None)

    def refresh(self) -> None:
        """Reload the job list in a worker (supersedes a running reload)."""
        self._list_request.begin()
        workspace = self.workspace_filter.currentData() or None
        worker = self._pool.submit(list_jobs_task, workspace=workspace, name="list jobs")
        self._list_request.track(worker)
        self._list_request.connect(worker.signals.result, self._on_jobs)
        self._list_request.connect(worker.signals.error, self._on_list_error)

    def refresh_azure(self) -> None:
        """Re-read the Azure ML workspaces' jobs in a worker (supersedes a running read)."""
        self._azure_request.begin()
        workspaces = service_job_workspaces(
            self._config, self.workspace_filter.currentData() or None
        )
        if not workspaces:
            self._on_azure_jobs(ServiceJobsRead())
            return
        worker = self._pool.submit(list_service_jobs, workspaces, name="list Azure ML jobs")
        self._azure_request.track(worker)
        self._azure_request.connect(worker.signals.result, self._on_azure_jobs)
        self._azure_request.connect(worker.signals.error, self._on_list_error)

    def _on_azure_jobs(self, read: ServiceJobsRead) -> None:
        self._azure_jobs = list(read.jobs)
        self.azure_problem_label.setVisible(bool(read.problems))
        self.azure_problem_label.setText(
            f"{len(read.problems)} Azure workspace(s) unreadable" if read.problems else ""
        )
        self.azure_problem_label.setToolTip("\n".join(read.problems))
        if self._loaded:  # else the local list (still coming) shows both
            self._show_jobs()

    def _on_jobs(self, jobs: list[Job]) -> None:
        self._local_jobs = list(jobs)
        self._show_jobs()

    def _show_jobs(self) -> None:
        jobs = self._local_jobs + self._azure_jobs
        self.jobs_model.set_jobs(jobs)
        running = sum(1 for j in jobs if not j.status.finished)
        text = f"{len(jobs)} job{'s' if len(jobs) != 1 else ''}"
        self.count_label.setText(text + (f" · {running} active" if running else ""))
        pending = self._pending_select
        if pending is not None and self.jobs_model.row_of(pending) >= 0:
            self._pending_select = None
            self.select_job(pending)
        elif self._selected_id is not None and self.jobs_model.row_of(self._selected_id) >= 0:
            self._reselect(self._selected_id)
        elif jobs:
            self.select_job(self._first_visible_id())
        else:
            self._show_job(None)
        self._mark_loaded()

    def _on_list_error(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.errorOccurred.emit(error)
        self._mark_loaded()

    def _mark_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.dataLoaded.emit()

    def _first_visible_id(self) -> str:
        source = self.proxy.mapToSource(self.proxy.index(0, 0))
        return self.jobs_model.job_at(source.row()).id

    # -- selection and log --------------------------------------------------------------------

    def select_job(self, job_id: str) -> None:
        """Select a job's row and show its log."""
        row = self.jobs_model.row_of(job_id)
        if row < 0:
            return
        proxy_index = self.proxy.mapFromSource(self.jobs_model.index(row, 0))
        self.table.setCurrentIndex(proxy_index)
        self.table.selectRow(proxy_index.row())
        if self._selected_id != job_id:  # the row was current already
            self._show_job(self.jobs_model.job_at(row))

    def _reselect(self, job_id: str) -> None:
        row = self.jobs_model.row_of(job_id)
        proxy_index = self.proxy.mapFromSource(self.jobs_model.index(row, 0))
        if self.table.currentIndex().row() != proxy_index.row():
            blocker = self.table.selectionModel().blockSignals(True)
            self.table.setCurrentIndex(proxy_index)
            self.table.selectRow(proxy_index.row())
            self.table.selectionModel().blockSignals(blocker)
        self._update_detail(self.jobs_model.job_at(row))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        job = current.data(JOB_ROLE) if current.isValid() else None
        if job is None or job.id != self._selected_id:
            self._show_job(job)

    def selected_job(self) -> Job | None:
        """The selected job as last read."""
        if self._selected_id is None:
            return None
        row = self.jobs_model.row_of(self._selected_id)
        return self.jobs_model.job_at(row) if row >= 0 else None

    def _on_theme_changed(self, _palette: object) -> None:
        job = self.selected_job()
        if job is not None:
            self._update_detail(job)

    def _show_job(self, job: Job | None) -> None:
        self._selected_id = job.id if job is not None else None
        self._log_request.begin()
        self._log_busy = False
        self.log_view.clear()
        self.log_view.setPlaceholderText("The job's log appears here.")
        if job is None:
            self.detail_label.setText("Select a job to see its log.")
            self.cancel_button.setEnabled(False)
            self.cancel_button.setToolTip("")
            self.log_timer.stop()
            return
        self._update_detail(job)
        self._poll_log()

    def _update_detail(self, job: Job) -> None:
        color = style.themed(STATUS_COLORS[job.status])
        kind = kind_of(job)
        parts = [
            f"<b>{_escape(job_model_name(job))}</b> in <b>{job.workspace}</b>",
            f"<span style='color:{color}'>● {job_status_text(job)}</span>",
        ]
        if kind.runs_on:
            parts.append(f"{kind.runs_on} on {_escape(kind.compute(job) or '?')}")
        if kind.trigger_text(job):
            parts.append(f"trigger {job.trigger.value}")
        if job.duration_seconds is not None:
            parts.append(format_duration(job.duration_seconds))
        result = job_result(job)
        if result:
            parts.append(result)
        muted = style.themed("#656D76")
        parts.append(f"<span style='color:{muted}'>job {_escape(job.id)}</span>")
        url = kind.studio_url(job)
        if url:
            parts.append(f"<a href='{_escape(url)}'>open in Azure ML Studio</a>")
        text = " · ".join(parts)
        if job.error:
            red = style.themed("#DC2626")
            text += f"<br><span style='color:{red}'>{_escape(job.error)}</span>"
        self.detail_label.setText(text)
        blocked = kind.cancel_blocked(job)
        self.cancel_button.setEnabled(
            not job.status.finished and not job.cancel_requested and not blocked
        )
        # Why Cancel is off when the identity lacks the Azure RBAC action.
        self.cancel_button.setToolTip(
            f"You may not cancel this Azure ML job: {blocked}" if blocked else ""
        )
        # A followed log's worker reads the status on its own; only tailed logs are polled.
        if job.status.finished or kind.log_source is not LogSource.TAIL:
            self.log_timer.stop()
        elif self.isVisible() and not self.log_timer.isActive():
            self.log_timer.start()

    def _poll_log(self) -> None:
        if self._selected_id is None or self._log_busy:
            return
        self._log_busy = True
        job = self.selected_job()
        if job is not None and kind_of(job).log_source is LogSource.FOLLOW:
            self._follow_azure_log(job)
            return
        worker = self._pool.submit(tail_log_task, self._selected_id, name="job log")
        self._log_request.track(worker)
        self._log_request.connect(worker.signals.result, self._on_log)
        self._log_request.connect(worker.signals.error, self._on_log_error)

    def _on_log(self, tail: LogTail) -> None:
        self._log_busy = False
        if tail.job.id != self._selected_id:
            return
        text = "\n".join(tail.lines)
        if text != self.log_view.toPlainText():
            bar = self.log_view.verticalScrollBar()
            at_end = bar.value() >= bar.maximum() - 2
            self.log_view.setPlainText(text)
            if at_end:
                bar.setValue(bar.maximum())
        self.jobs_model.update_job(tail.job)
        self._update_detail(tail.job)

    def _on_log_error(self, error: BaseException) -> None:
        self._log_busy = False
        self.log_timer.stop()
        if not isinstance(error, Cancelled):
            self.errorOccurred.emit(error)

    def _follow_azure_log(self, job: Job) -> None:
        """One worker reads the log and follows it until the job ends (the view fills as it)."""
        self.log_view.clear()  # the worker starts from the log's beginning
        self.log_view.setPlaceholderText("Reading the log from Azure ML…")
        worker = self._pool.submit(follow_log_task, self._config, job, name="Azure job log")
        self._log_request.track(worker)
        self._log_request.connect(worker.signals.partial, self._on_azure_log_text)
        self._log_request.connect(worker.signals.result, self._on_azure_log_end)
        self._log_request.connect(worker.signals.error, self._on_azure_log_error)

    def _on_azure_log_text(self, piece: LogText) -> None:
        if piece.job_id != self._selected_id:
            return
        bar = self.log_view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 2
        # Append through a cursor of its own: the reader's selection and position stay.
        cursor = QTextCursor(self.log_view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(piece.text)
        if at_end:
            bar.setValue(bar.maximum())

    def _on_azure_log_end(self, job: Job) -> None:
        self._log_busy = False
        self.log_view.setPlaceholderText("This job has written no log.")
        self.jobs_model.update_job(job)
        if job.id == self._selected_id:
            self._update_detail(job)

    def _on_azure_log_error(self, error: BaseException) -> None:
        self._log_busy = False
        if isinstance(error, Cancelled):
            return
        if not isinstance(error, MlopsError):
            self.errorOccurred.emit(error)
        # Shown where the log would be (e.g. no permission to read the run history).
        message = f"Cannot read this job's log: {describe_error(error)}"
        if self.log_view.document().isEmpty():
            self.log_view.setPlaceholderText(message)
        else:
            self.log_view.appendPlainText(f"[{message}]")

    # -- actions ------------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        """Cancel the selected (active) job in a worker."""
        job = self.selected_job()
        if job is None or job.status.finished:
            return
        self.cancel_button.setEnabled(False)
        worker = self._pool.submit(cancel_job_task, self._config, job, name="cancel job")
        worker.signals.result.connect(self._on_cancelled)
        worker.signals.error.connect(self._on_action_error)
        self.infoPosted.emit(f"Cancelling job {job.id}…")

    def _on_cancelled(self, job: Job) -> None:
        self.jobs_model.update_job(job)
        self.infoPosted.emit(f"Job {job.id} {job.status.value}")
        if job.id == self._selected_id:
            self._update_detail(job)
            self._poll_log()
        self.refresh_all()

    def open_retrain_dialog(self) -> RetrainDialog:
        """Open the *Retrain…* dialog (non-blocking); an accepted form is submitted."""
        selected = self.selected_job()
        # A service job selected: offer it as the template (when it is a completed command job).
        template = kind_of(selected).template_name(selected) if selected is not None else None
        dialog = RetrainDialog(
            self._config,
            self,
            workspace=selected.workspace if selected else None,
            model=(selected.registered_model or selected.spec.model) if selected else None,
            template=template,
            pool=self._pool,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda result: self._retrain_closed(dialog, result))
        dialog.open()
        return dialog

    def _retrain_closed(self, dialog: RetrainDialog, result: int) -> None:
        if result != QDialog.DialogCode.Accepted:
            return
        if dialog.submitted_job is not None:  # Azure ML: the dialog submitted it already
            self._on_azure_submitted(dialog.submitted_job)
            return
        workspace, spec = dialog.request()
        self.submit(workspace, spec)

    def submit(self, workspace: object, spec: object) -> None:
        """Submit a job (``WorkspaceConfig``, ``JobSpec``) in a worker, then select it."""
        self._action_request.begin()
        worker = self._pool.submit(submit_job_task, workspace, spec, name="submit job")
        self._action_request.track(worker)
        self._action_request.connect(worker.signals.result, self._on_submitted)
        self._action_request.connect(worker.signals.error, self._on_action_error)
        self.retrain_button.setEnabled(False)

    def _on_submitted(self, job: Job) -> None:
        self.retrain_button.setEnabled(True)
        self._pending_select = job.id
        self.infoPosted.emit(f"Job {job.id} submitted ({job.status.value})")
        self.jobSubmitted.emit(job)
        self.refresh()

    def _on_azure_submitted(self, job: Job) -> None:
        """Show the new Azure ML job at once (and select it), then re-read Azure's list."""
        self._azure_jobs = [job, *(j for j in self._azure_jobs if j.id != job.id)]
        self._pending_select = job.id
        self.infoPosted.emit(f"Azure ML job {kind_of(job).display_id(job)} submitted")
        self.jobSubmitted.emit(job)
        self._show_jobs()
        self.refresh_azure()

    def _on_action_error(self, error: BaseException) -> None:
        self.retrain_button.setEnabled(True)
        job = self.selected_job()
        if job is not None:
            self._update_detail(job)
        if not isinstance(error, Cancelled):
            self.errorOccurred.emit(error)

    # -- visibility ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh now and every few seconds while visible; resume the log poll."""
        super().showEvent(event)
        self.refresh_timer.start()
        self.azure_timer.start()
        if self._loaded:
            self.refresh_all()
        job = self.selected_job()
        if (
            job is not None
            and not job.status.finished
            and kind_of(job).log_source is LogSource.TAIL
        ):
            self.log_timer.start()  # a followed log's worker follows it on its own

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop polling while hidden."""
        super().hideEvent(event)
        self.refresh_timer.stop()
        self.azure_timer.stop()
        self.log_timer.stop()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
