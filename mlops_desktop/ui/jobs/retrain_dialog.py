"""The *Retrain…* dialog: workspace, model, data, model type, parameters and seed → a JobSpec.

For a local workspace the dialog only builds the request; the Jobs page submits it in a worker.
For an Azure ML workspace it re-runs a template command job (one of the recent completed ones)
with edited parameters, data inputs and compute: the dialog reads its choices and submits in
workers of the page's pool, shows failures inline and closes once Azure ML took the job
(:attr:`RetrainDialog.submitted_job`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.errors import Cancelled, InvalidInput
from mlops_desktop.ports.jobs import RerunRequest, SubmitMode
from mlops_desktop.ports.provider import ports_of
from mlops_desktop.retraining.jobs import Job, JobSpec
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.jobs.tasks_jobs import (
    parse_params,
    rerun_choices_task,
    rerun_request,
    submit_rerun_task,
    template_task,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

if TYPE_CHECKING:
    from mlops_desktop.ports.azure_jobs import AzureJob, RerunChoices

#: The sample pipeline's bundled datasets and their task (``pipelines.datasets.BUNDLED``; kept
#: here so the dialog opens without pandas; a test checks they agree).
BUNDLED_DATASETS: dict[str, str] = {
    "diabetes": "regression",
    "breast_cancer": "classification",
    "wine": "classification",
}
#: Model types per task (``pipelines.train.MODEL_TYPES``; a test checks they agree).
MODEL_TYPES: dict[str, tuple[str, ...]] = {
    "regression": ("random_forest", "gradient_boosting", "ridge", "elastic_net"),
    "classification": ("random_forest", "gradient_boosting", "logistic_regression"),
}
DEFAULT_MODEL = "diabetes-progression"
LOCAL_INTRO = (
    "Runs the sample training pipeline as a job in the workspace; the new version is "
    "registered there and the run is tracked in MLflow."
)
AZURE_INTRO = (
    "Re-runs a completed Azure ML command job (its code, environment and data) with the "
    "parameters, data and compute below; nothing is uploaded."
)
#: Columns of the Azure parameter table.
NAME_COLUMN, VALUE_COLUMN, KIND_COLUMN = 0, 1, 2
PARAMETER, DATA_INPUT = "parameter", "data input"


class RetrainDialog(QDialog):
    """Ask what to (re)train; :meth:`request` gives the workspace and the job spec."""

    def __init__(
        self,
        config: AppConfig,
        parent: QWidget | None = None,
        *,
        workspace: str | None = None,
        model: str | None = None,
        template: str | None = None,
        pool: WorkerPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RetrainDialog")
        self.setWindowTitle("Retrain a model")
        self.setMinimumWidth(560)
        self._config = config
        self._pool = pool if pool is not None else WorkerPool(self)
        #: The Azure ML job's record once Azure ML took it (Azure workspaces only).
        self.submitted_job: Job | None = None
        self._wanted_template = template
        self._choices: RerunChoices | None = None
        self._choices_for: str | None = None
        self._template: AzureJob | None = None
        #: Values typed over a template's, by name (kept across template changes and errors).
        self._edits: dict[str, str] = {}
        self._azure_busy = ""
        self._filling = False
        self._choices_request = LatestRequest(self)
        self._template_request = LatestRequest(self)
        self._submit_request = LatestRequest(self)

        self.intro = QLabel(LOCAL_INTRO)
        self.intro.setWordWrap(True)
        self.intro.setObjectName("PageSubtitle")

        self.workspace_combo = QComboBox()
        self.workspace_combo.setAccessibleName("Workspace")
        for ws in config.workspaces:
            stages = ", ".join(s.value for s in ws.hosted_stages)
            self.workspace_combo.addItem(f"{ws.name}  ({ws.backend.value}; {stages})", ws.name)
        if workspace:
            self.workspace_combo.setCurrentIndex(max(0, self.workspace_combo.findData(workspace)))

        self.model_edit = QLineEdit(model or DEFAULT_MODEL)
        self.model_edit.setAccessibleName("Registered model")
        self.model_edit.setPlaceholderText("registered model name")

        self.data_combo = QComboBox()
        self.data_combo.setEditable(True)
        self.data_combo.setAccessibleName("Training data")
        self.data_combo.addItems(list(BUNDLED_DATASETS))
        self.data_combo.setToolTip("a bundled dataset, or a CSV/Parquet file with a label column")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_combo, 1)
        data_row.addWidget(browse)
        self.target_edit = QLineEdit()
        self.target_edit.setPlaceholderText("label column (files only; default: target)")

        self.model_type_combo = QComboBox()
        self.model_type_combo.setAccessibleName("Model type")
        self.params_edit = QLineEdit()
        self.params_edit.setAccessibleName("Parameters")
        self.params_edit.setPlaceholderText("e.g. alpha=0.5, max_iter=500")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(42)

        # One form (labels aligned); rows of the other kind of workspace are hidden.
        self.form = form = QFormLayout()
        form.addRow("Workspace", self.workspace_combo)
        form.addRow("Model", self.model_edit)
        form.addRow("Data", data_row)
        form.addRow("Label column", self.target_edit)
        form.addRow("Model type", self.model_type_combo)
        form.addRow("Parameters", self.params_edit)
        form.addRow("Seed", self.seed_spin)
        self._local_rows: tuple[QWidget | QHBoxLayout, ...] = (
            self.model_edit,
            data_row,
            self.target_edit,
            self.model_type_combo,
            self.params_edit,
            self.seed_spin,
        )
        self._build_azure_rows(form)

        self.error_label = QLabel("")
        self.error_label.setObjectName("errorLabel")
        style.set_themed_style_sheet(self.error_label, "color: #DC2626;")
        self.error_label.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.submit_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.submit_button.setText("Submit job")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.data_combo.currentTextChanged.connect(self._data_changed)
        self.workspace_combo.currentIndexChanged.connect(lambda _i: self._workspace_changed())
        self.model_edit.textChanged.connect(lambda _t: self._validate())
        self.params_edit.textChanged.connect(lambda _t: self._validate())
        self._data_changed(self.data_combo.currentText())
        self._workspace_changed()

    def _build_azure_rows(self, form: QFormLayout) -> None:
        self.template_combo = QComboBox()
        self.template_combo.setAccessibleName("Template job")
        self.template_combo.setToolTip("the completed command job to re-run")
        self.template_label = QLabel("")
        self.template_label.setObjectName("TemplateDetail")
        style.set_themed_style_sheet(self.template_label, "color: #656D76;")
        self.param_table = QTableWidget(0, 3)
        self.param_table.setObjectName("AzureParameters")
        self.param_table.setAccessibleName("Parameters")
        self.param_table.setHorizontalHeaderLabels(["Name", "Value", "Kind"])
        self.param_table.verticalHeader().setVisible(False)
        self.param_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.param_table.horizontalHeader()
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VALUE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(KIND_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        self.param_table.setMinimumHeight(180)
        self.compute_combo = QComboBox()
        self.compute_combo.setAccessibleName("Compute")
        self.status_label = QLabel("")
        self.status_label.setObjectName("AzureStatus")
        self.status_label.setWordWrap(True)
        template_box = QVBoxLayout()
        template_box.setSpacing(2)
        template_box.addWidget(self.template_combo)
        template_box.addWidget(self.template_label)
        form.addRow("Template job", template_box)
        form.addRow("Parameters", self.param_table)
        form.addRow("Compute", self.compute_combo)
        form.addRow("", self.status_label)
        self._azure_rows: tuple[QWidget | QVBoxLayout, ...] = (
            template_box,
            self.param_table,
            self.compute_combo,
        )
        self.template_combo.currentIndexChanged.connect(lambda _i: self._template_changed())
        self.param_table.itemChanged.connect(self._param_edited)
        self.compute_combo.currentIndexChanged.connect(lambda _i: self._validate())

    # -- state --------------------------------------------------------------------------------

    def _data_changed(self, text: str) -> None:
        task = BUNDLED_DATASETS.get(text.strip())
        types = (
            MODEL_TYPES[task]
            if task
            else tuple(dict.fromkeys(t for ts in MODEL_TYPES.values() for t in ts))
        )
        previous = self.model_type_combo.currentText()
        self.model_type_combo.clear()
        self.model_type_combo.addItems(list(types))
        if previous in types:
            self.model_type_combo.setCurrentText(previous)
        self.target_edit.setEnabled(task is None)
        self._validate()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Training data", str(Path.home()), "Data (*.csv *.parquet);;All files (*)"
        )
        if path:
            self.data_combo.setEditText(path)

    def _validate(self) -> bool:
        if self.reruns_service_job():
            return self._validate_azure()
        self.submit_button.setToolTip("")
        try:
            self.request()
        except InvalidInput as exc:
            self.error_label.setText(str(exc))
            self.submit_button.setEnabled(False)
            return False
        self.error_label.setText("")
        self.submit_button.setEnabled(True)
        return True

    # -- Azure ML workspaces --------------------------------------------------------------------

    def reruns_service_job(self) -> bool:
        """True when the chosen workspace's jobs re-run a template job (Azure ML's do)."""
        try:
            workspace = self.workspace()
        except InvalidInput:
            return False
        return ports_of(workspace).job_kind.submit_mode is SubmitMode.RERUN

    def _workspace_changed(self) -> None:
        azure = self.reruns_service_job()
        for row in self._local_rows:
            self.form.setRowVisible(row, not azure)
        for row in self._azure_rows:
            self.form.setRowVisible(row, azure)
        self.form.setRowVisible(self.status_label, azure and bool(self._azure_busy))
        self.intro.setText(AZURE_INTRO if azure else LOCAL_INTRO)
        if azure and self.width() < 680:
            self.resize(680, max(self.height(), 520))
        if azure and self._choices_for != self.workspace().name:
            self._load_choices()
        self._validate()

    def _set_busy(self, text: str) -> None:
        self._azure_busy = text
        self.status_label.setText(text)
        self.form.setRowVisible(self.status_label, bool(text))

    def _load_choices(self) -> None:
        workspace = self.workspace()
        self._choices_for = workspace.name
        self._choices = None
        self._template = None
        self._template_request.begin()
        self._filling = True
        self.template_combo.clear()
        self.compute_combo.clear()
        self.param_table.setRowCount(0)
        self._filling = False
        self.template_label.setText("")
        self.error_label.setText("")
        self._set_busy(f"Reading jobs, computes and your permissions in {workspace.name}…")
        self._choices_request.begin()
        worker = self._pool.submit(rerun_choices_task, workspace, name="Azure ML retrain choices")
        self._choices_request.track(worker)
        self._choices_request.connect(worker.signals.result, self._on_choices)
        self._choices_request.connect(worker.signals.error, self._on_azure_error)

    def _on_choices(self, choices: RerunChoices) -> None:
        self._choices = choices
        self._filling = True
        self.template_combo.clear()
        for job in choices.templates:
            when = job.created_at.strftime("%Y-%m-%d %H:%M") if job.created_at else ""
            label = f"{job.display_name}  ({job.experiment}; {when})"
            self.template_combo.addItem(label, job.name)
            self.template_combo.setItemData(
                self.template_combo.count() - 1, job.name, Qt.ItemDataRole.ToolTipRole
            )
        wanted = self.template_combo.findData(self._wanted_template or "")
        self.template_combo.setCurrentIndex(max(0, wanted))
        self.compute_combo.clear()
        self.compute_combo.addItem("the template job's compute", "")
        for compute in choices.computes:
            details = ", ".join(p for p in (compute.compute_type, compute.size, compute.state) if p)
            self.compute_combo.addItem(f"{compute.name}  ({details})", compute.name)
        self._filling = False
        problems = "; ".join(choices.problems)
        if not choices.templates:
            self._set_busy("")
            self.error_label.setText(
                f"No completed command job in {self._choices_for} to retrain from: run a "
                "training job in the workspace first."
            )
            self._validate()
            return
        self._set_busy(problems)
        self._template_changed()

    def _template_changed(self) -> None:
        if self._filling or self._choices is None:
            return
        name = self.template_combo.currentData()
        if not name:
            return
        self._template = None
        self._set_busy(f"Reading job {name}…")
        self._validate()
        self._template_request.begin()
        worker = self._pool.submit(
            template_task, self.workspace(), str(name), name="Azure ML template job"
        )
        self._template_request.track(worker)
        self._template_request.connect(worker.signals.result, self._on_template)
        self._template_request.connect(worker.signals.error, self._on_azure_error)

    def _on_template(self, job: AzureJob) -> None:
        self._template = job
        self.template_label.setText(
            f"job {job.name} · experiment {job.experiment or '?'} · "
            f"compute {job.compute or '?'} · {job.status}"
        )
        rows = [(n, v, PARAMETER) for n, v in sorted(job.parameters.items())]
        rows += [(n, v, DATA_INPUT) for n, v in sorted(job.inputs.items())]
        self._filling = True
        self.param_table.setRowCount(len(rows))
        for row, (name, value, kind) in enumerate(rows):
            name_item = QTableWidgetItem(name)
            name_item.setFlags(name_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            kind_item = QTableWidgetItem(kind)
            kind_item.setFlags(kind_item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value_item = QTableWidgetItem(self._edits.get(name, value))
            value_item.setToolTip(f"template: {value}")
            self.param_table.setItem(row, NAME_COLUMN, name_item)
            self.param_table.setItem(row, VALUE_COLUMN, value_item)
            self.param_table.setItem(row, KIND_COLUMN, kind_item)
        self._filling = False
        self._set_busy("; ".join(self._choices.problems) if self._choices else "")
        self._validate()

    def _param_edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != VALUE_COLUMN:
            return
        name_item = self.param_table.item(item.row(), NAME_COLUMN)
        if name_item is not None:
            self._edits[name_item.text()] = item.text()
        self._validate()

    def set_parameter(self, name: str, value: str) -> None:
        """Type ``value`` into the row of ``name`` (tests, scripting)."""
        for row in range(self.param_table.rowCount()):
            item = self.param_table.item(row, NAME_COLUMN)
            if item is not None and item.text() == name:
                self.param_table.item(row, VALUE_COLUMN).setText(value)
                return
        raise InvalidInput(f"no parameter {name} in the table")

    def parameter_values(self) -> dict[str, str]:
        """The table's values by name, as typed."""
        values: dict[str, str] = {}
        for row in range(self.param_table.rowCount()):
            name, value = (self.param_table.item(row, c) for c in (NAME_COLUMN, VALUE_COLUMN))
            if name is not None and value is not None:
                values[name.text()] = value.text()
        return values

    def submit_blocked_reason(self) -> str:
        """Why Submit is off for permission reasons ("" when it is not)."""
        return self._choices.submit_blocked if self._choices else ""

    def azure_request(self) -> RerunRequest:
        """The Azure retraining the form describes (:class:`InvalidInput` if none yet)."""
        if self._template is None:
            raise InvalidInput("choose the template job to re-run")
        compute = self.compute_combo.currentData() or None
        return rerun_request(self._template, self.parameter_values(), compute)

    def _validate_azure(self) -> bool:
        blocked = self.submit_blocked_reason()
        self.submit_button.setToolTip(
            f"You may not submit jobs in {self._choices_for}: {blocked}" if blocked else ""
        )
        if self._template is None or self._azure_busy:
            self.submit_button.setEnabled(False)
            return False
        try:
            self.azure_request()
        except InvalidInput as exc:
            self.error_label.setText(describe_error(exc))
            self.submit_button.setEnabled(False)
            return False
        self.error_label.setText(
            f"You may not submit jobs in {self._choices_for}: {blocked}" if blocked else ""
        )
        self.submit_button.setEnabled(not blocked)
        return not blocked

    def _submit_azure(self) -> None:
        if not self._validate_azure():
            return
        request = self.azure_request()
        workspace = self.workspace()
        self._set_busy(f"Submitting a retraining job from {request.template}…")
        self.submit_button.setEnabled(False)
        self._submit_request.begin()
        worker = self._pool.submit(
            submit_rerun_task, workspace, request, name="submit Azure ML job"
        )
        self._submit_request.track(worker)
        self._submit_request.connect(worker.signals.result, self._on_submitted)
        self._submit_request.connect(worker.signals.error, self._on_azure_error)

    def _on_submitted(self, job: Job) -> None:
        self._set_busy("")
        self.submitted_job = job
        super().accept()

    def _on_azure_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self._set_busy("; ".join(self._choices.problems) if self._choices else "")
        self.error_label.setText(describe_error(error))
        self.submit_button.setEnabled(False)
        if self._template is not None:  # a submit failed: the form stays as typed, Submit on
            self._validate_azure()
            self.error_label.setText(describe_error(error))

    def done(self, result: int) -> None:
        """Drop the Azure workers' results once the dialog closes."""
        for request in (self._choices_request, self._template_request, self._submit_request):
            request.cancel()
        super().done(result)

    def workspace(self) -> WorkspaceConfig:
        """The chosen workspace; :class:`InvalidInput` when there is none."""
        name = self.workspace_combo.currentData()
        ws = next((w for w in self._config.workspaces if w.name == name), None)
        if ws is None:
            raise InvalidInput("add a workspace first (File → Add workspace…)")
        return ws

    def request(self) -> tuple[WorkspaceConfig, JobSpec]:
        """The workspace and the job spec the form describes (:class:`InvalidInput` if not)."""
        workspace = self.workspace()
        model = self.model_edit.text().strip()
        if not model:
            raise InvalidInput("name the registered model to train")
        data = self.data_combo.currentText().strip()
        if not data:
            raise InvalidInput("choose a bundled dataset or a data file")
        bundled = data in BUNDLED_DATASETS
        spec = JobSpec(
            model=model,
            data=data,
            params=parse_params(self.params_edit.text()),
            seed=self.seed_spin.value(),
            model_type=self.model_type_combo.currentText() or None,
            target=None if bundled else (self.target_edit.text().strip() or None),
        )
        return workspace, spec

    def accept(self) -> None:
        """Close only when the form is valid (Azure: once Azure ML took the job)."""
        if self.reruns_service_job():
            self._submit_azure()
        elif self._validate():
            super().accept()
