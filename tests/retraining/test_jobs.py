"""Jobs: supervised processes with status, live log, cancel, queue, persistence, lost jobs."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from mlops_desktop.core.config import AzureConnection, BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.stages import Stage
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import JobSpec, JobStatus, Trigger

pytestmark = pytest.mark.slow


def _spec(script: Path, *args: str) -> JobSpec:
    return JobSpec(script=str(script), args=args, tracked=False)


def _until(predicate: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_job_runs_with_status_times_log_and_resources(
    workspace: WorkspaceConfig, script: Path
) -> None:
    manager = JobManager()
    job = manager.submit(workspace, _spec(script, "0.3", "{job_id}"))
    assert job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    assert job.trigger is Trigger.MANUAL
    done = manager.wait(job.id, timeout=30)

    assert done.status is JobStatus.SUCCEEDED
    assert done.exit_code == 0
    assert done.created_at <= done.started_at <= done.ended_at  # type: ignore[operator]
    assert done.resources["peak_rss_mb"] > 1
    assert done.handle["process"]["pid"] != done.handle["supervisor"]["pid"]
    log = "\n".join(manager.tail_log(job.id, 50))
    assert f"args: ['0.3', '{job.id}']" in log  # placeholders are filled in
    assert "to stderr" in log  # stdout and stderr both reach the log
    context = json.loads(log.split("run context: ", 1)[1].splitlines()[0])
    assert context == {"mlops.job_id": job.id, "mlops.trigger": "manual"}
    assert "succeeded: exit code 0" in log
    assert manager.tail_log(job.id, 1) == log.splitlines()[-1:]


def test_args_template_fills_params(workspace: WorkspaceConfig, script: Path) -> None:
    manager = JobManager()
    spec = JobSpec(
        script=str(script),
        args=("0", "{params[alpha]}", "{seed}", "{job_id}"),
        params={"alpha": 0.5},
        seed=7,
        tracked=False,
    )
    job = manager.wait(manager.submit(workspace, spec).id, timeout=30)
    assert job.argv[-4:] == ("0", "0.5", "7", job.id)
    assert f"args: ['0', '0.5', '7', '{job.id}']" in manager.tail_log(job.id, 20)


def test_failed_job_records_exit_code(workspace: WorkspaceConfig, script: Path) -> None:
    manager = JobManager()
    job = manager.wait(manager.submit(workspace, _spec(script, "0", "3")).id, timeout=30)
    assert job.status is JobStatus.FAILED
    assert job.exit_code == 3
    assert "exited with code 3" in job.error


def test_cancel_terminates_then_kills_the_whole_group(
    workspace: WorkspaceConfig, script: Path, tmp_path: Path
) -> None:
    manager = JobManager()
    pidfile = tmp_path / "child.pid"
    job = manager.submit(
        workspace, _spec(script, "60", "0", "--ignore-term", "--child", str(pidfile))
    )
    _until(lambda: "ready" in "\n".join(manager.tail_log(job.id, 20)))
    grandchild = int(pidfile.read_text())

    started = time.monotonic()
    cancelled = manager.cancel(job.id, grace=1.0)
    elapsed = time.monotonic() - started

    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.exit_code == -signal.SIGKILL  # it ignored SIGTERM, so it was killed
    assert 1.0 <= elapsed < 10
    _until(lambda: not psutil.pid_exists(grandchild) or _zombie(grandchild), timeout=5)
    assert manager.cancel(job.id).status is JobStatus.CANCELLED  # idempotent


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_queue_runs_one_at_a_time_and_cancels_queued(
    workspace: WorkspaceConfig, script: Path
) -> None:
    manager = JobManager(max_running=1)
    first = manager.submit(workspace, _spec(script, "1.0"))
    second = manager.submit(workspace, _spec(script, "0"))
    third = manager.submit(workspace, _spec(script, "0"))
    assert first.status is JobStatus.RUNNING
    assert second.status is JobStatus.QUEUED

    cancelled = manager.cancel(third.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.started_at is None

    # The first job's supervisor starts the next queued job when it ends.
    done = manager.wait(second.id, timeout=30)
    assert done.status is JobStatus.SUCCEEDED
    assert done.started_at >= manager.get(first.id).ended_at  # type: ignore[operator]
    listed = [j.id for j in manager.list_jobs()]
    assert set(listed) == {first.id, second.id, third.id}
    assert listed[0] == third.id  # newest first


def test_records_survive_a_new_manager_and_a_lost_job_is_failed(
    workspace: WorkspaceConfig, script: Path
) -> None:
    manager = JobManager()
    job = manager.submit(workspace, _spec(script, "60"))
    _until(lambda: "ready" in "\n".join(manager.tail_log(job.id, 20)))
    running = manager.get(job.id)
    # The supervisor and the pipeline die while "the app is closed" (a crash, a reboot).
    os.killpg(running.handle["process"]["pid"], signal.SIGKILL)
    os.kill(running.handle["supervisor"]["pid"], signal.SIGKILL)
    _until(lambda: not _alive(running.handle["supervisor"]["pid"]), timeout=10)

    reopened = JobManager(JobStore())
    lost = reopened.get(job.id)
    assert lost.status is JobStatus.FAILED
    assert lost.error.startswith("lost:")
    assert lost.exit_code is None


def _alive(pid: int) -> bool:
    return psutil.pid_exists(pid) and not _zombie(pid)


def test_an_exit_status_recorded_before_a_crash_is_used(
    workspace: WorkspaceConfig, script: Path
) -> None:
    manager = JobManager()
    job = manager.new_job(workspace, _spec(script, "0"))
    store = manager.store
    gone = {"pid": 2**22 + 12345, "started": 1.0}  # no such process
    store.insert(job.replace(status=JobStatus.RUNNING, handle={"supervisor": gone}))
    store.job_dir(job.id).mkdir(parents=True)
    store.outcome_path(job.id).write_text(json.dumps({"exit_code": 7, "ended_at": job.created_at}))

    recovered = JobManager().get(job.id)
    assert recovered.status is JobStatus.FAILED
    assert recovered.exit_code == 7


def test_follow_log_streams_until_the_end(workspace: WorkspaceConfig, script: Path) -> None:
    manager = JobManager()
    job = manager.submit(workspace, _spec(script, "0.5"))
    lines = list(manager.follow_log(job.id))
    assert lines[0].startswith("[mlops-desktop")
    assert "ready" in lines
    assert "succeeded" in lines[-1]


def test_bad_submissions_are_refused(workspace: WorkspaceConfig, tmp_path: Path) -> None:
    manager = JobManager()
    with pytest.raises(InvalidInput, match="does not exist"):
        manager.submit(workspace, JobSpec(script=str(tmp_path / "missing.py")))
    with pytest.raises(InvalidInput, match="refuses"):
        manager.submit(workspace, JobSpec(model_type="random_forest", seed=1, target="--x"))
    azure = WorkspaceConfig(
        name="cloud",
        backend=BackendKind.AZUREML,
        stage=Stage.DEV,
        azure=AzureConnection(subscription_id="s", resource_group="rg", workspace_name="w"),
    )
    with pytest.raises(InvalidInput, match="not available"):
        manager.submit(azure, JobSpec())
    with pytest.raises(NotFound):
        manager.get("no-such-job")
    assert manager.list_jobs() == []


def test_jobs_cli(wired_cli: None, workspace: WorkspaceConfig, script: Path, capsys) -> None:
    from mlops_desktop.cli import main
    from mlops_desktop.core.config import AppConfig, save_config

    save_config(AppConfig(workspaces=(workspace,)))
    submit = ["jobs", "submit", "-w", "dev", "--script", str(script), "--untracked"]
    code = main([*submit, "--arg", "0", "--wait", "--json"])
    job = json.loads(capsys.readouterr().out)
    assert code == 0 and job["status"] == "succeeded"
    assert job["follow_ups"] == []
    assert main(["jobs", "list"]) == 0
    assert job["id"] in capsys.readouterr().out
    assert main(["jobs", "logs", job["id"][:15]]) == 0
    assert "ready" in capsys.readouterr().out
    assert main(["jobs", "cancel", job["id"]]) == 0
    assert "succeeded" in capsys.readouterr().out
    assert main([*submit, "--arg", "0", "--arg", "4", "--wait"]) == 1
