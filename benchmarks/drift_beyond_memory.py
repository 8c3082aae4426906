"""Benchmark: ``drift report`` over Parquet larger than the memory it may use (issue #13, goal 3).

Generates (in chunks, never whole in memory) a reference file and a folder of "collected" current
files — by default 10M reference and 50M current rows × 10 float64 columns, ~4.8 GB on disk, a
third of the columns shifted — then runs ``mlops-desktop drift report`` in a subprocess under
``prlimit --as`` (an address-space cap, 2 GiB by default: what ``ulimit -v`` sets; virtual size,
so stricter than a cap on resident memory). It prints, from one run:

- wall time, peak RSS of the capped process (``wait4`` rusage, i.e. ``VmHWM``), rows/s, and the
  peak RSS as a share of the data's in-memory size;
- that the in-memory engine fails under the same cap (``--memory-budget 1T`` forces it), unless
  ``--skip-in-memory``;
- for ``--exact-columns`` columns, scipy's exact KS statistic and Wasserstein distance over the
  full data (computed here, uncapped) against the streamed estimate and its stated bound;
- a smaller run (the first ``--small-rows`` rows of each table) comparing the streamed result with
  the exact in-memory engine on every statistic: the largest error and the bound per metric, and
  both times.

Not a test: it asserts nothing.

    python benchmarks/drift_beyond_memory.py [--dir /tmp/drift-beyond] [--rows 50000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
CHUNK_ROWS = 1_000_000


def column_shift(i: int) -> tuple[float, float]:
    """(shift, scale factor) of current column ``i``: every third column drifts."""
    return (0.25, 1.0) if i % 3 == 0 else (0.0, 1.1) if i == 4 else (0.0, 1.0)


def write_table(
    path: Path, rows: int, columns: int, current: bool, seed: int, statistics: bool
) -> None:
    """``rows`` × ``columns`` normal float64 values, written chunk by chunk in row groups."""
    rng = np.random.default_rng(seed)
    schema = pa.schema([(f"f{i}", pa.float64()) for i in range(columns)])
    with pq.ParquetWriter(path, schema, write_statistics=statistics) as writer:
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            arrays = []
            for i in range(columns):
                shift, scale = column_shift(i) if current else (0.0, 1.0)
                arrays.append(pa.array(rng.normal(10.0 * i + shift, (1 + i / 10) * scale, n)))
            table = pa.Table.from_arrays(arrays, schema=schema)
            writer.write_table(table, row_group_size=CHUNK_ROWS)


def generate(
    root: Path, ref_rows: int, cur_rows: int, columns: int, files: int, statistics: bool
) -> None:
    stamp = root / "manifest.json"
    manifest = {"ref": ref_rows, "cur": cur_rows, "columns": columns, "files": files}
    if not statistics:
        manifest["statistics"] = False
    if stamp.exists() and json.loads(stamp.read_text()) == manifest:
        print(f"data: reusing {root}")
        return
    started = time.perf_counter()
    (root / "current").mkdir(parents=True, exist_ok=True)
    write_table(root / "reference.parquet", ref_rows, columns, False, 1, statistics)
    per_file = cur_rows // files
    for k in range(files):
        rows = per_file if k < files - 1 else cur_rows - per_file * (files - 1)
        path = root / "current" / f"part-{k:03d}.parquet"
        write_table(path, rows, columns, True, 100 + k, statistics)
    stamp.write_text(json.dumps(manifest))
    print(f"data: generated in {time.perf_counter() - started:.1f} s")


def capped_report(ref: Path, cur: Path, out: Path, cap: int, extra: list[str]) -> dict[str, float]:
    """Run ``drift report`` under ``prlimit --as=cap``; wall time, peak RSS, exit code, stderr."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MLFLOW_DISABLE_TELEMETRY="true")
    argv = ["prlimit", f"--as={cap}", sys.executable, "-m", "mlops_desktop", "drift", "report"]
    argv += ["--reference", str(ref), "--current", str(cur), "--out", str(out), "--quiet", *extra]
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # prlimit execs the command, so this pid's rusage is the drift report's own.
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stdout = process.stdout.read().decode() if process.stdout else ""
    stderr = process.stderr.read().decode() if process.stderr else ""
    return {
        "wall": wall,
        "peak_rss": usage.ru_maxrss * 1024,
        "code": os.waitstatus_to_exitcode(status),
        "stderr": stderr.strip(),
        "stdout": stdout,
    }


