"""Listings as real Azure ML workspaces answer them: an endpoint without deployments, a
workspace that cannot be read (every ``list`` command exits non-zero, text and ``--json``
alike), a model whose versions cannot be read, serverless and preparing jobs."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from arm_server.scenarios import add_endpoint_without_deployments
from azure_helpers import closed_port_metadata
from test_azure_cli import _add_workspaces

from mlops_desktop.cli import main
from mlops_desktop.core.config import load_config, save_config
from mlops_desktop.core.stages import Stage


def _take_offline(stage: Stage) -> None:
    config = load_config()
    ws = config.workspace(stage.value)
    assert ws.azure is not None
    offline = ws.azure.model_copy(update={"cloud_metadata": closed_port_metadata()})
    save_config(config.with_workspace(ws.model_copy(update={"azure": offline}), replace=True))


def test_an_endpoint_without_deployments_is_listed(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    add_endpoint_without_deployments(fresh_arm_server, "mlw-churn-dev", "churn-new-ep")
    _add_workspaces(fresh_arm_server, capsys)

    assert main(["endpoints", "list", "-w", "dev", "--json"]) == 0
    listed = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert set(listed) == {"churn-dev-ep", "churn-new-ep"}
    new = listed["churn-new-ep"]
    assert (new["deployments"], new["traffic"], new["auth"]) == ([], {}, "Azure ML token")
    assert listed["churn-dev-ep"]["auth"] == "key"

    assert main(["endpoints", "list", "-w", "dev"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if "churn-new-ep" in line]
    cells = row.split()
    assert (cells[0], cells[1], cells[-2:]) == ("churn-new-ep", "dev", ["Succeeded", "-"])


def test_endpoints_list_fails_when_a_workspace_cannot_be_read(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    _take_offline(Stage.STAGING)
    for json_flag in ([], ["--json"]):
        assert main(["endpoints", "list", *json_flag]) == 2
        out, err = capsys.readouterr()
        assert "churn-prod-ep" in out and "churn-staging-ep" not in out
        assert "staging: " in err and "cannot reach Azure" in err
