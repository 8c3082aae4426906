"""The *Create endpoint…* dialog: workspace, model and version from the registry, name, port.

The registry is read in a worker when the workspace changes (latest request wins); the dialog
only collects and validates. The page creates the endpoint in a worker with progress.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Cancelled, InvalidInput
from mlops_desktop.serving.layout import check_endpoint_name
from mlops_desktop.ui.common import task_dialog_parts as parts
from mlops_desktop.ui.common.backend_tasks import BackendOpener, describe_error
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

#: The port spin box's "choose for me" value.
AUTO_PORT = 1023


def suggested_name(model: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A free endpoint name derived from a model name ("prod.Churn_Model" → "churn-model",
    then "churn-model-2" when that is taken)."""
    base = model.rsplit(".", 1)[-1].lower()
    cleaned = "".join(c if c.isalnum() else "-" for c in base).strip("-")
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    if not cleaned or not cleaned[0].isalpha():
        cleaned = f"ep-{cleaned}".strip("-")
    name = cleaned[:32] or "endpoint"
    number = 2
    while name in taken:
        suffix = f"-{number}"
        name = cleaned[: 32 - len(suffix)] + suffix
        number += 1
    return name


class CreateEndpointDialog(QDialog):
    """Collects workspace, model, version, name and port; emits ``createRequested``."""

    #: (workspace, name, model, version or alias, port or None)
    createRequested = Signal(str, str, str, str, object)

    def __init__(
        self,
        workspaces: list[WorkspaceConfig],
        pool: WorkerPool,
        *,
        opener: BackendOpener | None = None,
        taken: dict[str, set[str]] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``taken``: endpoint names already used, by workspace (suggestions avoid them)."""
        super().__init__(parent)
        self.setObjectName("CreateEndpointDialog")
        self._taken = taken or {}
        self.setWindowTitle("Create endpoint")
        self.setMinimumWidth(520)
        self._pool = pool
        self._opener = opener
        self._request = LatestRequest(self)
        self._choices: list[tasks.ModelChoice] = []
        self._name_touched = False

        title, intro = parts.heading(
            "Create an endpoint",
            "Serves one registered model version at 100 % of traffic on a stable address "
            "(http://127.0.0.1:PORT). Add deployments and shift traffic later.",
        )

        self.workspace_combo = QComboBox()
        for workspace in workspaces:
            self.workspace_combo.addItem(f"{workspace.name} ({workspace.stage_label})", workspace)
        self.model_combo = QComboBox()
        self.version_combo = QComboBox()
        self.models_status = QLabel("")
        self.models_status.setObjectName("FieldCaption")
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("letters, digits and '-', e.g. churn-api")
        self.name_edit.textEdited.connect(self._name_edited)
        self.name_edit.textChanged.connect(self.validate)
        self.port_spin = QSpinBox()
        self.port_spin.setRange(AUTO_PORT, 65535)
        self.port_spin.setSpecialValueText("automatic (first free from 5001)")
        self.port_spin.setValue(AUTO_PORT)
        self.error_label = parts.error_label()

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Workspace", self.workspace_combo)
        form.addRow("Model", self.model_combo)
        form.addRow("Version", self.version_combo)
        form.addRow("", self.models_status)
        form.addRow("Name", self.name_edit)
        form.addRow("Port", self.port_spin)

        # No status line or bar here: the page creates the endpoint and shows its progress.
        self.buttons, self.create_button = parts.ok_cancel_buttons(self, "Create")
        parts.stack(self, title, intro, form, self.error_label, self.buttons, spacing=10)

        self.workspace_combo.currentIndexChanged.connect(lambda _i: self.load_models())
        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_changed())
        self.version_combo.currentIndexChanged.connect(lambda _i: self.validate())
        if workspaces:
            self.load_models()
        else:
            self.models_status.setText("No workspace here can serve local endpoints.")
        self.validate()

    # -- registry -----------------------------------------------------------------------------

    def workspace(self) -> WorkspaceConfig | None:
        """The chosen workspace."""
        data = self.workspace_combo.currentData()
        return data if isinstance(data, WorkspaceConfig) else None

    def load_models(self) -> None:
        """Read the chosen workspace's registered models in a worker."""
        workspace = self.workspace()
        if workspace is None:
            return
        self._request.begin()
        self.model_combo.clear()
        self.version_combo.clear()
        self.models_status.setText(f"Reading the registry of {workspace.name}…")
        worker = self._pool.submit(
            tasks.list_model_choices, workspace, self._opener, name="model choices"
        )
        self._request.track(worker)
        self._request.connect(worker.signals.result, self._on_models)
        self._request.connect(worker.signals.error, self._on_models_error)
        self.validate()

    def _on_models(self, choices: list[tasks.ModelChoice]) -> None:
        self._choices = list(choices)
        parts.show_model_choices(self.model_combo, self.models_status, choices)
        self._model_changed()

    def _on_models_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.models_status.setText(f"Could not read the registry: {describe_error(error)}")
        self.validate()

    def _model_changed(self) -> None:
        choice = self.model_combo.currentData()
        self.version_combo.clear()
        if isinstance(choice, tasks.ModelChoice):
            for alias, version in sorted(choice.aliases.items()):
                self.version_combo.addItem(f"@{alias} (version {version})", alias)
            for version in choice.versions:
                self.version_combo.addItem(f"version {version}", version)
            if not self._name_touched:
                workspace = self.workspace()
                taken = self._taken.get(workspace.name, set()) if workspace else set()
                self.name_edit.setText(suggested_name(choice.name, taken))
        self.validate()

    def _name_edited(self, _text: str) -> None:
        self._name_touched = True

    # -- result -------------------------------------------------------------------------------

    def values(self) -> tuple[str, str, str, str, int | None]:
        """(workspace, name, model, version, port) as entered."""
        workspace = self.workspace()
        port = self.port_spin.value()
        return (
            workspace.name if workspace is not None else "",
            self.name_edit.text().strip(),
            self.model_combo.currentText(),
            str(self.version_combo.currentData() or ""),
            None if port == AUTO_PORT else port,
        )

    def validate(self) -> bool:
        """Inline check; enables *Create* when everything is there."""
        workspace, name, model, version, _port = self.values()
        error = ""
        if name:
            try:
                check_endpoint_name(name)
            except InvalidInput as exc:
                error = exc.message
        if not error and name in self._taken.get(workspace, set()):
            error = f"workspace {workspace!r} already has an endpoint named {name!r}"
        ok = bool(workspace and name and model and version and not error)
        self.error_label.setText(error)
        self.create_button.setEnabled(ok)
        return ok

    def accept(self) -> None:
        """Emit ``createRequested`` and close (the page creates it in a worker)."""
        if not self.validate():
            return
        self.createRequested.emit(*self.values())
        super().accept()
