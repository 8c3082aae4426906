"""The drift engine on several threads: the same result as on one, bit for bit, in column order;
progress, cancel and errors as on one thread; and its statistics bit-identical to scipy's."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from drift_tables import make_tables
from scipy import stats

from mlops_desktop.drift.column_jobs import WORKERS_ENV, default_workers, run_in_order
from mlops_desktop.drift.engine import compute_drift
from mlops_desktop.drift.errors import DriftCancelled, DriftInputError

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def wide_tables(n: int, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric (with NaN, ties, inf), categorical, all-null and mismatched columns."""
    reference, current = make_tables(n=n, seed=seed)
    rng = np.random.default_rng(seed)
    for frame, shift in ((reference, 0.0), (current, 0.4)):
        for i in range(6):
            values = np.round(rng.normal(shift * (i % 2), 1.0 + i, n), i % 3)  # ties
            values[rng.integers(0, n, n // 50)] = np.nan
            values[rng.integers(0, n, 3)] = np.inf
            frame[f"num_{i}"] = values
        frame["empty"] = np.nan
    current["num_5"] = current["num_5"].astype(str)  # retyped: a schema issue
    reference["only_ref"] = 1.0
    return reference, current


def test_threads_give_the_result_of_one_thread() -> None:
    reference, current = wide_tables(3000)
    one = compute_drift(reference, current, timestamp="ts", workers=1)
    three = compute_drift(reference, current, timestamp="ts", workers=3)
    assert [f.name for f in three.features] == [f.name for f in one.features]
    assert three.features == one.features  # every metric, window value, quality rate
    assert three.schema_issues == one.schema_issues  # the same issues in the same order
    assert three.windows == one.windows
    assert three.verdict == one.verdict


def test_threads_report_progress_in_order_and_cancel() -> None:
    reference, current = wide_tables(500)
    calls: list[tuple[int, int, str]] = []
    compute_drift(reference, current, workers=2, progress=lambda *c: calls.append(c))
    total = calls[-1][1]
    assert [c[0] for c in calls] == list(range(total + 1)) and calls[-1][2] == "done"
    assert all(c[2].startswith("comparing ") for c in calls[:-1])
    checks = iter([False, False, False, True])
    with pytest.raises(DriftCancelled):
        compute_drift(reference, current, workers=2, cancel=lambda: next(checks))


def test_a_failing_column_raises_in_the_caller() -> None:
    def run(job: int, scratch: list[int]) -> int:
        scratch.append(job)
        if job == 3:
            raise DriftInputError("bad column", column=str(job))
        return job * 2

    assert run_in_order(range(6), lambda j, s: j * 2, list, workers=2, describe=str) == [
        0,
        2,
        4,
        6,
        8,
        10,
    ]
    with pytest.raises(DriftInputError, match="bad column"):
        run_in_order(range(6), run, list, workers=2, describe=str)


def test_each_thread_has_its_own_scratch() -> None:
    owners: dict[int, set[int]] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(2)

    def run(job: int, scratch: dict[str, int]) -> int:
        if job < 2:
            barrier.wait(timeout=10)  # both threads busy at once
        with lock:
            owners.setdefault(id(scratch), set()).add(threading.get_ident())
        return job

    assert run_in_order(range(8), run, dict, workers=2, describe=str) == list(range(8))
    assert len(owners) == 2 and all(len(threads) == 1 for threads in owners.values())


def test_default_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert default_workers(1000) == 1  # small inputs: one thread
    assert 1 <= default_workers(10**8) <= 4
    monkeypatch.setenv(WORKERS_ENV, "3")
    assert default_workers(1000) == 3


@pytest.mark.parametrize("workers", [1, 2])
def test_large_columns_equal_scipy_bit_for_bit(workers: int) -> None:
    """Above 10,000 values (scipy's asymptotic p-value) through the whole engine."""
    rng = np.random.default_rng(11)
    n = 30_000
    reference = pd.DataFrame(
        {
            "normal": rng.normal(0, 1, n),
            "ties": np.round(rng.normal(0, 1, n), 1),
            "nan": np.where(rng.random(n) < 0.1, np.nan, rng.normal(0, 1, n)),
        }
    )
    current = pd.DataFrame(
        {
            "normal": rng.normal(0.02, 1, n + 7),
            "ties": np.round(rng.normal(0.05, 1, n + 7), 1),
            "nan": np.where(rng.random(n + 7) < 0.2, np.nan, rng.normal(0.01, 1.1, n + 7)),
        }
    )
    result = compute_drift(reference, current, workers=workers)
    for name in reference.columns:
        a = reference[name].to_numpy()
        b = current[name].to_numpy()
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        ks = stats.ks_2samp(a, b)
        metrics = result.feature(name).metrics
        assert metrics["ks_statistic"] == ks.statistic
        assert metrics["ks_pvalue"] == ks.pvalue
        assert metrics["wasserstein"] == stats.wasserstein_distance(a, b)


@pytest.mark.parametrize("n", [9_999, 10_001, 10_002, 123_457, 2_000_001])
def test_dot_equals_the_default_blas_dot_with_blas_held_at_one_thread(n: int) -> None:
    from mlops_desktop.drift.blas_dot import (
        _default_openblas_threads,
        dot_like_default_blas,
        one_blas_thread,
    )

    threads = _default_openblas_threads()  # scipy (imported here) brings a second OpenBLAS
    if threads is None or threads == 1:
        pytest.skip("numpy's BLAS is not a threaded OpenBLAS here: nothing to reproduce")
    rng = np.random.default_rng(n)
    x, y = rng.random(n) * 1e3, rng.normal(size=n)
    expected = float(np.dot(x, y))  # BLAS with its default threads, as scipy calls it
    with one_blas_thread(), one_blas_thread():  # nested: one shared limit
        assert dot_like_default_blas(x, y) == expected
    assert dot_like_default_blas(x, y) == expected
    assert float(np.dot(x, y)) == expected  # the thread count was restored
