"""The *Add workspace…* dialog: name, stage and kind; validated inline, nothing is lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig, load_config, save_config
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.stages import STAGE_ORDER, Stage
from mlops_desktop.ui.workspace_form import (
    ALL_STAGES,
    AZURE_UNAVAILABLE_REASON,
    WorkspaceForm,
    WorkspaceFormError,
    WorkspaceKind,
    add_workspace,
)

ConfigLoader = Callable[[], AppConfig]
ConfigSaver = Callable[[AppConfig], Path]

_KIND_CAPTIONS = {
    WorkspaceKind.LOCAL_MLFLOW: "SQLite + artifacts in the app's data folder; no server needed",
    WorkspaceKind.MLFLOW_SERVER: "Any `mlflow server`; credentials from MLFLOW_TRACKING_* vars",
    WorkspaceKind.AZURE_ML: f"Azure Machine Learning workspaces {AZURE_UNAVAILABLE_REASON}",
}


class AddWorkspaceDialog(QDialog):
    """Collects a new workspace and saves it with ``save_config(load_config().with_workspace())``.

    Bad input shows an inline message next to the field at fault; the dialog stays open with
    everything typed so far.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        load: ConfigLoader = load_config,
        save: ConfigSaver = save_config,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AddWorkspaceDialog")
        self.setWindowTitle("Add workspace")
        self.setMinimumWidth(560)
        self._load = load
        self._save = save
        self.saved_workspace: WorkspaceConfig | None = None

        title = QLabel("Add a workspace")
        title.setObjectName("DialogTitle")
        intro = QLabel("A workspace is one stage of your setup (or one registry hosting several).")
        intro.setObjectName("DialogIntro")
        intro.setWordWrap(True)

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. prod-eu")
        self.name_error = self._error_label()
        self.stage_combo = QComboBox()
        for stage in STAGE_ORDER:
            self.stage_combo.addItem(stage.label, stage.value)
        self.stage_combo.addItem(
            "All stages in one registry (names prefixed dev./staging./prod.)", ALL_STAGES
        )
        self.stage_error = self._error_label()

        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[WorkspaceKind, QRadioButton] = {}
        kind_box = QWidget()
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.setSpacing(2)
        for kind in WorkspaceKind:
            button = QRadioButton(kind.label)
            caption = QLabel(_KIND_CAPTIONS[kind])
            caption.setObjectName("FieldCaption")
            caption.setContentsMargins(24, 0, 0, 6)
            if kind is WorkspaceKind.AZURE_ML:
                button.setEnabled(False)
                button.setToolTip(f"Azure ML {AZURE_UNAVAILABLE_REASON}")
                caption.setEnabled(False)
            self.kind_group.addButton(button)
            self.kind_buttons[kind] = button
            kind_layout.addWidget(button)
            kind_layout.addWidget(caption)
        self.kind_buttons[WorkspaceKind.LOCAL_MLFLOW].setChecked(True)
        self.kind_group.buttonToggled.connect(lambda *_: self._kind_changed())
        self.kind_error = self._error_label()

        self.uri_edit = QLineEdit()
        self.uri_edit.setPlaceholderText("http://127.0.0.1:5000")
        self.uri_error = self._error_label()
        self.general_error = self._error_label()

        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(14)
        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("Stage", self.stage_combo)
        form.addRow("", self.stage_error)
        form.addRow("Kind", kind_box)
        form.addRow("", self.kind_error)
        form.addRow("Tracking URI", self.uri_edit)
        form.addRow("", self.uri_error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add workspace")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # The dialog follows its contents (inline errors appear and disappear).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        self._errors = {
            "name": self.name_error,
            "stage": self.stage_error,
            "kind": self.kind_error,
            "uri": self.uri_error,
        }
        for edit in (self.name_edit, self.uri_edit):
            edit.textEdited.connect(lambda *_: self._clear_errors())
        self._kind_changed()

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setObjectName("FieldError")
        label.setWordWrap(True)
        label.setFixedWidth(400)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.hide()
        return label

    # -- state --------------------------------------------------------------------------------

    def kind(self) -> WorkspaceKind:
        """The chosen kind."""
        for kind, button in self.kind_buttons.items():
            if button.isChecked():
                return kind
        return WorkspaceKind.LOCAL_MLFLOW

    def set_kind(self, kind: WorkspaceKind) -> None:
        """Choose ``kind`` (no effect for a disabled kind)."""
        button = self.kind_buttons[kind]
        if button.isEnabled():
            button.setChecked(True)

    def form(self) -> WorkspaceForm:
        """The values typed so far."""
        data = self.stage_combo.currentData()
        return WorkspaceForm(
            name=self.name_edit.text(),
            stage=ALL_STAGES if data == ALL_STAGES else Stage(data),
            kind=self.kind(),
            uri=self.uri_edit.text(),
        )

    def error_text(self, field: str | None = None) -> str:
        """The inline error of ``field`` (or of the form as a whole)."""
        label = self._errors.get(field, self.general_error) if field else self.general_error
        return label.text()

    def _kind_changed(self) -> None:
        server = self.kind() is WorkspaceKind.MLFLOW_SERVER
        self.uri_edit.setEnabled(server)
        self._clear_errors()

    def _clear_errors(self) -> None:
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()

    def _show_error(self, field: str | None, message: str) -> None:
        label = self._errors.get(field or "", self.general_error)
        label.setText(message)
        label.show()
        target = {"name": self.name_edit, "uri": self.uri_edit, "stage": self.stage_combo}.get(
            field or ""
        )
        if target is not None:
            target.setFocus()

    # -- submit -------------------------------------------------------------------------------

    def submit(self) -> None:
        """Validate, save and close; on bad input show the error and keep everything."""
        self._clear_errors()
        try:
            config = self._load()
            updated = add_workspace(self.form(), config)
            workspace = updated.workspace(self.name_edit.text().strip())
            self._save(updated)
        except WorkspaceFormError as exc:
            self._show_error(exc.field, str(exc))
            return
        except MlopsError as exc:
            self._show_error(None, str(exc))
            return
        except OSError as exc:
            self._show_error(None, f"Cannot save the configuration: {exc}")
            return
        self.saved_workspace = workspace
        self.accept()
