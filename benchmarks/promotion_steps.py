"""Time of each step of a local dev → staging promotion on the demo (goal: the whole ≤ 15 s).

On a fresh demo home (``MLOPS_DESKTOP_HOME`` in a temporary folder, ``mlops-desktop demo``, which
starts endpoints on 127.0.0.1:5001/5002) trains one more dev version that beats the staging
champion (the gates compare key metrics), promotes it with ``mlops-desktop promote … --from dev
--to staging --yes`` and prints each step's time from the promotion journal (started_at →
finished_at), the process's wall time, the total and the ratio to the goal. Stops the demo
endpoints at the end. Not a test: it asserts nothing.

    python benchmarks/promotion_steps.py
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = "diabetes-progression"
GOAL_S = 15.0
#: Tried in order until one beats the staging champion's rmse: (model type, params).
CANDIDATES = (
    ("random_forest", ["n_estimators=300", "max_depth=4", "min_samples_leaf=5"]),
    ("random_forest", ["n_estimators=200", "max_depth=3"]),
    ("gradient_boosting", ["n_estimators=150", "learning_rate=0.03", "max_depth=2"]),
    ("random_forest", ["n_estimators=400", "max_depth=4", "max_features=0.5"]),
    ("random_forest", ["n_estimators=300", "max_depth=5", "min_samples_leaf=8"]),
    ("ridge", ["alpha=0.1"]),
)


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlops_desktop", *argv], env=env, capture_output=True, text=True
    )


def _champion_rmse(env: dict[str, str]) -> float:
    done = _cli(env, "models", "list", "--json")
    for row in json.loads(done.stdout):
        if row.get("workspace") == "staging" and "champion" in (row.get("aliases") or []):
            return float(row["metrics"]["rmse"])
    raise RuntimeError(f"no staging champion: {done.stdout[:500]} {done.stderr[-500:]}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="promotion-") as tmp:
        home = Path(tmp) / "home"
        env = dict(
            os.environ,
            MLOPS_DESKTOP_HOME=str(home),
            MLFLOW_DISABLE_TELEMETRY="true",
            PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        )
        started = time.perf_counter()
        demo = _cli(env, "demo", "--quiet")
        if demo.returncode != 0:
            print(demo.stdout, demo.stderr, sep="\n")
            return 2
        print(f"demo built in {time.perf_counter() - started:.1f} s (home {home})")
        try:
            return _promote(env, home)
        finally:
            for stage in ("staging", "prod"):
                _cli(env, "endpoints", "stop", MODEL, "-w", stage)


def _promote(env: dict[str, str], home: Path) -> int:
    champion = _champion_rmse(env)
    uri = f"sqlite:///{home / 'data' / 'workspaces' / 'dev' / 'mlflow.db'}"
    for model_type, params in CANDIDATES:
        argv = ["-m", "mlops_desktop.pipelines.train", "--tracking-uri", uri]
        argv += ["--registered-model", MODEL, "--model-type", model_type, "--json"]
        argv += [a for p in params for a in ("--param", p)]
        done = subprocess.run([sys.executable, *argv], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-1000:])
            return 2
        result = json.loads(done.stdout[done.stdout.find("{\n") :])
        rmse = float(result["metrics"]["rmse"])
        version = str(result.get("model_version") or result.get("version"))
        print(f"trained dev v{version} ({model_type}): rmse {rmse:.3f} (champion {champion:.3f})")
        if rmse < champion:
            break
    else:
        print("no candidate beat the staging champion; nothing to promote")
        return 2
    started = time.perf_counter()
    done = _cli(env, "promote", MODEL, version, "--from", "dev", "--to", "staging", "--yes")
    wall = time.perf_counter() - started
    print(done.stdout.splitlines()[0] if done.stdout else done.stderr[-500:])
    journal = home / "data" / "promotion" / "journal.sqlite3"
    if not journal.exists():
        journal = next(home.rglob("journal.sqlite3"))
    with sqlite3.connect(journal) as conn:
        operation = conn.execute(
            "SELECT id, state, created_at, updated_at FROM operations ORDER BY created_at DESC"
        ).fetchone()
        steps = conn.execute(
            "SELECT name, state, started_at, finished_at FROM steps WHERE operation_id = ? "
            "ORDER BY position",
            (operation[0],),
        ).fetchall()
    print(f"\npromotion {operation[0]}: {operation[1]}")
    total_steps = 0.0
    for name, state, begun, ended in steps:
        seconds = _seconds(begun, ended)
        total_steps += seconds or 0.0
        shown = f"{seconds:6.2f} s" if seconds is not None else "     —  "
        print(f"  {name:<10} {state:<8} {shown}")
    journaled = _seconds(operation[2], operation[3]) or 0.0
    print(
        f"steps: {total_steps:.2f} s; journaled operation (create → last update): {journaled:.2f} s"
    )
    status = "OK" if wall <= GOAL_S else "OVER"
    print(
        f"`mlops-desktop promote` wall time (cold process, incl. start-up): {wall:.2f} s  "
        f"goal ≤ {GOAL_S:.0f} s  ratio {wall / GOAL_S:.2f} {status}"
    )
    return 0


def _seconds(begun: str, ended: str) -> float | None:
    if not begun or not ended:
        return None
    return (datetime.fromisoformat(ended) - datetime.fromisoformat(begun)).total_seconds()


if __name__ == "__main__":
    sys.exit(main())
