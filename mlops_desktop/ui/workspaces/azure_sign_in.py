"""The *Sign in to Azure* dialog: interactive sign-in (browser or device code) in a worker.

The worker opens the workspace's backend and runs its ``sign_in(prompt)``
(:meth:`mlops_desktop.backends.azureml.backend.AzureMlBackend.sign_in`): azure-identity opens the
browser, or hands over a device code that the dialog shows with its link. The backend keeps the
authentication record (no secret), so every later load signs in silently; the dialog emits
``signedIn(identity)`` and the window reloads.

Cancel closes the dialog and drops the outcome; azure-identity's own wait for the person cannot
be interrupted and ends at its timeout (the device code's expiry, or five minutes in the browser).
"""

from __future__ import annotations

import contextlib
import html
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.azure_settings import AzureSettings, CredentialKind
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Cancelled, InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.common.backend_tasks import (
    _OPEN_LOCK,  # opening a backend imports its SDK; one thread at a time
    BackendOpener,
    default_backend_opener,
    describe_error,
)
from mlops_desktop.ui.common.task_dialog_parts import heading
from mlops_desktop.ui.shell.workers import LatestRequest, Worker, WorkerPool

_TEXT_WIDTH = 460

#: ``prompt(verification_uri, user_code, expires_on)``: shows a device code to the person.
DeviceCodePrompt = Callable[[str, str, datetime], None]


def sign_in_workspace(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    prompt: DeviceCodePrompt,
    opener: BackendOpener | None = None,
) -> str:
    """Task body: open ``workspace``'s backend and sign in interactively; the identity.

    ``prompt(verification_uri, user_code, expires_on)`` is called (in this worker thread) when
    a device code is to be shown. Raises InvalidInput for a backend without interactive
    sign-in, and the backend's AuthError when the sign-in fails.
    """
    with _OPEN_LOCK:
        ctx.check()
        backend = (opener or default_backend_opener)(workspace)
    try:
        sign_in = getattr(backend, "sign_in", None)
        if not callable(sign_in):
            raise InvalidInput(f"workspace {workspace.name!r} has no interactive sign-in")
        identity = str(sign_in(prompt))
        ctx.check()
        return identity
    finally:
        backend.close()


class _PromptRelay(QObject):
    """Carries the device code from the worker thread to the dialog (queued signal)."""

    prompted = Signal(str, str, object)

    def prompt(self, verification_uri: str, user_code: str, expires_on: datetime) -> None:
        """azure-identity's ``prompt_callback``; safe to call after the dialog is gone."""
        with contextlib.suppress(RuntimeError):
            self.prompted.emit(verification_uri, user_code, expires_on)


