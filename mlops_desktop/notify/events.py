"""The events sent outside the app, and how each is found in the app's own records.

Every event has a stable ``id`` derived from the record it comes from — the audit record's hash,
the decision's id, the job's id, the outbox entry's id — so two processes reading the same
records agree on it, and the dispatcher sends it once per target.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlops_desktop.core.audit import AuditAction, AuditRecord
from mlops_desktop.core.notify_kinds import EventKind, Severity
from mlops_desktop.retraining.decisions import Decision, Outcome
from mlops_desktop.retraining.jobs import Job, JobStatus

#: The version of the JSON every generic webhook receives (docs/notifications.md).
SCHEMA = "mlops-desktop.notification/1"
_DRIFT_KINDS = {"dataset_drift", "feature_drift"}


@dataclass(frozen=True)
class NotifyEvent:
    """One thing worth telling people outside the app about."""

    id: str
    kind: EventKind
    severity: Severity
    title: str
    message: str
    time: str
    workspace: str = ""
    model: str = ""
    actor: str = ""
    #: The app page that shows the subject (for a deep link in the GUI).
    page: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The event as the generic webhook receives it (``event`` of the envelope)."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "time": self.time,
            "workspace": self.workspace,
            "model": self.model,
            "actor": self.actor,
            "page": self.page,
            "details": self.details,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> NotifyEvent:
        """Parse what :meth:`to_json` wrote."""
        return cls(
            id=str(raw["id"]),
            kind=EventKind(raw["kind"]),
            severity=Severity(raw["severity"]),
            title=str(raw["title"]),
            message=str(raw["message"]),
            time=str(raw["time"]),
            workspace=str(raw.get("workspace", "")),
            model=str(raw.get("model", "")),
            actor=str(raw.get("actor", "")),
            page=str(raw.get("page", "")),
            details=dict(raw.get("details") or {}),
        )


def now_iso() -> str:
    """The time now, as the app's records write it."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def trial_event(target: str) -> NotifyEvent:
    """The message ``notify test`` and the Settings dialog's *Send test* send."""
    stamp = now_iso()
    return NotifyEvent(
        id=f"test:{target}:{stamp}",
        kind=EventKind.PROMOTION_DONE,
        severity=Severity.INFO,
        title="Test notification",
        message=f"MLOps Desktop can reach the notification target {target}.",
        time=stamp,
        details={"test": True},
    )


# -- audit records -------------------------------------------------------------------------------


def _subject(record: AuditRecord) -> tuple[str, str]:
    d = record.details
    plan = d.get("plan") if isinstance(d.get("plan"), dict) else {}
    request = d.get("request") if isinstance(d.get("request"), dict) else {}
    version = d.get("source_version") or plan.get("version") or request.get("version") or ""
    subject = f"{record.model} v{version}" if version else record.model
    target = (
        d.get("to")
        or plan.get("target_label")
        or plan.get("target_workspace")
        or request.get("target_workspace")
        or record.workspace
    )
    return subject, str(target)


def event_from_audit(record: AuditRecord) -> NotifyEvent | None:
    """The event of one audit record (None for records nobody is told about: traffic, …)."""
    subject, target = _subject(record)
    d = record.details
    actor = record.actor or "someone"
    reason = str(d.get("reason") or "")
    because = f": {reason}" if reason else ""
    match record.action:
        case AuditAction.PROMOTION:
            kind, severity, title = EventKind.PROMOTION_DONE, Severity.INFO, "Promotion done"
            message = f"{subject} promoted to {target} by {actor}"
        case AuditAction.PROMOTION_ROLLED_BACK:
            kind, severity, title = EventKind.PROMOTION_FAILED, Severity.ERROR, "Promotion failed"
            message = f"Promotion of {subject} to {target} failed and was rolled back{because}"
        case AuditAction.ROLLBACK:
            kind, severity = EventKind.PROMOTION_ROLLED_BACK, Severity.WARNING
            title = "Promotion rolled back"
            message = f"{actor} rolled {record.model} in {record.workspace} back{because}"
        case AuditAction.ROLLBACK_ROLLED_BACK:
            kind, severity, title = (
                EventKind.PROMOTION_ROLLED_BACK,
                Severity.ERROR,
                "Rollback failed",
            )
            message = (
                f"Rollback of {record.model} in {record.workspace} failed and was undone{because}"
            )
        case AuditAction.APPROVAL_REQUESTED:
            kind, severity = EventKind.APPROVAL_REQUESTED, Severity.WARNING
            title = "Approval requested"
            message = f"{actor} asks for approval to promote {subject} to {target}"
        case AuditAction.APPROVAL_APPROVED | AuditAction.APPROVAL_REJECTED:
            verb = "approved" if record.action == AuditAction.APPROVAL_APPROVED else "rejected"
            kind, severity, title = EventKind.APPROVAL_DECIDED, Severity.INFO, f"Promotion {verb}"
            message = f"{actor} {verb} promoting {subject} to {target}"
        case _:
            return None
    return NotifyEvent(
        id=f"audit:{record.hash}",
        kind=kind,
        severity=severity,
        title=title,
        message=message,
        time=record.time,
        workspace=record.workspace,
        model=record.model,
        actor=record.actor,
        page="audit",
        details={"audit_seq": record.seq, "action": record.action},
    )


