"""End-to-end drift report against Evidently 0.7 and NannyML, on the same Parquet files.

Writes a reference and a current table (100,000 rows × 20 numeric columns by default; the current
mean shifted by 0.3 standard deviations in 5 of them) and times, from process start to exit:

- ours: ``python -m mlops_desktop drift report --reference … --current … --out report.json``;
- Evidently: ``Report([DataDriftPreset()])`` over the same files, its snapshot written as JSON;
- NannyML: ``UnivariateDriftCalculator`` with its ``kolmogorov_smirnov`` and ``wasserstein``
  methods (one chunk), its results written as JSON.

Every tool reads the Parquet files itself. The runs are interleaved (ours, Evidently, NannyML,
ours, …) so all share the machine's load; the headline is the best of ``--repeat`` runs, the
median is printed beside it, and so is each process's CPU time (user + system, all its threads),
the steadier figure on a machine shared with other work. Then the statistics of our JSON report
are checked against scipy (``ks_2samp``'s statistic and p-value, ``wasserstein_distance``)
computed on the same files: the count of bit-identical values and the largest relative
difference; Evidently's normed Wasserstein and NannyML's KS and Wasserstein are compared too
(NannyML bins large samples, so it only comes close).

Evidently and NannyML are not dependencies of the project: they live in the benchmark's own
virtual environment, ``--bench-python`` (default ``/work/bench-venv/bin/python``, or
``$DRIFT_BENCH_PYTHON``). When that interpreter is missing the venv is created there first::

    python -m venv /work/bench-venv
    /work/bench-venv/bin/pip install "evidently==0.7.*" nannyml "pandas<3" pyarrow

(Evidently 0.7 does not import with pandas 3.) Not a test: it asserts nothing.

    /work/main/.venv/bin/python benchmarks/drift_vs_evidently.py [--rows N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_PYTHON = Path(os.environ.get("DRIFT_BENCH_PYTHON", "/work/bench-venv/bin/python"))
BENCH_PACKAGES = ["evidently==0.7.*", "nannyml", "pandas<3", "pyarrow"]
# No tool may phone home from the benchmark.
QUIET_ENV = {
    "DO_NOT_TRACK": "1",
    "EVIDENTLY_DISABLE_TELEMETRY": "1",
    "NML_DISABLE_USAGE_LOGGING": "1",
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "PYTHONWARNINGS": "ignore",
}

EVIDENTLY_SCRIPT = """
import sys
import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

reference = pd.read_parquet(sys.argv[1])
current = pd.read_parquet(sys.argv[2])
definition = DataDefinition(numerical_columns=list(reference.columns))
snapshot = Report([DataDriftPreset()]).run(
    Dataset.from_pandas(current, data_definition=definition),
    Dataset.from_pandas(reference, data_definition=definition),
)
with open(sys.argv[3], "w") as out:
    out.write(snapshot.json())
"""

NANNYML_SCRIPT = """
import sys
import pandas as pd
import nannyml as nml

reference = pd.read_parquet(sys.argv[1])
current = pd.read_parquet(sys.argv[2])
calculator = nml.UnivariateDriftCalculator(
    column_names=list(reference.columns),
    continuous_methods=["kolmogorov_smirnov", "wasserstein"],
    chunk_number=1,
)
calculator.fit(reference)
results = calculator.calculate(current).filter(period="analysis").to_df()
values = {
    f"{column}/{method}": float(results[(column, method, "value")].iloc[0])
    for column in reference.columns
    for method in ("kolmogorov_smirnov", "wasserstein")
}
with open(sys.argv[3], "w") as out:
    import json
    json.dump(values, out)
"""

SCIPY_SCRIPT = """
import json, sys
import pandas as pd
from scipy import stats

reference = pd.read_parquet(sys.argv[1])
current = pd.read_parquet(sys.argv[2])
values = {}
for column in reference.columns:
    a, b = reference[column].to_numpy(), current[column].to_numpy()
    ks = stats.ks_2samp(a, b)
    values[column] = {
        "ks_statistic": float(ks.statistic),
        "ks_pvalue": float(ks.pvalue),
        "wasserstein": float(stats.wasserstein_distance(a, b)),
    }
with open(sys.argv[3], "w") as out:
    json.dump(values, out)
