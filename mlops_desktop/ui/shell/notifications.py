"""The one place that turns errors and events into notifications a person sees.

Everything that goes wrong — a workspace that cannot be reached, a task that raised, an
exception nobody caught (``sys.excepthook``, ``threading.excepthook``) — becomes a
:class:`Notification` posted to the :class:`NotificationCenter`. The main window shows the latest
one in the status bar (:class:`NotificationStatusView`) with a *Details…* button that opens the
non-modal :class:`NotificationDetailsDialog` (message, what to do, traceback).

:meth:`NotificationCenter.post` may be called from any thread; notifications are always
delivered in the GUI thread.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.core.redact import redact_text
from mlops_desktop.ui.shell import style

_log = logging.getLogger("mlops_desktop.crash")


class NotificationLevel(StrEnum):
    """How serious a notification is."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message for the person: what happened, what to do, and the technical details."""

    level: NotificationLevel
    message: str
    hint: str = ""
    details: str = ""
    #: True for exceptions nobody handled (bugs): the details dialog opens by itself.
    unexpected: bool = False
    created_at: datetime = field(default_factory=datetime.now)
    #: For events (ui/event_watch.py): a short title and the page that shows the subject.
    title: str = ""
    page: str = ""

    @property
    def has_details(self) -> bool:
        """True when the details dialog has more to show than the status bar."""
        return bool(self.hint or self.details)


def notification_from_exception(
    error: BaseException,
    *,
    context: str = "",
    level: NotificationLevel = NotificationLevel.ERROR,
    unexpected: bool = False,
) -> Notification:
    """A notification for ``error``: an MlopsError's message and hint, else its type and text."""
    if isinstance(error, MlopsError):
        message, hint = error.message, error.hint or ""
    else:
        text = str(error).strip()
        message = f"{type(error).__name__}: {text}" if text else type(error).__name__
        hint = ""
    if context:
        message = f"{context}: {message}"
    details = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return Notification(
        level,
        redact_text(message),
        redact_text(hint),
        redact_text(details.rstrip()),
        unexpected,
    )


class NotificationCenter(QObject):
    """Collects notifications and hands them to the GUI thread.

    ``notified(Notification)`` is emitted in the GUI thread for every notification.
    """

    notified = Signal(object)
    _posted = Signal(object)
    #: An exception nobody caught, delivered in the GUI thread: (error, context). The crash
    #: dialog (ui/crash_dialog.py) listens; ordinary errors never emit it.
    crashed = Signal(object, str)
    _crash_posted = Signal(object, str)

    def __init__(self, parent: QObject | None = None, *, history_size: int = 200) -> None:
        super().__init__(parent)
        self._history: deque[Notification] = deque(maxlen=history_size)
        # Always queued: post() from a worker thread is delivered in this object's thread.
        self._posted.connect(self.notify, Qt.ConnectionType.QueuedConnection)
        self._crash_posted.connect(self.crashed, Qt.ConnectionType.QueuedConnection)
        self._previous_hooks: tuple[Any, Any] | None = None

    # -- posting ------------------------------------------------------------------------------

    def notify(self, notification: Notification) -> None:
        """Record and announce ``notification`` (GUI thread)."""
        self._history.append(notification)
        self.notified.emit(notification)

    def post(self, notification: Notification) -> None:
        """Thread-safe :meth:`notify`: delivered later in the GUI thread."""
        self._posted.emit(notification)

    def info(self, message: str) -> Notification:
        """Announce something that went well or is under way."""
        notification = Notification(NotificationLevel.INFO, message)
        self.notify(notification)
        return notification

    def warning(self, message: str, *, hint: str = "", details: str = "") -> Notification:
        """Announce a problem that does not stop the app."""
        notification = Notification(NotificationLevel.WARNING, message, hint, details)
        self.notify(notification)
        return notification

    def report_exception(
        self,
        error: BaseException,
        *,
        context: str = "",
        level: NotificationLevel = NotificationLevel.ERROR,
    ) -> Notification | None:
        """Turn ``error`` into a notification (GUI thread). Cancellations are not errors."""
        if isinstance(error, Cancelled):
            return None
        notification = notification_from_exception(error, context=context, level=level)
        self.notify(notification)
        return notification

    @property
    def history(self) -> list[Notification]:
        """Recent notifications, oldest first."""
        return list(self._history)

    @property
    def latest(self) -> Notification | None:
        """The most recent notification, if any."""
        return self._history[-1] if self._history else None

    # -- uncaught exceptions ------------------------------------------------------------------

    def install_exception_hooks(self) -> None:
        """Route ``sys.excepthook`` and ``threading.excepthook`` here (until uninstalled)."""
        if self._previous_hooks is None:
            self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._sys_excepthook
        threading.excepthook = self._threading_excepthook

    def uninstall_exception_hooks(self) -> None:
        """Restore the hooks that were in place before :meth:`install_exception_hooks`."""
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks
            self._previous_hooks = None

    def _sys_excepthook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        self._post_unexpected(exc.with_traceback(tb), "Unexpected error")

    def _threading_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "a background thread"
        traceback.print_exception(
            args.exc_type, args.exc_value, args.exc_traceback, file=sys.stderr
        )
        error = args.exc_value.with_traceback(args.exc_traceback)
        self._post_unexpected(error, f"Unexpected error in {name}")

    def _post_unexpected(self, error: BaseException, context: str) -> None:
        _log.error("%s", context, exc_info=(type(error), error, error.__traceback__))
        self.post(notification_from_exception(error, context=context, unexpected=True))
        self._crash_posted.emit(error, context)


