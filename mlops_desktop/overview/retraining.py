"""The overview's retraining pieces: policies, their recorded decisions (the drift and quality
verdicts of every check), last and next retraining, and the pending approvals of all workspaces.

Drift verdicts are what the retraining checks recorded in the decision log
(:class:`~mlops_desktop.retraining.decisions.DecisionLog`): the app's background check and
``mlops-desktop retrain check`` both append there. A verdict belongs to the stage whose data was
compared — the workspace named in the policy's current data (``endpoint:prod/…``), else its
reference (``model:prod/…/champion``), else the policy's own workspace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.overview.entities import DriftGlance, Health, Page, Problem, Retraining
from mlops_desktop.overview.readers import WorkspaceRead, describe

#: Trigger kinds whose verdicts are drift verdicts, and quality ones.
_DRIFT_KINDS = ("dataset_drift", "feature_drift")
_QUALITY_KINDS = ("quality", "performance")


@dataclass(slots=True)
class RetrainingRead:
    """Policies, decisions and approvals, read once for the whole grid."""

    config: AppConfig
    policies: tuple[Any, ...] = ()
    #: The newest decision of each policy.
    latest: dict[str, Any] = field(default_factory=dict)
    plans: dict[str, Retraining] = field(default_factory=dict)
    approvals: tuple[Any, ...] = ()
    problems: list[Problem] = field(default_factory=list)

    # -- placing things in cells --------------------------------------------------------------

    def stage_of(self, workspace: str) -> Stage | None:
        """The newest stage ``workspace`` hosts (where its data checks belong)."""
        try:
            stages = self.config.workspace(workspace).hosted_stages
        except Exception:
            return None
        return stages[-1] if stages else None

    def watched_workspace(self, policy: Any) -> str:
        """The workspace whose data the policy's drift check compares."""
        data = policy.data
        for source in (data.current if data else "", policy.reference_source):
            for scheme in ("endpoint:", "model:"):
                if source.startswith(scheme):
                    return source[len(scheme) :].split("/", 1)[0]
        return str(policy.workspace)

    def drift_for(self, model: str, workspace: str, stage: Stage | None) -> DriftGlance | None:
        """The newest drift verdict about ``model``'s data in ``workspace`` (None: no policy
        watches it; "not checked" when one does but no check ran yet)."""
        best: DriftGlance | None = None
        for policy in self.policies:
            if policy.model != model or not any(t.kind in _DRIFT_KINDS for t in policy.triggers):
                continue
            watched = self.watched_workspace(policy)
            if watched != workspace or self.stage_of(watched) is not stage:
                continue
            glance = _drift_glance(policy.name, self.latest.get(policy.name))
            if best is None or (glance.at or "") > (best.at or ""):
                best = glance
        return best

    def quality_problems(self, model: str, workspace: str) -> list[Problem]:
        """Quality or performance bounds the newest check found broken."""
        found = []
        for policy in self.policies:
            if policy.model != model or self.watched_workspace(policy) != workspace:
                continue
            decision = self.latest.get(policy.name)
            for verdict in getattr(decision, "verdicts", ()):
                if verdict.kind in _QUALITY_KINDS and verdict.fired:
                    found.append(Problem(verdict.reason, Health.WARN, Page.DRIFT))
        return found

    def plans_for(self, model: str, workspace: str, stage: Stage | None) -> tuple[Retraining, ...]:
        """The policies retraining ``model`` in ``workspace`` (shown in its first stage)."""
        try:
            stages = self.config.workspace(workspace).hosted_stages
        except Exception:
            return ()
        if stages and stage is not stages[0]:
            return ()
        return tuple(
            self.plans[p.name]
            for p in self.policies
            if p.model == model and p.workspace == workspace and p.name in self.plans
        )


