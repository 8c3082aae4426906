"""What the window runs in the background: the compute sampler, event notifications (in-app
list + system tray), the periodic retraining policy check and the endpoint watchdog.

All of it is read-only but for two things: the watchdog restarts local endpoints that died
(bringing back what was deployed), and — only when Settings → Background → stage changes is on
(off by default) — a fired retraining policy's job is submitted after an announcement, its
chained promotion following the job. The status bar says which (``BackgroundActionsIndicator``).

The notification button and list always exist; :meth:`BackgroundServices.start` starts the
sampler, the event polls, the policy checks and the watchdog — the window calls it only when it
runs for a person (not for ``--screenshot`` nor in tests that do not ask for it).
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.settings import BackgroundSettings
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.background_actions import BackgroundActionsIndicator
from mlops_desktop.ui.shell.event_watch import EventWatchService, PolicyCheckService
from mlops_desktop.ui.shell.notification_list import NotificationButton, NotificationListDialog
from mlops_desktop.ui.shell.notifications import Notification, NotificationCenter, NotificationLevel
from mlops_desktop.ui.shell.notify_dispatch import NotifyDispatchService
from mlops_desktop.ui.shell.periodic_check import PeriodicCheck
from mlops_desktop.ui.shell.tray import TrayNotifier
from mlops_desktop.ui.shell.workers import Worker, WorkerPool

#: Seconds between compute samples; ``MLOPS_DESKTOP_COMPUTE_INTERVAL`` changes it.
COMPUTE_INTERVAL_ENV = "MLOPS_DESKTOP_COMPUTE_INTERVAL"
#: Days of compute samples kept; ``MLOPS_DESKTOP_COMPUTE_KEEP_DAYS`` changes it.
COMPUTE_KEEP_DAYS_ENV = "MLOPS_DESKTOP_COMPUTE_KEEP_DAYS"
#: Seconds between endpoint watchdog checks (0: off); ``MLOPS_DESKTOP_ENDPOINT_WATCH_SECONDS``.
ENDPOINT_WATCH_ENV = "MLOPS_DESKTOP_ENDPOINT_WATCH_SECONDS"


def _env_number(name: str, default: float) -> float:
    try:
        return max(float(os.environ.get(name, "") or default), 0.0)
    except ValueError:
        return default


def heal_task(ctx: TaskContext, config: AppConfig) -> list[Any]:
    """Task body of the watchdog: restart what died of the running local endpoints."""
    from mlops_desktop.notify.outbox import record_heal_reports
    from mlops_desktop.serving.heal import heal_endpoints

    reports = heal_endpoints(config, ctx)
    record_heal_reports(reports)  # "endpoint unhealthy" for the notification targets
    return reports


class EndpointWatchdog(PeriodicCheck):
    """Every ``seconds``, restarts the dead deployments and routers of running local endpoints
    in a worker (a tick while the previous check runs is skipped) and posts a notification per
    restart; a failure is said once until it changes.

    Endpoints run detached and outlive the app, so one that crashes while the window is open
    would otherwise stay down until the next start re-attaches it.
    """

    #: A check finished: its ``HealReport`` list.
    checked = Signal(list)

    def __init__(
        self,
        pool: WorkerPool,
        center: NotificationCenter,
        config: Any,
        *,
        seconds: float | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(pool, center, parent)
        self._config = config  # a callable giving the configuration in force
        self.seconds = _env_number(ENDPOINT_WATCH_ENV, 30.0) if seconds is None else seconds

    @property
    def enabled(self) -> bool:
        """False when the interval is 0."""
        return self.seconds > 0

    def start(self) -> None:
        """Check every ``seconds`` (start-up re-attaching covers the first moments)."""
        if self.enabled:
            self.timer.start(int(self.seconds * 1000))

    def _submit(self) -> Worker:
        return self._pool.submit(heal_task, self._config(), name="endpoint watchdog")

    def _on_result(self, reports: list[Any]) -> None:
        failures = set()
        for report in reports:
            for line in report.restarted:
                self._center.notify(
                    Notification(
                        NotificationLevel.WARNING,
                        f"{report.workspace}: {line}",
                        title="Endpoint restarted",
                        page="endpoints",
                    )
                )
            failures.update(f"{report.workspace}: {line}" for line in report.failures)
        for line in sorted(failures - self._said_failures):
            self._center.warning(
                f"Could not restart a local endpoint — {line}",
                hint="see the endpoint's router.log and deployments/*.log",
            )
        self._said_failures = failures
        self.checked.emit(reports)

    def _on_error(self, error: BaseException) -> None:
        self._report_failure_once(error, "Endpoint watchdog")


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
        self.policy_checks.submitted.connect(lambda _decisions: self.events.poll())
        self.actions_indicator = BackgroundActionsIndicator(self.policy_checks)
        window.statusBar().addPermanentWidget(self.actions_indicator)
        self.watchdog = EndpointWatchdog(
            window.pool, center, lambda: window.loader.config, parent=self
        )
        self.notify = NotifyDispatchService(window.pool, center, parent=self)
        # A new event (promotion, approval, decision) goes out without waiting for the tick.
        self.events.eventsArrived.connect(lambda _events: self.notify.check_now())
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
        self.watchdog.start()
        self.notify.start()
        # Another process (``compute sample``) may hold the store: the label says who records.
        self.sampler_status_timer = QTimer(self)
        self.sampler_status_timer.timeout.connect(self.show_sampler_status)
        self.sampler_status_timer.start(max(int(self.sample_interval * 1000), 1000))
        self.show_sampler_status()

    def apply_settings(self, settings: BackgroundSettings) -> None:
        """Settings → Background: may fired policies submit their jobs (announced first)?"""
        self.policy_checks.configure(
            stage_changes=settings.stage_changes, announce_seconds=settings.announce_seconds
        )
        self.actions_indicator.update_state()
        if self.started:
            self.show_sampler_status()

    def show_sampler_status(self) -> None:
        """Say on the Compute page how samples are recorded (by this app or another sampler)."""
        checks = (
            f"policies checked every {self.policy_checks.minutes:g} min"
            if self.policy_checks.enabled
            else "background policy checks off"
        )
        if self.policy_checks.enabled and not self.policy_checks.stage_changes:
            checks += " (read-only: background stage changes off)"
        other = self.sampler.other_sampler_pid if self.sampler is not None else None
        if other is None:
            sampling = f"Sampling every {self.sample_interval:g} s, kept {self.keep_days} d"
        else:
            sampling = f"Another sampler is recording (pid {other or '?'})"
        self.window.compute_page.set_sampler_status(f"{sampling} · {checks}")

    def stop(self) -> None:
        """Stop everything (quit); the sampler thread is joined briefly."""
        self.events.stop()
        self.policy_checks.stop()
        self.watchdog.stop()
        self.notify.stop()
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
