"""App events from real records: job transitions (real supervised jobs), retraining decisions
and audit records become events once each, and a fresh home announces nothing old."""

from __future__ import annotations

from pathlib import Path

from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.retraining.app_events import EventWatcher
from mlops_desktop.retraining.decisions import Decision, DecisionLog, Outcome, TriggerVerdict
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import JobSpec, JobStatus, Trigger


def _decision(n: int, outcome: Outcome, drifting: bool, job_id: str | None = None) -> Decision:
    verdict = TriggerVerdict("feature_drift", Trigger.DRIFT, drifting, "bmi drifted")
    return Decision(
        id=f"d{n}",
        at=f"2026-11-27T01:0{n}:00+00:00",
        policy="churn-drift",
        model="churn",
        workspace="dev",
        outcome=outcome,
        reason="feature drift in 1 feature(s)" if drifting else "nothing fired",
        verdicts=(verdict,),
        job_id=job_id,
    )


def test_events_are_transitions_announced_once(workspace: WorkspaceConfig, script: Path) -> None:
    manager = JobManager()
    old = manager.wait(
        manager.submit(workspace, JobSpec(script=str(script), args=("0",), tracked=False)).id,
        timeout=60,
    )
    assert old.status is JobStatus.SUCCEEDED
    log = DecisionLog()
    log.append(_decision(1, Outcome.FIRED, True, old.id))

    watcher = EventWatcher()
    assert watcher.poll() == []  # first poll on a home: only records the present
    assert watcher.poll() == []

    ok = manager.submit(workspace, JobSpec(script=str(script), args=("0",), tracked=False))
    bad = manager.submit(workspace, JobSpec(script=str(script), args=("0", "3"), tracked=False))
    manager.wait(ok.id, timeout=60)
    manager.wait(bad.id, timeout=60)
    log.append(_decision(2, Outcome.COOLDOWN, True))  # still drifting: no new drift alert
    log.append(_decision(3, Outcome.QUIET, False))
    log.append(_decision(4, Outcome.FIRED, True, "job-4"))  # drifting again, and fired
    audit = AuditLog()
    audit.append(
        AuditAction.APPROVAL_REQUESTED,
        actor="alice",
        workspace="staging",
        model="churn",
        details={"request": {"id": "r1", "version": "3", "target_workspace": "prod"}},
    )
    audit.append(
        AuditAction.PROMOTION,
        actor="bob",
        workspace="prod",
        model="churn",
        details={"source_version": "3", "to": "prod"},
    )

    # A new watcher (an app restart) continues from what the last one saw.
    events = EventWatcher().poll()
    by_kind = [(e.kind, e.title, e.page) for e in events]
    assert by_kind == [
        ("job", "Job succeeded", "jobs"),
        ("job", "Job failed", "jobs"),
        ("drift", "Drift detected", "drift"),
        ("retraining", "Retraining triggered", "jobs"),
        ("approval", "Approval requested", "audit"),
        ("promotion", "Promotion done", "audit"),
    ]
    assert ok.id in events[0].message and bad.id in events[1].message
    assert events[1].level == "warning"
    assert "job job-4 submitted" in events[3].message
    assert events[4].message == "alice asks for approval to promote churn v3 to prod"
    assert events[5].message == "churn v3 promoted to prod"
    assert EventWatcher().poll() == []  # nothing twice
