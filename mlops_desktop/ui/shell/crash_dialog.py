"""The crash dialog: an exception nobody caught, with the details and a *Copy report* button.

Distinct from ordinary notifications (a workspace offline, a failed promotion): those go to the
status bar. Uncaught exceptions — GUI thread (``sys.excepthook``) or any worker thread
(``threading.excepthook``) — reach :attr:`NotificationCenter.crashed`; :class:`CrashHandler`
saves the work in progress (settings and UI state, written atomically), logs nothing twice (the
notification center already logged it) and shows :class:`CrashDialog`.
"""

from __future__ import annotations

import platform
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop import __version__
from mlops_desktop.core.logs import log_file
from mlops_desktop.core.redact import redact_text
from mlops_desktop.ui.shell.notifications import NotificationCenter


def crash_report(error: BaseException, context: str) -> str:
    """Plain-text report of an uncaught exception: versions, platform, traceback, log file."""
    lines = [
        f"MLOps Desktop {__version__} — {context}",
        f"time: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"python: {sys.version.split()[0]}  PySide6: {pyside_version}  "
        f"platform: {platform.platform()}",
        f"log file: {log_file()}",
        "",
        "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip(),
    ]
    return redact_text("\n".join(lines))


class CrashDialog(QDialog):
    """What went wrong, the full report, and buttons to copy it or close."""

    def __init__(self, error: BaseException, context: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("CrashDialog")
        self.setWindowTitle("MLOps Desktop — unexpected error")
        self.resize(720, 460)
        self.error = error
        self.context = context
        title = QLabel("Something went wrong that MLOps Desktop did not expect.")
        title.setObjectName("DialogTitle")
        summary = QLabel(
            f"<b>{context}</b>: {type(error).__name__}: {error}<br>"
            "Your settings, window layout and promotion journals were saved. You can keep "
            "working; if this happens again, copy the report below into an issue."
        )
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QPlainTextEdit(crash_report(error, context))
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Crash report")
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy report")
        self.copy_button.clicked.connect(self.copy_report)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(QLabel(f"Log file: {log_file()}"))
        layout.addWidget(buttons)

    def report(self) -> str:
        """The report text."""
        return self.details.toPlainText()

    def copy_report(self) -> None:
        """Put the report on the clipboard."""
        QGuiApplication.clipboard().setText(self.report())
        self.copy_button.setText("Copied")


class CrashHandler(QObject):
    """Shows a :class:`CrashDialog` for each uncaught exception (one dialog at a time).

    ``save_work`` runs first (e.g. the main window's ``save_state``): whatever the crash broke,
    what the person set up is on disk.
    """

    def __init__(
        self,
        center: NotificationCenter,
        parent_widget: QWidget | None = None,
        *,
        save_work: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        self._save_work = save_work
        self.dialog: CrashDialog | None = None
        self.count = 0
        center.crashed.connect(self.show_crash)

    def show_crash(self, error: BaseException, context: str) -> CrashDialog:
        """Save work, then show (or replace) the crash dialog."""
        self.count += 1
        if self._save_work is not None:
            try:
                self._save_work()
            except Exception:  # saving must never turn one crash into two
                traceback.print_exc()
        if self.dialog is not None:
            self.dialog.close()
        dialog = CrashDialog(error, context, self._parent_widget)
        dialog.finished.connect(lambda _result, d=dialog: self._closed(d))
        self.dialog = dialog
        dialog.show()
        return dialog

    def _closed(self, dialog: CrashDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