class NotificationStatusView(QWidget):
    """The status-bar face of the notification center: level dot, message, *Details…*.

    Information fades after a few seconds; warnings and errors stay until the next message.
    """

    detailsRequested = Signal(object)

    INFO_TIMEOUT_MS = 6000

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NotificationStatus")
        self._current: Notification | None = None
        self._icon = QLabel()
        self._icon.setFixedWidth(14)
        self._label = QLabel()
        self._label.setObjectName("NotificationMessage")
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._details = QToolButton()
        self._details.setObjectName("LinkButton")
        self._details.setText("Details…")
        self._details.setCursor(Qt.CursorShape.PointingHandCursor)
        self._details.clicked.connect(self._request_details)
        self._details.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(6)
        layout.addWidget(self._icon)
        layout.addWidget(self._label, 1)
        layout.addWidget(self._details)
        self._fade = QTimer(self)
        self._fade.setSingleShot(True)
        self._fade.timeout.connect(self.clear)
        center.notified.connect(self.show_notification)

    @property
    def current(self) -> Notification | None:
        """The notification on display, if any."""
        return self._current

    def message(self) -> str:
        """The text on display."""
        return self._label.text()

    def show_notification(self, notification: Notification) -> None:
        """Show ``notification`` in the status bar."""
        self._current = notification
        self._icon.setPixmap(style.level_icon(notification.level.value).pixmap(10, 10))
        first_line = notification.message.splitlines()[0] if notification.message else ""
        self._label.setText(first_line)
        self._label.setToolTip(notification.message)
        self._details.setVisible(notification.has_details)
        if notification.level is NotificationLevel.INFO:
            self._fade.start(self.INFO_TIMEOUT_MS)
        else:
            self._fade.stop()

    def clear(self) -> None:
        """Remove the message."""
        self._current = None
        self._icon.clear()
        self._label.clear()
        self._label.setToolTip("")
        self._details.hide()

    def _request_details(self) -> None:
        if self._current is not None:
            self.detailsRequested.emit(self._current)


class NotificationDetailsDialog(QDialog):
    """Non-modal dialog with a notification's message, what to do, and its traceback.

    A drop-down switches between recent notifications.
    """

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NotificationDetailsDialog")
        self.setWindowTitle("Notification details")
        self.setModal(False)
        self.resize(720, 480)
        self._center = center
        self._shown: Notification | None = None

        self._history = QComboBox()
        self._history.currentIndexChanged.connect(self._history_chosen)
        self._title = QLabel()
        self._title.setObjectName("DialogTitle")
        self._message = QLabel()
        self._message.setWordWrap(True)
        self._message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._hint = QLabel()
        self._hint.setObjectName("HintBox")
        self._hint.setWordWrap(True)
        self._hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._details = QPlainTextEdit()
        self._details.setReadOnly(True)
        self._details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)

        copy = QPushButton("Copy details")
        copy.clicked.connect(self.copy_to_clipboard)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(self._history)
        layout.addWidget(self._title)
        layout.addWidget(self._message)
        layout.addWidget(self._hint)
        layout.addWidget(self._details, 1)
        layout.addWidget(buttons)

    @property
    def shown(self) -> Notification | None:
        """The notification on display."""
        return self._shown

    def show_notification(self, notification: Notification) -> None:
        """Fill the dialog with ``notification`` (and the history) and raise it."""
        history = [
            n for n in reversed(self._center.history) if n.level is not NotificationLevel.INFO
        ]
        if notification not in history:
            history.insert(0, notification)
        self._history.blockSignals(True)
        self._history.clear()
        for item in history:
            stamp = item.created_at.strftime("%H:%M:%S")
            self._history.addItem(f"{stamp}  {item.message.splitlines()[0][:120]}", item)
        self._history.setCurrentIndex(history.index(notification))
        self._history.setVisible(len(history) > 1)
        self._history.blockSignals(False)
        self._fill(notification)
        self.show()
        self.raise_()
        self.activateWindow()

    def _history_chosen(self, index: int) -> None:
        item = self._history.itemData(index)
        if isinstance(item, Notification):
            self._fill(item)

    def _fill(self, notification: Notification) -> None:
        self._shown = notification
        titles = {
            NotificationLevel.INFO: "Information",
            NotificationLevel.WARNING: "Warning",
            NotificationLevel.ERROR: "Unexpected error" if notification.unexpected else "Error",
        }
        self._title.setText(titles[notification.level])
        self._message.setText(notification.message)
        self._hint.setText(f"What to do: {notification.hint}" if notification.hint else "")
        self._hint.setVisible(bool(notification.hint))
        self._details.setPlainText(notification.details)
        self._details.setVisible(bool(notification.details))

    def text(self) -> str:
        """Everything the dialog shows, as plain text."""
        n = self._shown
        if n is None:
            return ""
        parts = [n.message]
        if n.hint:
            parts.append(f"What to do: {n.hint}")
        if n.details:
            parts.append(n.details)
        return "\n\n".join(parts)

    def copy_to_clipboard(self) -> None:
        """Put :meth:`text` on the clipboard."""
        QGuiApplication.clipboard().setText(self.text())
