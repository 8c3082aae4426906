"""Watch a canary step: the new deployment's error rate and latency while it takes a share.

During ``step_seconds`` the watcher sends ``probe_requests`` requests (the input example) to
the new deployment by header, spread over the window, so a quiet endpoint still yields
evidence; live traffic routed to it by the split counts too. The verdict comes from the
endpoint's collected requests (what serving telemetry reads): answers with status >= 400 are
errors, latency is the router-measured p95. Should the collector not show every probe (by
request id) within :data:`COLLECTION_WAIT` seconds, the probes' own answers stand in.

Every verdict says how many live and how many probe requests it judged on; a step that saw
no live request says it was judged on probes only, and a step with no request at all fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from mlops_desktop.core.policy import RolloutPolicy
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.serving.manager import EndpointManager

#: How long to wait for collected requests to show the probes.
COLLECTION_WAIT = 3.0


@dataclass(frozen=True, slots=True)
class CanaryObservation:
    """What one canary step saw of the new deployment."""

    percent: int
    requests: int
    errors: int
    p95_ms: float | None
    source: str
    passed: bool
    detail: str
    #: Of ``requests``: how many were the watcher's probes, how many live traffic.
    probe_requests: int = 0
    live_requests: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (journaled and audited)."""
        return {
            "percent": self.percent,
            "requests": self.requests,
            "errors": self.errors,
            "p95_ms": self.p95_ms,
            "source": self.source,
            "passed": self.passed,
            "detail": self.detail,
            "probe_requests": self.probe_requests,
            "live_requests": self.live_requests,
        }


def _collected(
    manager: EndpointManager, endpoint: str, deployment: str, since: datetime
) -> tuple[list[int], list[float], list[str]]:
    """Statuses, latencies and request ids of the deployment's live requests since ``since``."""
    # Collected timestamps are whole milliseconds (truncated): compare at that precision.
    floor = since.replace(microsecond=since.microsecond // 1000 * 1000)
    frame = manager.collected_requests(endpoint, since=floor)
    if frame.empty:
        return [], [], []
    mine = frame[(frame["deployment"] == deployment) & ~frame["mirrored"].astype(bool)]
    return (
        [int(s) for s in mine["status"]],
        [float(x) for x in mine["latency_ms"]],
        [str(r) for r in mine["request_id"]],
    )


def watch_canary(
    manager: EndpointManager,
    endpoint: str,
    deployment: str,
    percent: int,
    rollout: RolloutPolicy,
    task: TaskContext,
    *,
    since: datetime,
) -> CanaryObservation:
    """Watch the new deployment for one step; cancellable between probes."""
    probes = rollout.probe_requests
    started = time.monotonic()
    deadline = started + rollout.step_seconds
    interval = rollout.step_seconds / probes if probes else rollout.step_seconds
    probe_status: list[int] = []
    probe_latency: list[float] = []
    probe_ids: set[str] = set()
    while True:
        task.check()
        now = time.monotonic()
        if len(probe_status) < probes and now >= started + len(probe_status) * interval:
            result = manager.invoke(endpoint, None, deployment=deployment)
            probe_status.append(result.status)
            probe_latency.append(result.latency_ms)
            probe_ids.add(result.request_id)
            continue
        if now >= deadline and len(probe_status) >= probes:
            break
        time.sleep(min(0.05, max(0.0, deadline - now)))

    probes_sent = len(probe_status)
    if not manager.collects_requests:  # e.g. Azure ML: Azure Monitor has them
        return judge(
            percent, probe_status, probe_latency, rollout, "probe answers", probes=probes_sent
        )
    statuses, latencies, seen = _collected(manager, endpoint, deployment, since)
    wait_until = time.monotonic() + COLLECTION_WAIT
    while not probe_ids <= set(seen) and time.monotonic() < wait_until:
        task.check()
        time.sleep(0.1)
        statuses, latencies, seen = _collected(manager, endpoint, deployment, since)
    if not probe_ids <= set(seen):
        return judge(
            percent, probe_status, probe_latency, rollout, "probe answers", probes=probes_sent
        )
    probes = sum(1 for r in seen if r in probe_ids)
    return judge(percent, statuses, latencies, rollout, "collected requests", probes=probes)


def judge(
    percent: int,
    statuses: list[int],
    latencies: list[float],
    rollout: RolloutPolicy,
    source: str,
    *,
    probes: int | None = None,
) -> CanaryObservation:
    """The verdict on what a step observed; ``probes`` of the ``statuses`` were the watcher's
    own requests (None: all of them), the rest live traffic."""
    count = len(statuses)
    probes = count if probes is None else min(probes, count)
    live = count - probes
    errors = sum(1 for s in statuses if s >= 400)
    p95 = float(np.percentile(latencies, 95)) if latencies else None
    if count == 0:
        return CanaryObservation(
            percent,
            0,
            0,
            None,
            source,
            False,
            "no request reached the new deployment (0 live, 0 probes): nothing to judge on — "
            "set rollout.probe_requests above 0 or send traffic during the canary",
        )
    rate = errors / count
    problems = []
    if rate > rollout.max_error_rate:
        problems.append(f"error rate {rate:.1%} > {rollout.max_error_rate:.1%}")
    if p95 is not None and p95 > rollout.max_latency_ms:
        problems.append(f"p95 latency {p95:.1f} ms > {rollout.max_latency_ms:.0f} ms")
    mix = f"{live} live, {probes} probes" if live else f"judged on {probes} probes only, no live"
    summary = f"{count} requests ({mix}), {errors} errors"
    if p95 is not None:
        summary += f", p95 {p95:.1f} ms"
    detail = "; ".join([*problems, summary]) if problems else summary
    return CanaryObservation(
        percent, count, errors, p95, source, not problems, detail, probes, live
    )
