"""Add or edit one notification target: kind, where it goes, which events, and its secret.

The secret field is never filled from anywhere and never saved to the settings: what is typed
is handed back (:attr:`NotifyTargetDialog.secret`) for the OS keyring, stored by the caller in a
worker. Without a keyring the field is off and the dialog names the environment variable.
"""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.notify_kinds import EventKind, Severity, TargetKind
from mlops_desktop.core.notify_settings import NotifyTarget, secret_env_name
from mlops_desktop.core.settings import describe_errors

KIND_LABELS = {
    TargetKind.WEBHOOK: "Webhook (generic JSON)",
    TargetKind.SLACK: "Slack incoming webhook",
    TargetKind.TEAMS: "Microsoft Teams incoming webhook",
    TargetKind.EMAIL: "E-mail (SMTP)",
}
EVENT_LABELS = {
    EventKind.PROMOTION_DONE: "Promotion done",
    EventKind.PROMOTION_FAILED: "Promotion failed",
    EventKind.PROMOTION_ROLLED_BACK: "Promotion rolled back",
    EventKind.APPROVAL_REQUESTED: "Approval requested",
    EventKind.APPROVAL_DECIDED: "Approval decided",
    EventKind.RETRAINING_FIRED: "Retraining fired",
    EventKind.RETRAINING_FAILED: "Retraining failed",
    EventKind.DRIFT_DETECTED: "Drift detected",
    EventKind.ENDPOINT_UNHEALTHY: "Endpoint unhealthy",
}


