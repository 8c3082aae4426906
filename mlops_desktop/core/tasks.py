"""Cancellation and progress for long work, shared by the GUI workers and the CLI.

Task bodies are plain functions ``fn(ctx: TaskContext, ...)`` so they are tested without Qt.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from mlops_desktop.core.errors import Cancelled

ProgressCallback = Callable[[int, int, str], None]
PartialCallback = Callable[[Any], None]


class TaskContext:
    """Cooperative cancellation flag plus a progress reporter.

    The task calls :meth:`check` between steps (raises :class:`Cancelled` once cancelled) and
    :meth:`progress` to report ``done`` of ``total`` with a message. A task that produces its
    result piece by piece (a followed log) hands each piece to :meth:`publish`.
    """

    def __init__(
        self,
        on_progress: ProgressCallback | None = None,
        on_partial: PartialCallback | None = None,
    ) -> None:
        self._cancelled = threading.Event()
        self._on_progress = on_progress
        self._on_partial = on_partial

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

    def publish(self, value: Any) -> None:
        """Hand a partial result to whoever runs the task; also a cancellation point."""
        self.check()
        if self._on_partial is not None:
            self._on_partial(value)
