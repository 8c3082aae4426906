"""The Compute page on real samples of a real process; the window's event notifications (list,
page opening) and the background policy check, all with real stores."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.files import ProcessLock
from mlops_desktop.retraining.compute_runs import RunSystemMetrics
from mlops_desktop.retraining.compute_samples import SampleStore
from mlops_desktop.retraining.compute_watch import SAMPLER_LOCK, BackgroundSampler, SamplingLoop
from mlops_desktop.retraining.decisions import Decision, DecisionLog, Outcome, TriggerVerdict
from mlops_desktop.retraining.jobs import Trigger
from mlops_desktop.ui.compute.compute_page import ComputePage
from mlops_desktop.ui.shell.event_watch import EventWatchService, PolicyCheckService
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.workers import WorkerPool

BUSY = "import time\nend = time.time() + 60\nwhile time.time() < end: sum(range(10000))"


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    pool = WorkerPool()
    yield pool
    assert pool.shutdown(15_000)


@pytest.fixture
def sampled() -> Iterator[int]:
    """Three real samples of the machine and a busy process watched as an endpoint."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        loop = SamplingLoop(SampleStore(), discover=lambda: {"endpoint.dev.churn": proc.pid})
        now = time.time()
        for offset in (-120.0, -60.0, 0.0):
            loop.sample_once(now=now + offset)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait(10)


def test_page_shows_machine_and_process_samples(qtbot, pool, sampled) -> None:
    page = ComputePage(pool)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    with qtbot.waitSignal(page.dataLoaded, timeout=30_000):
        page.set_config(AppConfig())
    assert page.is_loaded
    local = page.local
    assert local is not None and local.machine.samples == 3
    # The charts hold the real samples, downsampled and clipped for long windows.
    assert len(page.machine_cpu_curve.getOriginalDataset()[0]) == 3
    cpu_curve, rss_curve = page._curves["endpoint.dev.churn"]
    assert len(rss_curve.getOriginalDataset()[1]) == len(cpu_curve.getOriginalDataset()[1]) == 3
    assert min(rss_curve.getOriginalDataset()[1]) > 1
    assert page.cpu_plot.getPlotItem().ctrl.downsampleCheck.isChecked()
    assert page.cpu_plot.getPlotItem().ctrl.clipToViewCheck.isChecked()

    table = page.process_table
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in (0, 1)] == ["endpoint", "dev.churn"]
    assert float(table.item(0, 5).text()) >= float(table.item(0, 3).text()) > 1
    assert "samples" in page.summary_label.text()
    assert "No Azure ML workspace is configured" in page.azure_view.status_label.text()
    assert not page.azure_view.compute_table.isVisible()
    assert "No job with an MLflow run" in page.run_label.text()
    # Percent charts keep 0-100 in view; the legend sits outside the plots and names each line.
    low, high = page.memory_plot.getPlotItem().viewRange()[1]
    assert low < 0 and 100 < high < 110
    assert "machine" in page.cpu_legend.text() and "dev.churn" in page.cpu_legend.text()
    assert page.cpu_plot.getPlotItem().legend is None

    # The window selector re-reads: a sample 3 h old shows in 24 h, not in 1 h.
    assert page.window_seconds() == 15 * 60
    SampleStore().append(time.time() - 3 * 3600, {"machine.cpu": 5.0, "machine.memory": 5.0})
    for window, expected in (("24 h", 4), ("1 h", 3), ("7 d", 4)):
        page.local = None
        page.set_window(window)
        qtbot.waitUntil(lambda: page.local is not None, timeout=10_000)
        assert page.local.machine.samples == expected, window


def test_run_metrics_are_plotted_against_time_since_the_run_started(qtbot, pool) -> None:
    page = ComputePage(pool)
    qtbot.addWidget(page)
    start = 1_800_000_000.0
    series = {
        "system/cpu_utilization_percentage": ([start + 2, start + 12], [40.0, 90.0]),
        "system/system_memory_usage_percentage": ([start, start + 10], [20.0, 21.0]),
    }
    page._on_run_metrics(RunSystemMetrics("job-1", "run-1", series, {"cpu_seconds": 3.0}))
    curves = page.run_plot.getPlotItem().listDataItems()
    assert [list(c.getOriginalDataset()[0]) for c in curves] == [[2.0, 12.0], [0.0, 10.0]]
    assert page.run_plot.getAxis("bottom").labelText == "seconds since the run started"
    assert "CPU %" in page.run_legend.text() and "memory %" in page.run_legend.text()
    assert "2 system samples" in page.run_label.text()

    hours = {"system/cpu_utilization_percentage": ([start, start + 7200], [1.0, 2.0])}
    page._on_run_metrics(RunSystemMetrics("job-2", "run-2", hours))
    (curve,) = page.run_plot.getPlotItem().listDataItems()
    assert list(curve.getOriginalDataset()[0]) == [0.0, 120.0]
    assert page.run_plot.getAxis("bottom").labelText == "minutes since the run started"


def _fired(n: int) -> Decision:
    verdict = TriggerVerdict("feature_drift", Trigger.DRIFT, True, "bmi drifted")
    return Decision(
        f"d{n}",
        "2026-11-27T01:00:00+00:00",
        "churn-drift",
        "churn",
        "dev",
        Outcome.FIRED,
        "feature drift",
        (verdict,),
        job_id=f"job-{n}",
    )


