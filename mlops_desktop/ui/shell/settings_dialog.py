"""The Settings dialog (Ctrl+,): appearance and sign-in, refresh, drift defaults, reports,
what the window may do in the background, and where notifications go (Notifications tab).

Edits a :class:`~mlops_desktop.core.settings.Settings`; *Apply* / *OK* validate and save it
atomically and emit :attr:`SettingsDialog.settingsApplied`; invalid values show a message under
the field at fault and nothing is saved. *Reset to defaults* asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.settings import (
    ReportFormat,
    Settings,
    SettingsError,
    SignInMethod,
    Theme,
    save_settings,
)
from mlops_desktop.ui.shell.settings_notifications import NotificationsTab
from mlops_desktop.ui.shell.workers import WorkerPool

Confirm = Callable[[QWidget, str], bool]

_THEMES = {Theme.SYSTEM: "Follow the system", Theme.LIGHT: "Light", Theme.DARK: "Dark"}
_SIGN_IN = {
    SignInMethod.DEFAULT: "Automatic (Azure CLI, environment, managed identity …)",
    SignInMethod.BROWSER: "Browser window",
    SignInMethod.DEVICE_CODE: "Device code (for machines without a browser)",
}
_FORMATS = {ReportFormat.HTML: "HTML", ReportFormat.PDF: "PDF", ReportFormat.JSON: "JSON"}


def ask_reset(parent: QWidget, text: str) -> bool:
    """Yes/No confirmation (the default *No*)."""
    answer = QMessageBox.question(
        parent,
        "Reset settings",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class SettingsDialog(QDialog):
    """Tabs of grouped fields, inline errors, Reset to defaults / OK / Cancel / Apply."""

    #: Saved settings (after Apply or OK).
    settingsApplied = Signal(object)

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        save: Callable[[Settings], Path] = save_settings,
        confirm: Confirm = ask_reset,
        pool: WorkerPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SettingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(680)  # the Notifications tab's target table
        self._save = save
        self._confirm = confirm
        self.saved: Settings = settings
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Settings sections")
        self.tabs.addTab(self._general_tab(), "General")
        self.tabs.addTab(self._refresh_tab(), "Refresh")
        self.tabs.addTab(self._drift_tab(), "Drift")
        self.tabs.addTab(self._reports_tab(), "Reports")
        self.tabs.addTab(self._background_tab(), "Background")
        # The tab's keyring look-ups and test deliveries run in workers (never this thread).
        self.pool = pool or WorkerPool(self)
        self.notifications_tab = NotificationsTab(self.pool)
        self.tabs.addTab(self.notifications_tab, "Notifications")
        self.error_label = QLabel()
        self.error_label.setObjectName("FieldError")
        self.error_label.setStyleSheet("color: #CF222E;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.Apply
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        self.reset_button = self.buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        self.reset_button.setText("Reset to defaults")
        self.reset_button.clicked.connect(self.reset_to_defaults)
        self.apply_button = self.buttons.button(QDialogButtonBox.StandardButton.Apply)
        self.apply_button.clicked.connect(self.apply)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.load(settings)
        # A message about a value goes away as soon as any value is edited.
        for box in (self.numeric_threshold, self.categorical_threshold, self.drift_share):
            box.valueChanged.connect(self._value_edited)

    # -- tabs -----------------------------------------------------------------------------------

    @staticmethod
    def _combo(choices: dict, name: str) -> QComboBox:  # type: ignore[type-arg]
        combo = QComboBox()
        combo.setAccessibleName(name)
        for value, label in choices.items():
            combo.addItem(label, value.value)
        return combo

    def _general_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.theme_combo = self._combo(_THEMES, "Theme")
        self.sign_in_combo = self._combo(_SIGN_IN, "Azure sign-in method")
        self.telemetry_check = QCheckBox("Send MLflow's anonymous usage statistics")
        self.telemetry_check.setAccessibleName("Telemetry opt-in")
        note = QLabel("Off by default. MLOps Desktop itself collects nothing.")
        note.setObjectName("Caption")
        form.addRow("Theme:", self.theme_combo)
        form.addRow("Azure sign-in:", self.sign_in_combo)
        form.addRow("Telemetry:", self.telemetry_check)
        form.addRow("", note)
        return page

    @staticmethod
    def _seconds(name: str, maximum: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(0, maximum)
        box.setSuffix(" s")
        box.setSpecialValueText("Only on Refresh (F5)")
        box.setAccessibleName(name)
        return box

    def _refresh_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.workspaces_refresh = self._seconds("Workspaces refresh interval", 86400)
        self.endpoints_refresh = self._seconds("Endpoint telemetry refresh interval", 3600)
        self.jobs_refresh = self._seconds("Jobs refresh interval", 3600)
        form.addRow("Workspaces and models:", self.workspaces_refresh)
        form.addRow("Endpoint telemetry:", self.endpoints_refresh)
        form.addRow("Jobs:", self.jobs_refresh)
        return page

    @staticmethod
    def _fraction(name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0.0, 1.0)
        box.setDecimals(3)
        box.setSingleStep(0.01)
        box.setAccessibleName(name)
        return box

    def _drift_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.numeric_threshold = self._fraction("Numeric drift threshold")
        self.categorical_threshold = self._fraction("Categorical drift threshold")
        self.drift_share = self._fraction("Dataset drift share")
        note = QLabel(
            "Defaults for the Drift page and `mlops-desktop drift report` (Azure ML model "
            "monitoring's: 0.1, 0.1, 0.5). A drift.toml given to the command replaces them."
        )
        note.setWordWrap(True)
        note.setObjectName("Caption")
        form.addRow("Numeric (normalized Wasserstein):", self.numeric_threshold)
        form.addRow("Categorical (Jensen–Shannon):", self.categorical_threshold)
        form.addRow("Dataset drifts when this share of features drifts:", self.drift_share)
        form.addRow(note)
        return page

    def _reports_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.format_combo = self._combo(_FORMATS, "Default report format")
        self.folder_edit = QLineEdit()
        self.folder_edit.setAccessibleName("Report output folder")
        self.folder_edit.setPlaceholderText(str(Path.home()))
        self.folder_edit.textChanged.connect(self._check_folder)
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Browse for the report folder")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder_edit, 1)
        row.addWidget(browse)
        self.folder_error = QLabel()
        self.folder_error.setStyleSheet("color: #CF222E;")
        self.folder_error.hide()
        form.addRow("Format:", self.format_combo)
        form.addRow("Output folder:", row)
        form.addRow("", self.folder_error)
        return page

    def _background_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.stage_changes_check = QCheckBox(
            "Submit the retraining job of a policy that fires (and its chained promotion)"
        )
        self.stage_changes_check.setAccessibleName("Background stage changes")
        self.announce_seconds = QSpinBox()
        self.announce_seconds.setRange(0, 3600)
        self.announce_seconds.setSuffix(" s")
        self.announce_seconds.setSpecialValueText("Submit at once")
        self.announce_seconds.setAccessibleName("Wait after the announcement")
        self.stage_changes_check.toggled.connect(self.announce_seconds.setEnabled)
        note = QLabel(
            "Off by default. Always on, and read-only: compute sampling, notifications, "
            "evaluating retraining policies (a policy that fires is only said), restarting "
            "local endpoints that died. On, a fired policy is announced first and its job "
            "waits the time below — Cancel in the status bar stops it."
        )
        note.setWordWrap(True)
        note.setObjectName("Caption")
        form.addRow("Stage changes:", self.stage_changes_check)
        form.addRow("Announce, then wait:", self.announce_seconds)
        form.addRow(note)
        return page

    # -- values ---------------------------------------------------------------------------------

    def load(self, settings: Settings) -> None:
        """Show ``settings`` in the fields."""
        self.theme_combo.setCurrentIndex(self.theme_combo.findData(settings.theme.value))
        self.sign_in_combo.setCurrentIndex(self.sign_in_combo.findData(settings.sign_in.value))
        self.telemetry_check.setChecked(settings.privacy.telemetry)
        self.workspaces_refresh.setValue(settings.refresh.workspaces_seconds)
        self.endpoints_refresh.setValue(settings.refresh.endpoints_seconds)
        self.jobs_refresh.setValue(settings.refresh.jobs_seconds)
        self.numeric_threshold.setValue(settings.drift.numeric_threshold)
        self.categorical_threshold.setValue(settings.drift.categorical_threshold)
        self.drift_share.setValue(settings.drift.dataset_drift_share)
        self.format_combo.setCurrentIndex(self.format_combo.findData(settings.reports.format.value))
        self.folder_edit.setText(settings.reports.output_folder)
        self.stage_changes_check.setChecked(settings.background.stage_changes)
        self.announce_seconds.setValue(settings.background.announce_seconds)
        self.announce_seconds.setEnabled(settings.background.stage_changes)
        self.notifications_tab.load(settings.notifications)

    def edited(self) -> Settings:
        """The settings as edited; raises :class:`SettingsError` naming every bad field."""
        data = {
            "schema_version": self.saved.schema_version,
            "welcome_done": self.saved.welcome_done,
            "theme": self.theme_combo.currentData(),
            "sign_in": self.sign_in_combo.currentData(),
            "privacy": {"telemetry": self.telemetry_check.isChecked()},
            "refresh": {
                "workspaces_seconds": self.workspaces_refresh.value(),
                "endpoints_seconds": self.endpoints_refresh.value(),
                "jobs_seconds": self.jobs_refresh.value(),
            },
            "drift": {
                "numeric_threshold": self.numeric_threshold.value(),
                "categorical_threshold": self.categorical_threshold.value(),
                "dataset_drift_share": self.drift_share.value(),
            },
            "reports": {
                "format": self.format_combo.currentData(),
                "output_folder": self.folder_edit.text().strip(),
            },
            "background": {
                "stage_changes": self.stage_changes_check.isChecked(),
                "announce_seconds": self.announce_seconds.value(),
            },
            "notifications": self.notifications_tab.value(),
        }
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            from mlops_desktop.core.settings import describe_errors

            raise SettingsError(describe_errors(exc)) from None

    def _value_edited(self, _value: float) -> None:
        self.error_label.hide()

    def _check_folder(self, _text: str = "") -> bool:
        text = self.folder_edit.text().strip()
        problem = ""
        if text:
            path = Path(text).expanduser()
            if not path.is_absolute():
                problem = "Use a full path (for example /home/you/reports)."
            elif path.exists() and not path.is_dir():
                problem = f"{path} is a file, not a folder."
        self.folder_error.setText(problem)
        self.folder_error.setVisible(bool(problem))
        return not problem

    def error_text(self) -> str:
        """The messages on display (empty when the values are valid)."""
        labels = (self.error_label, self.folder_error)
        parts = [label.text() for label in labels if not label.isHidden()]
        return " ".join(p for p in parts if p)

    def apply(self) -> bool:
        """Validate and save; False (and an inline message) when a value is invalid."""
        self.error_label.hide()
        if not self._check_folder():
            self.tabs.setCurrentIndex(3)
            return False
        try:
            settings = self.edited()
        except SettingsError as exc:
            self.error_label.setText(exc.message)
            self.error_label.show()
            return False
        if settings != self.saved:
            self._save(settings)
            self.notifications_tab.saved(self.saved.notifications, settings.notifications)
            self.saved = settings
            self.settingsApplied.emit(settings)
        return True

    def show_tab(self, title: str) -> None:
        """Bring the tab called ``title`` ("Notifications") to the front."""
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                self.tabs.setCurrentIndex(index)

    def _ok(self) -> None:
        if self.apply():
            self.accept()

    def reset_to_defaults(self) -> bool:
        """After confirmation, show the defaults (saved on Apply/OK)."""
        if not self._confirm(self, "Put every setting back to its default? (Saved on OK.)"):
            return False
        self.load(Settings(welcome_done=self.saved.welcome_done))
        return True

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Report folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)