# -- retraining decisions and jobs ---------------------------------------------------------------


def _drifting(decision: Decision) -> bool:
    return any(v.fired and v.kind in _DRIFT_KINDS for v in decision.verdicts)


def events_from_decisions(decisions: Iterable[Decision]) -> Iterator[NotifyEvent]:
    """Events of the decision log, oldest first: a policy fired or failed, drift started.

    Drift is an event when a policy's decision sees it and its previous (non-error) decision did
    not — computed from the log alone, so every reader finds the same events.
    """
    drifting: dict[str, bool] = {}
    for d in decisions:
        common = {
            "time": d.at,
            "workspace": d.workspace,
            "model": d.model,
            "actor": d.actor,
            "details": {"policy": d.policy, "decision": d.id, "job_id": d.job_id},
        }
        is_drifting = _drifting(d)
        if is_drifting and not drifting.get(d.policy, False):
            yield NotifyEvent(
                id=f"drift:{d.id}",
                kind=EventKind.DRIFT_DETECTED,
                severity=Severity.WARNING,
                title="Drift detected",
                message=f"{d.model} ({d.workspace}): {d.reason}",
                page="drift",
                **common,
            )
        if d.outcome is not Outcome.ERROR:
            drifting[d.policy] = is_drifting
        if d.outcome is Outcome.FIRED:
            job = f"; job {d.job_id} submitted" if d.job_id else ""
            yield NotifyEvent(
                id=f"decision:{d.id}",
                kind=EventKind.RETRAINING_FIRED,
                severity=Severity.INFO,
                title="Retraining triggered",
                message=f"Policy {d.policy} fired for {d.model} in {d.workspace}: {d.reason}{job}",
                page="jobs",
                **common,
            )
        elif d.outcome is Outcome.ERROR:
            yield NotifyEvent(
                id=f"decision:{d.id}",
                kind=EventKind.RETRAINING_FAILED,
                severity=Severity.ERROR,
                title="Retraining check failed",
                message=f"Policy {d.policy} ({d.model} in {d.workspace}) could not be checked: "
                f"{d.reason}",
                page="jobs",
                **common,
            )


def event_from_job(job: Job) -> NotifyEvent | None:
    """A retraining job (one a policy submitted) that failed; None for any other job."""
    if job.policy is None or job.status is not JobStatus.FAILED:
        return None
    what = job.spec.model or job.spec.script or "job"
    error = f": {job.error}" if job.error else ""
    return NotifyEvent(
        id=f"job:{job.id}:failed",
        kind=EventKind.RETRAINING_FAILED,
        severity=Severity.ERROR,
        title="Retraining job failed",
        message=f"Retraining job {job.id} of policy {job.policy} ({what} in {job.workspace}) "
        f"failed{error}",
        time=job.ended_at or job.created_at,
        workspace=job.workspace,
        model=job.spec.model or "",
        actor=job.submitted_by,
        page="jobs",
        details={"policy": job.policy, "job_id": job.id, "exit_code": job.exit_code},
    )
