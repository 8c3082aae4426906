"""One check run periodically in a worker: the machinery shared by the background services.

A :class:`PeriodicCheck` runs :meth:`~PeriodicCheck._submit`'s worker on each timer tick (or
:meth:`~PeriodicCheck.check_now`), skips a tick while the previous check still runs, counts the
checks started and skipped, and can report a failure once until it changes
(:meth:`~PeriodicCheck._report_failure_once`). Subclasses say when to start and what to do with
a result.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.workers import Worker, WorkerPool


class PeriodicCheck(QObject):
    """Runs one check at a time in ``pool``; ``timer`` ticks call :meth:`check_now`."""

    def __init__(
        self, pool: WorkerPool, center: NotificationCenter, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._pool = pool
        self._center = center
        self._worker: Worker | None = None
        #: The failures already said (each is said once until the set changes).
        self._said_failures: set[str] = set()
        self.checks_started = 0
        self.checks_skipped = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check_now)

    @property
    def running(self) -> bool:
        """True while a check runs."""
        return self._worker is not None

    def stop(self) -> None:
        """No more checks (a running one is cancelled with the pool at quit)."""
        self.timer.stop()

    def check_now(self) -> bool:
        """Start a check in a worker; False (skipped) while the previous one runs."""
        if self._worker is not None:
            self.checks_skipped += 1
            return False
        self.checks_started += 1
        worker = self._submit()
        self._worker = worker
        worker.signals.result.connect(self._on_result)
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        return True

    def _submit(self) -> Worker:
        """Submit one check to ``self._pool``."""
        raise NotImplementedError

    def _on_result(self, result: Any) -> None:
        """A check returned ``result``."""
        raise NotImplementedError

    def _on_error(self, error: BaseException) -> None:
        """A check failed (nothing said unless a subclass says it)."""

    def _report_failure_once(self, error: BaseException, context: str) -> None:
        """Report ``error`` unless it was cancelled or is the failure said last."""
        if isinstance(error, Cancelled) or str(error) in self._said_failures:
            return
        self._said_failures = {str(error)}
        self._center.report_exception(error, context=context)

    def _on_finished(self) -> None:
        self._worker = None
