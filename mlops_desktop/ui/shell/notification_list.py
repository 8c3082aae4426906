"""The in-app notification list: a status-bar button with the unread count and a list of recent
notifications; activating one opens the page that shows its subject (or its details)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.notifications import Notification, NotificationCenter, NotificationLevel


class NotificationListDialog(QDialog):
    """Recent notifications, newest first; double-click or Enter opens one."""

    #: A notification to open: (notification).
    opened = Signal(object)

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NotificationListDialog")
        self.setWindowTitle("Notifications")
        self.setModal(False)
        self.resize(560, 420)
        self._center = center
        self.list = QListWidget()
        self.list.setObjectName("NotificationList")
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        center.notified.connect(lambda _n: self.fill() if self.isVisible() else None)

    def fill(self) -> None:
        """List the center's history, newest first."""
        self.list.clear()
        for n in reversed(self._center.history):
            stamp = n.created_at.strftime("%H:%M:%S")
            head = f"{n.title}: " if n.title else ""
            item = QListWidgetItem(style.level_icon(n.level.value), f"{stamp}  {head}{n.message}")
            item.setData(Qt.ItemDataRole.UserRole, n)
            if n.page:
                item.setToolTip(f"Opens the {n.page.capitalize()} page")
            self.list.addItem(item)

    def _activated(self, item: QListWidgetItem) -> None:
        notification = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(notification, Notification):
            self.opened.emit(notification)


class NotificationButton(QToolButton):
    """Status-bar button: how many events arrived since the list was last opened."""

    def __init__(self, center: NotificationCenter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinkButton")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Notifications: drift, retraining, jobs, promotions, approvals")
        self.unread = 0
        center.notified.connect(self._notified)
        self._update()

    def _notified(self, notification: Notification) -> None:
        if notification.page or notification.level is not NotificationLevel.INFO:
            self.unread += 1
            self._update()

    def mark_read(self) -> None:
        """The list was opened."""
        self.unread = 0
        self._update()

    def _update(self) -> None:
        self.setText(f"Notifications ({self.unread})" if self.unread else "Notifications")
