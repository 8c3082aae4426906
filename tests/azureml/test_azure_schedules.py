"""Retraining schedules: create (cron / recurrence), disable, enable; job and monitor schedules."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings
from test_azure_cli import _add_workspaces

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.schedule_actions import check_cron, parse_every
from mlops_desktop.cli import main
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_cron_and_recurrence_parsing() -> None:
    assert check_cron(" 0  3 * * 1") == "0 3 * * 1"
    assert parse_every("12 hours") == ("hour", 12)
    assert parse_every("1 Week") == ("week", 1)
    with pytest.raises(InvalidInput, match="not a cron expression"):
        check_cron("every monday")
    with pytest.raises(InvalidInput, match="recurrence"):
        parse_every("0 days")


def test_create_disable_and_enable_a_retraining_schedule(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.DEV)
    progress: list[str] = []
    created = backend.create_retraining_schedule(
        "churn-nightly",
        cron="30 2 * * *",
        time_zone="W. Europe Standard Time",
        experiment="churn-training",
        parameters={"n_estimators": 800},
        ctx=TaskContext(lambda _d, _t, message: progress.append(message)),
    )
    assert (created.kind, created.enabled, created.trigger_type) == ("job", True, "cron")
    assert created.expression == "30 2 * * *" and created.provisioning_state == "Succeeded"
    assert created.job_experiment == "churn-training"
    assert progress  # the long-running operation reported while it polled
    assert not backend.disable_schedule("churn-nightly").enabled
    assert backend.enable_schedule("churn-nightly").enabled
    stored = fresh_arm_server.dataset.workspaces[0].collection("schedules") or []
    job = next(s for s in stored if s["name"] == "churn-nightly")["properties"]["action"]
    # The retraining command runs as the one step of a pipeline job (see schedule_actions).
    step = job["jobDefinition"]["jobs"]["retrain"]
    assert step["inputs"]["n_estimators"]["value"] == "800"
    assert step["componentId"].split("/components/")[1].startswith("azureml_anonymous/")

    weekly = backend.create_retraining_schedule("churn-weekly-2", every="1 week", enabled=False)
    assert (weekly.trigger_type, weekly.enabled) == ("recurrence", False)
    assert weekly.expression.startswith("every 1 week")
    names = {s.name for s in backend.list_schedules()}
    assert {"churn-nightly", "churn-weekly-2", "churn-retrain-weekly"} <= names


def test_monitor_schedules_are_listed_with_their_target(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    schedules = {s.name: s for s in _backend(arm_server, Stage.PROD).list_schedules()}
    monitor = schedules["churn-prod-monitor"]
    assert monitor.kind == "monitor" and monitor.enabled
    assert monitor.monitor_target.endswith("/onlineEndpoints/churn-prod-ep/deployments/blue")
    assert monitor.monitor_signals == {"data-drift": "data_drift"}


def test_schedule_input_is_checked_before_any_request(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(arm_server, Stage.DEV)
    with pytest.raises(InvalidInput, match="either a cron expression or a recurrence"):
        backend.create_retraining_schedule("x", cron="0 3 * * *", every="1 day")
    with pytest.raises(InvalidInput, match="not valid"):
        backend.create_retraining_schedule("bad name", cron="0 3 * * *")


def test_schedules_commands(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    assert main(["schedules", "list", "--json"]) == 0
    listed = {(s["workspace"], s["name"]): s for s in json.loads(capsys.readouterr().out)}
    assert listed[("prod", "churn-prod-monitor")]["kind"] == "monitor"
    assert listed[("staging", "churn-retrain-nightly")]["enabled"] is False

    argv = ["schedules", "create", "churn-daily", "-w", "dev", "--cron", "0 4 * * *"]
    assert main([*argv, "--param", "max_depth=5", "--experiment", "churn-training"]) == 0
    out = capsys.readouterr().out
    assert "schedule 'churn-daily' created" in out and "cron: 0 4 * * *" in out
    assert main(["schedules", "disable", "churn-daily", "-w", "dev", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["enabled"] is False
    assert main(["schedules", "enable", "churn-daily", "-w", "dev"]) == 0
    assert "schedule 'churn-daily' enabled" in capsys.readouterr().out

    assert main(["schedules", "create", "x", "-w", "dev", "--cron", "every day"]) == 2
    assert "not a cron expression" in capsys.readouterr().err
