"""Table model of jobs across workspaces: status (coloured), workspace, model, trigger, times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from mlops_desktop.ports.jobs import kind_of
from mlops_desktop.retraining.jobs import Job, JobStatus
from mlops_desktop.ui.common.flat_table_model import FlatTableModel
from mlops_desktop.ui.jobs.tasks_jobs import format_duration
from mlops_desktop.ui.shell import style

STATUS_COLORS: dict[JobStatus, str] = {
    JobStatus.QUEUED: "#8C959F",
    JobStatus.RUNNING: "#2563EB",
    JobStatus.SUCCEEDED: "#16A34A",
    JobStatus.FAILED: "#DC2626",
    JobStatus.CANCELLED: "#D97706",
}
COLUMNS = (
    "Status",
    "Workspace",
    "Model",
    "Trigger",
    "Started",
    "Duration",
    "Exit code",
    "Run / new version",
    "Compute",
    "Job id",
)
STATUS, WORKSPACE, MODEL, TRIGGER, STARTED, DURATION, EXIT, RESULT, COMPUTE, JOB_ID = range(
    len(COLUMNS)
)
#: Role holding the raw sort key (numbers sort as numbers, missing values last).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role holding the row's :class:`Job`.
JOB_ROLE = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex


def _local_time(text: str | None) -> str:
    if not text:
        return ""
    try:
        return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return text


def job_status_text(job: Job) -> str:
    """The Status cell: the app's status, or the service's own word (its kind says which)."""
    return kind_of(job).status_text(job)


def job_model_name(job: Job) -> str:
    """The registered model a job trains (or its script when it registers none)."""
    return job.registered_model or job.spec.model or job.spec.script.rsplit("/", 1)[-1]


def job_compute(job: Job) -> str:
    """Where the job runs: the service's compute target, or this machine (``local``)."""
    return kind_of(job).compute(job)


def job_trigger(job: Job) -> str:
    """The trigger, "" for a service job that does not say (not every job has our tag)."""
    return kind_of(job).trigger_text(job)


def job_result(job: Job) -> str:
    """``"v4 · run 1a2b3c4d"``, whatever of the two is known."""
    parts = []
    if job.model_version:
        parts.append(f"v{job.model_version}")
    if job.run_id:
        parts.append(f"run {job.run_id[:8]}")
    return " · ".join(parts)


class JobsModel(FlatTableModel):
    """Rows are :class:`~mlops_desktop.retraining.jobs.Job` records, newest first."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []

    def set_jobs(self, jobs: list[Job]) -> None:
        """Show ``jobs``: the same rows in the same order update in place, else a reset."""
        jobs = list(jobs)
        if [j.id for j in jobs] == [j.id for j in self._jobs]:
            self._jobs = jobs
            if jobs:
                self.dataChanged.emit(self.index(0, 0), self.index(len(jobs) - 1, len(COLUMNS) - 1))
            return
        self.beginResetModel()
        self._jobs = jobs
        self.endResetModel()

    def update_job(self, job: Job) -> None:
        """Replace the row of ``job`` (same id) with this newer record."""
        row = self.row_of(job.id)
        if row >= 0:
            self._jobs[row] = job
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def jobs(self) -> list[Job]:
        """The rows."""
        return list(self._jobs)

    def job_at(self, row: int) -> Job:
        """The job of a source row."""
        return self._jobs[row]

    def row_of(self, job_id: str) -> int:
        """Source row of a job id, -1 when absent."""
        return next((i for i, j in enumerate(self._jobs) if j.id == job_id), -1)

    def row_total(self) -> int:
        """Number of jobs."""
        return len(self._jobs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, status colours, alignment, tooltips and sort keys."""
        if not index.isValid() or not (0 <= index.row() < len(self._jobs)):
            return None
        job = self._jobs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(job, column)
        if role == SORT_ROLE:
            return self._sort_key(job, column)
        if role == JOB_ROLE:
            return job
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS:
            return QColor(style.themed(STATUS_COLORS[job.status]))
        if role == Qt.ItemDataRole.DecorationRole and column == STATUS:
            return QColor(style.themed(STATUS_COLORS[job.status]))
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (DURATION, EXIT):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(job, column)
        return None

    @staticmethod
    def _display(job: Job, column: int) -> str:
        if column == STATUS:
            return job_status_text(job) + (
                " (cancelling)" if job.cancel_requested and not job.status.finished else ""
            )
        if column == WORKSPACE:
            return job.workspace
        if column == MODEL:
            return job_model_name(job)
        if column == TRIGGER:
            return job_trigger(job)
        if column == STARTED:  # empty until the job starts (creation is not a start)
            return _local_time(job.started_at)
        if column == DURATION:
            return format_duration(job.duration_seconds)
        if column == EXIT:
            return "" if job.exit_code is None else str(job.exit_code)
        if column == RESULT:
            return job_result(job)
        if column == COMPUTE:
            return job_compute(job)
        # Service jobs: the name their web UI and `jobs cancel JOB -w W` use.
        return kind_of(job).display_id(job)

    @staticmethod
    def _sort_key(job: Job, column: int) -> Any:
        if column == DURATION:
            duration = job.duration_seconds
            return float("inf") if duration is None else duration
        if column == EXIT:
            return float("inf") if job.exit_code is None else float(job.exit_code)
        if column == STARTED:
            return job.started_at or job.created_at
        return JobsModel._display(job, column)

    @staticmethod
    def _tooltip(job: Job, column: int) -> str:
        kind = kind_of(job)
        if column == TRIGGER:
            return kind.trigger_tooltip(job)
        if column == STATUS and job.error:
            return job.error
        if column == STATUS:
            return kind.status_tooltip(job)
        if column == RESULT and job.run_id:
            return f"MLflow run {job.run_id}"
        return ""
