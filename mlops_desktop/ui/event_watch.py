"""Background polling of events and retraining policies, feeding the notification center.

:class:`EventWatchService` polls :class:`~mlops_desktop.retraining.app_events.EventWatcher`
(job store, decision log, audit log) every few seconds in a worker and posts each new event as a
notification that names its page. :class:`PolicyCheckService` evaluates the retraining policies
on an interval in a worker — the same ``check_policies(submit=True)`` as ``mlops-desktop
retrain check --submit`` — and skips a tick while the previous check still runs. Neither ever
blocks the GUI thread.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.notifications import Notification, NotificationCenter, NotificationLevel
from mlops_desktop.ui.periodic_check import PeriodicCheck
from mlops_desktop.ui.workers import Worker, WorkerPool

#: Seconds between event polls (cheap: a SQLite query and two appended files).
EVENT_POLL_SECONDS = 10
#: Minutes between policy checks; ``MLOPS_DESKTOP_POLICY_CHECK_MINUTES`` changes it, 0 is off.
POLICY_CHECK_MINUTES = 5.0
POLICY_CHECK_ENV = "MLOPS_DESKTOP_POLICY_CHECK_MINUTES"
#: The first check waits this long, so it does not compete with the window's first loads.
FIRST_CHECK_DELAY_MS = 30_000


def policy_check_minutes() -> float:
    """The configured interval (minutes; 0 = off)."""
    raw = os.environ.get(POLICY_CHECK_ENV, "").strip()
    try:
        return max(float(raw), 0.0) if raw else POLICY_CHECK_MINUTES
    except ValueError:
        return POLICY_CHECK_MINUTES


def poll_events_task(ctx: TaskContext, watcher: Any | None) -> tuple[Any, list[Any]]:
    """One poll; the watcher is created here (first poll) so its I/O stays off the GUI thread."""
    from mlops_desktop.retraining.app_events import EventWatcher

    ctx.check()
    watcher = watcher or EventWatcher()
    return watcher, watcher.poll()


def check_policies_task(ctx: TaskContext) -> list[Any]:
    """Evaluate every retraining policy and submit the jobs that fired (recorded decisions)."""
    from mlops_desktop.retraining.check import check_policies

    ctx.check()
    return check_policies(submit=True, ctx=ctx)


def notification_of(event: Any) -> Notification:
    """The notification of an :class:`~mlops_desktop.retraining.app_events.AppEvent`."""
    return Notification(
        NotificationLevel(event.level), event.message, title=event.title, page=event.page
    )


class EventWatchService(PeriodicCheck):
    """Polls for events every ``interval_s`` seconds and posts them as notifications."""

    #: New events (list of AppEvent), after they were posted.
    eventsArrived = Signal(list)

    def __init__(
        self,
        pool: WorkerPool,
        center: NotificationCenter,
        *,
        interval_s: float = EVENT_POLL_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pool, center, parent)
        self._watcher: Any = None
        self.timer.setInterval(int(interval_s * 1000))

    def start(self) -> None:
        """Poll now (records the present on a fresh home) and then periodically."""
        self.poll()
        self.timer.start()

    @property
    def busy(self) -> bool:
        """True while a poll runs."""
        return self.running

    def poll(self) -> None:
        """Poll once in a worker, unless a poll is under way."""
        self.check_now()

    def _submit(self) -> Worker:
        return self._pool.submit(poll_events_task, self._watcher, name="poll events")

    def _on_result(self, result: tuple[Any, list[Any]]) -> None:
        self._watcher, events = result
        for event in events:
            self._center.notify(notification_of(event))
        if events:
            self.eventsArrived.emit(events)


class PolicyCheckService(PeriodicCheck):
    """Evaluates the retraining policies every ``minutes`` in a worker; skips while one runs."""

    #: A check finished: its decisions.
    checked = Signal(list)

    #: What was said when no failure was: as before, a failure without a message is not said.
    _NOTHING_SAID = frozenset({""})

    def __init__(
        self,
        pool: WorkerPool,
        center: NotificationCenter,
        *,
        minutes: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pool, center, parent)
        self.minutes = policy_check_minutes() if minutes is None else minutes
        self._said_failures = set(self._NOTHING_SAID)

    @property
    def enabled(self) -> bool:
        """False when the interval is 0."""
        return self.minutes > 0

    def start(self, first_delay_ms: int = FIRST_CHECK_DELAY_MS) -> None:
        """Check after ``first_delay_ms``, then every ``minutes`` (nothing when disabled)."""
        if not self.enabled:
            return
        self.timer.start(int(self.minutes * 60_000))
        QTimer.singleShot(first_delay_ms, self, self.check_now)

    def _submit(self) -> Worker:
        return self._pool.submit(check_policies_task, name="check retraining policies")

    def _on_result(self, decisions: list[Any]) -> None:
        self._said_failures = set(self._NOTHING_SAID)
        self.checked.emit(decisions)

    def _on_error(self, error: BaseException) -> None:
        # The same failure every few minutes is said once.
        self._report_failure_once(error, "Background retraining check")
