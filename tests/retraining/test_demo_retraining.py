"""Done-when: `mlops-desktop retrain check --submit` on the demo fires on drift, runs one job,
registers a new dev version, and a second call within the cooldown does not fire again."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_retrain_check_on_the_demo(wired_cli: None, capsys: pytest.CaptureFixture[str]) -> None:
    from mlops_desktop.backends.mlflow.backend import MlflowBackend
    from mlops_desktop.cli import main
    from mlops_desktop.core.config import load_config
    from mlops_desktop.demo import DEMO_MODEL, create_demo
    from mlops_desktop.retraining.demo_policy import install_demo_policy
    from mlops_desktop.retraining.job_manager import JobManager
    from mlops_desktop.retraining.jobs import JobStatus, Trigger

    create_demo(endpoints=False)  # this test's own home: it writes to the demo's dev store
    install_demo_policy(promote_to=None)
    dev = MlflowBackend(load_config().workspace("dev"))
    before = {v.version for v in dev.list_model_versions(with_runs=False)}

    assert main(["retrain", "check", "--submit", "--json"]) == 0
    (decision,) = json.loads(capsys.readouterr().out)
    assert decision["outcome"] == "fired"
    drift = next(v for v in decision["verdicts"] if v["kind"] == "feature_drift")
    assert set(drift["values"]["drifted"]) == {"bmi", "age", "bp"}

    job = JobManager().wait(decision["job_id"], timeout=240)
    assert job.status is JobStatus.SUCCEEDED, "\n".join(JobManager().tail_log(job.id, 40))
    assert job.trigger is Trigger.DRIFT
    after = {v.version for v in dev.list_model_versions(with_runs=False)}
    assert after - before == {job.model_version}
    version = dev.get_model_version(DEMO_MODEL, job.model_version)  # type: ignore[arg-type]
    run = version.run
    assert run is not None and run.run_id == job.run_id
    assert run.tags["mlops.job_id"] == job.id and run.tags["mlops.trigger"] == "drift"
    for reproducible in ("mlops.data_digest", "mlops.git_commit", "mlops.package_versions"):
        assert run.tags[reproducible]
    assert run.params["seed"] == "42" and run.params["n_estimators"] == "60"
    assert any(m.startswith("system/cpu_utilization") for m in run.metrics)  # MLflow's own
    assert run.metrics["job.cpu_seconds"] > 0  # the job's process, measured by the supervisor

    assert main(["retrain", "check", "--submit", "--json"]) == 0
    (again,) = json.loads(capsys.readouterr().out)
    assert again["outcome"] == "cooldown" and again["job_id"] is None
    assert [j.id for j in JobManager().list_jobs()] == [job.id]
    assert {v.version for v in dev.list_model_versions(with_runs=False)} == after
