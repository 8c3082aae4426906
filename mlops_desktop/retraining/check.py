"""One evaluation pass over the retraining policies: the function behind
``mlops-desktop retrain check`` (system timers, CI) and the app's background evaluation.

For each policy: evaluate every trigger (schedule, drift, quality, performance) with its numbers;
if one fired, apply the guards — a queued or running job of the policy blocks a new one, and
no job starts within the cooldown after the last one — then (with ``submit``) submit exactly one
job. The guards are checked again inside the transaction that records the job, so concurrent
checks never fire twice. Every decision is appended to the decision log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import AppConfig, BackendKind, load_config
from mlops_desktop.core.errors import Conflict, MlopsError
from mlops_desktop.core.identity import current_identity
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.data_triggers import CATEGORY, compare_policy_data, data_verdict
from mlops_desktop.retraining.decisions import Decision, DecisionLog, Outcome, TriggerVerdict
from mlops_desktop.retraining.durations import format_duration
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import Job, JobStatus, new_record_id
from mlops_desktop.retraining.policies import (
    RetrainingConfig,
    RetrainingPolicy,
    ScheduleTrigger,
    load_policies,
)
from mlops_desktop.retraining.schedule import schedule_verdict

if TYPE_CHECKING:
    from mlops_desktop.drift.result import DriftResult
    from mlops_desktop.monitoring.sources import OpenCollectedData


@dataclass(frozen=True)
class _History:
    """What the guards and schedules need to know about a policy's past."""

    active: Job | None
    last_fired: datetime | None
    last_fired_kind: str
    first_seen: datetime | None


def check_policies(
    *,
    names: Sequence[str] = (),
    submit: bool = False,
    config: AppConfig | None = None,
    policies: RetrainingConfig | None = None,
    manager: JobManager | None = None,
    log: DecisionLog | None = None,
    now: datetime | None = None,
    ctx: TaskContext | None = None,
    open_collected: OpenCollectedData | None = None,
) -> list[Decision]:
    """Evaluate the policies (all, or those in ``names``); returns and records the decisions.

    ``open_collected`` reads ``endpoint:`` data sources (the caller takes it from the ports
    layer, which knows each workspace's kind)."""
    config = config or load_config()
    policies = policies or load_policies()
    manager = manager or JobManager()
    log = log or DecisionLog()
    selected = [policies.policy(n) for n in names] if names else list(policies.policies)
    decisions = []
    for done, policy in enumerate(selected):
        if ctx is not None:
            ctx.progress(done, len(selected), f"checking {policy.name}")
        decision = check_policy(
            policy,
            submit=submit,
            config=config,
            manager=manager,
            log=log,
            now=now,
            open_collected=open_collected,
        )
        log.append(decision)
        decisions.append(decision)
    return decisions


def check_policy(
    policy: RetrainingPolicy,
    *,
    submit: bool,
    config: AppConfig,
    manager: JobManager,
    log: DecisionLog,
    now: datetime | None = None,
    open_collected: OpenCollectedData | None = None,
) -> Decision:
    """The decision for one policy (not yet recorded)."""
    now = now or datetime.now(UTC)
    base = Decision(
        id=new_record_id(now),
        at=now.isoformat(timespec="milliseconds"),
        policy=policy.name,
        model=policy.model,
        workspace=policy.workspace,
        outcome=Outcome.QUIET,
        reason="",
        submit=submit,
        actor=current_identity(),
    )
    if not policy.enabled:
        return _with(base, Outcome.DISABLED, "the policy is disabled")
    try:
        workspace = config.workspace(policy.workspace)
        history = _history(policy, config, manager, log, now)
    except MlopsError as exc:
        return _with(base, Outcome.ERROR, str(exc))
    verdicts, data = _verdicts(policy, config, history, now, open_collected)
    base = _with(
        base,
        base.outcome,
        "",
        verdicts=tuple(verdicts),
        data=data,
        last_job_at=history.last_fired.isoformat() if history.last_fired else None,
    )
    fired = [v for v in verdicts if v.fired]
    if not fired:
        errors = [v for v in verdicts if v.error]
        if errors:
            return _with(base, Outcome.ERROR, "; ".join(v.reason for v in errors))
        return _with(
            base, Outcome.QUIET, "no trigger fired: " + "; ".join(v.reason for v in verdicts)
        )
    first = fired[0]
    because = first.reason
    if history.active is not None:
        job = history.active
        return _with(base, Outcome.JOB_ACTIVE, f"{because}; but job {job.id} is {job.status.value}")
    cooldown_until = (
        history.last_fired + policy.cooldown_delta if history.last_fired is not None else None
    )
    if cooldown_until is not None and now < cooldown_until:
        left = format_duration(cooldown_until - now)
        return _with(
            base,
            Outcome.COOLDOWN,
            f"{because}; but in cooldown for {left} (last retraining "
            f"{history.last_fired:%Y-%m-%d %H:%M} UTC by {history.last_fired_kind}, "
            f"cooldown {policy.cooldown})",
            cooldown_until=cooldown_until.isoformat(),
        )
    if not submit:
        return _with(base, Outcome.WOULD_FIRE, f"{because} (not submitted: run with --submit)")
    try:
        job = manager.submit_for_policy(
            workspace,
            policy.job_spec(),
            policy=policy.name,
            trigger=first.category,
            trigger_detail=because,
            not_before=(now - policy.cooldown_delta) if policy.cooldown_delta else None,
        )
    except Conflict as exc:
        return _with(base, Outcome.JOB_ACTIVE, f"{because}; but {exc.message}")
    except MlopsError as exc:
        return _with(base, Outcome.ERROR, f"{because}; but the job was not submitted: {exc}")
    return _with(base, Outcome.FIRED, f"{because}: job {job.id} submitted", job_id=job.id)


