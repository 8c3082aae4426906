"""Shown when no workspace is configured: create the demo, or add a workspace."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.shell import style


class EmptyStateView(QWidget):
    """Two ways in: *Create demo workspaces* (with progress and Cancel) or *Add workspace…*."""

    createDemoRequested = Signal()
    cancelDemoRequested = Signal()
    addWorkspaceRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EmptyState")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addStretch(2)

        picture = QLabel()
        picture.setPixmap(style.icon("app").pixmap(64, 64))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("No workspaces yet")
        title.setObjectName("EmptyTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QLabel(
            "A workspace is one stage of your MLOps setup — dev, staging or prod — on a local "
            "MLflow store, an MLflow tracking server or an Azure Machine Learning workspace. "
            "Create the demo to explore with real trained models, or add your own workspace."
        )
        body.setObjectName("EmptyBody")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setFixedWidth(540)

        self.demo_button = QPushButton("Create demo workspaces")
        self.demo_button.setObjectName("PrimaryButton")
        self.demo_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.demo_button.setToolTip(
            "Local dev, staging and prod MLflow stores with several trained versions; "
            "the best one copied into staging and prod (about half a minute)"
        )
        self.demo_button.clicked.connect(self.createDemoRequested)
        self.add_button = QPushButton("Add workspace…")
        self.add_button.setObjectName("SecondaryButton")
        self.add_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.add_button.clicked.connect(self.addWorkspaceRequested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.demo_button)
        buttons.addSpacing(8)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)

        self.progress_label = QLabel()
        self.progress_label.setObjectName("EmptyBody")
        self.progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedWidth(360)
        self.progress_bar.setFixedHeight(6)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("SecondaryButton")
        self.cancel_button.clicked.connect(self.cancelDemoRequested)
        progress_row = QHBoxLayout()
        progress_row.addStretch(1)
        progress_row.addWidget(self.progress_bar, 0, Qt.AlignmentFlag.AlignVCenter)
        progress_row.addSpacing(10)
        progress_row.addWidget(self.cancel_button)
        progress_row.addStretch(1)

        layout.addWidget(picture)
        layout.addSpacing(14)
        layout.addWidget(title)
        layout.addSpacing(8)
        # Centred by stretches, not an alignment flag: wrapped labels need height-for-width.
        body_row = QHBoxLayout()
        body_row.addStretch(1)
        body_row.addWidget(body)
        body_row.addStretch(1)
        layout.addLayout(body_row)
        layout.addSpacing(22)
        layout.addLayout(buttons)
        layout.addSpacing(22)
        layout.addLayout(progress_row)
        layout.addSpacing(6)
        layout.addWidget(self.progress_label)
        layout.addStretch(3)
        self.set_demo_running(False)

    def set_demo_running(self, running: bool) -> None:
        """Show the progress row (and disable the buttons) while the demo is being built."""
        self.demo_button.setEnabled(not running)
        self.add_button.setEnabled(not running)
        self.progress_bar.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.progress_label.setVisible(running)
        if running:
            self.progress_bar.setRange(0, 0)
            self.progress_label.setText("Starting…")

    def set_demo_progress(self, done: int, total: int, message: str) -> None:
        """Progress of the demo task."""
        if total > 0:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        self.progress_label.setText(message[:1].upper() + message[1:] if message else "")

    def set_cancelling(self) -> None:
        """Cancel was pressed; the task stops at its next step."""
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling after the current step…")
