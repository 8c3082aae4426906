"""The compute sampler and its time-series store: real psutil readings, files per day."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

from mlops_desktop.core import paths
from mlops_desktop.retraining.compute_samples import (
    MACHINE_CPU,
    MACHINE_MEMORY,
    ComputeSampler,
    SampleStore,
    compute_dir,
    process_series,
)

DAY1 = datetime(2026, 11, 20, 23, 59, tzinfo=UTC).timestamp()
DAY2 = datetime(2026, 11, 21, 0, 1, tzinfo=UTC).timestamp()


def test_store_appends_loads_ranges_across_days_and_prunes() -> None:
    store = SampleStore()
    assert store.root == compute_dir() == paths.data_dir() / "compute"
    assert store.load(MACHINE_CPU) == ([], [])
    for i in range(3):
        store.append(DAY1 + i, {MACHINE_CPU: 10.0 + i, MACHINE_MEMORY: 50.0})
    store.append(DAY2, {MACHINE_CPU: 99.0, process_series("dev/api", "cpu"): 3.5})

    assert store.days() == ["2026-11-20", "2026-11-21"]
    times, values = store.load(MACHINE_CPU)
    assert times == [DAY1, DAY1 + 1, DAY1 + 2, DAY2]
    assert values == [10.0, 11.0, 12.0, 99.0]
    assert store.load(MACHINE_CPU, since=DAY1 + 1, until=DAY1 + 2)[1] == [11.0, 12.0]
    assert store.load(MACHINE_CPU, since=DAY2)[1] == [99.0]
    assert store.series_names(since=DAY2) == [MACHINE_CPU, "process.dev_api.cpu"]

    # A torn last write (a crash mid-append) is ignored, not misread.
    path = store.root / "2026-11-21" / f"{MACHINE_CPU}.f64"
    with open(path, "ab") as fh:
        fh.write(b"\x00\x01\x02")
    assert store.load(MACHINE_CPU, since=DAY2)[1] == [99.0]

    assert store.prune(keep_days=1, now=DAY2 + 3600) == 0  # within a day: kept
    assert store.prune(keep_days=1, now=DAY2 + 86_400 + 3600) == 1
    assert store.days() == ["2026-11-21"]


def test_sampler_reads_the_machine_and_a_process_tree() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time\nwhile True: sum(range(10000))"],
    )
    try:
        sampler = ComputeSampler()
        first = sampler.sample({"job": child.pid, "me": os.getpid(), "gone": 2**22 + 12345})
        assert 0.0 <= first[MACHINE_CPU] <= 100.0
        assert 0.0 < first[MACHINE_MEMORY] < 100.0
        assert first[process_series("job", "rss_mb")] > 1
        assert process_series("gone", "cpu") not in first  # no such process: no series
        import time

        time.sleep(0.5)  # CPU percentages are measured between two samples
        second = sampler.sample({"job": child.pid})
        assert second[process_series("job", "cpu")] > 10  # the busy loop shows
    finally:
        child.kill()
        child.wait(10)
    after = sampler.sample({"job": child.pid})
    assert process_series("job", "cpu") not in after
