"""The system-tray face of notifications: an icon and a balloon for each event.

Only where the platform has a tray (``QSystemTrayIcon.isSystemTrayAvailable()``); elsewhere the
in-app list is the only place. Clicking a balloon opens the page of its event.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.notifications import Notification, NotificationCenter, NotificationLevel

_ICONS = {
    NotificationLevel.INFO: QSystemTrayIcon.MessageIcon.Information,
    NotificationLevel.WARNING: QSystemTrayIcon.MessageIcon.Warning,
    NotificationLevel.ERROR: QSystemTrayIcon.MessageIcon.Critical,
}
BALLOON_MS = 8000


def tray_available() -> bool:
    """True when the desktop has a system tray."""
    return bool(QSystemTrayIcon.isSystemTrayAvailable())


class TrayNotifier(QObject):
    """Shows events (notifications with a page) as tray balloons."""

    #: The person clicked a balloon or chose "Show": the page to open ("" for none).
    pageRequested = Signal(str)

    def __init__(self, center: NotificationCenter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon: QSystemTrayIcon | None = None
        self.shown: list[Notification] = []
        self._last_page = ""
        if not tray_available():
            return
        self.icon = QSystemTrayIcon(style.icon("app"), self)
        self.icon.setToolTip("MLOps Desktop")
        menu = QMenu()
        menu.addAction("Show MLOps Desktop", lambda: self.pageRequested.emit(""))
        self._menu = menu  # kept alive: the tray does not own its menu
        self.icon.setContextMenu(menu)
        self.icon.messageClicked.connect(lambda: self.pageRequested.emit(self._last_page))
        self.icon.activated.connect(lambda _reason: self.pageRequested.emit(""))
        self.icon.show()
        center.notified.connect(self.show_notification)

    def show_notification(self, notification: Notification) -> None:
        """A balloon for an event (notifications without a page stay in the window)."""
        if self.icon is None or not notification.page:
            return
        self._last_page = notification.page
        self.shown.append(notification)
        self.icon.showMessage(
            notification.title or "MLOps Desktop",
            notification.message,
            _ICONS[notification.level],
            BALLOON_MS,
        )

    def hide(self) -> None:
        """Remove the icon (quit)."""
        if self.icon is not None:
            self.icon.hide()
