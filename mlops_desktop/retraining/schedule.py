"""Schedule triggers: a cron expression (croniter) or every N days.

A schedule is due when its next time after the *anchor* has passed. The anchor is the policy's
last job (so a drift-fired job also restarts an ``every_days`` clock), or, before any job, the
first time a check saw the policy: a new policy waits for its first scheduled time rather than
firing at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mlops_desktop.retraining.decisions import TriggerVerdict
from mlops_desktop.retraining.jobs import Trigger
from mlops_desktop.retraining.policies import ScheduleTrigger


def next_due(rule: ScheduleTrigger, anchor: datetime) -> datetime:
    """The first scheduled time after ``anchor``."""
    if rule.cron is not None:
        from croniter import croniter

        return croniter(rule.cron, anchor).get_next(datetime)  # type: ignore[no-any-return]
    assert rule.every_days is not None
    return anchor + timedelta(days=rule.every_days)


def schedule_verdict(
    rule: ScheduleTrigger, anchor: datetime, now: datetime, anchor_kind: str
) -> TriggerVerdict:
    """Whether the schedule is due at ``now``; ``anchor_kind`` says what the anchor is."""
    due = next_due(rule, anchor)
    what = f"cron {rule.cron!r}" if rule.cron else f"every {rule.every_days:g} days"
    values = {
        "rule": rule.cron or f"every_days={rule.every_days:g}",
        "anchor": anchor.isoformat(),
        "anchor_kind": anchor_kind,
        "due_at": due.isoformat(),
    }
    if due <= now:
        reason = f"{what}: due at {due:%Y-%m-%d %H:%M} UTC (after the {anchor_kind})"
        return TriggerVerdict("schedule", Trigger.SCHEDULE, True, reason, values)
    reason = f"{what}: next due at {due:%Y-%m-%d %H:%M} UTC"
    return TriggerVerdict("schedule", Trigger.SCHEDULE, False, reason, values)
