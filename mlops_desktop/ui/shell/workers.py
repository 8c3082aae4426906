"""Background work for the GUI: one abstraction over ``QThreadPool``.

A task body is a plain function ``fn(ctx, *args, **kwargs)`` taking a
:class:`~mlops_desktop.core.tasks.TaskContext` (cooperative cancel + progress). The GUI submits
it to a :class:`WorkerPool` and listens to the :class:`Worker`'s signals, which are always
delivered in the GUI thread: ``started``, ``progress(done, total, message)``, ``partial(value)``
(what the task hands to ``ctx.publish``), ``result(value)``, ``error(exception)`` and
``finished``. Widgets are never touched from worker threads.

"Latest request wins": a page that asks again calls :meth:`LatestRequest.begin`, which cancels
and disconnects the previous request's workers and bumps a generation counter; handlers
connected through :meth:`LatestRequest.connect` drop anything from an older generation.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, QThreadPool, QTimer, Signal

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.tasks import TaskContext

TaskFunction = Callable[..., Any]


class WorkerSignals(QObject):
    """Signals of one worker; emitted in the pool thread, delivered in the GUI thread."""

    started = Signal()
    progress = Signal(int, int, str)
    partial = Signal(object)
    result = Signal(object)
    error = Signal(object)
    finished = Signal()


class Worker:
    """One submitted task: its signals, its cancel flag and its outcome.

    ``result`` is emitted only when the task returned without being cancelled; ``error``
    carries the exception (a :class:`~mlops_desktop.core.errors.Cancelled` when the task
    noticed a cancel); ``finished`` always comes last.
    """

    def __init__(
        self,
        pool: WorkerPool,
        fn: TaskFunction,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str,
    ) -> None:
        self.name = name
        # Parented to the pool: the C++ object is deleted only in the GUI thread (deleteLater
        # once the run is over), never by a worker thread dropping the last Python reference.
        self.signals = WorkerSignals(pool)
        self.context = TaskContext(on_progress=self._emit_progress, on_partial=self._emit_partial)
        self._pool = pool
        self._fn = fn
        self._args = args
        self._kwargs = kwargs
        self._done = threading.Event()

    # -- GUI thread ---------------------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the task to stop at its next check; its result, if any, is dropped."""
        self.context.cancel()

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        return self.context.cancelled

    @property
    def is_done(self) -> bool:
        """True once the task body has returned or raised."""
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the task body is over (tests, shutdown); True when it is."""
        return self._done.wait(timeout)

    # -- pool thread --------------------------------------------------------------------------

    def _emit_progress(self, done: int, total: int, message: str) -> None:
        _emit(self.signals.progress, done, total, message)

    def _emit_partial(self, value: Any) -> None:
        _emit(self.signals.partial, value)

    def run(self) -> None:
        """Run the task body (called in a pool thread); nothing escapes into Qt."""
        try:
            self._run()
        except BaseException:  # only possible while the interpreter shuts down
            return

    def _run(self) -> None:
        signals = self.signals
        try:
            _emit(signals.started)
            try:
                self.context.check()
                value = self._fn(self.context, *self._args, **self._kwargs)
            except BaseException as exc:
                _emit(signals.error, exc)
            else:
                if self.context.cancelled:
                    _emit(signals.error, Cancelled(f"{self.name}: cancelled"))
                else:
                    _emit(signals.result, value)
            _emit(signals.finished)
        finally:
            self._done.set()
            # The last Qt call this thread makes for this worker; the pool then frees it.
            _emit(self._pool._worker_over, self)


def _emit(signal: Any, *args: Any) -> None:
    """Emit, unless the Qt object behind ``signal`` is already gone (interpreter exit)."""
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)


class WorkerPool(QObject):
    """Runs task functions on a private ``QThreadPool`` and keeps track of them.

    I/O-bound tasks (backends answering over the network or from disk) get a few threads more
    than there are cores.
    """

    _worker_over = Signal(object)
    #: Emitted (GUI thread) whenever the number of active workers changes.
    activeCountChanged = Signal(int)

    def __init__(self, parent: QObject | None = None, *, max_threads: int | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        ideal = QThreadPool.globalInstance().maxThreadCount()
        self._pool.setMaxThreadCount(max_threads or max(4, ideal + 2))
        self._active: list[Worker] = []
        self._closed = False
        self._worker_over.connect(self._release)

    def submit(self, fn: TaskFunction, *args: Any, name: str = "", **kwargs: Any) -> Worker:
        """Create a worker for ``fn(ctx, *args, **kwargs)`` and queue it.

        Connect to its signals right after this call: the worker starts only once control
        returns to the event loop, so no signal is emitted before.
        """
        worker = Worker(self, fn, args, kwargs, name or getattr(fn, "__name__", "task"))
        if self._closed:
            # A signal queued before the window closed may still ask for work: nothing runs,
            # nothing is emitted, and the caller's connections simply never fire.
            worker.cancel()
            worker._done.set()
            return worker
        self._active.append(worker)
        # Started from the event loop, so that the caller's connections (made right after this
        # call returns) exist before the worker thread can emit anything.
        QTimer.singleShot(0, self, lambda: self._start(worker))
        self.activeCountChanged.emit(len(self._active))
        return worker

    def _start(self, worker: Worker) -> None:
        if self._closed:
            worker._done.set()
            self._release(worker)
            return
        self._pool.start(worker.run)

    def active_workers(self) -> list[Worker]:
        """Workers submitted and not yet released."""
        return list(self._active)

    def active_count(self) -> int:
        """How many workers are submitted and not yet released."""
        return len(self._active)

    def cancel_all(self) -> None:
        """Ask every active worker to stop."""
        for worker in self._active:
            worker.cancel()

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Cancel everything and wait up to ``timeout_ms``; True when every thread finished."""
        self._closed = True
        self.cancel_all()
        return bool(self._pool.waitForDone(timeout_ms))

    def _release(self, worker: Worker) -> None:
        if worker in self._active:
            self._active.remove(worker)
        worker.signals.deleteLater()
        self.activeCountChanged.emit(len(self._active))