def _drift_glance(policy: str, decision: Any) -> DriftGlance:
    if decision is None:
        return DriftGlance(
            "not checked", Health.IDLE, policy, detail="no retraining check has run yet"
        )
    verdicts = [v for v in decision.verdicts if v.kind in _DRIFT_KINDS]
    if not verdicts:
        return DriftGlance("not checked", Health.IDLE, policy, decision.at, decision.reason)
    errors = [v for v in verdicts if v.error]
    fired = [v for v in verdicts if v.fired]
    features: list[str] = []
    for verdict in fired:
        features += [str(f) for f in verdict.values.get("drifted", ()) or ()]
    if fired:
        return DriftGlance(
            "drift", Health.BAD, policy, decision.at, fired[0].reason, tuple(features)
        )
    if errors or all(not v.fired and not v.values for v in verdicts):
        return DriftGlance("error", Health.WARN, policy, decision.at, verdicts[0].reason)
    return DriftGlance("no drift", Health.OK, policy, decision.at, verdicts[0].reason)


def read_retraining(
    config: AppConfig, reads: Mapping[str, WorkspaceRead], now: datetime
) -> RetrainingRead:
    """Policies, decisions, plans and approvals (each piece's failure a global problem)."""
    read = RetrainingRead(config)
    read.approvals = tuple(r for w in reads.values() for r in w.approvals)
    try:
        from mlops_desktop.retraining.policies import load_policies

        read.policies = tuple(load_policies().policies)
    except Exception as exc:
        read.problems.append(
            Problem(f"retraining policies not read: {describe(exc)}", Health.WARN, Page.JOBS)
        )
        return read
    try:
        from mlops_desktop.retraining.decisions import DecisionLog

        log = DecisionLog()
        for decision in log.read():
            read.latest[decision.policy] = decision  # oldest first: the last one wins
    except Exception as exc:
        read.problems.append(
            Problem(f"retraining decisions not read: {describe(exc)}", Health.WARN, Page.DRIFT)
        )
        log = None
    for policy in read.policies:
        try:
            read.plans[policy.name] = _plan(policy, config, reads, log, now)
        except Exception as exc:
            read.problems.append(
                Problem(
                    f"policy {policy.name}: last/next retraining not read: {describe(exc)}",
                    Health.WARN,
                    Page.JOBS,
                )
            )
    return read


def _plan(
    policy: Any, config: AppConfig, reads: Mapping[str, WorkspaceRead], log: Any, now: datetime
) -> Retraining:
    """The policy's last retraining (its newest job) and when the next one comes."""
    from mlops_desktop.retraining.policies import ScheduleTrigger
    from mlops_desktop.retraining.schedule import next_due

    last = _last_job(policy, config, reads)
    active = last if last is not None and not last.status.finished else None
    notes = []
    next_at: datetime | None = None
    anchor = _when(last.created_at) if last is not None else None
    if anchor is None and log is not None:
        anchor = _when(log.first_seen(policy.name))
    for rule in policy.triggers:
        if isinstance(rule, ScheduleTrigger):
            due = next_due(rule, anchor or now)
            next_at = due if next_at is None or due < next_at else next_at
        elif "on drift" not in notes and rule.kind in _DRIFT_KINDS:
            notes.append("on drift")
        elif rule.kind in _QUALITY_KINDS and "on a metric" not in notes:
            notes.append("on a metric")
    if next_at is not None:
        notes.insert(0, "scheduled")
    if not policy.enabled:
        notes = ["policy disabled"]
        next_at = None
    return Retraining(
        policy=policy.name,
        enabled=policy.enabled,
        last_at=last.created_at if last is not None else None,
        last_status=last.status.value if last is not None else "",
        last_job=last.id if last is not None else "",
        next_at=next_at.isoformat(timespec="minutes") if next_at else None,
        next_note=", ".join(notes),
        active_job=active.id if active is not None else "",
    )


def _last_job(policy: Any, config: AppConfig, reads: Mapping[str, WorkspaceRead]) -> Any:
    """The newest job the policy fired: among the jobs already read, else asked for."""
    read = reads.get(policy.workspace)
    for job in read.jobs if read is not None else ():
        if job.policy == policy.name:
            return job
    from mlops_desktop.ports.jobs import JobQuery
    from mlops_desktop.ports.provider import ports_of

    jobs = ports_of(config.workspace(policy.workspace)).jobs()
    try:
        page = jobs.list_jobs(JobQuery(policy=policy.name, page_size=1))
    finally:
        close = getattr(jobs, "close", None)
        if callable(close):
            close()
    return page.jobs[0] if page.jobs else None


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
