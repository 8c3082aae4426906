"""Cancellation and progress for long work, shared by the GUI workers and the CLI.

Task bodies are plain functions ``fn(ctx: TaskContext, ...)`` so they are tested without Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from mlops_desktop.core.errors import Cancelled

ProgressCallback = Callable[[int, int, str], None]


class TaskContext:
    """Cooperative cancellation flag plus a progress reporter.

    The task calls :meth:`check` between steps (raises :class:`Cancelled` once cancelled) and
    :meth:`progress` to report ``done`` of ``total`` with a message.
    """

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._cancelled = threading.Event()
        self._on_progress = on_progress

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        """True once cancellation was requested."""
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._cancelled.is_set():
            raise Cancelled("cancelled")

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Report progress; also a cancellation point."""
        self.check()
        if self._on_progress is not None:
            self._on_progress(done, total, message)
