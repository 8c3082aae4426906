"""The overview snapshot on the real demo workspaces: the grid, drift verdicts a real retraining
check recorded, the policy's next retraining, traffic from collected requests, and failures
that stay in their own cell."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.config import (
    AppConfig,
    BackendKind,
    MlflowConnection,
    WorkspaceConfig,
    load_config,
    save_config,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.overview.entities import Health, Page
from mlops_desktop.overview.readers import last_hour_traffic
from mlops_desktop.overview.snapshot import overview_snapshot
from mlops_desktop.overview.text import snapshot_lines


def _cell(snapshot, workspace: str):
    column = next(c for c in snapshot.columns if c.workspace == workspace)
    return snapshot.cell(DEMO_MODEL, column)


def test_demo_grid_has_a_champion_per_stage_and_the_promotion_path(demo_home: Path) -> None:
    snapshot = overview_snapshot(TaskContext(), load_config())
    assert [(c.stage, c.workspace, c.state) for c in snapshot.columns] == [
        (Stage.DEV, "dev", "online"),
        (Stage.STAGING, "staging", "online"),
        (Stage.PROD, "prod", "online"),
    ]
    assert snapshot.models == (DEMO_MODEL,)
    dev, staging, prod = (_cell(snapshot, w) for w in ("dev", "staging", "prod"))
    for cell in (dev, staging, prod):
        assert cell.champion is not None and cell.champion.alias == "champion"
        assert cell.champion.metric_name == "rmse" and cell.champion.metric_value > 0
        assert not cell.problems, cell.problems
    assert dev.champion.versions == 4  # the demo's training runs
    # staging and prod run copies of dev's champion: the same weights, promoted
    assert staging.champion.lineage == f"same as dev v{dev.champion.version}"
    assert prod.champion.lineage == f"same as dev v{dev.champion.version}"
    assert dev.champion.lineage == "live in staging, prod"
    # no policy installed in this home: nothing watches drift, nothing retrains
    assert all(c.drift is None and not c.retraining for c in (dev, staging, prod))
    assert not snapshot.problems
    assert json.loads(json.dumps(snapshot.to_json()))["cells"][2]["workspace"] == "prod"


def test_drift_verdict_and_next_retraining_come_from_the_recorded_check(demo_home: Path) -> None:
    from mlops_desktop.retraining.check import check_policies
    from mlops_desktop.retraining.demo_policy import DEMO_POLICY_NAME, install_demo_policy

    install_demo_policy()
    before = overview_snapshot(TaskContext(), load_config())
    unchecked = _cell(before, "prod").drift
    assert unchecked is not None and unchecked.verdict == "not checked"
    assert unchecked.health is Health.IDLE

    check_policies(submit=False)  # the real check: compares prod's champion data with the demo's
    snapshot = overview_snapshot(TaskContext(), load_config())
    prod, dev = _cell(snapshot, "prod"), _cell(snapshot, "dev")
    assert prod.drift is not None and prod.drift.verdict == "drift"
    assert prod.drift.health is Health.BAD and prod.drift.policy == DEMO_POLICY_NAME
    assert set(prod.drift.features) == {"bmi", "age", "bp"}
    assert _cell(snapshot, "staging").drift is None  # the policy watches prod's data only
    # the policy retrains in dev: never yet, next on its weekly schedule (or on drift)
    (plan,) = dev.retraining
    assert plan.policy == DEMO_POLICY_NAME and plan.last_at is None
    due = datetime.fromisoformat(plan.next_at)
    assert due.weekday() == 0 and due.hour == 3  # cron "0 3 * * 1"
    assert timedelta(0) < due - datetime.now(UTC) <= timedelta(days=7)
    assert plan.next_note == "scheduled, on drift"
    text = "\n".join(snapshot_lines(snapshot))
    assert "drift: bmi" in text and "never" in text


def test_an_offline_workspace_is_a_problem_in_its_column_only(demo_home: Path) -> None:
    config = load_config()
    remote = WorkspaceConfig(
        name="remote",
        backend=BackendKind.MLFLOW,
        stage=Stage.STAGING,
        mlflow=MlflowConnection(tracking_uri="http://127.0.0.1:9"),
    )
    save_config(AppConfig(workspaces=(*config.workspaces, remote)))
    snapshot = overview_snapshot(TaskContext(), load_config())
    columns = {c.workspace: c for c in snapshot.columns}
    assert [c.workspace for c in snapshot.columns] == ["dev", "remote", "staging", "prod"]
    assert columns["remote"].state == "offline"
    (problem,) = columns["remote"].problems
    assert problem.severity is Health.BAD and problem.page is Page.MODELS
    cell = snapshot.cell(DEMO_MODEL, columns["remote"])
    assert cell is not None and cell.champion is None and cell.note == "workspace offline"
    for name in ("dev", "staging", "prod"):
        assert columns[name].state == "online" and not columns[name].problems
        assert snapshot.cell(DEMO_MODEL, columns[name]).champion is not None
    assert "remote (offline)" in "\n".join(snapshot_lines(snapshot))


def test_a_broken_audit_chain_is_an_open_problem(demo_home: Path) -> None:
    log = AuditLog()
    for n in range(3):
        log.append("promotion.completed", workspace="prod", model=DEMO_MODEL, details={"n": n})
    lines = log.path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"n": 1', '"n": 7').replace('"n":1', '"n":7')
    assert '"n": 7' in lines[1] or '"n":7' in lines[1]
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    snapshot = overview_snapshot(TaskContext(), load_config())
    (problem,) = snapshot.problems
    assert problem.page is Page.AUDIT and problem.severity is Health.BAD
    assert "audit log broken" in problem.text
    assert all(c.champion is not None for c in snapshot.cells)  # the grid is still there


def test_last_hour_traffic_from_collected_requests(tmp_path: Path) -> None:
    from mlops_desktop.serving.collector import Collector

    endpoint = tmp_path / "endpoint"
    now = time.time()
    rows = []
    for i in range(30):
        at = now - 50 * 60 + i * 60  # one a minute over the last 50 minutes
        status = 500 if i % 10 == 0 else 200
        rows.append(
            (at, f"r{i}", None, "blue", False, status, 10.0 + i, "application/json", b"{}", b"[1]")
        )
    rows.append((now - 30, "m", None, "green", True, 200, 999.0, "application/json", b"{}", b"[1]"))
    rows.append(
        (now - 2 * 3600, "old", None, "blue", False, 200, 5.0, "application/json", b"{}", b"[]")
    )
    collector = Collector(endpoint / "collected")
    collector.write(rows)
    traffic = last_hour_traffic(endpoint, datetime.fromtimestamp(now, UTC))
    assert traffic.collected and traffic.requests == 30  # mirrored and older rows left out
    assert traffic.errors == 3 and traffic.error_rate == pytest.approx(0.1)
    assert traffic.p95_ms == pytest.approx(37.55, abs=0.5)
    assert len(traffic.buckets) == 12 and sum(traffic.buckets) == 30
    assert traffic.buckets[0] == 0 and traffic.buckets[-1] == 0  # first 10 and last 5 minutes


def test_a_failed_job_of_the_model_is_a_problem_in_its_cell(demo_home: Path, tmp_path: Path):
    from mlops_desktop.ports.provider import open_jobs
    from mlops_desktop.retraining.jobs import JobSpec, JobStatus

    script = tmp_path / "fails.py"
    script.write_text("import sys\nprint('no data')\nsys.exit(3)\n", encoding="utf-8")
    jobs = open_jobs(load_config().workspace("dev"))
    job = jobs.submit(JobSpec(model=DEMO_MODEL, script=str(script), args=(), tracked=False))
    assert jobs.wait(job.id, timeout=120).status is JobStatus.FAILED
    snapshot = overview_snapshot(TaskContext(), load_config())
    (problem,) = _cell(snapshot, "dev").problems
    assert problem.page is Page.JOBS and problem.target == (job.id,)
    assert problem.severity is Health.BAD and problem.text.startswith(f"job {job.id[:8]} failed")
    assert not _cell(snapshot, "prod").problems  # the job ran in dev
    assert _cell(snapshot, "dev").health is Health.BAD


def test_pending_approvals_show_in_the_stage_they_would_promote_into(app_home: Path) -> None:
    from mlops_desktop.core.config import local_mlflow_workspace
    from mlops_desktop.promotion.approvals import ApprovalRequest, ApprovalStatus, ApprovalStore
    from mlops_desktop.promotion.registry import open_registry

    staging = local_mlflow_workspace("staging", Stage.STAGING)
    prod = local_mlflow_workspace("prod", Stage.PROD)
    save_config(AppConfig(workspaces=(staging, prod)))
    store = ApprovalStore(open_registry(prod))
    for request_id, status, version in (
        ("a1", ApprovalStatus.PENDING, "3"),
        ("a0", ApprovalStatus.REJECTED, "2"),
    ):
        store.save(
            ApprovalRequest(
                id=request_id,
                status=status,
                model="churn",
                version=version,
                source_workspace="staging",
                source_location=staging.location,
                source_stage=Stage.STAGING,
                source_name="churn",
                target_workspace="prod",
                target_location=prod.location,
                target_stage=Stage.PROD,
                target_name="churn",
                traffic_steps=(100,),
                requested_by="ana",
                requested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
        )
    snapshot = overview_snapshot(TaskContext(), load_config())
    assert snapshot.models == ("churn",)
    columns = {c.workspace: c for c in snapshot.columns}
    (approval,) = snapshot.cell("churn", columns["prod"]).approvals  # the rejected one is done
    assert (approval.id, approval.version, approval.source_workspace) == ("a1", "3", "staging")
    assert approval.source_stage == "staging" and approval.requested_by == "ana"
    assert not snapshot.cell("churn", columns["staging"]).approvals
    assert "1 pending: v3 from staging" in "\n".join(snapshot_lines(snapshot))
