"""Benchmark of the drift engine: 1,000,000 reference and 1,000,000 current rows, 20 numeric and
5 categorical columns (by default).

Prints, from one run: the engine time (on its default threads, and on one thread), the time of
``numpy.sort`` over both samples' numeric columns (one thread: the sort floor), their ratios
(goal ≤ 2, issue #13), the input size in bytes, the peak resident memory while the engine runs
and its ratio to the input size (goal ≤ 3). ``--scipy`` also times scipy's per-column
functions (``ks_2samp``, ``wasserstein_distance``, ``chi2_contingency``, ``jensenshannon``) over
the same columns for comparison. Not a test: it asserts nothing.

    /work/main/.venv/bin/python benchmarks/drift_bench.py [--rows N] [--repeat N] [--scipy]
"""

from __future__ import annotations

import argparse
import gc
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

CATEGORIES = [f"segment_{i:02d}" for i in range(12)]


def make_frames(
    rows: int, n_numeric: int, n_categorical: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current tables; a third of the current columns are shifted."""
    rng = np.random.default_rng(seed)
    reference: dict[str, object] = {}
    current: dict[str, object] = {}
    for i in range(n_numeric):
        scale = 1.0 + i / 10
        shift = 0.3 * scale if i % 3 == 0 else 0.0
        reference[f"num_{i:02d}"] = rng.normal(10.0 * i, scale, rows)
        current[f"num_{i:02d}"] = rng.normal(10.0 * i + shift, scale, rows)
    labels = np.asarray(CATEGORIES, dtype=object)
    weights = np.linspace(1.0, 2.0, len(CATEGORIES))
    base = weights / weights.sum()
    tilted = weights[::-1] / weights.sum()
    for j in range(n_categorical):
        reference[f"cat_{j}"] = pd.array(labels[rng.choice(len(labels), rows, p=base)], dtype="str")
        p_cur = tilted if j % 2 == 0 else base
        current[f"cat_{j}"] = pd.array(labels[rng.choice(len(labels), rows, p=p_cur)], dtype="str")
    return pd.DataFrame(reference, copy=False), pd.DataFrame(current, copy=False)


def rss_bytes(field: str) -> int:
    """``VmRSS`` or ``VmHWM`` (peak) of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (``VmHWM``); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def time_numpy_sort(frames: list[pd.DataFrame], columns: list[str]) -> float:
    """Seconds to ``numpy.sort`` every numeric column of every frame."""
    total = 0.0
    for frame in frames:
        for column in columns:
            values = frame[column].to_numpy()
            start = time.perf_counter()
            result = np.sort(values)
            total += time.perf_counter() - start
            del result
    return total


def time_scipy(
    reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> float:
    """Seconds for scipy's own functions on the same columns (one call per metric and column)."""
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    start = time.perf_counter()
    for column in numeric:
        a, b = reference[column].to_numpy(), current[column].to_numpy()
        stats.ks_2samp(a, b)
        stats.wasserstein_distance(a, b)
    for column in categorical:
        ref_counts = reference[column].value_counts()
        cur_counts = current[column].value_counts().reindex(ref_counts.index, fill_value=0)
        stats.chi2_contingency(np.vstack([ref_counts.to_numpy(), cur_counts.to_numpy()]))
        jensenshannon(ref_counts.to_numpy(), cur_counts.to_numpy(), base=2)
    return time.perf_counter() - start


def time_parquet_load(reference: pd.DataFrame, current: pd.DataFrame, input_bytes: int) -> None:
    """Write both tables to Parquet (100k-row groups) and time ``load_table`` reading them back."""
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    from mlops_desktop.drift.io import load_table

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for name, frame in (("reference", reference), ("current", current)):
            path = Path(folder) / f"{name}.parquet"
            table = pa.Table.from_pandas(frame, preserve_index=False)
            pq.write_table(table, path, row_group_size=100_000)
            del table
            paths.append(path)
        gc.collect()
        rss_before = rss_bytes("VmRSS")
        peak_reset = reset_peak_rss()
        start = time.perf_counter()
        loaded = [load_table(path) for path in paths]
        seconds = time.perf_counter() - start
        peak = rss_bytes("VmHWM") if peak_reset else 0
        size = sum(p.stat().st_size for p in paths)
        print(f"parquet files:          {size / 2**20:8.1f} MiB on disk")
        print(f"load_table (parquet):   {seconds:8.3f} s for both tables")
        if peak_reset:
            print(
                f"load extra memory:      {(peak - rss_before) / 2**20:8.1f} MiB peak above RSS "
                f"before it ({(peak - rss_before) / input_bytes:.2f} x input)"
            )
        del loaded


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--numeric", type=int, default=20)
    parser.add_argument("--categorical", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--repeat", type=int, default=2, help="timings per figure (interleaved; the best counts)"
    )
    parser.add_argument("--scipy", action="store_true", help="also time scipy per column")
    parser.add_argument(
        "--parquet", action="store_true", help="also time load_table on Parquet copies"
    )
    args = parser.parse_args()

    from mlops_desktop.drift.column_jobs import default_workers
    from mlops_desktop.drift.engine import compute_drift

    # Warm up: imports (scipy.stats etc.) are not part of the engine time.
    small_ref, small_cur = make_frames(1000, 2, 1, args.seed)
    compute_drift(small_ref, small_cur)
    del small_ref, small_cur

    reference, current = make_frames(args.rows, args.numeric, args.categorical, args.seed)
    numeric = [c for c in reference.columns if c.startswith("num_")]
    categorical = [c for c in reference.columns if c.startswith("cat_")]
    input_bytes = int(
        reference.memory_usage(deep=True, index=False).sum()
        + current.memory_usage(deep=True, index=False).sum()
    )
    sort_seconds = time_numpy_sort([reference, current], numeric)
    gc.collect()

    rss_before = rss_bytes("VmRSS")
    peak_reset = reset_peak_rss()
    start = time.perf_counter()
    result = compute_drift(reference, current)
    engine_seconds = time.perf_counter() - start
    workers = default_workers((len(reference) + len(current)) * reference.shape[1])
    peak = (
        rss_bytes("VmHWM")
        if peak_reset
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    )

    print(
        f"rows: {args.rows:,} reference + {args.rows:,} current; "
        f"columns: {len(numeric)} numeric + {len(categorical)} categorical"
    )
    print(
        f"dataset drift: {result.dataset_drift} ({result.n_drifted}/{result.n_features} features)"
    )
    # Interleaved repeats: the floor and both engine runs see the same load; the best counts.
    one_thread_seconds = float("inf")
    for repeat in range(args.repeat):
        if repeat:
            sort_seconds = min(sort_seconds, time_numpy_sort([reference, current], numeric))
            gc.collect()
            start = time.perf_counter()
            compute_drift(reference, current)
            engine_seconds = min(engine_seconds, time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        compute_drift(reference, current, workers=1)
        one_thread_seconds = min(one_thread_seconds, time.perf_counter() - start)
    print(f"best of {args.repeat} interleaved runs each")
    print(f"engine time:            {engine_seconds:8.3f} s  ({workers} threads)")
    print(f"engine time, 1 thread:  {one_thread_seconds:8.3f} s")
    print(f"numpy.sort time:        {sort_seconds:8.3f} s  ({2 * len(numeric)} columns, 1 thread)")
    print(f"engine / sort ratio:    {engine_seconds / sort_seconds:8.2f}   (goal <= 2)")
    print(f"1 thread / sort ratio:  {one_thread_seconds / sort_seconds:8.2f}")
    print(f"input size:             {input_bytes / 2**20:8.1f} MiB ({input_bytes:,} bytes)")
    print(f"RSS before engine:      {rss_before / 2**20:8.1f} MiB")
    label = "peak RSS during engine" if peak_reset else "peak RSS (whole run)  "
    print(f"{label}: {peak / 2**20:8.1f} MiB")
    print(f"peak RSS / input size:  {peak / input_bytes:8.2f}   (goal <= 3)")
    print(f"engine extra memory:    {(peak - rss_before) / 2**20:8.1f} MiB above RSS before it")
    if args.parquet:
        time_parquet_load(reference, current, input_bytes)
    if args.scipy:
        scipy_seconds = time_scipy(reference, current, numeric, categorical)
        print(
            f"scipy per column:       {scipy_seconds:8.3f} s  (ks_2samp + wasserstein_distance; "
            f"chi2_contingency + jensenshannon; fewer metrics than the engine)"
        )
        print(f"scipy / engine ratio:   {scipy_seconds / engine_seconds:8.2f}")


if __name__ == "__main__":
    main()
