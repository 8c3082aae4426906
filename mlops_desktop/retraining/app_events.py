"""Events worth telling a person about, found by polling local records cheaply (Qt-free).

Sources: the job store (a job finished, failed or was cancelled), the retraining decision log
(a policy fired; drift started being seen for a policy) and the audit log (promotion results,
approval requests and decisions). :class:`EventWatcher` remembers what it has seen in
``data_dir()/notifications/seen.json``, so only *transitions* become events — never the same
one twice, not even across app restarts — and the first poll on a fresh home announces nothing
old.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.retraining.decisions import Decision, DecisionLog, Outcome
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import Job, JobStatus

#: How many recent jobs each poll looks at.
JOB_WINDOW = 200
_DRIFT_KINDS = {"dataset_drift", "feature_drift"}


@dataclass(frozen=True)
class AppEvent:
    """Something that happened: a title, a sentence, how serious, and the page that shows it."""

    kind: str
    title: str
    message: str
    level: str = "info"
    page: str = ""
    key: str = ""


def seen_path() -> Path:
    """Where the watcher remembers what it has announced."""
    return paths.data_dir() / "notifications" / "seen.json"


def _job_event(job: Job) -> AppEvent:
    what = job.spec.model or job.spec.script or "job"
    where = f"{what} in {job.workspace}"
    if job.status is JobStatus.SUCCEEDED:
        version = f", registered version {job.model_version}" if job.model_version else ""
        return AppEvent(
            "job",
            "Job succeeded",
            f"Job {job.id} ({where}) succeeded{version}",
            "info",
            "jobs",
            job.id,
        )
    if job.status is JobStatus.CANCELLED:
        return AppEvent(
            "job", "Job cancelled", f"Job {job.id} ({where}) was cancelled", "info", "jobs", job.id
        )
    error = f": {job.error}" if job.error else ""
    return AppEvent(
        "job", "Job failed", f"Job {job.id} ({where}) failed{error}", "warning", "jobs", job.id
    )


def _drifting(decision: Decision) -> bool:
    return any(v.fired and v.kind in _DRIFT_KINDS for v in decision.verdicts)


def _audit_event(record: Any) -> AppEvent | None:
    d = record.details
    plan = d.get("plan") if isinstance(d.get("plan"), dict) else {}
    request = d.get("request") if isinstance(d.get("request"), dict) else {}
    version = d.get("source_version") or plan.get("version") or request.get("version") or ""
    subject = f"{record.model} v{version}" if version else record.model
    target = (
        d.get("to")
        or plan.get("target_workspace")
        or request.get("target_workspace")
        or record.workspace
    )
    actor = record.actor or "someone"
    key = f"audit:{record.seq}"
    if record.action == AuditAction.PROMOTION:
        message = f"{subject} promoted to {target}"
        return AppEvent("promotion", "Promotion done", message, "info", "audit", key)
    if record.action == AuditAction.PROMOTION_ROLLED_BACK:
        reason = str(d.get("reason") or "")
        message = f"Promotion of {subject} to {target} rolled back" + (
            f": {reason}" if reason else ""
        )
        return AppEvent("promotion", "Promotion rolled back", message, "warning", "audit", key)
    if record.action == AuditAction.APPROVAL_REQUESTED:
        message = f"{actor} asks for approval to promote {subject} to {target}"
        return AppEvent("approval", "Approval requested", message, "warning", "audit", key)
    if record.action in (AuditAction.APPROVAL_APPROVED, AuditAction.APPROVAL_REJECTED):
        verb = "approved" if record.action == AuditAction.APPROVAL_APPROVED else "rejected"
        message = f"{actor} {verb} promoting {subject} to {target}"
        return AppEvent("approval", f"Promotion {verb}", message, "info", "audit", key)
    return None


class EventWatcher:
    """Turns new records into :class:`AppEvent` s, each once. Not thread-safe: one poller."""

    def __init__(
        self,
        *,
        jobs: JobStore | None = None,
        decisions: DecisionLog | None = None,
        audit: AuditLog | None = None,
        state_path: Path | None = None,
    ) -> None:
        self.jobs = jobs or JobStore()
        self.decisions = decisions or DecisionLog()
        self.audit = audit or AuditLog()
        self.state_path = state_path or seen_path()
        self._state = self._read_state()

    def _read_state(self) -> dict[str, Any] | None:
        try:
            raw = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return raw if isinstance(raw, dict) else None

    def _save(self, state: dict[str, Any]) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.state_path)

    def poll(self) -> list[AppEvent]:
        """Events since the last poll (none on the very first: it only records the present)."""
        first = self._state is None
        state: dict[str, Any] = self._state or {}
        events: list[AppEvent] = []
        events += self._poll_jobs(state)
        events += self._poll_decisions(state)
        events += self._poll_audit(state)
        self._state = state
        self._save(state)
        return [] if first else events

    def _poll_jobs(self, state: dict[str, Any]) -> list[AppEvent]:
        known: dict[str, str] = state.get("jobs", {})
        current: dict[str, str] = {}
        events = []
        for job in self.jobs.list(limit=JOB_WINDOW):
            current[job.id] = job.status.value
            before = known.get(job.id)
            if job.status.finished and before != job.status.value:
                events.append(_job_event(job))
        state["jobs"] = current
        return list(reversed(events))  # oldest first

    def _poll_decisions(self, state: dict[str, Any]) -> list[AppEvent]:
        done = int(state.get("decisions", 0))
        decisions = self.decisions.read()
        if done > len(decisions):
            done = 0  # the log was replaced: start over
        drifting: dict[str, bool] = state.get("drifting", {})
        events = []
        for d in decisions[done:]:
            is_drifting = _drifting(d)
            if is_drifting and not drifting.get(d.policy, False):
                events.append(
                    AppEvent(
                        "drift",
                        "Drift detected",
                        f"{d.model} ({d.workspace}): {d.reason}",
                        "warning",
                        "drift",
                        f"drift:{d.id}",
                    )
                )
            if d.outcome is not Outcome.ERROR:
                drifting[d.policy] = is_drifting
            if d.outcome is Outcome.FIRED:
                job = f"; job {d.job_id} submitted" if d.job_id else ""
                events.append(
                    AppEvent(
                        "retraining",
                        "Retraining triggered",
                        f"Policy {d.policy} fired for {d.model} in {d.workspace}{job}",
                        "info",
                        "jobs",
                        d.id,
                    )
                )
        state["decisions"] = len(decisions)
        state["drifting"] = drifting
        return events

    def _poll_audit(self, state: dict[str, Any]) -> list[AppEvent]:
        last = int(state.get("audit_seq", -1))
        events = []
        newest = last
        for record in self.audit.records():
            if record.seq <= last:
                continue
            newest = max(newest, record.seq)
            event = _audit_event(record)
            if event is not None:
                events.append(event)
        state["audit_seq"] = newest
        return events
