"""The headless commands, run in-process (argv -> exit code, stdout, stderr)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlops_desktop.cli import main
from mlops_desktop.core.config import load_config
from mlops_desktop.demo import DEMO_MODEL


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_models_list_json_has_stage_aliases_metrics(demo_home: Path, capsys) -> None:
    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == 0
    items = json.loads(out)
    assert {i["stage"] for i in items} == {"dev", "staging", "prod"}
    assert len(items) == 6
    prod = next(i for i in items if i["stage"] == "prod")
    assert prod["aliases"] == ["champion"]
    assert prod["key_metric"] == "rmse" and prod["metrics"]["rmse"] > 0
    assert prod["lineage"]["mlops.source_workspace"] == "dev"


def test_models_list_filters_and_table(demo_home: Path, capsys) -> None:
    code, out, _ = run(capsys, "models", "list", "--stage", "staging")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split()[:4] == ["MODEL", "VERSION", "STAGE", "WORKSPACE"]
    assert len(lines) == 3 and "champion" in lines[2]
    code, out, _ = run(capsys, "models", "list", "--workspace", "dev", "--json")
    assert {i["workspace"] for i in json.loads(out)} == {"dev"}


def test_models_show(demo_home: Path, capsys) -> None:
    code, out, _ = run(capsys, "models", "show", DEMO_MODEL, "1", "-w", "prod", "--json")
    assert code == 0
    detail = json.loads(out)
    assert detail["run"]["params"]["model_type"]
    assert {d["context"] for d in detail["run"]["datasets"]} == {"training", "evaluation"}
    source = detail["lineage"]["mlops.source_version"]
    assert [(c["workspace"], c["version"]) for c in detail["copy_chain"]] == [
        ("prod", "1"),
        ("dev", source),
    ]
    assert [v["workspace"] for v in detail["lives_in"]["staging"]] == ["staging"]
    code, out, _ = run(capsys, "models", "show", DEMO_MODEL, "1", "-w", "prod")
    assert "rmse" in out
    # Where the version lives across the stages, and the copy it came from (not "[prod, prod]").
    assert out.splitlines()[0] == f"{DEMO_MODEL} version 1 in workspace prod (stage prod)"
    assert (
        f"lineage:  dev: dev v{source} @champion → staging: staging v1 @champion → "
        "prod: prod v1 @champion (this)"
    ) in out
    assert f"copied:   prod v1 ← dev v{source} (trained, run " in out
    code, out, _ = run(capsys, "models", "show", DEMO_MODEL, "3", "-w", "dev")
    assert code == 0 and "copied:   not a copy (trained, run " in out


def test_unknown_workspace_and_version_errors(demo_home: Path, capsys) -> None:
    code, _, err = run(capsys, "models", "list", "--workspace", "nope")
    assert code == 2 and "no workspace named 'nope'" in err and "Traceback" not in err
    code, _, err = run(capsys, "models", "show", DEMO_MODEL, "42", "-w", "dev")
    assert code == 2 and "not found" in err


def test_unreachable_store_reported_others_listed(demo_home: Path, capsys) -> None:
    code, _, _ = run(
        capsys,
        "workspaces",
        "add",
        "remote",
        "--stage",
        "dev",
        "--tracking-uri",
        "http://127.0.0.1:9",
    )
    assert code == 0
    code, out, err = run(capsys, "models", "list", "--json")
    assert code == 2
    assert len(json.loads(out)) == 6
    assert "remote" in err and "cannot reach" in err


def test_workspaces_add_list_remove(capsys) -> None:
    assert run(capsys, "workspaces", "list")[1].startswith("no workspaces")
    code, out, _ = run(capsys, "workspaces", "add", "dev", "--stage", "dev", "--local")
    assert code == 0 and "added" in out
    code, _, err = run(capsys, "workspaces", "add", "dev", "--stage", "dev", "--local")
    assert code == 2 and "already exists" in err
    code, _, err = run(capsys, "workspaces", "add", "x", "--local")
    assert code == 2 and "--stage" in err
    code, _, err = run(
        capsys, "workspaces", "add", "x", "--stage", "prod", "--tracking-uri", "nonsense"
    )
    assert code == 2 and "tracking URI" in err
    code, _, _ = run(
        capsys,
        "workspaces",
        "add",
        "shared",
        "--layout",
        "name-prefix",
        "--local",
        "--stages",
        "staging,prod",
    )
    assert code == 0
    code, out, _ = run(capsys, "workspaces", "list", "--json")
    listed = {w["name"]: w for w in json.loads(out)}
    assert listed["shared"]["stages"] == ["staging", "prod"]
    code, out, _ = run(capsys, "workspaces", "list", "--check")
    assert "online" in out
    assert run(capsys, "workspaces", "remove", "dev")[0] == 0
    assert [w.name for w in load_config().workspaces] == ["shared"]
    assert run(capsys, "workspaces", "remove", "dev")[0] == 2


def test_import_azure_config(tmp_path: Path, capsys) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps({"subscription_id": "s", "resource_group": "rg", "workspace_name": "ml-dev"})
    )
    code, out, _ = run(capsys, "workspaces", "import-azure-config", str(path))
    assert code == 0 and "ml-dev" in out
    ws = load_config().workspace("ml-dev")
    assert ws.azure is not None and ws.azure.subscription_id == "s"
    code, _, err = run(capsys, "workspaces", "import-azure-config", str(tmp_path / "none.json"))
    assert code == 2 and "does not exist" in err


def test_bad_arguments_exit_2(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "list", "--stage", "qa"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"])
    assert exit_info.value.code == 2


def test_demo_is_idempotent(demo_home: Path, capsys) -> None:
    # The demo stores are shared by the session: start no endpoints in them.
    code, out, _ = run(capsys, "demo", "--no-endpoints")
    assert code == 0 and "already present" in out


@pytest.mark.slow
def test_models_list_against_a_running_mlflow_server(mlflow_server: str, capsys) -> None:
    from mlops_desktop.pipelines.train import TrainConfig, train

    train(
        TrainConfig(
            tracking_uri=mlflow_server,
            registered_model="cli-server-model",
            model_type="ridge",
            experiment="cli-server",
        )
    )
    code, _, _ = run(
        capsys, "workspaces", "add", "team", "--stage", "staging", "--tracking-uri", mlflow_server
    )
    assert code == 0
    code, out, err = run(capsys, "models", "list", "--json", "--model", "cli-server-model")
    assert code == 0, err
    (item,) = json.loads(out)
    assert item["workspace"] == "team" and item["stage"] == "staging"
    assert item["key_metric"] == "rmse" and item["metrics"]["r2"] is not None


def test_drift_report_against_a_model_versions_training_data(
    demo_home: Path, tmp_path: Path, capsys
) -> None:
    current = demo_home / "data" / "demo" / "production-current.parquet"
    outputs = [tmp_path / "r.html", tmp_path / "r.pdf", tmp_path / "r.json"]
    args = ["drift", "report", "--reference", "model:prod/diabetes-progression/champion"]
    args += ["--current", str(current), "--target", "target", "--timestamp", "timestamp"]
    for out in outputs:
        args += ["--out", str(out)]
    code, out, err = run(capsys, *args)
    # 3 of 10 features drift over the whole table, below the 50 % share; but bmi, age and bp
    # drift more and more from day to day, and that is dataset drift (exit 1).
    assert code == 1, err
    assert out.startswith("DATASET DRIFT: 3 of 10 features drifted")
    assert re.search(r"drifting more and more: .*bmi [0-9.]+ → [0-9.]+", out), out
    assert "rule: Dataset drift when at least 50% of the features drift" in out
    document = json.loads(outputs[2].read_text())
    verdict = document["summary"]["verdict"]
    assert verdict["overall"] is False and set(verdict["trending"]) == {"age", "bmi", "bp"}
    assert "drifting more and more" in outputs[0].read_text()
    assert document["reference"]["name"] == "model:prod/diabetes-progression/champion"
    assert outputs[1].read_bytes().startswith(b"%PDF")
    assert 10_000 < outputs[0].stat().st_size < 1_000_000
    code, _, err = run(
        capsys,
        "drift",
        "report",
        "--reference",
        "model:prod/nope/champion",
        "--current",
        str(current),
        "--out",
        str(tmp_path / "x.json"),
    )
    assert code == 2 and "nope" in err