class AzureSignInDialog(QDialog):
    """Signs in to one Azure ML workspace; emits ``signedIn(identity)`` and closes on success.

    Call :meth:`start` after showing it. Errors stay in the dialog (inline), with *Try again*.
    """

    #: The sign-in succeeded: the identity the token was issued to.
    signedIn = Signal(str)

    def __init__(
        self,
        workspace: WorkspaceConfig,
        pool: WorkerPool,
        *,
        opener: BackendOpener | None = None,
        settings: AzureSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AzureSignInDialog")
        self.setWindowTitle("Sign in to Azure")
        self.workspace = workspace
        self._pool = pool
        self._opener = opener
        self._request = LatestRequest(self)
        self._relay = _PromptRelay(self)
        self._relay.prompted.connect(self._show_device_code)
        try:
            self._kind: CredentialKind | None = (settings or AzureSettings.from_env()).credential
        except InvalidInput:
            self._kind = None
        self._worker: Worker | None = None
        #: The identity signed in as (after success).
        self.identity = ""

        azure = workspace.azure
        where = f"{azure.workspace_name} in {azure.resource_group}" if azure else workspace.location
        title, intro = heading(
            f"Sign in to {workspace.name}",
            f"Azure Machine Learning workspace {where}. No password or token is saved.",
        )
        intro.setFixedWidth(_TEXT_WIDTH)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setFixedWidth(_TEXT_WIDTH)
        self.status_label.setTextFormat(Qt.TextFormat.RichText)
        self.status_label.setOpenExternalLinks(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.code_label = QLabel()
        self.code_label.setObjectName("DeviceCode")
        self.code_label.setStyleSheet("font-size: 18pt; font-weight: 700; letter-spacing: 2px;")
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QPushButton("Copy code")
        self.copy_button.clicked.connect(self._copy_code)
        self._code_row = QWidget()
        code_row = QHBoxLayout(self._code_row)
        code_row.setContentsMargins(0, 0, 0, 0)
        code_row.addWidget(self.code_label)
        code_row.addWidget(self.copy_button)
        code_row.addStretch(1)
        self._code_row.hide()
        self.error_label = QLabel()
        self.error_label.setObjectName("FieldError")
        self.error_label.setWordWrap(True)
        self.error_label.setFixedWidth(_TEXT_WIDTH)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.retry_button = self.buttons.addButton(
            "Try again", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.retry_button.clicked.connect(self.start)
        self.retry_button.hide()
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # The dialog follows its contents (the code and errors appear and disappear).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.status_label)
        layout.addWidget(self._code_row)
        layout.addWidget(self.error_label)
        layout.addSpacing(4)
        layout.addWidget(self.buttons)

    # -- state --------------------------------------------------------------------------------

    def status_text(self) -> str:
        """The status line as plain text."""
        from PySide6.QtGui import QTextDocument

        document = QTextDocument()
        document.setHtml(self.status_label.text())
        return document.toPlainText()

    def device_code(self) -> str:
        """The device code on show ("" when there is none)."""
        return self.code_label.text() if self._code_row.isVisibleTo(self) else ""

    def error_text(self) -> str:
        """The inline error ("" when there is none)."""
        return self.error_label.text() if self.error_label.isVisibleTo(self) else ""

    @property
    def running(self) -> bool:
        """True while a sign-in is under way."""
        return self._worker is not None and not self._worker.is_done

    # -- sign-in ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start (or restart) the sign-in in a worker."""
        self._request.begin()
        self.error_label.hide()
        self.retry_button.hide()
        self._code_row.hide()
        if self._kind is CredentialKind.DEVICE_CODE:
            self.status_label.setText("Asking Microsoft Entra ID for a sign-in code…")
        else:
            self.status_label.setText("Complete the sign-in in the browser window that opens…")
        worker = self._pool.submit(
            sign_in_workspace,
            self.workspace,
            self._relay.prompt,
            self._opener,
            name=f"sign in to {self.workspace.name}",
        )
        self._worker = worker
        self._request.track(worker)
        self._request.connect(worker.signals.result, self._signed_in)
        self._request.connect(worker.signals.error, self._failed)

    def _show_device_code(self, verification_uri: str, user_code: str, expires: object) -> None:
        until = ""
        if isinstance(expires, datetime):
            until = f" before {expires.astimezone().strftime('%H:%M')}"
        link = html.escape(verification_uri, quote=True)
        self.status_label.setText(f"Open <a href='{link}'>{link}</a> and enter this code{until}:")
        self.code_label.setText(user_code)
        self._code_row.show()

    def _copy_code(self) -> None:
        QGuiApplication.clipboard().setText(self.code_label.text())

    def _signed_in(self, identity: str) -> None:
        self.identity = identity
        self._code_row.hide()
        self.status_label.setText(f"Signed in as {identity or 'an unnamed identity'}")
        self.signedIn.emit(identity)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self._code_row.hide()
        self.status_label.setText("Not signed in.")
        self.error_label.setText(describe_error(error))
        self.error_label.show()
        self.retry_button.show()

    def reject(self) -> None:
        """Cancel: the outcome of a sign-in still under way is dropped."""
        self._request.cancel()
        super().reject()
