"""``mlops-desktop`` commands against the loopback Azure ML workspaces."""

from __future__ import annotations

import json
import logging

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import WORKSPACES, closed_port_metadata

from mlops_desktop.cli import main
from mlops_desktop.core.config import load_config, save_config
from mlops_desktop.core.stages import Stage


def _add_workspaces(server: ArmTestServer, capsys: pytest.CaptureFixture[str]) -> None:
    """``workspaces add NAME --stage S --azure SUB RG WS``, then the custom cloud in config."""
    subscription = server.dataset.subscription_id
    for stage, (group, workspace) in WORKSPACES.items():
        argv = ["workspaces", "add", stage.value, "--stage", stage.value]
        assert main([*argv, "--azure", subscription, group, workspace]) == 0
    config = load_config()
    for ws in config.workspaces:
        assert ws.azure is not None
        azure = ws.azure.model_copy(update={"cloud_metadata": server.cloud_metadata()})
        config = config.with_workspace(ws.model_copy(update={"azure": azure}), replace=True)
    save_config(config)
    capsys.readouterr()


def test_models_list_json_across_three_azure_workspaces(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    assert main(["models", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert len(rows) == 13
    champions = {
        (r["workspace"], r["model"], r["version"]) for r in rows if "champion" in r["aliases"]
    }
    assert champions == {
        ("dev", "churn", "6"),
        ("dev", "fraud", "2"),
        ("staging", "churn", "2"),
        ("prod", "churn", "2"),
    }
    prod = next(r for r in rows if r["workspace"] == "prod" and r["version"] == "2")
    assert prod["stage"] == "prod"
    assert prod["key_metric"] == "rmse" and prod["key_metric_value"] == pytest.approx(0.301)
    assert prod["lineage"]["mlops.source_workspace"] == "staging"
    assert err == ""

    assert main(["workspaces", "list", "--check", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {w["name"]: w["connection"] for w in listed} == {
        "dev": "online",
        "staging": "online",
        "prod": "online",
    }


def test_models_list_uses_the_last_known_state_of_an_offline_workspace(
    arm_server: ArmTestServer,
    az: AzStandIn,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _add_workspaces(arm_server, capsys)
    assert main(["models", "list", "--json", "--stage", "prod"]) == 0
    before = json.loads(capsys.readouterr().out)
    config = load_config()
    prod = config.workspace(Stage.PROD.value)
    assert prod.azure is not None
    offline = prod.azure.model_copy(update={"cloud_metadata": closed_port_metadata()})
    save_config(config.with_workspace(prod.model_copy(update={"azure": offline}), replace=True))
    with caplog.at_level(logging.WARNING, logger="mlops_desktop.backends.azureml.backend"):
        # The last-known versions are listed, but the workspace was not read: exit 2.
        assert main(["models", "list", "--json", "--stage", "prod"]) == 2
    out, err = capsys.readouterr()
    assert json.loads(out) == before
    assert "'prod' is unreachable; showing its model versions as of" in caplog.text
    assert "error: workspace 'prod': could not be read (" in err and "versions are as of" in err
    assert main(["workspaces", "list", "--check"]) == 2
    out, err = capsys.readouterr()
    assert "offline (" in out and "error: workspace 'prod': offline" in err