class LatestRequest(QObject):
    """The latest-request-wins rule for one page (or any repeated request).

    ``begin()`` starts a new generation: the previous generation's workers are cancelled and
    their connections made through :meth:`connect` are cut. Handlers connected through
    :meth:`connect` are called only while their generation is still the current one, so a late
    result of a superseded request is dropped even if it was already queued.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._workers: list[Worker] = []
        self._connections: list[QMetaObject.Connection] = []

    @property
    def generation(self) -> int:
        """The current generation (0 before the first request)."""
        return self._generation

    def begin(self) -> int:
        """Supersede the current request; returns the new generation."""
        self.cancel()
        self._generation += 1
        return self._generation

    def cancel(self) -> None:
        """Cancel and disconnect the current request's workers (the generation stays)."""
        for worker in self._workers:
            worker.cancel()
        for connection in self._connections:
            # The worker's signals object may already be gone (deleteLater): nothing to cut.
            with contextlib.suppress(RuntimeError, TypeError):
                QObject.disconnect(connection)
        self._workers = []
        self._connections = []

    def is_current(self, generation: int) -> bool:
        """True while ``generation`` is the latest request."""
        return generation == self._generation

    def track(self, worker: Worker) -> None:
        """Count ``worker`` as part of the current request (cancelled by the next ``begin``)."""
        self._workers.append(worker)

    def connect(self, signal: Any, handler: Callable[..., None]) -> None:
        """Connect ``handler`` to a worker signal for the current generation only."""
        generation = self._generation

        def guarded(*args: Any) -> None:
            if generation == self._generation:
                handler(*args)

        self._connections.append(signal.connect(guarded))
