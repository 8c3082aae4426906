"""Background polling of events and retraining policies, feeding the notification center.

:class:`EventWatchService` polls :class:`~mlops_desktop.retraining.app_events.EventWatcher`
(job store, decision log, audit log) every few seconds in a worker and posts each new event as a
notification that names its page. :class:`PolicyCheckService` evaluates the retraining policies
on an interval in a worker — read-only, as ``mlops-desktop retrain check`` — and skips a tick
while the previous check still runs. A policy that fires is only *said* unless background stage
changes are on (Settings → Background, off by default): then its job is announced, waits
``announce_seconds`` (cancellable), and is submitted as ``retrain check NAME --submit`` would,
its chained promotion following the job. Neither service ever blocks the GUI thread.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.notifications import Notification, NotificationCenter, NotificationLevel
from mlops_desktop.ui.shell.periodic_check import PeriodicCheck
from mlops_desktop.ui.shell.workers import Worker, WorkerPool

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


def check_policies_task(
    ctx: TaskContext, names: tuple[str, ...] = (), submit: bool = False
) -> tuple[list[Any], dict[str, str | None]]:
    """Evaluate the retraining policies (all, or ``names``); submit the fired ones' jobs only
    with ``submit``. Returns the recorded decisions and each policy's ``promote_to``."""
    from mlops_desktop.ports.collected_data import open_collected_data
    from mlops_desktop.retraining.check import check_policies
    from mlops_desktop.retraining.policies import load_policies

    ctx.check()
    policies = load_policies()
    decisions = check_policies(
        names=names,
        submit=submit,
        policies=policies,
        ctx=ctx,
        open_collected=open_collected_data,
    )
    return decisions, {p.name: p.promote_to for p in policies.policies}


def announcement(decision: Any, promote_to: str | None, seconds: int) -> str:
    """What a fired policy is about to do, said before it acts."""
    when = f"in {seconds} s" if seconds else "now"
    then = f", then promoting the new version to {promote_to}" if promote_to else ""
    reason = str(decision.reason).removesuffix(" (not submitted: run with --submit)")
    return (
        f"Retraining policy {decision.policy} fired ({reason}): submitting a retraining job "
        f"for {decision.model} in {decision.workspace} {when}{then}."
    )


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
    """Evaluates the retraining policies every ``minutes`` in a worker; skips while one runs.

    ``stage_changes`` off (the default): a policy that fires is said once (until it stops
    firing), nothing is submitted. On: each fired policy is announced and its job submitted
    ``announce_seconds`` later unless :meth:`cancel_pending` is called first.
    """

    #: A check finished: its decisions.
    checked = Signal(list)
    #: The set of announced, not yet submitted policies changed.
    pendingChanged = Signal()
    #: A fired policy's job was submitted after its announcement: the decisions.
    submitted = Signal(list)

    #: What was said when no failure was: as before, a failure without a message is not said.
    _NOTHING_SAID = frozenset({""})

    def __init__(
        self,
        pool: WorkerPool,
        center: NotificationCenter,
        *,
        minutes: float | None = None,
        stage_changes: bool = False,
        announce_seconds: int = 60,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pool, center, parent)
        self.minutes = policy_check_minutes() if minutes is None else minutes
        self.stage_changes = stage_changes
        self.announce_seconds = announce_seconds
        self._said_failures = set(self._NOTHING_SAID)
        #: Fired policies said while stage changes are off (said again once they stop firing).
        self._said_firing: set[str] = set()
        #: Announced policies -> the timer that submits their job.
        self._pending: dict[str, QTimer] = {}
        self._submitters: list[Worker] = []

    @property
    def enabled(self) -> bool:
        """False when the interval is 0."""
        return self.minutes > 0

    @property
    def pending(self) -> list[str]:
        """Policies announced whose job is not submitted yet."""
        return sorted(self._pending)

    def configure(self, *, stage_changes: bool, announce_seconds: int) -> None:
        """Apply Settings → Background; turning stage changes off cancels what is pending."""
        self.stage_changes = stage_changes
        self.announce_seconds = announce_seconds
        if not stage_changes and self._pending:
            self.cancel_pending("background stage changes were turned off")

    def start(self, first_delay_ms: int = FIRST_CHECK_DELAY_MS) -> None:
        """Check after ``first_delay_ms``, then every ``minutes`` (nothing when disabled)."""
        if not self.enabled:
            return
        self.timer.start(int(self.minutes * 60_000))
        QTimer.singleShot(first_delay_ms, self, self.check_now)

    def stop(self) -> None:
        """No more checks; announced jobs are not submitted."""
        super().stop()
        for timer in self._pending.values():
            timer.stop()
        self._pending.clear()

    def _submit(self) -> Worker:
        return self._pool.submit(check_policies_task, name="check retraining policies")

    def _on_result(self, result: tuple[list[Any], dict[str, str | None]]) -> None:
        decisions, promote_to = result
        self._said_failures = set(self._NOTHING_SAID)
        firing = [d for d in decisions if str(d.outcome) == "would-fire"]
        for decision in firing:
            if self.stage_changes:
                self._announce(decision, promote_to.get(decision.policy))
            elif decision.policy not in self._said_firing:
                self._center.notify(
                    Notification(
                        NotificationLevel.INFO,
                        f"Retraining policy {decision.policy} would fire for {decision.model} "
                        f"in {decision.workspace}: nothing submitted — background stage "
                        "changes are off.",
                        hint="Jobs → Retrain… or `mlops-desktop retrain check "
                        f"{decision.policy} --submit` runs it; Settings → Background lets the "
                        "window submit fired policies itself (announced first)",
                        title="Retraining policy fired",
                        page="jobs",
                    )
                )
        self._said_firing = {d.policy for d in firing} if not self.stage_changes else set()
        self.checked.emit(decisions)

    def _announce(self, decision: Any, promote_to: str | None) -> None:
        if decision.policy in self._pending:
            return  # announced already: its timer runs
        seconds = max(int(self.announce_seconds), 0)
        self._center.notify(
            Notification(
                NotificationLevel.WARNING,
                announcement(decision, promote_to, seconds),
                hint="Cancel it with the status bar's Cancel button, or turn background stage "
                "changes off in Settings → Background",
                title="Retraining about to start",
                page="jobs",
            )
        )
        timer = QTimer(self)
        timer.setSingleShot(True)
        timer.timeout.connect(lambda name=decision.policy: self._submit_fired(name))
        self._pending[decision.policy] = timer
        timer.start(seconds * 1000)
        self.pendingChanged.emit()

    def cancel_pending(self, why: str = "cancelled") -> list[str]:
        """Do not submit the announced jobs; returns the policies cancelled."""
        names = self.pending
        for timer in self._pending.values():
            timer.stop()
        self._pending.clear()
        if names:
            self._center.info(f"Retraining not submitted ({why}): {', '.join(names)}")
            self.pendingChanged.emit()
        return names

    def _submit_fired(self, policy: str) -> None:
        if self._pending.pop(policy, None) is None:
            return
        self.pendingChanged.emit()
        # The guards (cooldown, an active job) are checked again as the job is recorded.
        worker = self._pool.submit(
            check_policies_task, (policy,), True, name=f"submit retraining for {policy}"
        )
        self._submitters.append(worker)
        worker.signals.result.connect(lambda result: self.submitted.emit(result[0]))
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(lambda: self._submitters.remove(worker))

    def _on_error(self, error: BaseException) -> None:
        # The same failure every few minutes is said once.
        self._report_failure_once(error, "Background retraining check")
