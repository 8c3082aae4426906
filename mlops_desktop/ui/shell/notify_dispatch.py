"""The window's notification dispatcher: sends new events to the targets outside the app.

:class:`NotifyDispatchService` runs :meth:`~mlops_desktop.notify.dispatcher.Dispatcher.send_pending`
in a worker every :data:`DISPATCH_SECONDS` and right after the event watch found something new
(a tick while a run is under way is skipped). The dispatcher's lock and delivery log keep the
window and the CLI from sending an event twice. A failed delivery is said once until it changes.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, Signal

from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.periodic_check import PeriodicCheck
from mlops_desktop.ui.shell.workers import Worker, WorkerPool

DISPATCH_SECONDS = 30.0
DISPATCH_ENV = "MLOPS_DESKTOP_NOTIFY_SECONDS"


def dispatch_seconds() -> float:
    """The configured interval (seconds; 0 = off)."""
    try:
        return max(float(os.environ.get(DISPATCH_ENV, "") or DISPATCH_SECONDS), 0.0)
    except ValueError:
        return DISPATCH_SECONDS


def dispatch_task(ctx: TaskContext) -> Any:
    """Read the settings and send what is pending (None when no target is configured)."""
    from mlops_desktop.core.settings import load_settings
    from mlops_desktop.notify.dispatcher import Dispatcher

    settings = load_settings().notifications
    if not settings.enabled or not settings.targets:
        return None
    return Dispatcher(settings).send_pending(ctx)


class NotifyDispatchService(PeriodicCheck):
    """Sends pending notifications in a worker, periodically and on demand."""

    #: A run finished: its DispatchReport (None when nothing is configured).
    dispatched = Signal(object)

    def __init__(
        self,
        pool: WorkerPool,
        center: NotificationCenter,
        *,
        seconds: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pool, center, parent)
        self.seconds = dispatch_seconds() if seconds is None else seconds

    def start(self) -> None:
        """Send now, then every ``seconds`` (nothing when 0)."""
        if self.seconds > 0:
            self.timer.start(int(self.seconds * 1000))
            self.check_now()

    def _submit(self) -> Worker:
        return self._pool.submit(dispatch_task, name="send notifications")

    def _on_result(self, report: Any) -> None:
        failures = set()
        if report is not None:
            failures = {f"{d.target}: {d.error}" for d in report.failed}
        for line in sorted(failures - self._said_failures):
            self._center.warning(
                f"A notification could not be delivered — {line}",
                hint="it is retried on the next runs; `mlops-desktop notify log` lists every "
                "delivery, Settings → Notifications → Send test checks a target",
            )
        self._said_failures = failures
        self.dispatched.emit(report)

    def _on_error(self, error: BaseException) -> None:
        self._report_failure_once(error, "Sending notifications")