def _with(base: Decision, outcome: Outcome, reason: str, **changes: Any) -> Decision:
    return dataclasses.replace(base, outcome=outcome, reason=reason, **changes)


def _history(
    policy: RetrainingPolicy,
    config: AppConfig,
    manager: JobManager,
    log: DecisionLog,
    now: datetime,
) -> _History:
    active_jobs = manager.list_jobs(
        policy=policy.name, statuses=(JobStatus.QUEUED, JobStatus.RUNNING)
    )
    active = next((j for j in active_jobs if not j.status.finished), None)
    last_job = manager.store.last_job_of_policy(policy.name)
    candidates: list[tuple[datetime, str]] = []
    if last_job is not None:
        candidates.append((datetime.fromisoformat(last_job.created_at), f"job {last_job.id}"))
    remote = _remote_last_run(policy, config)
    if remote is not None:
        candidates.append((remote, "a run in the tracking store"))
    last_fired, kind = max(candidates, default=(None, ""))
    seen = log.first_seen(policy.name)
    return _History(
        active=active,
        last_fired=last_fired,
        last_fired_kind=kind,
        first_seen=datetime.fromisoformat(seen) if seen else None,
    )


def _remote_last_run(policy: RetrainingPolicy, config: AppConfig) -> datetime | None:
    """The policy's newest run in its workspace's tracking store (MLflow workspaces)."""
    workspace = config.workspace(policy.workspace)
    if workspace.backend is not BackendKind.MLFLOW:
        return None
    from mlops_desktop.retraining.run_link import last_policy_run_start

    try:
        return last_policy_run_start(workspace, policy.name)
    except Exception:  # unreachable store: the local job records still guard
        return None


def _verdicts(
    policy: RetrainingPolicy,
    config: AppConfig,
    history: _History,
    now: datetime,
    open_collected: OpenCollectedData | None,
) -> tuple[list[TriggerVerdict], dict[str, object]]:
    """Every trigger's verdict in the policy's order, and what the data comparison saw."""
    anchor, anchor_kind = history.last_fired, "last retraining"
    if anchor is None:
        anchor, anchor_kind = (history.first_seen or now), "first check of the policy"
    data, result, problem = _compare(policy, config, open_collected)
    verdicts = []
    for rule in policy.triggers:
        if isinstance(rule, ScheduleTrigger):
            verdicts.append(schedule_verdict(rule, anchor, now, anchor_kind))
        elif result is None:
            verdicts.append(
                TriggerVerdict(
                    rule.kind, CATEGORY[rule.kind], False, problem, error="error" in data
                )
            )
        else:
            verdicts.append(data_verdict(rule, result))
    return verdicts, data


def _compare(
    policy: RetrainingPolicy, config: AppConfig, open_collected: OpenCollectedData | None
) -> tuple[dict[str, object], DriftResult | None, str]:
    """The policy's data comparison: (what it saw, the result or None, why None)."""
    if policy.data is None or all(isinstance(r, ScheduleTrigger) for r in policy.triggers):
        return {}, None, ""
    data: dict[str, object] = {"reference": policy.reference_source, "current": policy.data.current}
    try:
        result = compare_policy_data(config, policy, open_collected)
    except Exception as exc:  # one message per policy, never a traceback
        data["error"] = _describe_error(exc)
        return data, None, str(data["error"])
    data.update(
        n_reference=result.n_reference_rows,
        n_current=result.n_current_rows,
        drift_share=round(result.drift_share, 4),
    )
    if result.n_current_rows < policy.data.min_rows:
        data["too_few_rows"] = True
        why = (
            f"only {result.n_current_rows} current rows (min_rows {policy.data.min_rows}): "
            "too little data to judge"
        )
        return data, None, why
    return data, result, ""


def _describe_error(exc: Exception) -> str:
    from mlops_desktop.drift.errors import DriftError

    if isinstance(exc, MlopsError | DriftError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
