"""Azure ML job logs through the real azure-ai-ml: run history details, SAS log files, follow."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from arm_server.run_history import RUNS_READ, log_lines
from azure_helpers import azure_workspace, quick_settings
from test_azure_cli import _add_workspaces

from mlops_desktop.backends.azureml import job_logs
from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.job_logs import USER_LOG
from mlops_desktop.cli import main
from mlops_desktop.core.errors import Cancelled, NotFound, PermissionDenied
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext

COMPLETED = "churn-train-20250616-06"
RUNNING = "churn-train-20250702-07"
FAILED = "churn-train-20250703-08"
LIFECYCLER = "system_logs/lifecycler/lifecycler.log"


def _backend(server: ArmTestServer, stage: Stage = Stage.DEV) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def _job(server: ArmTestServer, name: str) -> dict[str, object]:
    jobs = server.dataset.workspaces[0].collection("jobs") or []
    return next(j for j in jobs if j["name"] == name)


def test_read_the_user_log_a_named_file_or_every_file(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    # A server of its own: the request order is checked, and the shared server may still see
    # a late request of an earlier test.
    arm_server = fresh_arm_server
    backend = _backend(arm_server)
    log = backend.read_job_log(COMPLETED)
    assert log.status == "Completed" and list(log.files) == [USER_LOG]
    expected = log_lines(_job(arm_server, COMPLETED), USER_LOG, "Completed", 0)
    assert log.files[USER_LOG] == "".join(line + "\n" for line in expected)
    assert "Parameters: learning_rate=" in log.files[USER_LOG]
    assert log.available[0] == USER_LOG and LIFECYCLER in log.available
    # The route jobs.stream takes: workspace -> discovery URL -> run details -> SAS blob.
    paths = [r.path for r in arm_server.requests]
    assert paths[0].endswith("/workspaces/mlw-churn-dev") and paths[1] == "/discovery"
    assert paths[2].startswith("/history/v1.0/") and paths[2].endswith(f"/runs/{COMPLETED}/details")
    blob = arm_server.requests[3]
    assert blob.path.endswith(f"dcid.{COMPLETED}/{USER_LOG}") and blob.principal == ""

    one = backend.read_job_log(COMPLETED, file=LIFECYCLER)
    assert list(one.files) == [LIFECYCLER] and "exited with code 0" in one.files[LIFECYCLER]
    every = backend.read_job_log(COMPLETED, all_files=True)
    assert list(every.files) == list(every.available) and len(every.files) == 3
    with pytest.raises(NotFound, match=r"no log file 'nope\.txt'") as missing:
        backend.read_job_log(COMPLETED, file="nope.txt")
    assert LIFECYCLER in (missing.value.hint or "")


def test_a_failed_jobs_log_ends_with_its_traceback(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    text = _backend(arm_server).read_job_log(FAILED).files[USER_LOG]
    assert text.rstrip().splitlines()[-1].startswith("MemoryError:")


def test_follow_a_running_job_until_it_completes(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    server = fresh_arm_server
    ws = server.dataset.workspaces[0]
    statuses: list[str] = []
    ctx = TaskContext(lambda _d, _t, message: statuses.append(message))
    chunks = []
    for chunk in _backend(server).follow_job_log(RUNNING, ctx=ctx, poll_seconds=0):
        chunks.append(chunk)
        if len(chunks) == 3:  # the job has printed a few times; now it ends
            server.jobs.set_status(ws, RUNNING, "Completed")
    assert statuses == [f"job {RUNNING}: Running", f"job {RUNNING}: Completed"]
    assert chunks[-1].status == "Completed" and chunks[-1].text == ""
    text = "".join(c.text for c in chunks)
    # Every line exactly once, in order, although it was fetched piece by piece.
    expected = log_lines(_job(server, RUNNING), USER_LOG, "Completed", 0)
    assert text == "".join(line + "\n" for line in expected)
    assert len([c for c in chunks if c.text]) >= 3
    ranged = [r for r in server.requests if r.path.endswith(USER_LOG) and r.status == 206]
    assert ranged, "a follower asks only for what is new (Range)"


def test_following_stops_when_cancelled(fresh_arm_server: ArmTestServer, az: AzStandIn) -> None:
    ctx = TaskContext()
    follower = _backend(fresh_arm_server).follow_job_log(RUNNING, ctx=ctx, poll_seconds=30)
    first = next(follower)
    assert first.status == "Running" and first.text
    ctx.cancel()
    with pytest.raises(Cancelled):
        next(follower)  # in the 30 s wait: noticed within a slice


def test_logs_name_the_missing_run_read_permission(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    data = fresh_arm_server.dataset
    # A reader role that leaves out the run history (a custom role some teams use).
    data.roles["Reader (no runs)"] = {"actions": ["*/read"], "notActions": [RUNS_READ]}
    auditor = data.principal("auditor")
    for assignment in data.role_assignments:
        if assignment["principalId"] == auditor["oid"]:
            assignment["role"] = "Reader (no runs)"
    az.login(auditor, data.tenant_id, subscription=data.subscription_id)
    with pytest.raises(PermissionDenied, match="workspaces/experiments/runs/read") as denied:
        _backend(fresh_arm_server).read_job_log(COMPLETED)
    assert "alex.kim@contoso.example" in denied.value.message


def test_logs_of_a_job_that_does_not_exist(arm_server: ArmTestServer, az: AzStandIn) -> None:
    with pytest.raises(NotFound, match="Run no-such-job was not found"):
        _backend(arm_server).read_job_log("no-such-job")


def test_the_sdks_own_stream_reads_the_same_routes(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = _backend(fresh_arm_server)
    job = backend.submit_retraining_job(experiment="churn-training")
    # Each read of the job (ARM or run history) moves it on; stream polls every 2 s itself.
    fresh_arm_server.jobs.progression = ["Queued", "Running", "Running", "Completed"]
    capsys.readouterr()
    backend.client.jobs.stream(job.name)
    out = capsys.readouterr().out
    assert f"Streaming {USER_LOG}" in out and "Training finished" in out
    assert f"RunId: {job.name}" in out and "Execution Summary" in out


# -- CLI: mlops-desktop jobs logs -w AZURE_WS JOB [--follow] [--file NAME] ---------------------


def test_cli_prints_the_log_a_named_file_or_every_file(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    assert main(["jobs", "logs", COMPLETED, "-w", "dev"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Loading training data") and out.endswith("saved to outputs/model\n")
    assert main(["jobs", "logs", COMPLETED, "-w", "dev", "-n", "2"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("Logged model to MLflow")
    assert main(["jobs", "logs", COMPLETED, "-w", "dev", "--file", LIFECYCLER]) == 0
    assert "user process exited with code 0" in capsys.readouterr().out
    assert main(["jobs", "logs", COMPLETED, "-w", "dev", "--all-files"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"==> {USER_LOG} <==") and f"\n==> {LIFECYCLER} <==\n" in out
    assert main(["jobs", "logs", COMPLETED, "-w", "dev", "--file", "nope.txt"]) == 2
    err = capsys.readouterr().err
    assert "no log file 'nope.txt'" in err and LIFECYCLER in err


def test_cli_follows_a_submitted_job_until_it_ends(
    fresh_arm_server: ArmTestServer,
    az: AzStandIn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_POLL_INTERVAL", "0.01")
    assert main(["jobs", "submit", "-w", "dev", "--json"]) == 0
    name = json.loads(capsys.readouterr().out)["name"]
    fresh_arm_server.jobs.progression = ["Queued", "Running", "Running", "Running", "Completed"]
    assert main(["jobs", "logs", name, "-w", "dev", "--follow"]) == 0
    out, err = capsys.readouterr()
    job = _job(fresh_arm_server, name)
    assert out == "".join(line + "\n" for line in log_lines(job, USER_LOG, "Completed", 0))
    assert f"job {name}: Running" in err and err.rstrip().endswith(f"job {name}: Completed")

    assert main(["jobs", "submit", "-w", "dev", "--json"]) == 0
    name = json.loads(capsys.readouterr().out)["name"]
    fresh_arm_server.jobs.progression = ["Running", "Running", "Failed"]
    assert main(["jobs", "logs", name, "-w", "dev", "-f"]) == 1
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("MemoryError:")


def test_ctrl_c_stops_following_and_leaves_the_job_running(
    fresh_arm_server: ArmTestServer,
    az: AzStandIn,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _add_workspaces(fresh_arm_server, capsys)

    def interrupted(_seconds: float, _ctx: object) -> None:
        raise KeyboardInterrupt  # what Ctrl-C raises in the wait between polls

    monkeypatch.setattr(job_logs, "_sleep", interrupted)
    assert main(["jobs", "logs", RUNNING, "-w", "dev", "--follow"]) == 130
    out, err = capsys.readouterr()
    assert out.startswith("Loading training data")
    assert f"stopped following job {RUNNING}; it keeps running in Azure ML" in err
    assert _job(fresh_arm_server, RUNNING)["properties"]["status"] == "Running"  # type: ignore[index]
