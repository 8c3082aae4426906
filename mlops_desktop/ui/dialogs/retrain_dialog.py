"""The *Retrain…* dialog: workspace, model, data, model type, parameters and seed → a JobSpec.

The dialog only builds the request; the Jobs page submits it in a worker.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.retraining.jobs import JobSpec
from mlops_desktop.ui.tasks_jobs import parse_params

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


class RetrainDialog(QDialog):
    """Ask what to (re)train; :meth:`request` gives the workspace and the job spec."""

    def __init__(
        self,
        config: AppConfig,
        parent: QWidget | None = None,
        *,
        workspace: str | None = None,
        model: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RetrainDialog")
        self.setWindowTitle("Retrain a model")
        self.setMinimumWidth(520)
        self._config = config

        intro = QLabel(
            "Runs the sample training pipeline as a job in the workspace; the new version is "
            "registered there and the run is tracked in MLflow."
        )
        intro.setWordWrap(True)
        intro.setObjectName("PageSubtitle")

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

        form = QFormLayout()
        form.addRow("Workspace", self.workspace_combo)
        form.addRow("Model", self.model_edit)
        form.addRow("Data", data_row)
        form.addRow("Label column", self.target_edit)
        form.addRow("Model type", self.model_type_combo)
        form.addRow("Parameters", self.params_edit)
        form.addRow("Seed", self.seed_spin)

        self.error_label = QLabel("")
        self.error_label.setObjectName("errorLabel")
        self.error_label.setStyleSheet("color: #DC2626;")
        self.error_label.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.submit_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.submit_button.setText("Submit job")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        self.data_combo.currentTextChanged.connect(self._data_changed)
        self.workspace_combo.currentIndexChanged.connect(lambda _i: self._validate())
        self.model_edit.textChanged.connect(lambda _t: self._validate())
        self.params_edit.textChanged.connect(lambda _t: self._validate())
        self._data_changed(self.data_combo.currentText())

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
        try:
            self.request()
        except InvalidInput as exc:
            self.error_label.setText(str(exc))
            self.submit_button.setEnabled(False)
            return False
        self.error_label.setText("")
        self.submit_button.setEnabled(True)
        return True

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
        """Close only when the form is valid."""
        if self._validate():
            super().accept()
