"""Cold commands load only what they need: checked in a fresh interpreter through sys.modules.

A CLI used from CI starts a new process per command; importing mlflow, scipy.stats or the Azure
SDK where the command does not need them costs seconds (benchmarks/cold_start.py measures it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("mlflow", "azure", "sklearn", "scipy", "scipy.stats", "pandas", "PySide6", "pydantic")

_PROBE = """
import json, sys
from mlops_desktop.launcher import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
loaded = sorted({m for m in sys.modules if m.split('.')[0] in ('mlflow', 'azure', 'sklearn',
    'scipy', 'pandas', 'PySide6', 'pydantic')} | ({'scipy.stats'} & set(sys.modules)))
print('\\n@@' + json.dumps({'code': code, 'loaded': loaded, 'cli': 'mlops_desktop.cli' in
    sys.modules}))
"""


def _run(*argv: str) -> tuple[dict, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], env=env, capture_output=True, text=True
    )
    assert "@@" in done.stdout, done.stderr
    output, _, probe = done.stdout.rpartition("\n@@")
    return json.loads(probe), output


def _roots(loaded: list[str]) -> set[str]:
    return {m.split(".")[0] for m in loaded} | ({"scipy.stats"} & set(loaded))


def test_version_imports_neither_the_cli_nor_any_heavy_dependency() -> None:
    probe, output = _run("--version")
    assert probe["code"] == 0
    from mlops_desktop import __version__

    assert output.strip() == f"mlops-desktop {__version__}"
    assert probe["loaded"] == [] and not probe["cli"]


def test_help_imports_no_heavy_dependency() -> None:
    probe, output = _run("--help")
    assert probe["code"] == 0 and "drift" in output and "models" in output
    assert not _roots(probe["loaded"]) & {
        "mlflow",
        "azure",
        "sklearn",
        "scipy",
        "pandas",
        "PySide6",
        "pydantic",  # the config and settings models load in the handlers, not for the parser
    }


def test_help_texts_read_from_the_settings_model_are_complete() -> None:
    # Their descriptions are computed when shown: the keys and the file are still all there.
    from mlops_desktop.core.settings import setting_keys, settings_file

    probe, output = _run("settings", "set", "--help")
    assert probe["code"] == 0
    flat = " ".join(output.split())
    assert "Keys: " + ", ".join(setting_keys()) in flat
    probe, output = _run("settings", "--help")
    assert probe["code"] == 0 and str(settings_file().name) in output
    probe, output = _run("workspaces", "add", "--help")
    assert probe["code"] == 0 and "{workspace,name-prefix}" in output


@pytest.mark.parametrize(("n_ref", "n_cur"), [(400, 400), (500, 350)])
def test_drift_report_on_a_csv_does_not_import_scipy_stats_or_mlflow(
    tmp_path: Path, n_ref: int, n_cur: int
) -> None:
    rng = np.random.default_rng(3)
    for name, n, shift in (("ref", n_ref, 0.0), ("cur", n_cur, 0.5)):
        rows = ["a,b,segment"] + [
            f"{rng.normal(shift):.5f},{rng.normal():.5f},{rng.choice(['x', 'y'])}" for _ in range(n)
        ]
        (tmp_path / f"{name}.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "report.json"
    probe, _ = _run(
        "drift", "report", "--reference", str(tmp_path / "ref.csv"),
        "--current", str(tmp_path / "cur.csv"), "--out", str(out), "--quiet",
    )  # fmt: skip
    assert probe["code"] in (0, 1)
    features = {f["name"]: f for f in json.loads(out.read_text())["features"]}
    from scipy import stats

    ref, cur = (
        np.loadtxt(tmp_path / f"{n}.csv", delimiter=",", skiprows=1, usecols=0)
        for n in ("ref", "cur")
    )
    expected = stats.ks_2samp(ref, cur)  # the p-value came from scipy's numbers, not scipy.stats
    assert features["a"]["metrics"]["ks_pvalue"] == float(expected.pvalue)
    assert features["a"]["metrics"]["ks_statistic"] == float(expected.statistic)
    assert not _roots(probe["loaded"]) & {"mlflow", "azure", "sklearn", "scipy.stats", "PySide6"}


def test_endpoints_list_on_a_local_workspace_imports_no_mlflow(tmp_path: Path) -> None:
    probe, _ = _run("workspaces", "add", "dev", "--local", "--stage", "dev")
    assert probe["code"] == 0
    probe, output = _run("endpoints", "list")
    assert probe["code"] == 0 and "no endpoints" in output
    assert not _roots(probe["loaded"]) & {"mlflow", "azure", "sklearn", "scipy", "PySide6"}