def test_events_become_notifications_that_open_their_page(qtbot, make_window) -> None:
    window = make_window(start=False)
    assert isinstance(window.page("compute"), ComputePage)
    center = window.notifications
    service = EventWatchService(window.pool, center, parent=window)
    with qtbot.waitSignal(service.eventsArrived, timeout=1000, raising=False) as first:
        service.poll()  # first poll: records the present, announces nothing
    assert not first.signal_triggered
    qtbot.waitUntil(lambda: not service.busy)

    DecisionLog().append(_fired(1))
    with qtbot.waitSignal(service.eventsArrived, timeout=30_000) as blocker:
        service.poll()
    kinds = [e.kind for e in blocker.args[0]]
    assert kinds == ["drift", "retraining"]
    latest = center.latest
    assert latest is not None and latest.page == "jobs" and latest.title == "Retraining triggered"
    assert window.background.button.unread == 2

    dialog = window.background.show_list()
    assert window.background.button.unread == 0
    assert dialog.list.count() >= 2
    first_item = dialog.list.item(0)  # newest first: the fired trigger
    assert "Retraining triggered" in first_item.text()
    window.show_page("models")
    dialog.list.itemActivated.emit(first_item)
    assert window.current_page_key() == "jobs"
    drift_item = dialog.list.item(1)
    dialog.list.itemActivated.emit(drift_item)
    assert window.current_page_key() == "drift"


def test_policy_check_runs_in_a_worker_and_skips_while_busy(qtbot, pool) -> None:
    center = NotificationCenter()
    service = PolicyCheckService(pool, center, minutes=5)
    assert service.enabled
    with qtbot.waitSignal(service.checked, timeout=30_000) as blocker:
        assert service.check_now()
        assert not service.check_now()  # the first is still running: skipped
    assert blocker.args[0] == []  # no policy configured: nothing decided
    assert service.checks_started == 1 and service.checks_skipped == 1
    qtbot.waitUntil(lambda: not service.running)
    assert PolicyCheckService(pool, center, minutes=0).enabled is False


def test_window_list_click_uses_details_for_plain_notifications(qtbot, make_window) -> None:
    window = make_window(start=False)
    window.notifications.warning("something odd", hint="look at it")
    dialog = window.background.show_list()
    dialog.list.itemActivated.emit(dialog.list.item(0))
    assert window.details_dialog is not None and window.details_dialog.isVisible()
    assert window.details_dialog.shown.message == "something odd"
    dialog.close()


def test_compute_page_says_when_another_sampler_records(qtbot, make_window) -> None:
    window = make_window(start=False)
    services = window.background
    services.sampler = BackgroundSampler(SamplingLoop(discover=dict))
    services.show_sampler_status()
    assert window.compute_page.sampler_label.text().startswith("Sampling every 5 s")
    other = ProcessLock(SampleStore().root / SAMPLER_LOCK)  # another sampler's hold
    assert other.acquire()
    try:
        assert services.sampler.loop.sample_once() is None
        services.show_sampler_status()
        label = window.compute_page.sampler_label.text()
        assert label.startswith(f"Another sampler is recording (pid {os.getpid()})")
    finally:
        other.release()
    assert services.sampler.loop.sample_once() is not None  # it takes over
    services.show_sampler_status()
    assert window.compute_page.sampler_label.text().startswith("Sampling every")
    services.sampler.loop.close()


def test_curves_break_where_samples_are_missing(qtbot, pool) -> None:
    """Two sampling bursts 4 min apart (the app was closed in between) and a process seen in
    both: no line bridges the gap, for the machine or the process."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY])
    try:
        loop = SamplingLoop(SampleStore(), discover=lambda: {"endpoint.dev.churn": proc.pid})
        now = time.time()
        for offset in (-300.0, -295.0, -290.0, -60.0, -55.0, -50.0, -45.0):
            loop.sample_once(now=now + offset)
    finally:
        proc.kill()
        proc.wait(10)
    page = ComputePage(pool)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    with qtbot.waitSignal(page.dataLoaded, timeout=30_000):
        page.set_config(AppConfig())
    curves = [
        page.machine_cpu_curve,
        page.machine_memory_curve,
        *page._curves["endpoint.dev.churn"],
    ]
    for curve in curves:
        xs, ys = curve.getOriginalDataset()
        assert curve.opts["connect"] == "finite"
        breaks = [x - now for x, y in zip(xs, ys, strict=True) if math.isnan(y)]
        assert len(breaks) == 1 and -290 < breaks[0] < -60, breaks  # one break, in the gap
        assert sum(not math.isnan(y) for y in ys) == 7  # every real sample still drawn


def test_break_gaps_keeps_evenly_spaced_samples_whole() -> None:
    from mlops_desktop.ui.compute.tasks_compute import break_gaps, sampling_interval

    times = [0.0, 5.0, 10.0, 15.0, 40.0, 45.0]
    interval = sampling_interval(times)
    assert interval == 5.0
    xs, ys = break_gaps(times, [1.0] * 6, interval)
    assert list(xs[:4]) == [0.0, 5.0, 10.0, 15.0] and xs[4] == 27.5 and math.isnan(ys[4])
    assert len(break_gaps(times[:4], [1.0] * 4, interval)[0]) == 4  # no gap, nothing added
    assert sampling_interval([1.0, 2.0]) is None  # one step says nothing about the interval
