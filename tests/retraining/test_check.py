"""The retraining check: triggers fire one job, guards hold off a storm, every decision recorded."""

from __future__ import annotations

import json
import sys
import threading
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.core.config import AppConfig, WorkspaceConfig, save_config
from mlops_desktop.retraining.check import check_policies
from mlops_desktop.retraining.decisions import DecisionLog, Outcome
from mlops_desktop.retraining.follow_ups import promote_new_version
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus, Trigger
from mlops_desktop.retraining.policies import (
    RetrainingConfig,
    RetrainingPolicy,
    policy_from_dict,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def data_files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"a": rng.normal(0, 1, 1000), "b": rng.normal(0, 1, 1000)})
    current = pd.DataFrame({"a": rng.normal(1.0, 1, 1000), "b": rng.normal(0, 1, 1000)})
    paths = tmp_path / "reference.parquet", tmp_path / "current.parquet"
    reference.to_parquet(paths[0])
    current.to_parquet(paths[1])
    return paths


def _policy(
    data_files: tuple[Path, Path], script: Path, seconds: str = "0", **changes: object
) -> RetrainingPolicy:
    raw: dict[str, object] = {
        "name": "drift-a",
        "model": "m",
        "workspace": "dev",
        "cooldown": "1h",
        "pipeline": {"script": str(script), "args": [seconds], "tracked": False},
        "data": {"reference": str(data_files[0]), "current": str(data_files[1])},
        "triggers": [{"kind": "feature_drift", "features": ["a"]}],
    }
    raw.update(changes)
    return policy_from_dict(raw)


@pytest.fixture
def setup(workspace: WorkspaceConfig) -> AppConfig:
    config = AppConfig(workspaces=(workspace,))
    save_config(config)
    return config


def _check(policy: RetrainingPolicy, **kwargs: object) -> list:
    return check_policies(policies=RetrainingConfig(policies=(policy,)), **kwargs)  # type: ignore[arg-type]


def test_fires_one_job_then_holds_off_while_running_and_in_cooldown(
    setup: AppConfig, data_files: tuple[Path, Path], script: Path
) -> None:
    policy = _policy(data_files, script, seconds="2")
    manager = JobManager()

    (fired,) = _check(policy, submit=True)
    assert fired.outcome is Outcome.FIRED and fired.job_id
    assert fired.verdicts[0].fired and fired.verdicts[0].values["drifted"] == ["a"]
    assert fired.data["n_current"] == 1000
    job = manager.get(fired.job_id)
    assert (job.policy, job.trigger) == ("drift-a", Trigger.DRIFT)
    assert job.trigger_detail.startswith("feature drift in 1 feature(s): a normalized_wasserstein")

    (busy,) = _check(policy, submit=True)
    assert busy.outcome is Outcome.JOB_ACTIVE and busy.job_id is None
    assert f"job {job.id} is" in busy.reason

    assert manager.wait(job.id, timeout=30).status is JobStatus.SUCCEEDED
    (cool,) = _check(policy, submit=True)
    assert cool.outcome is Outcome.COOLDOWN and "in cooldown for" in cool.reason
    assert cool.cooldown_until is not None
    assert len(manager.list_jobs(policy="drift-a")) == 1

    later = datetime.now(UTC) + timedelta(hours=1, minutes=1)
    (after,) = _check(policy, submit=False, now=later)
    assert after.outcome is Outcome.WOULD_FIRE

    history = DecisionLog().read(policy="drift-a")
    assert [d.outcome for d in history] == [
        Outcome.FIRED,
        Outcome.JOB_ACTIVE,
        Outcome.COOLDOWN,
        Outcome.WOULD_FIRE,
    ]
    assert history[0].verdicts[0].values["features"]["a"]["value"] > 0.1


def test_concurrent_checks_submit_one_job(
    setup: AppConfig, data_files: tuple[Path, Path], script: Path
) -> None:
    policy = _policy(data_files, script, seconds="1")
    outcomes: list[Outcome] = []

    def run() -> None:
        outcomes.extend(d.outcome for d in _check(policy, submit=True))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # A slow thread may start after the job has already ended: then the policy is in
    # cooldown rather than busy. Either way exactly one check submits.
    assert outcomes.count(Outcome.FIRED) == 1
    assert set(outcomes) - {Outcome.FIRED} <= {Outcome.JOB_ACTIVE, Outcome.COOLDOWN}
    assert len(outcomes) == 3
    jobs = JobManager().list_jobs(policy="drift-a")
    assert len(jobs) == 1
    JobManager().wait(jobs[0].id, timeout=30)


def test_quiet_error_disabled_and_too_little_data(
    setup: AppConfig, data_files: tuple[Path, Path], script: Path, tmp_path: Path
) -> None:
    quiet = _policy(data_files, script, triggers=[{"kind": "feature_drift", "features": ["b"]}])
    (decision,) = _check(quiet, submit=True)
    assert decision.outcome is Outcome.QUIET and "no feature drift" in decision.reason

    missing = _policy(data_files, script, name="missing")
    missing = missing.model_copy(
        update={"data": missing.data.model_copy(update={"current": str(tmp_path / "nope.csv")})}  # type: ignore[union-attr]
    )
    (error,) = _check(missing, submit=True)
    assert error.outcome is Outcome.ERROR and "nope.csv" in error.reason

    disabled = _policy(data_files, script, name="off", enabled=False)
    assert _check(disabled, submit=True)[0].outcome is Outcome.DISABLED

    few = _policy(data_files, script, name="few")
    few = few.model_copy(update={"data": few.data.model_copy(update={"min_rows": 5000})})  # type: ignore[union-attr]
    (little,) = _check(few, submit=True)
    assert little.outcome is Outcome.QUIET and "too little data" in little.reason
    assert JobManager().list_jobs() == []


