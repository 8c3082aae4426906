"""``mlops-desktop overview``: the Overview page's grid as text and JSON, on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_desktop.cli import main
from mlops_desktop.core.config import (
    AppConfig,
    BackendKind,
    MlflowConnection,
    WorkspaceConfig,
    load_config,
    save_config,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.demo import DEMO_MODEL


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_overview_prints_the_grid_per_stage(demo_home: Path, capsys) -> None:
    code, out, _ = run(capsys, "overview")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == DEMO_MODEL
    assert lines[1].split() == ["dev", "staging", "prod"]
    champion = next(line for line in lines if line.startswith("champion"))
    assert champion.count("champion · rmse") == 3
    assert next(line for line in lines if line.startswith("lineage")).count("same as dev v") == 2
    assert any(line.startswith("drift") and "not watched" in line for line in lines)


def test_overview_json_and_an_offline_workspace(demo_home: Path, capsys) -> None:
    config = load_config()
    remote = WorkspaceConfig(
        name="remote",
        backend=BackendKind.MLFLOW,
        stage=Stage.DEV,
        mlflow=MlflowConnection(tracking_uri="http://127.0.0.1:9"),
    )
    save_config(AppConfig(workspaces=(*config.workspaces, remote)))
    code, out, _ = run(capsys, "overview", "--json")
    assert code == 0  # a workspace that cannot be read is a problem in the output, not an error
    data = json.loads(out)
    columns = {c["workspace"]: c for c in data["columns"]}
    assert columns["remote"]["state"] == "offline" and columns["remote"]["problems"]
    assert columns["prod"]["state"] == "online"
    prod = next(c for c in data["cells"] if c["workspace"] == "prod")
    assert prod["champion"]["alias"] == "champion" and prod["champion"]["metric_name"] == "rmse"
    code, out, _ = run(capsys, "overview")
    assert "dev · remote (offline)" in out
