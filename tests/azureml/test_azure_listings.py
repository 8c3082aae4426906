"""Listings as real Azure ML workspaces answer them: an endpoint without deployments, a
workspace that cannot be read (every ``list`` command exits non-zero, text and ``--json``
alike), a model whose versions cannot be read, serverless and preparing jobs."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from arm_server.scenarios import add_command_job, add_endpoint_without_deployments
from azure_helpers import closed_port_metadata
from test_azure_cli import _add_workspaces

from mlops_desktop.backends.azureml import last_known
from mlops_desktop.cli import main
from mlops_desktop.core.config import load_config, save_config
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.compute_azure import read_azure_compute
from mlops_desktop.ui.common.backend_tasks import load_workspace


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


def test_compute_keeps_the_clusters_when_quota_or_nodes_cannot_be_read(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CI principal's role is on prod's resource group: quota (a subscription read) is
    # refused with a 403; listNodes of the GPU cluster fails with a 500.
    server = fresh_arm_server
    data = server.dataset
    az.login(data.principal("ci-deployer"), data.tenant_id, subscription=data.subscription_id)
    server.add_fault(r"/computes/gpu-cluster/listNodes$", status=500, method="POST", times=None)
    _add_workspaces(server, capsys)
    config = load_config()
    prod = config.workspace("prod")
    read = read_azure_compute(prod)
    assert read.error == ""
    computes = {c.name: c for c in read.computes}
    assert set(computes) == {"cpu-cluster", "gpu-cluster"}
    assert computes["cpu-cluster"].current_nodes == 2
    gpu = computes["gpu-cluster"]
    assert gpu.current_nodes is None and "HTTP 500" in gpu.nodes_unavailable_reason
    assert "locations/usages/read" in read.quota_error and read.quotas == []
    assert [p.split(":")[0] for p in read.problems] == ["quota", "nodes of gpu-cluster"]
    assert any("cpu-cluster: cluster keeps min 1 node" in h for h in read.hints)

    save_config(config.model_copy(update={"workspaces": (prod,)}))
    assert main(["compute", "show", "--azure", "--json"]) == 0
    (shown,) = json.loads(capsys.readouterr().out)["azure"]
    assert [c["name"] for c in shown["computes"]] == ["cpu-cluster", "gpu-cluster"]
    assert "locations/usages/read" in shown["quota_error"]
    assert main(["compute", "show", "--azure"]) == 0
    out = capsys.readouterr().out
    assert "cpu-cluster" in out and "could not read quota: " in out
    assert "could not read nodes of gpu-cluster: " in out

    _take_offline(Stage.PROD)
    for json_flag in ([], ["--json"]):
        assert main(["compute", "show", "--azure", *json_flag]) == 2
        assert "'prod' could not be read" in capsys.readouterr().err


def test_serverless_and_preparing_jobs_are_listed_as_azure_says(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    add_command_job(fresh_arm_server, "mlw-churn-dev", "churn-serverless-01", "Preparing")
    add_command_job(
        fresh_arm_server,
        "mlw-churn-dev",
        "churn-serverless-02",
        "Running",
        created="2025-07-05T07:00:00.000Z",
        started="2025-07-05T07:05:00.000Z",
    )
    _add_workspaces(fresh_arm_server, capsys)

    assert main(["jobs", "list", "-w", "dev", "--json", "--limit", "4"]) == 0
    listed = {j["name"]: j for j in json.loads(capsys.readouterr().out)}
    preparing = listed["churn-serverless-01"]
    assert (preparing["status"], preparing["compute"]) == ("Preparing", "serverless")
    assert preparing["instance_type"] == "Standard_E4s_v3"
    assert preparing["start_time"] is None and preparing["duration_seconds"] is None
    running = listed["churn-serverless-02"]
    assert running["compute"] == "serverless" and running["start_time"].startswith("2025-07-05")
    assert listed["churn-train-20250703-08"]["compute"] == "cpu-cluster"
    # Azure ML writes StartTimeUtc without a zone: it is UTC.
    assert listed["churn-train-20250702-07"]["start_time"] == "2025-07-02T08:03:41+00:00"

    assert main(["jobs", "list", "-w", "dev", "--limit", "3"]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if "serverless-01" in line]
    assert row.split()[1:4] == ["Preparing", "churn-training", "serverless"]


def test_a_model_whose_versions_cannot_be_read_does_not_hide_the_others(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    # Dev has two models; listing fraud's versions fails (HTTP 500, retries included).
    fresh_arm_server.add_fault(r"/models/fraud/versions$", status=500, times=None)
    _add_workspaces(fresh_arm_server, capsys)
    for json_flag in ([], ["--json"]):
        assert main(["models", "list", "-w", "dev", *json_flag]) == 2
        out, err = capsys.readouterr()
        if json_flag:
            listed = json.loads(out)
            assert {v["model"] for v in listed} == {"churn"} and len(listed) == 6
        else:
            assert out.count("churn ") == 6 and "fraud" not in out
        assert "error: workspace 'dev': list versions of fraud: Azure ML answered HTTP 500" in err

    # The Models page's load: the same versions, and what was not read.
    snapshot = load_workspace(TaskContext(), load_config().workspace("dev"))
    assert {v.model for v in snapshot.versions} == {"churn"}
    (problem,) = snapshot.problems
    assert problem.startswith("list versions of fraud: ")
    # A partial read is not kept as the last-known state (offline, it would hide fraud).
    assert last_known.load(load_config().workspace("dev")) is None


def test_list_commands_fail_when_a_workspace_cannot_be_read(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    _take_offline(Stage.STAGING)
    for json_flag in ([], ["--json"]):
        assert main(["schedules", "list", *json_flag]) == 2
        out, err = capsys.readouterr()
        assert "churn-prod-monitor" in out and "staging: " in err
        assert main(["workspaces", "list", "--check", *json_flag]) == 2
        out, err = capsys.readouterr()
        assert "error: workspace 'staging': offline" in err
        assert main(["jobs", "list", "-w", "staging", *json_flag]) == 2
        assert "cannot reach Azure" in capsys.readouterr().err