def test_schedule_waits_for_its_first_time_after_the_policy_appears(
    setup: AppConfig, data_files: tuple[Path, Path], script: Path
) -> None:
    policy = _policy(
        data_files, script, data=None, triggers=[{"kind": "schedule", "every_days": 1}]
    )
    now = datetime.now(UTC)
    (first,) = _check(policy, submit=False, now=now)
    assert first.outcome is Outcome.QUIET and "next due" in first.reason
    (due,) = _check(policy, submit=False, now=now + timedelta(days=1, seconds=1))
    assert due.outcome is Outcome.WOULD_FIRE
    assert due.verdicts[0].values["anchor_kind"] == "first check of the policy"


def test_retrain_cli(
    wired_cli: None, setup: AppConfig, data_files: tuple[Path, Path], script: Path, capsys
) -> None:
    from mlops_desktop.cli import main

    add = ["retrain", "policy", "add", "drift-a", "--model", "m", "-w", "dev"]
    add += ["--feature-drift", "a,b", "--quality", "null_rate>0.1", "--cron", "0 3 * * *"]
    add += ["--reference", str(data_files[0]), "--current", str(data_files[1])]
    add += ["--script", str(script), "--arg", "0", "--untracked", "--cooldown", "2h"]
    assert main(add) == 0
    assert main(add) == 2  # exists: --replace needed
    assert main([*add, "--replace", "--performance", "rmse"]) == 2  # no bound
    assert main([*add, "--replace"]) == 0
    capsys.readouterr()
    assert main(["retrain", "policy", "list"]) == 0
    out = capsys.readouterr().out
    assert "drift(a,b)" in out and "null_rate>0.1" in out and "retraining.toml" in out
    assert main(["retrain", "policy", "show", "drift-a"]) == 0
    assert 'kind = "quality"' in capsys.readouterr().out

    assert main(["retrain", "check", "--exit-code"]) == 1  # would fire
    assert "would-fire" in capsys.readouterr().out
    assert main(["retrain", "check", "--submit", "--wait", "--json"]) == 0
    (decision,) = json.loads(capsys.readouterr().out)
    assert decision["outcome"] == "fired" and decision["job"]["status"] == "succeeded"
    assert main(["retrain", "check", "--submit", "--policy", "drift-a"]) == 0
    assert "cooldown" in capsys.readouterr().out
    assert main(["retrain", "history", "--json"]) == 0
    outcomes = [d["outcome"] for d in json.loads(capsys.readouterr().out)]
    assert outcomes == ["would-fire", "fired", "cooldown"]
    assert main(["retrain", "history", "--fired"]) == 0
    assert decision["job_id"] in capsys.readouterr().out
    assert main(["retrain", "policy", "remove", "drift-a"]) == 0
    assert main(["retrain", "check", "--policy", "drift-a"]) == 2


def test_promotion_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    job = Job(
        id="j1",
        workspace="dev",
        backend="mlflow",
        spec=JobSpec(model="m", promote_to="staging"),
        status=JobStatus.SUCCEEDED,
        registered_model="m",
        model_version="5",
    )
    calls: list[tuple[tuple[str, ...], dict[str, str]]] = []
    fake = types.ModuleType("mlops_desktop.promotion.promote")
    monkeypatch.setitem(sys.modules, "mlops_desktop.promotion.promote", fake)
    state, note = promote_new_version(job, "staging")
    assert state == "skipped" and "has no promote_model_version" in note

    def promote(*args: str, **kwargs: str) -> object:
        calls.append((args, kwargs))
        return types.SimpleNamespace(id="op-1", state="completed")

    fake.promote_model_version = promote  # type: ignore[attr-defined]
    assert promote_new_version(job, "staging") == ("done", "operation op-1: completed")
    assert calls[0][0] == ("m", "5")
    assert calls[0][1]["source"] == "dev" and calls[0][1]["target"] == "staging"

    def awaiting(*args: str, **kwargs: str) -> object:
        return types.SimpleNamespace(id="op-2", state="awaiting-approval", approval_id="req-9")

    fake.promote_model_version = awaiting  # type: ignore[attr-defined]
    state, note = promote_new_version(job, "prod")
    assert state == "awaiting-approval" and "req-9" in note

    def rolled_back(*args: str, **kwargs: str) -> object:
        return types.SimpleNamespace(id="op-3", state="rolled-back", error="gate rmse failed")

    fake.promote_model_version = rolled_back  # type: ignore[attr-defined]
    assert promote_new_version(job, "staging") == (
        "failed",
        "operation op-3: rolled-back: gate rmse failed",
    )
    failed = job.replace(status=JobStatus.FAILED)
    assert promote_new_version(failed, "staging") == ("skipped", "the job failed")
