"""The status bar's say on what the window may do on its own (Settings → Background).

:class:`BackgroundActionsIndicator` shows whether background stage changes are on, names the
retraining jobs announced and waiting to be submitted, and offers *Cancel* for them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from mlops_desktop.ui.shell.event_watch import PolicyCheckService

_OFF_TIP = (
    "Retraining policies are evaluated in the background, read-only: a policy that fires is "
    "said, nothing is submitted. Settings → Background turns stage changes on."
)
_ON_TIP = (
    "A retraining policy that fires is announced, then its job is submitted (and its chained "
    "promotion runs after the job) unless cancelled. Settings → Background turns this off."
)


class BackgroundActionsIndicator(QWidget):
    """``Background actions: off`` / ``on`` / ``Retraining pending: X`` with *Cancel*."""

    def __init__(self, service: PolicyCheckService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BackgroundActions")
        self.service = service
        self.label = QLabel()
        self.label.setAccessibleName("Background actions")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("SecondaryButton")
        self.cancel_button.setAccessibleName("Cancel the announced retraining")
        self.cancel_button.clicked.connect(lambda: self.service.cancel_pending())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel_button)
        service.pendingChanged.connect(self.update_state)
        self.update_state()

    def update_state(self) -> None:
        """Say the current state (called on changes of settings and pending jobs)."""
        pending = self.service.pending
        if pending:
            self.label.setText(f"Retraining pending: {', '.join(pending)}")
            self.label.setToolTip(_ON_TIP)
        elif self.service.stage_changes:
            self.label.setText("Background actions: on")
            self.label.setToolTip(_ON_TIP)
        else:
            self.label.setText("Background actions: off")
            self.label.setToolTip(_OFF_TIP)
        self.cancel_button.setVisible(bool(pending))
