"""Creating the demo workspaces from the main window: a worker with progress in the status
bar (or the empty Models page) and Cancel, then a reload (a part of
:class:`~mlops_desktop.ui.shell.main_window.MainWindow`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.workers import Worker, WorkerPool

DemoTask = Callable[..., Any]


@dataclass
class _DemoRun:
    worker: Worker
    cancelling: bool = False
    succeeded: bool = False


class DemoRunner:
    """The demo task's life in the window (a mixin of ``MainWindow``)."""

    pool: WorkerPool
    notifications: NotificationCenter
    _demo_task: DemoTask
    _demo: _DemoRun | None
    _shut_down: bool

    @property
    def demo_running(self) -> bool:
        """True while the demo is being created."""
        return self._demo is not None

    def create_demo(self) -> None:
        """Create the demo workspaces in a worker (progress + Cancel), then reload."""
        if self._demo is not None:
            return
        worker = self.pool.submit(self._demo_task, name="create demo workspaces")
        self._demo = _DemoRun(worker)
        worker.signals.progress.connect(self._demo_progress)
        worker.signals.result.connect(self._demo_result)
        worker.signals.error.connect(self._demo_error)
        worker.signals.finished.connect(self._demo_finished)
        self.models_page.empty_state.set_demo_running(True)
        if not self._empty_state_shown():
            self.task_progress.start("Creating demo workspaces…", cancellable=True)
        self.create_demo_action.setEnabled(False)
        self.notifications.info("Creating demo workspaces (dev, staging, prod)…")

    def _empty_state_shown(self) -> bool:
        page = self.models_page
        return page.isVisible() and page.stack.currentWidget() is page.empty_state

    def cancel_demo(self) -> None:
        """Ask the demo task to stop after its current step."""
        if self._demo is None or self._demo.cancelling:
            return
        self._demo.cancelling = True
        self._demo.worker.cancel()
        self.models_page.empty_state.set_cancelling()
        self.task_progress.cancel_button.setEnabled(False)
        self.task_progress.label.setText("Cancelling…")

    def _demo_progress(self, done: int, total: int, message: str) -> None:
        self.models_page.empty_state.set_demo_progress(done, total, message)
        if self._demo is not None and not self._demo.cancelling:
            self.task_progress.set_progress(done, total, f"Demo: {message}")

    def _demo_result(self, summary: object) -> None:
        if self._demo is not None:
            self._demo.succeeded = True
        lines = getattr(summary, "lines", None)
        text = lines()[0] if callable(lines) else "demo workspaces ready"
        self.notifications.info(f"Demo workspaces ready — {text}")

    def _demo_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.notifications.info("Demo creation cancelled")
        else:
            self.notifications.report_exception(error, context="Creating the demo failed")

    def _demo_finished(self) -> None:
        run = self._demo
        self._demo = None
        self.models_page.empty_state.set_demo_running(False)
        self.task_progress.hide()
        self.create_demo_action.setEnabled(True)
        succeeded = run is not None and run.succeeded
        if not self._shut_down:
            self.reload_config()
        self.demoFinished.emit(succeeded)
