"""What the Endpoints page shows before there is any endpoint: what one is, the command
that makes one, a button, and what stands in the way."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.shell import style


class EndpointsEmptyView(QWidget):
    """No endpoint yet: what an endpoint is, the command that makes one, and a button."""

    createRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointsEmpty")
        picture = QLabel()
        picture.setPixmap(style.icon("endpoints").pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("No endpoints yet")
        self.title.setObjectName("EmptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QLabel(
            "An endpoint serves a registered model version at a stable local address "
            "(http://127.0.0.1:PORT), splits traffic between deployments (blue/green, mirror) "
            "and records every request for telemetry and drift. Create one here or from a "
            "terminal:"
        )
        self.body.setObjectName("EmptyBody")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setFixedWidth(580)
        self.command = QLabel(tasks.CREATE_COMMAND)
        self.command.setObjectName("CommandBox")
        self.command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = self.command.font()
        mono.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        self.command.setFont(mono)
        self.command.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = QLabel("")
        self.note.setObjectName("EmptyHint")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setFixedWidth(580)
        self.create_button = QPushButton("Create endpoint…")
        self.create_button.setObjectName("PrimaryButton")
        self.create_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.create_button.clicked.connect(self.createRequested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.addStretch(2)
        layout.addWidget(picture)
        layout.addSpacing(12)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        for widget in (self.body, self.command, self.create_button, self.note):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)
            layout.addSpacing(14)
        layout.addStretch(3)

    def set_situation(self, items: list[tasks.WorkspaceEndpoints], has_workspaces: bool) -> None:
        """Explain what stands in the way (no workspace, unsupported backends)."""
        supported = [i for i in items if i.supported]
        unsupported = [i for i in items if not i.supported]
        self.create_button.setEnabled(bool(supported))
        if not has_workspaces:
            self.title.setText("No workspaces yet")
            self.note.setText(
                "Endpoints serve models of a workspace: add one (File → Add workspace…) or "
                "create the demo from the Models page."
            )
            return
        self.title.setText("No endpoints yet")
        lines = [f"{i.workspace}: endpoints not available — {i.reason}" for i in unsupported]
        if not supported:
            lines.insert(0, "None of these workspaces can serve local endpoints.")
        self.note.setText("\n".join(lines))
