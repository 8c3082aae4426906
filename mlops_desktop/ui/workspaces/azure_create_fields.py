"""The Add-workspace dialog's "Create the workspace if it does not exist" part (Azure ML).

A check box, then what ``workspaces create-azure`` asks for (region, optional display name and
description), and the progress of the creation with what Azure is doing. The dialog runs the
creation; this widget only collects and shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.workspaces.tasks_azure_workspace import COMMON_LOCATIONS

FIELD_WIDTH = 400
CREATE_CAPTION = (
    "Creates it in the resource group with a storage account, key vault and Application "
    "Insights (a few minutes; needs Contributor there). An existing workspace is only added."
)


class AzureCreateFields(QWidget):
    """Create-if-missing choice, region, display name, description and progress."""

    #: The person changed something here (the dialog clears its errors).
    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AzureCreateFields")
        self.create_check = QCheckBox("Create the workspace if it does not exist")
        self.create_check.toggled.connect(self._toggled)
        caption = QLabel(CREATE_CAPTION)
        caption.setObjectName("FieldCaption")
        caption.setWordWrap(True)
        caption.setFixedWidth(FIELD_WIDTH)
        self.caption = caption

        self.location_combo = QComboBox()
        self.location_combo.setEditable(True)
        self.location_combo.addItems(list(COMMON_LOCATIONS))
        self.location_combo.setCurrentIndex(-1)
        self.location_combo.lineEdit().setPlaceholderText("Azure region, e.g. westeurope")
        self.location_combo.setAccessibleName("Location")
        self.location_combo.setToolTip("The Azure region to create the workspace in")
        self.location_combo.editTextChanged.connect(lambda _t: self.edited.emit())
        self.location_error = QLabel()
        self.location_error.setObjectName("FieldError")
        self.location_error.setWordWrap(True)
        self.location_error.hide()
        self.display_name_edit = QLineEdit()
        self.display_name_edit.setPlaceholderText("optional, e.g. Churn (prod)")
        self.display_name_edit.setAccessibleName("Display name")
        self.description_edit = QLineEdit()
        self.description_edit.setPlaceholderText("optional")
        self.description_edit.setAccessibleName("Description")
        for edit in (self.display_name_edit, self.description_edit):
            edit.textEdited.connect(lambda _t: self.edited.emit())

        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(24, 2, 0, 0)
        form.setVerticalSpacing(4)
        location_box = QWidget()
        location_column = QVBoxLayout(location_box)
        location_column.setContentsMargins(0, 0, 0, 0)
        location_column.setSpacing(3)
        location_column.addWidget(self.location_combo)
        location_column.addWidget(self.location_error)
        form.addRow("Location", location_box)
        form.addRow("Display name", self.display_name_edit)
        form.addRow("Description", self.description_edit)
        self.details.hide()

        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(6)
        self.progress_bar.setRange(0, 0)
        self.status_label = QLabel()
        self.status_label.setObjectName("FieldCaption")
        self.status_label.setWordWrap(True)
        self.status_label.setFixedWidth(FIELD_WIDTH)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_box = QWidget()
        progress = QVBoxLayout(self.progress_box)
        progress.setContentsMargins(0, 4, 0, 0)
        progress.setSpacing(3)
        progress.addWidget(self.progress_bar)
        progress.addWidget(self.status_label)
        self.progress_box.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.create_check)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.caption)
        layout.addWidget(self.details)
        layout.addWidget(self.progress_box)
        self.caption.hide()

    # -- values -------------------------------------------------------------------------------

    def wants_create(self) -> bool:
        """True when the workspace is to be created if missing."""
        return self.create_check.isChecked()

    def location(self) -> str:
        """The region typed or chosen (stripped)."""
        return self.location_combo.currentText().strip()

    def display_name(self) -> str:
        """The optional display name."""
        return self.display_name_edit.text().strip()

    def description(self) -> str:
        """The optional description."""
        return self.description_edit.text().strip()

    # -- state --------------------------------------------------------------------------------

    def _toggled(self, on: bool) -> None:
        self.details.setVisible(on)
        self.caption.setVisible(on)
        self.edited.emit()

    def show_location_error(self, message: str) -> None:
        """An inline error under *Location*; focus goes there."""
        self.location_error.setText(message)
        self.location_error.show()
        self.location_combo.setFocus()

    def clear_error(self) -> None:
        """Hide the location error."""
        self.location_error.clear()
        self.location_error.hide()

    def set_running(self, running: bool, text: str = "") -> None:
        """Show progress (inputs locked) or go back to editing; ``text`` stays as a note."""
        for widget in (self.create_check, self.details):
            widget.setEnabled(not running)
        self.progress_bar.setVisible(running)
        self.status_label.setText(text)
        self.progress_box.setVisible(running or bool(text))

    def show_progress(self, _done: int, _total: int, message: str) -> None:
        """What Azure is doing now (the bar stays busy: a deployment's length is unknown)."""
        self.status_label.setText(message[:1].upper() + message[1:])