class NotifyTargetDialog(QDialog):
    """The fields of one :class:`NotifyTarget`; OK validates (message inline)."""

    def __init__(
        self,
        target: NotifyTarget | None = None,
        parent: QWidget | None = None,
        *,
        taken: set[str] = frozenset(),  # type: ignore[assignment]
        keyring: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NotifyTargetDialog")
        self.setWindowTitle("Edit notification target" if target else "Add notification target")
        self.setMinimumWidth(540)
        self._taken = set(taken)
        self._keyring = keyring
        self.result_target: NotifyTarget | None = None
        self.secret = ""
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Target name")
        self.name_edit.setPlaceholderText("team-chat")
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Target kind")
        for kind, label in KIND_LABELS.items():
            self.kind_combo.addItem(label, kind.value)
        self.enabled_check = QCheckBox("Send to this target")
        self.url_host_edit = QLineEdit()
        self.url_host_edit.setAccessibleName("Webhook host (shown in lists)")
        self.url_host_edit.setPlaceholderText("hooks.slack.com")
        self.smtp_host_edit = QLineEdit()
        self.smtp_host_edit.setAccessibleName("SMTP server")
        self.smtp_port = QSpinBox()
        self.smtp_port.setRange(1, 65535)
        self.smtp_port.setAccessibleName("SMTP port")
        self.starttls_check = QCheckBox("STARTTLS")
        self.username_edit = QLineEdit()
        self.username_edit.setAccessibleName("SMTP login")
        self.from_edit = QLineEdit()
        self.from_edit.setAccessibleName("From address")
        self.to_edit = QLineEdit()
        self.to_edit.setAccessibleName("To addresses")
        self.to_edit.setPlaceholderText("ops@example.com, lead@example.com")
        self.secret_env_edit = QLineEdit()
        self.secret_env_edit.setAccessibleName("Secret environment variable")
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_edit.setAccessibleName("Secret for the OS keyring")
        self.secret_note = QLabel()
        self.secret_note.setObjectName("Caption")
        self.secret_note.setWordWrap(True)
        self.severity_combo = QComboBox()
        self.severity_combo.setAccessibleName("Minimum severity")
        for severity in Severity:
            self.severity_combo.addItem(severity.value.capitalize(), severity.value)
        self.attempts = QSpinBox()
        self.attempts.setRange(1, 10)
        self.attempts.setAccessibleName("Attempts per delivery")
        self.timeout = QDoubleSpinBox()
        self.timeout.setRange(1, 120)
        self.timeout.setSuffix(" s")
        self.timeout.setAccessibleName("Timeout per attempt")
        self.event_checks: dict[EventKind, QCheckBox] = {}
        events_box = QGroupBox("Events")
        grid = QGridLayout(events_box)
        for n, (kind, label) in enumerate(EVENT_LABELS.items()):
            check = QCheckBox(label)
            self.event_checks[kind] = check
            grid.addWidget(check, n // 3, n % 3)
        self.form = QFormLayout()
        self.form.addRow("Name:", self.name_edit)
        self.form.addRow("Kind:", self.kind_combo)
        self.form.addRow("", self.enabled_check)
        self.form.addRow("Webhook host:", self.url_host_edit)
        self.form.addRow("SMTP server:", self.smtp_host_edit)
        self.form.addRow("SMTP port:", self.smtp_port)
        self.form.addRow("", self.starttls_check)
        self.form.addRow("Login:", self.username_edit)
        self.form.addRow("From:", self.from_edit)
        self.form.addRow("To:", self.to_edit)
        self.form.addRow("Minimum severity:", self.severity_combo)
        self.form.addRow("Attempts:", self.attempts)
        self.form.addRow("Timeout:", self.timeout)
        self.secret_label = QLabel()
        self.form.addRow(self.secret_label, self.secret_edit)
        self.form.addRow("Or environment variable:", self.secret_env_edit)
        self.error_label = QLabel()
        self.error_label.setObjectName("FieldError")
        self.error_label.setStyleSheet("color: #CF222E;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        # Outside the form: a wrapped label there gets the height of one line too few.
        layout.addWidget(self.secret_note)
        layout.addWidget(events_box)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self._kind_changed)
        self.name_edit.textChanged.connect(self._update_secret_note)
        self.secret_env_edit.textChanged.connect(self._update_secret_note)
        self._load(target)

    def _load(self, target: NotifyTarget | None) -> None:
        t = target or NotifyTarget(name="new", kind=TargetKind.SLACK)
        self.name_edit.setText(target.name if target else "")
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(t.kind.value))
        self.enabled_check.setChecked(t.enabled)
        self.url_host_edit.setText(t.url_hint)
        self.smtp_host_edit.setText(t.smtp_host)
        self.smtp_port.setValue(t.smtp_port)
        self.starttls_check.setChecked(t.starttls)
        self.username_edit.setText(t.username)
        self.from_edit.setText(t.from_addr)
        self.to_edit.setText(", ".join(t.to))
        self.secret_env_edit.setText(t.secret_env)
        self.severity_combo.setCurrentIndex(self.severity_combo.findData(t.min_severity.value))
        self.attempts.setValue(t.attempts)
        self.timeout.setValue(t.timeout_seconds)
        for kind, check in self.event_checks.items():
            check.setChecked(kind in t.events)
        if target is not None:
            self._taken.discard(target.name)
        self._kind_changed()

    def kind(self) -> TargetKind:
        """The kind chosen."""
        return TargetKind(self.kind_combo.currentData())

    def _kind_changed(self, _index: int = 0) -> None:
        email = self.kind() is TargetKind.EMAIL
        for widget in (self.url_host_edit,):
            self.form.setRowVisible(widget, not email)
        for widget in (
            self.smtp_host_edit,
            self.smtp_port,
            self.starttls_check,
            self.username_edit,
            self.from_edit,
            self.to_edit,
        ):
            self.form.setRowVisible(widget, email)
        self.secret_label.setText("SMTP password:" if email else "Webhook URL:")
        self._update_secret_note()
        self.adjustSize()  # rows appeared or went

    def _update_secret_note(self, _text: str = "") -> None:
        env = self.secret_env_edit.text().strip() or secret_env_name(
            self.name_edit.text().strip() or "NAME"
        )
        self.secret_env_edit.setPlaceholderText(env)
        what = "SMTP password" if self.kind() is TargetKind.EMAIL else "webhook URL"
        self.secret_edit.setEnabled(self._keyring)
        if self._keyring:
            self.secret_edit.setPlaceholderText("kept in the OS keyring (blank: unchanged)")
            note = f"The {what} goes to the OS keyring, never to the settings file; CI sets ${env}."
        else:
            self.secret_edit.setPlaceholderText("no OS keyring here")
            note = (
                f"No OS keyring is available: set the {what} in the environment variable ${env}. "
                "MLOps Desktop never writes it to its files."
            )
        self.secret_note.setText(note)

    def edited(self) -> NotifyTarget:
        """The target as edited; ValueError with a readable message when invalid."""
        name = self.name_edit.text().strip()
        if name in self._taken:
            raise ValueError(f"a target named {name} exists")
        raw = {
            "name": name,
            "kind": self.kind().value,
            "enabled": self.enabled_check.isChecked(),
            "events": [k.value for k, c in self.event_checks.items() if c.isChecked()],
            "min_severity": self.severity_combo.currentData(),
            "secret_env": self.secret_env_edit.text().strip(),
            "url_hint": self.url_host_edit.text().strip(),
            "smtp_host": self.smtp_host_edit.text().strip(),
            "smtp_port": self.smtp_port.value(),
            "starttls": self.starttls_check.isChecked(),
            "username": self.username_edit.text().strip(),
            "from_addr": self.from_edit.text().strip(),
            "to": [a.strip() for a in self.to_edit.text().split(",") if a.strip()],
            "attempts": self.attempts.value(),
            "timeout_seconds": self.timeout.value(),
        }
        if self.kind() is not TargetKind.EMAIL:
            raw.update(smtp_host="", from_addr="", to=[], username="")
        try:
            return NotifyTarget.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(describe_errors(exc)) from None

    def _ok(self) -> None:
        try:
            self.result_target = self.edited()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            self.error_label.show()
            return
        self.secret = self.secret_edit.text().strip() if self._keyring else ""
        self.accept()