def read_column(path: Path, column: str) -> np.ndarray:
    return pq.read_table(path, columns=[column]).column(column).to_numpy()


def exact_vs_streamed(root: Path, document: dict, columns: int) -> None:
    from scipy import stats

    intervals = document["approximation"]["intervals"]
    print(f"\nfull data, exact (scipy, uncapped) vs streamed, {columns} column(s):")
    print(f"  {'column':<8}{'metric':<14}{'exact':>14}{'streamed':>14}{'|error|':>11}{'bound':>11}")
    for i in range(columns):
        name = f"f{i}"
        ref = read_column(root / "reference.parquet", name)
        cur = read_column(root / "current", name)
        exact = {
            "ks_statistic": float(stats.ks_2samp(ref, cur, method="asymp").statistic),
            "wasserstein": float(stats.wasserstein_distance(ref, cur)),
        }
        del ref, cur
        feature = next(f for f in document["features"] if f["name"] == name)
        for metric, value in exact.items():
            low, high = intervals[name][metric]
            got = feature["metrics"][metric]
            inside = "" if low - 1e-12 <= value <= high + 1e-12 else "  OUTSIDE"
            print(
                f"  {name:<8}{metric:<14}{value:>14.8f}{got:>14.8f}{abs(got - value):>11.2e}"
                f"{(high - low) / 2:>11.2e}{inside}"
            )


