"""The worker abstraction: signals in the GUI thread, cancel, latest request wins, shutdown."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication, QThread

from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool


@pytest.fixture
def pool(qapp):
    pool = WorkerPool()
    yield pool
    assert pool.shutdown(5000)


def test_signals_arrive_in_the_gui_thread_in_order(qtbot, pool) -> None:
    events: list[tuple[str, object, bool]] = []
    task_threads: list[object] = []

    def task(ctx: TaskContext, x: int) -> int:
        task_threads.append(QThread.currentThread())
        ctx.progress(1, 2, "half way")
        return x * 2

    worker = pool.submit(task, 21)
    gui = QThread.currentThread()

    def record(name: str):
        return lambda *args: events.append((name, args, QThread.currentThread() is gui))

    worker.signals.started.connect(record("started"))
    worker.signals.progress.connect(record("progress"))
    worker.signals.result.connect(record("result"))
    worker.signals.finished.connect(record("finished"))
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        pass

    assert [name for name, _, _ in events] == ["started", "progress", "result", "finished"]
    assert events[1][1] == (1, 2, "half way")
    assert events[2][1] == (42,)
    assert all(in_gui for _, _, in_gui in events)
    assert task_threads and task_threads[0] is not gui
    qtbot.waitUntil(lambda: pool.active_count() == 0)


def test_errors_are_delivered_with_the_exception(qtbot, pool) -> None:
    def task(ctx: TaskContext) -> None:
        raise MlopsError("boom", hint="do this")

    worker = pool.submit(task)
    results: list[object] = []
    worker.signals.result.connect(results.append)
    with qtbot.waitSignal(worker.signals.error, timeout=5000) as blocker:
        pass
    error = blocker.args[0]
    assert isinstance(error, MlopsError) and error.hint == "do this"
    assert error.__traceback__ is not None
    assert results == []


def test_cancel_stops_a_cooperative_task_and_drops_its_result(qtbot, pool) -> None:
    entered = threading.Event()

    def task(ctx: TaskContext) -> str:
        entered.set()
        while True:
            ctx.check()
            threading.Event().wait(0.01)

    worker = pool.submit(task)
    results: list[object] = []
    worker.signals.result.connect(results.append)
    qtbot.waitUntil(entered.is_set, timeout=5000)
    with qtbot.waitSignal(worker.signals.error, timeout=5000) as blocker:
        worker.cancel()
    assert isinstance(blocker.args[0], Cancelled)
    assert results == []


def test_a_result_returned_after_cancel_is_dropped(qtbot, pool) -> None:
    gate = threading.Event()
    entered = threading.Event()

    def task(ctx: TaskContext) -> str:
        entered.set()
        gate.wait(10)  # a call that cannot be interrupted
        return "late"

    worker = pool.submit(task)
    results: list[object] = []
    errors: list[object] = []
    worker.signals.result.connect(results.append)
    worker.signals.error.connect(errors.append)
    qtbot.waitUntil(entered.is_set, timeout=5000)
    worker.cancel()
    # Listen before releasing the task: a cross-thread emit reaches only connections that
    # exist at the moment it is emitted.
    with qtbot.waitSignal(worker.signals.finished, timeout=5000):
        gate.set()
    assert results == []
    assert len(errors) == 1 and isinstance(errors[0], Cancelled)


def test_latest_request_drops_results_already_queued_for_an_old_generation(qtbot, pool) -> None:
    request = LatestRequest()
    guarded: list[object] = []
    unguarded: list[object] = []
    gate = threading.Event()
    generation = request.begin()

    def task(ctx: TaskContext) -> str:
        gate.wait(10)
        return "stale"

    worker = pool.submit(task)
    request.track(worker)
    request.connect(worker.signals.result, guarded.append)
    worker.signals.result.connect(unguarded.append)
    with qtbot.waitSignal(worker.signals.started, timeout=5000):
        pass
    # Block the GUI thread until the task has returned: its result is emitted (queued) but not
    # yet delivered when the next request begins.
    gate.set()
    assert worker.wait(5)
    assert request.begin() == generation + 1
    assert not request.is_current(generation)
    qtbot.waitUntil(lambda: pool.active_count() == 0)
    QCoreApplication.processEvents()

    assert unguarded == ["stale"], "the result was emitted and delivered"
    assert guarded == [], "but not to the superseded request's handler"
    assert worker.cancelled


def test_latest_request_cancels_the_previous_workers(qtbot, pool) -> None:
    request = LatestRequest()
    request.begin()
    first = pool.submit(lambda ctx: ctx.check())
    request.track(first)
    request.begin()
    assert first.cancelled
    second = pool.submit(lambda ctx: "fresh")
    request.track(second)
    seen: list[object] = []
    request.connect(second.signals.result, seen.append)
    qtbot.waitUntil(lambda: seen == ["fresh"], timeout=5000)
    assert not second.cancelled


def test_shutdown_cancels_and_waits_with_a_deadline(qtbot, qapp) -> None:
    pool = WorkerPool()
    cooperative_started = threading.Event()

    def cooperative(ctx: TaskContext) -> None:
        cooperative_started.set()
        while True:
            ctx.check()
            threading.Event().wait(0.01)

    pool.submit(cooperative)
    qtbot.waitUntil(cooperative_started.is_set, timeout=5000)
    assert pool.shutdown(5000) is True
    # Work asked for after shutdown (a late queued signal) never runs and never emits.
    late_started = cooperative_started
    late_started.clear()
    late = pool.submit(cooperative)
    emitted: list[str] = []
    late.signals.finished.connect(lambda: emitted.append("finished"))
    qtbot.wait(50)
    assert late.cancelled and late.is_done and not late_started.is_set() and emitted == []

    stubborn_pool = WorkerPool()
    gate = threading.Event()
    entered = threading.Event()

    def stubborn_task(ctx: TaskContext) -> None:
        entered.set()
        gate.wait(30)  # ignores cancellation

    stubborn = stubborn_pool.submit(stubborn_task)
    qtbot.waitUntil(entered.is_set, timeout=5000)
    assert stubborn_pool.shutdown(100) is False, "a task ignoring cancel outlives the deadline"
    gate.set()
    assert stubborn.wait(5)
    assert stubborn_pool.shutdown(5000) is True
