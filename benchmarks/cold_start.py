"""Cold start of the CLI: wall time of fresh processes and what each command imports.

For each command prints the median wall time of N cold processes (``python -m mlops_desktop …``,
a new interpreter each time), the goal and the ratio to it, the heaviest imports (inclusive
``-X importtime`` per top-level package, one extra run) and which of the heavy dependencies the
command loaded at all. Commands: ``--version``, ``--help``, ``drift report`` on a local 10,000-row
CSV (10 numeric + 2 categorical columns, JSON out), ``models list`` and ``endpoints list`` on
three local workspaces (dev/staging/prod, real SQLite MLflow stores). Not a test: it asserts
nothing.

    python benchmarks/cold_start.py [--runs 5] [--versions 30] [--home DIR]

``--home DIR`` uses an existing home (e.g. one made by ``mlops-desktop demo``) instead of building
one in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("mlflow", "azure", "sklearn", "scipy.stats", "scipy", "pandas", "pyarrow", "PySide6")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MLOPS_DESKTOP_HOME=str(home),
        MLFLOW_DISABLE_TELEMETRY="true",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


def _wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mlops_desktop", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    spent = time.perf_counter() - started
    if done.returncode not in (0, 1):  # drift report: 1 = drift detected
        raise RuntimeError(f"{argv}: exit {done.returncode}: {done.stderr[-500:]}")
    return spent


def _interpreter(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
    return time.perf_counter() - started


def _import_profile(argv: list[str], env: dict[str, str]) -> tuple[dict[str, float], set[str]]:
    """Inclusive import seconds per top-level package, and the set of modules imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mlops_desktop", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.split("|")
        depth = (len(name) - len(name.lstrip(" "))) // 2
        rows.append((depth, name.strip(), int(cumulative) / 1e6))
    totals: dict[str, float] = {}
    stack: list[tuple[int, str]] = []
    for depth, module, seconds in reversed(rows):  # parents come first in reverse order
        while stack and stack[-1][0] >= depth:
            stack.pop()
        package = module.split(".")[0]
        if package == "mlops_desktop":
            package = ".".join(module.split(".")[:2])
        if all(p != package for _, p in stack):  # outermost import of this package
            totals[package] = totals.get(package, 0.0) + seconds
        stack.append((depth, package))
    return totals, {module for _, module, _ in rows}


def _make_csvs(folder: Path, rows: int) -> tuple[Path, Path]:
    import numpy as np

    rng = np.random.default_rng(7)
    paths = []
    for name, shift in (("reference", 0.0), ("current", 0.2)):
        columns = {f"x{i}": rng.normal(shift * (i < 3), 1.0, rows) for i in range(10)}
        header = [*columns, "segment", "channel"]
        segments = rng.choice(["a", "b", "c", "d"], rows)
        channels = rng.choice(["web", "app", "store"], rows)
        path = folder / f"{name}.csv"
        with path.open("w") as out:
            out.write(",".join(header) + "\n")
            for r in range(rows):
                values = [f"{columns[c][r]:.6f}" for c in columns]
                out.write(",".join([*values, segments[r], channels[r]]) + "\n")
        paths.append(path)
    return paths[0], paths[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold processes per command")
    parser.add_argument("--versions", type=int, default=30, help="model versions per workspace")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of each CSV")
    parser.add_argument("--home", type=Path, help="an existing MLOPS_DESKTOP_HOME to use")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cold-start-") as tmp:
        folder = Path(tmp)
        home = args.home or folder / "home"
        env = _env(home)
        if args.home is None:
            os.environ["MLOPS_DESKTOP_HOME"] = str(home)
            sys.path.insert(0, str(ROOT))
            from benchmarks.local_stores import build_workspaces

            build_workspaces(home, args.versions)
        reference, current = _make_csvs(folder, args.rows)
        report = folder / "report.json"
        drift = [
            "drift",
            "report",
            "--reference",
            str(reference),
            "--current",
            str(current),
            "--out",
            str(report),
            "--quiet",
        ]
        commands: list[tuple[str, list[str], float | None, tuple[str, ...]]] = [
            # (label, argv, goal in seconds, heavy packages it must not import)
            ("--version", ["--version"], 0.5, HEAVY),
            ("--help", ["--help"], 0.5, HEAVY),
            (
                f"drift report ({args.rows:,}-row CSV)",
                drift,
                1.5,
                ("mlflow", "azure", "sklearn", "scipy.stats"),
            ),
            ("models list (local)", ["models", "list"], None, ("azure", "sklearn", "scipy")),
            (
                "endpoints list (local)",
                ["endpoints", "list"],
                None,
                ("mlflow", "azure", "sklearn", "scipy"),
            ),
        ]
        load = os.getloadavg()
        print(
            f"cold start — {time.strftime('%Y-%m-%d')}, {platform.node()}, {os.cpu_count()} cores, "
            f"load {load[0]:.2f}, Python {platform.python_version()}, median of {args.runs} runs"
        )
        built = "" if args.home else f" (3 local workspaces × {args.versions} versions)"
        print(f"home: {home}{built}")
        floor = statistics.median(_interpreter(env) for _ in range(args.runs))
        print(f"floor: a bare `python -c pass` takes {floor:.3f} s on this machine now")
        print()
        for label, argv, goal, forbidden in commands:
            _wall(argv, env)  # warm the OS file cache: "cold" means a new interpreter
            times = [_wall(argv, env) for _ in range(args.runs)]
            median = statistics.median(times)
            totals, modules = _import_profile(argv, env)
            loaded = [h for h in HEAVY if h in modules]
            wrongly = [h for h in forbidden if h in modules]
            verdict = ""
            if goal is not None:
                status = "OK" if median <= goal else "OVER"
                verdict = f"  goal ≤ {goal:.1f} s  ratio {median / goal:.2f} {status}"
            print(f"{label}: {median:.3f} s (min {min(times):.3f}, max {max(times):.3f}){verdict}")
            top = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:6]
            print("  top imports: " + ", ".join(f"{name} {sec:.3f}s" for name, sec in top))
            print(f"  heavy loaded: {', '.join(loaded) or 'none'}")
            status = "OK" if not wrongly else "LOADED " + ", ".join(wrongly)
            print(f"  must not load {', '.join(forbidden)}: {status}")
        return 0


if __name__ == "__main__":
    sys.exit(main())