"""


def ensure_bench_python(python: Path) -> Path:
    """The benchmark venv's interpreter, creating the venv (and installing the tools) if needed."""
    if python.exists():
        return python
    venv = python.parent.parent
    print(f"creating the benchmark venv {venv} (Evidently, NannyML) …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *BENCH_PACKAGES], check=True)
    return python


def write_tables(
    folder: Path, rows: int, columns: int, shifted: int, seed: int
) -> tuple[Path, Path]:
    """Reference and current Parquet files; the first ``shifted`` current columns moved by 0.3."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    names = [f"f{i:02d}" for i in range(columns)]
    reference = {name: rng.normal(0.0, 1.0, rows) for name in names}
    current = {
        name: rng.normal(0.3 if i < shifted else 0.0, 1.0, rows) for i, name in enumerate(names)
    }
    paths = folder / "reference.parquet", folder / "current.parquet"
    for path, data in zip(paths, (reference, current), strict=True):
        pq.write_table(pa.table(data), path)
    return paths


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process, start to exit; it must succeed
    (exit 0, or 1 for drift). CPU time is the steadier figure on a machine shared with others."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # In a folder of its own: ``python -m`` puts the working folder first on sys.path, which
    # must not shadow the checkout named by PYTHONPATH.
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, cwd=tempfile.gettempdir()
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def agreement(ours: list[float], expected: list[float]) -> str:
    """``k/n identical, max rel diff x`` of two equal-length lists of floats."""
    same = sum(
        a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(ours, expected, strict=True)
    )
    worst = max(
        (abs(a - b) / max(abs(b), 1e-300) for a, b in zip(ours, expected, strict=True) if a != b),
        default=0.0,
    )
    return f"{same}/{len(ours)} bit-identical, max relative difference {worst:.1e}"


def print_agreement(outputs: dict[str, Path], *, with_nannyml: bool) -> None:
    """Our report's statistics against scipy's (and Evidently's, NannyML's) on the same files."""
    report = json.loads(outputs["ours"].read_text())
    ours = {f["name"]: f["metrics"] for f in report["features"]}
    expected = json.loads(outputs["scipy"].read_text())
    names = sorted(expected)

    def line(label: str, mine: list[float], theirs: list[float]) -> None:
        print(f"  {label:38s} {agreement(mine, theirs)}")

    print("statistics of our report vs scipy.stats on the same files:")
    for metric, label in (
        ("ks_statistic", "KS statistic (ks_2samp)"),
        ("ks_pvalue", "KS p-value (ks_2samp)"),
        ("wasserstein", "Wasserstein (wasserstein_distance)"),
    ):
        line(label, [ours[n][metric] for n in names], [expected[n][metric] for n in names])
    evidently = json.loads(outputs["evidently"].read_text())
    normed = {
        m["config"]["column"]: m["value"]
        for m in evidently["metrics"]
        if m["config"].get("type", "").endswith("ValueDrift")
    }
    if set(normed) == set(names):
        line(
            "our normed W1 vs Evidently's",
            [ours[n]["normalized_wasserstein"] for n in names],
            [normed[n] for n in names],
        )
    if with_nannyml:
        nannyml = json.loads(outputs["nannyml"].read_text())
        for method, metric in (
            ("kolmogorov_smirnov", "ks_statistic"),
            ("wasserstein", "wasserstein"),
        ):
            line(
                f"NannyML {method} vs scipy",
                [nannyml[f"{n}/{method}"] for n in names],
                [expected[n][metric] for n in names],
            )
    drifted = [f["name"] for f in report["features"] if f["drifted"]]
    print(f"our verdict: {len(drifted)}/{len(names)} columns drifted ({', '.join(drifted)})")


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-python", type=Path, default=DEFAULT_BENCH_PYTHON)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--shifted", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-nannyml", action="store_true", help="time ours and Evidently only")
    args = parser.parse_args()
    bench_python = str(ensure_bench_python(args.bench_python))

    with tempfile.TemporaryDirectory(prefix="drift-vs-evidently-") as tmp:
        folder = Path(tmp)
        reference, current = write_tables(folder, args.rows, args.columns, args.shifted, args.seed)
        scripts = {}
        for name, text in (
            ("evidently", EVIDENTLY_SCRIPT),
            ("nannyml", NANNYML_SCRIPT),
            ("scipy", SCIPY_SCRIPT),
        ):
            scripts[name] = folder / f"run_{name}.py"
            scripts[name].write_text(text)
        env = {**os.environ, **QUIET_ENV, "MLOPS_DESKTOP_HOME": str(folder / "home")}
        ours_env = {**env, "PYTHONPATH": str(REPO)}
        outputs = {
            name: folder / f"{name}.json" for name in ("ours", "evidently", "nannyml", "scipy")
        }
        commands = {
            "mlops-desktop drift report": (
                [
                    sys.executable,
                    "-m",
                    "mlops_desktop",
                    "drift",
                    "report",
                    "--reference",
                    str(reference),
                    "--current",
                    str(current),
                    "--out",
                    str(outputs["ours"]),
                    "--quiet",
                ],
                ours_env,
            ),
            "Evidently DataDriftPreset": (
                [
                    bench_python,
                    str(scripts["evidently"]),
                    str(reference),
                    str(current),
                    str(outputs["evidently"]),
                ],
                env,
            ),
        }
        if not args.no_nannyml:
            commands["NannyML univariate (KS, W1)"] = (
                [
                    bench_python,
                    str(scripts["nannyml"]),
                    str(reference),
                    str(current),
                    str(outputs["nannyml"]),
                ],
                env,
            )
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu_times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, (command, command_env) in commands.items():
                wall, cpu = timed(command, command_env)
                times[name].append(wall)
                cpu_times[name].append(cpu)
        timed(
            [
                bench_python,
                str(scripts["scipy"]),
                str(reference),
                str(current),
                str(outputs["scipy"]),
            ],
            env,
        )

        print(
            f"rows: {args.rows:,} reference + {args.rows:,} current; {args.columns} numeric "
            f"columns, {args.shifted} shifted; best of {args.repeat} runs, process start to exit"
        )
        ours = "mlops-desktop drift report"
        print(
            f"{'tool':30s} {'best s':>7s} {'median s':>8s} {'ratio':>6s} "
            f"{'CPU s':>6s} {'ratio':>6s}   wall of each run"
        )
        for name, runs in times.items():
            best, cpu = min(runs), min(cpu_times[name])
            print(
                f"{name:30s} {best:7.2f} {statistics.median(runs):8.2f} "
                f"{best / min(times[ours]):5.1f}x {cpu:6.2f} {cpu / min(cpu_times[ours]):5.1f}x"
                f"   {', '.join(f'{r:.2f}' for r in runs)}"
            )
        evidently = "Evidently DataDriftPreset"
        print(
            f"speed-up over Evidently: {min(times[evidently]) / min(times[ours]):.1f}x wall "
            f"(goal >= 20), {min(cpu_times[evidently]) / min(cpu_times[ours]):.1f}x CPU time"
        )

        print_agreement(outputs, with_nannyml=not args.no_nannyml)


if __name__ == "__main__":
    main()
