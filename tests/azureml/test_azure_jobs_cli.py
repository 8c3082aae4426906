"""``mlops-desktop jobs submit|list|cancel`` on an Azure ML workspace."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from test_azure_cli import _add_workspaces

from mlops_desktop.cli import main


def test_submit_list_and_cancel_a_retraining_job(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    argv = ["jobs", "submit", "-w", "dev", "--experiment", "churn-training"]
    argv += ["--param", "learning_rate=0.05", "--input", "training_data=azureml:churn-training:4"]
    assert main([*argv, "--json"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["parameters"]["learning_rate"] == "0.05" and job["status"] == "NotStarted"
    assert job["compute"] == "cpu-cluster"

    assert main(["jobs", "list", "-w", "dev", "--json", "--limit", "3"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == job["name"] and len(listed) == 3
    assert main(["jobs", "list", "-w", "dev", "--status", "succeeded"]) == 0
    table = capsys.readouterr().out
    assert "Completed" in table and "cpu-cluster" in table and job["name"] not in table

    assert main(["jobs", "cancel", job["name"], "-w", "dev"]) == 0
    assert f"job {job['name']}: Canceled" in capsys.readouterr().out


def test_submit_explains_bad_parameters_and_missing_permission(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    assert main(["jobs", "submit", "-w", "dev", "--param", "depth=3"]) == 2
    err = capsys.readouterr().err
    assert "has no parameter depth" in err and "learning_rate" in err
    data = arm_server.dataset
    az.login(data.principal("auditor"), data.tenant_id, subscription=data.subscription_id)
    assert main(["jobs", "submit", "-w", "prod"]) == 2
    assert "workspaces/jobs/write" in capsys.readouterr().err


def test_submit_and_wait_returns_the_jobs_outcome(
    fresh_arm_server: ArmTestServer,
    az: AzStandIn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_POLL_INTERVAL", "0.01")
    # Each read of the new job moves it on: Queued, Running, then the outcome.
    fresh_arm_server.jobs.progression = ["Queued", "Running", "Completed"]
    assert main(["jobs", "submit", "-w", "dev", "--wait", "--json"]) == 0
    job = json.loads(capsys.readouterr().out)
    assert job["status"] == "Completed" and job["duration_seconds"] is not None
    fresh_arm_server.jobs.progression = ["Running", "Failed"]
    assert main(["jobs", "submit", "-w", "dev", "--wait"]) == 1
    assert capsys.readouterr().out.rstrip().endswith(": Failed")
    fresh_arm_server.jobs.progression = []  # never moves
    assert main(["jobs", "submit", "-w", "dev", "--wait", "--timeout", "0"]) == 2
    assert "still NotStarted after 0 s" in capsys.readouterr().err