def small_run(root: Path, rows: int) -> None:
    """The first ``rows`` rows of each table: streamed against the exact in-memory engine."""
    from mlops_desktop.drift.engine import compute_drift
    from mlops_desktop.drift.io import load_table
    from mlops_desktop.drift.streaming import compute_drift_streaming

    small = root / "small"
    small.mkdir(exist_ok=True)
    for name, source in (("ref", root / "reference.parquet"), ("cur", root / "current")):
        dataset = pq.ParquetDataset(source) if source.is_dir() else None
        table = (dataset.read() if dataset else pq.read_table(source)).slice(0, rows)
        pq.write_table(table, small / f"{name}.parquet", row_group_size=CHUNK_ROWS // 4)
        del table
    ref_path, cur_path = small / "ref.parquet", small / "cur.parquet"
    started = time.perf_counter()
    exact = compute_drift(load_table(ref_path), load_table(cur_path))
    exact_time = time.perf_counter() - started
    started = time.perf_counter()
    streamed = compute_drift_streaming(ref_path, cur_path)
    stream_time = time.perf_counter() - started
    assert streamed.approximation is not None
    worst: dict[str, list[float]] = {}
    outside = 0
    for feature in exact.features:
        got = streamed.feature(feature.name)
        intervals = streamed.approximation.intervals[feature.name]
        for metric, value in feature.metrics.items():
            if value is None:
                continue
            error = abs((got.metrics[metric] or 0.0) - value)
            bound = None
            if metric in intervals:
                low, high = intervals[metric]
                bound = (high - low) / 2
                outside += not (low - 1e-12 * max(1, abs(value)) <= value <= high + 1e-12)
            entry = worst.setdefault(metric, [0.0, 0.0, 0.0])
            entry[0] = max(entry[0], error)
            entry[1] = max(entry[1], bound or 0.0)
            entry[2] = max(entry[2], error / abs(value) if value else 0.0)
        same = (
            got.quality == feature.quality
            and got.n_reference == feature.n_reference
            and got.n_current == feature.n_current
        )
        if not same:
            print(f"  {feature.name}: counts or quality rates differ")
    print(f"\nsmall run, first {rows:,} rows of each table ({len(exact.features)} columns):")
    print(
        f"  in-memory engine {exact_time:.2f} s; streaming {stream_time:.2f} s "
        f"(ratio {stream_time / exact_time:.2f}); exact values outside their interval: {outside}"
    )
    print(f"  {'metric':<24}{'max |error|':>13}{'max bound':>12}{'max rel err':>13}")
    for metric, (error, bound, relative) in worst.items():
        print(f"  {metric:<24}{error:>13.2e}{bound:>12.2e}{relative:>13.2e}")
    print(
        "  counts, nulls, type errors and out-of-bounds rates equal: "
        f"{all(streamed.feature(f.name).quality == f.quality for f in exact.features)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/tmp/drift-beyond-memory"))
    parser.add_argument("--rows", type=int, default=50_000_000, help="current rows")
    parser.add_argument("--reference-rows", type=int, default=10_000_000)
    parser.add_argument("--columns", type=int, default=10)
    parser.add_argument("--files", type=int, default=10, help="current files in the folder")
    parser.add_argument("--cap", type=int, default=2 << 30, help="address-space cap (bytes)")
    parser.add_argument("--exact-columns", type=int, default=2)
    parser.add_argument("--small-rows", type=int, default=2_000_000)
    parser.add_argument("--skip-in-memory", action="store_true")
    parser.add_argument(
        "--no-statistics",
        action="store_true",
        help="write no min/max in the Parquet footers (so the report needs two passes)",
    )
    args = parser.parse_args()
    root: Path = args.dir
    generate(root, args.reference_rows, args.rows, args.columns, args.files, not args.no_statistics)
    ref, cur = root / "reference.parquet", root / "current"
    rows = args.rows + args.reference_rows
    data_bytes = rows * args.columns * 8
    disk = sum(p.stat().st_size for p in root.rglob("*.parquet") if "small" not in p.parts)
    print(
        f"input: {args.reference_rows:,} reference + {args.rows:,} current rows × {args.columns} "
        f"columns ({args.files} files); {data_bytes / 2**30:.2f} GiB as float64, "
        f"{disk / 2**30:.2f} GiB on disk"
    )
    print(f"cap: prlimit --as={args.cap} ({args.cap / 2**30:.2f} GiB address space)")
    out = root / "report.json"
    run = capped_report(ref, cur, out, args.cap, [])
    print(
        f"\nstreamed drift report: exit {run['code']}, wall {run['wall']:.1f} s, "
        f"peak RSS {run['peak_rss'] / 2**20:.0f} MiB "
        f"({run['peak_rss'] / data_bytes:.3f} of the data's in-memory size), "
        f"{rows / run['wall'] / 1e6:.2f} M rows/s ({rows * args.columns / run['wall'] / 1e6:.0f} "
        "M values/s)"
    )
    if run["code"] not in (0, 1):
        print(run["stderr"])
        return
    print("  " + run["stdout"].splitlines()[0])
    document = json.loads(out.read_text())
    print(f"  passes over the data: {document['approximation']['passes']}")
    drifted = [f["name"] for f in document["features"] if f["drifted"]]
    print(
        f"  drifted: {', '.join(drifted)} (by construction f0, f3, f6, f9 shift; f4 scales by 1.1)"
    )
    if not args.skip_in_memory:
        forced = capped_report(
            ref, cur, root / "in-memory.json", args.cap, ["--memory-budget", "1T"]
        )
        print(
            f"in-memory engine under the same cap: exit {forced['code']} after "
            f"{forced['wall']:.1f} s, peak RSS {forced['peak_rss'] / 2**20:.0f} MiB: "
            f"{forced['stderr'][:120]}"
        )
    if args.exact_columns:
        exact_vs_streamed(root, document, min(args.exact_columns, args.columns))
    if args.small_rows:
        small_run(root, args.small_rows)


if __name__ == "__main__":
    main()
