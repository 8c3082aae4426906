"""``mlops-desktop endpoints create-deployment|traffic|invoke|logs`` on Azure ML workspaces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from arm_server import ArmTestServer, AzStandIn
from test_azure_cli import _add_workspaces

from mlops_desktop.cli import main
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.policy import PolicyConfig, StagePolicy, save_policy
from mlops_desktop.core.stages import Stage


def test_deploy_shift_traffic_invoke_and_read_logs(
    fresh_arm_server: ArmTestServer,
    az: AzStandIn,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    argv = ["endpoints", "create-deployment", "churn-staging-ep", "-w", "staging"]
    assert main([*argv, "-d", "canary", "--model", "churn", "--version", "champion", "--json"]) == 0
    out = capsys.readouterr().out
    created = {d["name"]: d for d in json.loads(out)["deployments"]}
    assert (created["canary"]["version"], created["canary"]["traffic"]) == ("2", 0)

    assert (
        main(["endpoints", "traffic", "churn-staging-ep", "-w", "staging", "blue=80", "canary=20"])
        == 0
    )
    out = capsys.readouterr().out
    assert "traffic of 'churn-staging-ep': blue=80 canary=20" in out
    (entry,) = AuditLog().find(AuditAction.TRAFFIC, endpoint="churn-staging-ep")
    assert entry.workspace == "staging"
    assert entry.details["to"] == {"blue": 80, "canary": 20}

    request = tmp_path / "request.json"
    request.write_text(json.dumps({"input_data": {"columns": ["a"], "data": [[1.5], [2.25]]}}))
    argv = ["endpoints", "invoke", "churn-staging-ep", "-w", "staging", "--data", str(request)]
    assert main([*argv, "-d", "canary"]) == 0
    assert json.loads(capsys.readouterr().out) == [0.5, 0.25]
    assert fresh_arm_server.endpoints.scored[-1][2] == "canary"

    assert main(["endpoints", "logs", "churn-staging-ep", "-w", "staging", "-d", "canary"]) == 0
    assert "POST /score 200" in capsys.readouterr().out


def test_azure_endpoint_commands_explain_missing_permissions_and_input(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    data = arm_server.dataset
    az.login(data.principal("auditor"), data.tenant_id, subscription=data.subscription_id)
    assert main(["endpoints", "traffic", "churn-prod-ep", "-w", "prod", "blue=100"]) == 2
    err = capsys.readouterr().err
    assert "alex.kim@contoso.example may not set traffic" in err
    assert "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write" in err
    assert main(["endpoints", "invoke", "churn-prod-ep", "-w", "prod"]) == 2
    assert "need a request body" in capsys.readouterr().err


def test_endpoints_list_includes_azure_endpoints(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    assert main(["endpoints", "list", "-w", "prod", "--json"]) == 0
    (prod,) = json.loads(capsys.readouterr().out)
    assert prod["name"] == "churn-prod-ep" and prod["traffic"] == {"blue": 90, "green": 10}
    assert main(["endpoints", "list"]) == 0
    out = capsys.readouterr().out
    assert "churn-staging-ep" in out and "churn-prod-ep" in out


def test_delete_an_azure_deployment_from_the_command_line(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    argv = ["endpoints", "create-deployment", "churn-staging-ep", "-w", "staging", "-d", "canary"]
    assert main([*argv, "--model", "churn", "--version", "2"]) == 0
    capsys.readouterr()
    assert main(["endpoints", "delete", "churn-staging-ep", "-w", "staging", "-d", "canary"]) == 0
    out = capsys.readouterr().out
    assert "deployment 'canary' deleted" in out and "canary" not in out.split("deleted", 1)[1]
    assert main(["endpoints", "delete", "churn-staging-ep", "-w", "staging"]) == 2
    assert "whole Azure ML endpoint" in capsys.readouterr().err


def test_prod_endpoint_changes_by_hand_follow_the_stage_policy(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    """prod needs approval: churn v2 is champion (green, 10 %), v1 (blue) is not."""
    _add_workspaces(fresh_arm_server, capsys)
    save_policy(PolicyConfig(stages={Stage.PROD: StagePolicy(requires_approval=True)}))
    prod = ("churn-prod-ep", "-w", "prod")
    assert main(["endpoints", "traffic", *prod, "blue=100"]) == 2
    err = capsys.readouterr().err
    assert "may not give live traffic to deployment 'blue' (churn v1)" in err
    assert "the champion is v2" in err and "mlops-desktop promote churn" in err
    assert main(["endpoints", "list", "-w", "prod", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["traffic"] == {"blue": 90, "green": 10}
    assert AuditLog().records() == []

    # Towards the champion: allowed, and recorded with the stage.
    assert main(["endpoints", "traffic", *prod, "blue=0", "green=100"]) == 0
    capsys.readouterr()
    (shift,) = AuditLog().find(AuditAction.TRAFFIC, endpoint="churn-prod-ep")
    assert shift.details["stage"] == "prod" and shift.details["from"] == {"blue": 90, "green": 10}
    assert shift.details["to"] == {"green": 100}  # Azure ML keeps no 0 % entries

    # A new deployment at 0 % is recorded; deleting one in prod is not for a hand.
    create = ["endpoints", "create-deployment", *prod, "-d", "canary", "-m", "churn", "-v", "1"]
    assert main(create) == 0
    capsys.readouterr()
    (deployed,) = AuditLog().find("serving.deploy", endpoint="churn-prod-ep")
    assert (deployed.details["deployment"], deployed.details["version"]) == ("canary", "1")
    assert main(["endpoints", "delete", *prod, "-d", "canary"]) == 2
    assert "may not delete deployment 'canary'" in capsys.readouterr().err
    assert len(AuditLog().records()) == 2
