"""The welcome flow on first run: demo set, an MLflow server, Azure ML workspaces, sign-in.

Shown by the GUI entry point (never by ``MainWindow`` itself, never for ``--screenshot``) when
there is no configuration yet and Settings say it has not run. Every step is optional; *Finish*
or *Skip* records ``welcome_done`` so it never shows again.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import load_config, save_config
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.workers import Worker, WorkerPool
from mlops_desktop.ui.workspaces.workspace_form import WorkspaceForm, WorkspaceKind, add_workspace

DemoTask = Callable[..., Any]


def check_mlflow_server(ctx: TaskContext, uri: str) -> str:
    """GET ``<uri>/health`` (MLflow's liveness endpoint) with a short timeout."""
    url = uri.rstrip("/") + "/health"
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read(200).decode("utf-8", "replace").strip()
    return f"{url} answered: {body or response.status}"


class _Step(QWidget):
    """One step: a title, a sentence and its controls."""

    def __init__(self, title: str, subtitle: str) -> None:
        super().__init__()
        self.title = title
        self.subtitle = subtitle


def _page(title: str, subtitle: str) -> tuple[_Step, QVBoxLayout]:
    page = _Step(title, subtitle)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 8, 0, 0)
    return page, layout


class WelcomeWizard(QDialog):
    """Three short, skippable steps in a stacked dialog; emits :attr:`workspacesChanged` when
    it added any.

    A stacked QDialog rather than QWizard: QWizard crashes inside Qt when the application's
    style sheet changes while it is open (as following the system's dark mode does).
    """

    workspacesChanged = Signal()
    #: Open the Add workspace dialog preset to a kind (the main window's dialog is reused).
    addWorkspaceRequested = Signal(str)

    def __init__(
        self, pool: WorkerPool, demo_task: DemoTask, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("WelcomeWizard")
        self.setWindowTitle("Welcome to MLOps Desktop")
        self.resize(640, 420)
        self._pool = pool
        self._demo_task = demo_task
        self.demo_worker: Worker | None = None
        self.server_worker: Worker | None = None
        self.skipped = False

        self.title_label = QLabel()
        self.title_label.setObjectName("DialogTitle")
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("DialogIntro")
        self.subtitle_label.setWordWrap(True)
        self.stack = QStackedWidget()
        for step in (self._demo_page(), self._server_page(), self._azure_page()):
            self.stack.addWidget(step)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setStyleSheet("color: palette(mid);")  # the theme's border colour
        # Bound methods, not lambdas capturing self: a self-referencing lambda keeps the dialog
        # alive until the garbage collector happens to run.
        self.skip_button = QPushButton("Skip setup")
        self.skip_button.clicked.connect(self.skip)
        self.back_button = QPushButton("< Back")
        self.back_button.clicked.connect(self.back)
        self.next_button = QPushButton("Next >")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        layout.addWidget(self.subtitle_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(rule)
        layout.addLayout(buttons)
        self._show_step(0)

    # -- navigation -----------------------------------------------------------------------------

    def current_step(self) -> int:
        """Index of the step on display (0-based)."""
        return self.stack.currentIndex()

    def _show_step(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        step = self.stack.currentWidget()
        assert isinstance(step, _Step)
        self.title_label.setText(step.title)
        self.subtitle_label.setText(step.subtitle)
        self.back_button.setEnabled(index > 0)
        last = index == self.stack.count() - 1
        self.next_button.setText("Finish" if last else "Next >")

    def next(self) -> None:
        """The next step, or finish on the last one."""
        index = self.current_step()
        if index == self.stack.count() - 1:
            self.accept()
        else:
            self._show_step(index + 1)

    def back(self) -> None:
        """The previous step."""
        self._show_step(max(0, self.current_step() - 1))

    # -- pages ----------------------------------------------------------------------------------

    def _demo_page(self) -> _Step:
        page, layout = _page(
            "Welcome · step 1 of 3 — try it with the demo",
            "Three local workspaces — dev, staging and prod — with real trained models. No "
            "account or server needed; about half a minute.",
        )
        self.demo_button = QPushButton("Create the demo workspaces")
        self.demo_button.clicked.connect(self.start_demo)
        self.demo_cancel = QPushButton("Cancel")
        self.demo_cancel.setEnabled(False)
        self.demo_cancel.clicked.connect(self.cancel_demo)
        self.demo_progress = QProgressBar()
        self.demo_progress.setAccessibleName("Demo progress")
        self.demo_progress.setRange(0, 1)
        self.demo_progress.setValue(0)
        self.demo_progress.setTextVisible(False)
        self.demo_status = QLabel("You can also skip this and connect your own workspaces.")
        self.demo_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.demo_button)
        row.addWidget(self.demo_cancel)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.demo_progress)
        layout.addWidget(self.demo_status)
        layout.addStretch(1)
        return page

    def _server_page(self) -> _Step:
        page, layout = _page(
            "Step 2 of 3 — add an MLflow tracking server",
            "Any `mlflow server` your team runs. Credentials come from the MLFLOW_TRACKING_* "
            "environment variables.",
        )
        self.server_uri = QLineEdit()
        self.server_uri.setAccessibleName("MLflow server URI")
        self.server_uri.setPlaceholderText("http://mlflow.example.com:5000")
        self.server_name = QLineEdit()
        self.server_name.setAccessibleName("Workspace name")
        self.server_name.setPlaceholderText("workspace name, e.g. team-dev")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_server)
        self.add_server_button = QPushButton("Add as dev workspace")
        self.add_server_button.clicked.connect(self.add_server)
        self.server_status = QLabel("Optional: leave empty to skip.")
        self.server_status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.add_server_button)
        row.addStretch(1)
        layout.addWidget(QLabel("Server URI:"))
        layout.addWidget(self.server_uri)
        layout.addWidget(QLabel("Name:"))
        layout.addWidget(self.server_name)
        layout.addLayout(row)
        layout.addWidget(self.server_status)
        layout.addStretch(1)
        return page

    def _azure_page(self) -> _Step:
        page, layout = _page(
            "Step 3 of 3 — add Azure Machine Learning workspaces and sign in",
            "Import the config.json Azure ML Studio downloads (or type subscription, resource "
            "group and workspace), one per stage. Then sign in once; tokens stay in "
            "azure-identity's encrypted cache.",
        )
        add = QPushButton("Add Azure ML workspace…")
        add.clicked.connect(self._request_azure_workspace)
        sign_in = QPushButton("Sign in to Azure…")
        sign_in.clicked.connect(self.sign_in)
        self.azure_status = QLabel("")
        self.azure_status.setWordWrap(True)
        note = QLabel(
            "Sign-in method (automatic, browser or device code): Settings → General. "
            "Finish opens the Models page."
        )
        note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(sign_in)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.azure_status)
        layout.addWidget(note)
        layout.addStretch(1)
        return page

    def sign_in(self) -> QWidget | None:
        """Sign in to the first Azure ML workspace (Azure's token cache serves the others)."""
        from mlops_desktop.ports.provider import ports_of
        from mlops_desktop.ui.workspaces.azure_sign_in import AzureSignInDialog

        azure = [w for w in load_config().workspaces if ports_of(w).has_sign_in]
        if not azure:
            self.azure_status.setText("Add an Azure ML workspace first.")
            return None
        dialog = AzureSignInDialog(azure[0], self._pool, parent=self)
        dialog.signedIn.connect(self._signed_in)
        dialog.show()
        dialog.start()
        return dialog

    def _request_azure_workspace(self) -> None:
        self.addWorkspaceRequested.emit(WorkspaceKind.AZURE_ML.value)

    def _signed_in(self, identity: str) -> None:
        self.azure_status.setText(f"✓ Signed in as {identity}.")

    # -- demo -----------------------------------------------------------------------------------

    def start_demo(self) -> None:
        """Run the demo task in a worker with progress and Cancel."""
        if self.demo_worker is not None:
            return
        worker = self._pool.submit(self._demo_task, name="create demo workspaces")
        self.demo_worker = worker
        worker.signals.progress.connect(self._demo_progress)
        worker.signals.result.connect(self._demo_done)
        worker.signals.error.connect(self._demo_error)
        worker.signals.finished.connect(self._demo_finished)
        self.demo_button.setEnabled(False)
        self.demo_cancel.setEnabled(True)
        self.demo_progress.setRange(0, 0)
        self.demo_status.setText("Creating the demo workspaces…")

    def cancel_demo(self) -> None:
        """Ask the demo task to stop after its current step."""
        if self.demo_worker is not None:
            self.demo_worker.cancel()
            self.demo_cancel.setEnabled(False)
            self.demo_status.setText("Cancelling…")

    def _demo_progress(self, done: int, total: int, message: str) -> None:
        self.demo_progress.setRange(0, max(total, 1))
        self.demo_progress.setValue(done)
        self.demo_status.setText(message)

    def _demo_done(self, _summary: object = None) -> None:
        self.demo_progress.setRange(0, 1)
        self.demo_progress.setValue(1)
        self.demo_status.setText("Demo workspaces ready.")
        self.workspacesChanged.emit()

    def _demo_error(self, error: BaseException) -> None:
        cancelled = isinstance(error, Cancelled)
        self.demo_status.setText("Cancelled." if cancelled else f"Failed: {error}")
        self.demo_progress.setRange(0, 1)
        self.demo_progress.setValue(0)

    def _demo_finished(self) -> None:
        self.demo_worker = None
        self.demo_button.setEnabled(True)
        self.demo_cancel.setEnabled(False)

    # -- MLflow server --------------------------------------------------------------------------

    def test_server(self) -> None:
        """Check the server's /health in a worker."""
        uri = self.server_uri.text().strip()
        if not uri.startswith(("http://", "https://")):
            self.server_status.setText("Enter an http:// or https:// address first.")
            return
        self.server_status.setText(f"Connecting to {uri}…")
        worker = self._pool.submit(check_mlflow_server, uri, name="test MLflow server")
        self.server_worker = worker
        worker.signals.result.connect(self._server_answered)
        worker.signals.error.connect(self._server_failed)

    def _server_answered(self, text: str) -> None:
        self.server_status.setText(f"✓ {text}")

    def _server_failed(self, error: BaseException) -> None:
        self.server_status.setText(f"✗ Cannot reach {self.server_uri.text().strip()}: {error}")

    def add_server(self) -> bool:
        """Save the server as a dev workspace (validated like the Add workspace dialog)."""
        uri = self.server_uri.text().strip()
        name = self.server_name.text().strip() or "mlflow-dev"
        form = WorkspaceForm(name=name, stage=Stage.DEV, kind=WorkspaceKind.MLFLOW_SERVER, uri=uri)
        try:
            save_config(add_workspace(form, load_config()))
        except Exception as exc:  # shown inline: the person fixes the field and retries
            self.server_status.setText(f"✗ {getattr(exc, 'message', exc)}")
            return False
        self.server_status.setText(f"✓ Workspace {name!r} added.")
        self.workspacesChanged.emit()
        return True

    # -- ending ---------------------------------------------------------------------------------

    def skip(self) -> None:
        """Close without finishing the steps (still never shown again)."""
        self.skipped = True
        self.cancel_demo()
        self.accept()

    def reject(self) -> None:
        """Closing the window counts as skipping."""
        self.skipped = True
        self.cancel_demo()
        super().reject()
