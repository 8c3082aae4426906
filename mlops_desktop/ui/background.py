"""What the window runs in the background: the compute sampler, event notifications (in-app
list + system tray) and the periodic retraining policy check.

The notification button and list always exist; :meth:`BackgroundServices.start` starts the
sampler, the event polls and the policy checks — the window calls it only when it runs for a
person (not for ``--screenshot`` nor in tests that do not ask for it).
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject

from mlops_desktop.ui.event_watch import EventWatchService, PolicyCheckService
from mlops_desktop.ui.notification_list import NotificationButton, NotificationListDialog
from mlops_desktop.ui.notifications import Notification
from mlops_desktop.ui.tray import TrayNotifier

#: Seconds between compute samples; ``MLOPS_DESKTOP_COMPUTE_INTERVAL`` changes it.
COMPUTE_INTERVAL_ENV = "MLOPS_DESKTOP_COMPUTE_INTERVAL"
#: Days of compute samples kept; ``MLOPS_DESKTOP_COMPUTE_KEEP_DAYS`` changes it.
COMPUTE_KEEP_DAYS_ENV = "MLOPS_DESKTOP_COMPUTE_KEEP_DAYS"


def _env_number(name: str, default: float) -> float:
    try:
        return max(float(os.environ.get(name, "") or default), 0.0)
    except ValueError:
        return default


class BackgroundServices(QObject):
    """The window's background services; ``window`` is the MainWindow."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        center = window.notifications
        self.button = NotificationButton(center)
        self.button.clicked.connect(self.show_list)
        window.statusBar().addPermanentWidget(self.button)
        self.list_dialog: NotificationListDialog | None = None
        self.tray = TrayNotifier(center, self)
        self.tray.pageRequested.connect(self.open_page)
        self.events = EventWatchService(window.pool, center, parent=self)
        self.policy_checks = PolicyCheckService(window.pool, center, parent=self)
        self.policy_checks.checked.connect(lambda _decisions: self.events.poll())
        self.sampler: Any = None
        self.sample_interval = _env_number(COMPUTE_INTERVAL_ENV, 5.0) or 5.0
        self.keep_days = int(_env_number(COMPUTE_KEEP_DAYS_ENV, 7)) or 7
        self.started = False

    def start(self) -> None:
        """Start sampling, event polls and policy checks."""
        from mlops_desktop.retraining.compute_watch import BackgroundSampler, SamplingLoop

        if self.started:
            return
        self.started = True
        self.sampler = BackgroundSampler(
            SamplingLoop(keep_days=self.keep_days), interval=self.sample_interval
        )
        self.sampler.start()
        self.events.start()
        self.policy_checks.start()
        checks = (
            f"policies checked every {self.policy_checks.minutes:g} min"
            if self.policy_checks.enabled
            else "background policy checks off"
        )
        self.window.compute_page.set_sampler_status(
            f"Sampling every {self.sample_interval:g} s, kept {self.keep_days} d · {checks}"
        )

    def stop(self) -> None:
        """Stop everything (quit); the sampler thread is joined briefly."""
        self.events.stop()
        self.policy_checks.stop()
        if self.sampler is not None:
            self.sampler.stop()
        self.tray.hide()

    def show_list(self) -> NotificationListDialog:
        """Open the in-app notification list."""
        if self.list_dialog is None:
            self.list_dialog = NotificationListDialog(self.window.notifications, self.window)
            self.list_dialog.opened.connect(self.open_notification)
        self.list_dialog.fill()
        self.list_dialog.show()
        self.list_dialog.raise_()
        self.button.mark_read()
        return self.list_dialog

    def open_notification(self, notification: Notification) -> None:
        """Open what a notification is about: its page, else its details."""
        if notification.page:
            self.open_page(notification.page)
        else:
            self.window.show_notification_details(notification)

    def open_page(self, page: str) -> None:
        """Bring the window up, on ``page`` when given."""
        window = self.window
        if page and page in window.page_keys():
            window.show_page(page)
        window.showNormal() if window.isMinimized() else window.show()
        window.raise_()
        window.activateWindow()
