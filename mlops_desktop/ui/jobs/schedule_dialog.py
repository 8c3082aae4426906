"""The *New schedule…* dialog: a recurring retraining job in an Azure ML workspace.

A schedule re-runs one of the workspace's completed command jobs (code, environment, data) on
a cron expression (checked with croniter, the next runs shown as it is typed) or a simple
recurrence, in a time zone. The workspace's choices are read in a worker; *Create* runs in a
worker with progress, *Cancel* then stops waiting; failures show inline and nothing typed is lost.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Cancelled, InvalidInput
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.common.task_dialog_parts import DialogTask, TaskFooter, heading, stack
from mlops_desktop.ui.jobs.tasks_azure_schedules import (
    RECURRENCE_UNITS,
    TIME_ZONES,
    ScheduleChoices,
    ScheduleRequest,
    ScheduleRow,
    create_azure_schedule_task,
    schedule_choices_task,
)
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

INTRO = (
    "Azure ML re-runs a completed command job of the workspace (its code, environment and "
    "data) on this schedule, as a one-step pipeline job."
)


class NewScheduleDialog(QDialog):
    """Collects a :class:`ScheduleRequest` and creates it; emits ``created`` on success."""

    #: The new schedule's row, once Azure ML has it.
    created = Signal(object)

    def __init__(
        self,
        workspaces: list[WorkspaceConfig],
        pool: WorkerPool,
        *,
        workspace: str | None = None,
        blocked: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NewScheduleDialog")
        self.setWindowTitle("New schedule")
        self.setMinimumWidth(600)
        self._workspaces = list(workspaces)
        self._pool = pool
        self._blocked = dict(blocked or {})
        self._choices: ScheduleChoices | None = None
        self._choices_request = LatestRequest(self)
        #: The created schedule's row (None until created).
        self.created_row: ScheduleRow | None = None

        title, intro = heading("New retraining schedule", INTRO)

        self.workspace_combo = QComboBox()
        self.workspace_combo.setAccessibleName("Workspace")
        for ws in self._workspaces:
            self.workspace_combo.addItem(f"{ws.name} ({ws.stage_label})", ws.name)
        if workspace:
            self.workspace_combo.setCurrentIndex(max(0, self.workspace_combo.findData(workspace)))
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Schedule name")
        self.name_edit.setPlaceholderText("letters, digits, '-' and '_', e.g. churn-weekly")
        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName("Job to re-run")
        self.cron_radio = QRadioButton("Cron")
        self.every_radio = QRadioButton("Every")
        self.cron_radio.setChecked(True)
        self._trigger_group = QButtonGroup(self)
        self._trigger_group.addButton(self.cron_radio)
        self._trigger_group.addButton(self.every_radio)
        self.cron_edit = QLineEdit("0 3 * * 1")
        self.cron_edit.setAccessibleName("Cron expression")
        self.cron_edit.setToolTip("minute hour day-of-month month day-of-week, e.g. 0 3 * * 1")
        self.every_spin = QSpinBox()
        self.every_spin.setRange(1, 1000)
        self.every_spin.setAccessibleName("Recurrence interval")
        self.every_unit = QComboBox()
        self.every_unit.addItems([f"{u}(s)" for u in RECURRENCE_UNITS])
        self.every_unit.setCurrentIndex(RECURRENCE_UNITS.index("day"))
        self.every_unit.setAccessibleName("Recurrence unit")
        self.time_zone_combo = QComboBox()
        self.time_zone_combo.setEditable(True)
        self.time_zone_combo.addItems(list(TIME_ZONES))
        self.time_zone_combo.setAccessibleName("Time zone")
        self.compute_combo = QComboBox()
        self.compute_combo.setAccessibleName("Compute")
        self.display_name_edit = QLineEdit()
        self.display_name_edit.setPlaceholderText("optional")
        self.enabled_check = QCheckBox("Enabled (runs as soon as it is created)")
        self.enabled_check.setChecked(True)
        self.preview_label = QLabel("")
        self.preview_label.setObjectName("FieldCaption")
        self.preview_label.setWordWrap(True)

        cron_row = QHBoxLayout()
        cron_row.addWidget(self.cron_radio)
        cron_row.addWidget(self.cron_edit, 1)
        every_row = QHBoxLayout()
        every_row.addWidget(self.every_radio)
        every_row.addWidget(self.every_spin)
        every_row.addWidget(self.every_unit, 1)
        trigger_box = QVBoxLayout()
        trigger_box.setSpacing(4)
        trigger_box.addLayout(cron_row)
        trigger_box.addLayout(every_row)

        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Workspace", self.workspace_combo)
        form.addRow("Name", self.name_edit)
        form.addRow("Re-runs job", self.template_combo)
        form.addRow("Trigger", trigger_box)
        form.addRow("", self.preview_label)
        form.addRow("Time zone", self.time_zone_combo)
        form.addRow("Compute", self.compute_combo)
        form.addRow("Display name", self.display_name_edit)
        form.addRow("", self.enabled_check)

        footer = TaskFooter.build(self, "Create schedule")
        self.status_label = footer.status_label
        self.progress_bar = footer.progress_bar
        self.error_label = footer.error_label
        self.buttons = footer.buttons
        self.create_button = footer.ok_button
        stack(self, title, intro, form, *footer.widgets(), spacing=8)

        # While creating, the inline check leaves the error line as it is.
        self._create = DialogTask(
            self,
            footer,
            (
                self.workspace_combo,
                self.name_edit,
                self.template_combo,
                self.cron_radio,
                self.every_radio,
                self.cron_edit,
                self.every_spin,
                self.every_unit,
                self.time_zone_combo,
                self.compute_combo,
                self.display_name_edit,
                self.enabled_check,
            ),
            ok_text="Create schedule",
            busy_text="Creating…",
            stopped_text=(
                "Stopped waiting; Azure ML may still create the schedule (Refresh shows it)."
            ),
            revalidate=lambda running: self.validate(keep_error=running),
        )
        self.workspace_combo.currentIndexChanged.connect(lambda _i: self.load_choices())
        for edit in (self.name_edit, self.cron_edit, self.display_name_edit):
            edit.textChanged.connect(lambda _t: self.validate())
        self.time_zone_combo.editTextChanged.connect(lambda _t: self.validate())
        self._trigger_group.buttonToggled.connect(lambda *_: self.validate())
        self.every_spin.valueChanged.connect(lambda _v: self.validate())
        self.every_unit.currentIndexChanged.connect(lambda _i: self.validate())
        self.template_combo.currentIndexChanged.connect(lambda _i: self.validate())
        self.load_choices()

    # -- workspace choices --------------------------------------------------------------------

    def workspace(self) -> WorkspaceConfig | None:
        """The chosen workspace."""
        name = self.workspace_combo.currentData()
        return next((w for w in self._workspaces if w.name == name), None)

    def blocked_reason(self) -> str:
        """Why the identity may not create schedules in the chosen workspace ("" if it may)."""
        workspace = self.workspace()
        if workspace is None:
            return ""
        if self._choices is not None:
            return self._choices.blocked
        return self._blocked.get(workspace.name, "")

    def load_choices(self) -> None:
        """Read the chosen workspace's completed jobs, computes and permission in a worker."""
        workspace = self.workspace()
        self._choices = None
        self.template_combo.clear()
        self.compute_combo.clear()
        if workspace is None:
            self.status_label.setText("No Azure ML workspace is configured.")
            self.validate()
            return
        self.status_label.setText(f"Reading the completed jobs and computes of {workspace.name}…")
        self._choices_request.begin()
        worker = self._pool.submit(schedule_choices_task, workspace, name="schedule choices")
        self._choices_request.track(worker)
        self._choices_request.connect(worker.signals.result, self._on_choices)
        self._choices_request.connect(worker.signals.error, self._on_choices_error)
        self.validate()

    def _on_choices(self, choices: ScheduleChoices) -> None:
        self._choices = choices
        self.template_combo.blockSignals(True)
        for job in choices.templates:
            when = job.created_at.strftime("%Y-%m-%d %H:%M") if job.created_at else ""
            self.template_combo.addItem(f"{job.display_name}  ({job.experiment}; {when})", job.name)
        self.template_combo.blockSignals(False)
        self.compute_combo.addItem("the job's own compute", "")
        for compute in choices.computes:
            self.compute_combo.addItem(f"{compute.name}  ({compute.compute_type})", compute.name)
        if not choices.templates:
            self.status_label.setText("No completed command job here to re-run yet.")
        else:
            self.status_label.setText("; ".join(choices.problems))
        self.validate()

    def _on_choices_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.status_label.setText("")
        self.error_label.setText(f"Could not read the workspace: {describe_error(error)}")
        self.validate(keep_error=True)

    # -- the request --------------------------------------------------------------------------

    def request(self) -> ScheduleRequest:
        """The schedule the form describes, checked (:class:`InvalidInput` when it is not)."""
        unit = RECURRENCE_UNITS[self.every_unit.currentIndex()]
        every = f"{self.every_spin.value()} {unit}"
        cron = self.cron_edit.text().strip()
        return ScheduleRequest(
            name=self.name_edit.text().strip(),
            template=str(self.template_combo.currentData() or ""),
            cron=cron if self.cron_radio.isChecked() else None,
            every=None if self.cron_radio.isChecked() else every,
            time_zone=self.time_zone_combo.currentText().strip() or "UTC",
            compute=str(self.compute_combo.currentData() or "") or None,
            display_name=self.display_name_edit.text().strip() or None,
            enabled=self.enabled_check.isChecked(),
        ).check()

    def validate(self, *, keep_error: bool = False) -> bool:
        """Check the form inline; *Create* is on only for a complete, allowed request."""
        creating = self._create.running
        self.cron_edit.setEnabled(self.cron_radio.isChecked() and not creating)
        for widget in (self.every_spin, self.every_unit):
            widget.setEnabled(self.every_radio.isChecked() and not creating)
        blocked = self.blocked_reason()
        workspace = self.workspace()
        why = f"You may not create schedules in {workspace.name}: {blocked}" if blocked else ""
        self.create_button.setToolTip(why)
        error = ""
        try:
            request = self.request()
        except InvalidInput as exc:
            request = None
            shown = self.name_edit.text().strip() or exc_is_trigger(exc)
            loading = self._choices is None and "job the schedule re-runs" in exc.message
            error = describe_error(exc) if shown and not loading else ""
        self._show_preview(request)
        if not keep_error:
            self.error_label.setText(why or error)
        ok = request is not None and self._choices is not None and not blocked
        self.create_button.setEnabled(ok and not creating)
        return ok

    def _show_preview(self, request: ScheduleRequest | None) -> None:
        from mlops_desktop.ports.schedules import upcoming_cron_runs

        if request is None:
            self.preview_label.setText("")
        elif request.cron is not None:
            runs = upcoming_cron_runs(request.cron, request.time_zone, datetime.now(UTC))
            when = ", ".join(f"{r:%a %d %b %H:%M}" for r in runs)
            # A Windows zone name this app does not map: Azure ML still checks the name.
            self.preview_label.setText(
                f"Next runs: {when} ({request.time_zone})"
                if runs
                else f"Next runs not shown: time zone {request.time_zone!r} is not known here"
            )
        else:
            self.preview_label.setText(f"Every {request.every}, from when it is created")

    # -- create -------------------------------------------------------------------------------

    def accept(self) -> None:
        """Create the schedule in a worker; the dialog closes once Azure ML has it."""
        if self._create.running or not self.validate():
            return
        workspace = self.workspace()
        request = self.request()
        assert workspace is not None
        self._create.start(
            self._pool,
            create_azure_schedule_task,
            workspace,
            request,
            name="create Azure schedule",
            status=f"Creating schedule {request.name} in {workspace.name}…",
            on_result=self._on_created,
        )

    def _on_created(self, row: ScheduleRow) -> None:
        self.created_row = row
        self.created.emit(row)
        super().accept()

    def reject(self) -> None:
        """While creating: stop waiting (the dialog stays); otherwise close."""
        if self._create.stop_waiting():
            return
        self._choices_request.cancel()
        super().reject()


def exc_is_trigger(exc: InvalidInput) -> bool:
    """True for errors about the trigger or time zone (shown before a name is typed)."""
    return any(word in exc.message for word in ("cron", "recurrence", "time zone"))
