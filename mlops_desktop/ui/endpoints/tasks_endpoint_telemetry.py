"""Telemetry of one endpoint for the Endpoints page's Monitoring tab: requests/min, error
rate and latency per time bucket, from the requests its endpoints port collected. Free of Qt;
results are plain values (no DataFrames), so the GUI thread never needs pandas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.common.backend_tasks import BackendOpener

#: Telemetry windows the page offers: label -> (window, bucket).
TELEMETRY_WINDOWS: dict[str, tuple[timedelta, timedelta]] = {
    "1 h": (timedelta(hours=1), timedelta(minutes=1)),
    "24 h": (timedelta(hours=24), timedelta(minutes=15)),
    "7 d": (timedelta(days=7), timedelta(hours=1)),
}
DEFAULT_WINDOW = "1 h"


@dataclass(frozen=True, slots=True)
class DeploymentLatency:
    """Latency (and request rate) of one deployment per time bucket."""

    requests_per_min: tuple[float, ...]
    latency_p50_ms: tuple[float, ...]
    latency_p95_ms: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class EndpointTelemetry:
    """An endpoint's collected requests over a window, bucketed for charts.

    Times are POSIX seconds at the middle of each bucket; empty buckets hold ``nan`` latency
    and error rate (charts show gaps) and 0 requests.
    """

    workspace: str
    endpoint: str
    window_label: str
    start: float
    end: float
    bucket_seconds: float
    times: tuple[float, ...]
    requests_per_min: tuple[float, ...]
    error_rate: tuple[float, ...]
    latency_p50_ms: tuple[float, ...]
    latency_p95_ms: tuple[float, ...]
    #: Per deployment (mirrored copies included: a shadow deployment's latency shows too).
    by_deployment: dict[str, DeploymentLatency] = field(default_factory=dict)
    total_requests: int = 0
    total_errors: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    last_request: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(workspace, endpoint)."""
        return (self.workspace, self.endpoint)

    @property
    def error_fraction(self) -> float | None:
        """Errors / requests over the window (None without requests)."""
        return self.total_errors / self.total_requests if self.total_requests else None

    @property
    def mean_requests_per_min(self) -> float:
        """Requests per minute averaged over the whole window."""
        minutes = max((self.end - self.start) / 60.0, 1e-9)
        return self.total_requests / minutes

    @property
    def peak_requests_per_min(self) -> float:
        """The busiest bucket's rate."""
        return max(self.requests_per_min, default=0.0)


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def endpoint_telemetry(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    window_label: str = DEFAULT_WINDOW,
    *,
    now: datetime | None = None,
    opener: BackendOpener | None = None,
) -> EndpointTelemetry:
    """Requests/min, error rate and latency p50/p95 of ``name`` over one of
    :data:`TELEMETRY_WINDOWS`, overall and per deployment, read once from the collected data."""
    from mlops_desktop.ports.provider import open_endpoints
    from mlops_desktop.serving.telemetry import NEEDED_COLUMNS, compute_telemetry

    if window_label not in TELEMETRY_WINDOWS:
        raise InvalidInput(
            f"unknown window {window_label!r}; choose {', '.join(TELEMETRY_WINDOWS)}"
        )
    window, bucket = TELEMETRY_WINDOWS[window_label]
    end = now or datetime.now(UTC)
    start = end - window
    ctx.check()
    port = open_endpoints(workspace, opener)
    try:
        requests = port.collected_requests(name, start, end, columns=NEEDED_COLUMNS)
    finally:
        port.close()
    ctx.check()
    overall = compute_telemetry(requests, bucket=bucket, start=start, end=end)
    by_deployment: dict[str, DeploymentLatency] = {}
    per_deployment = compute_telemetry(
        requests, bucket=bucket, start=start, end=end, by_deployment=True, include_mirrored=True
    )
    ctx.check()
    half = bucket.total_seconds() / 2
    times = tuple(t.timestamp() + half for t in overall["time"])
    for deployment, rows in per_deployment.groupby("deployment", sort=True):
        by_deployment[str(deployment)] = DeploymentLatency(
            _floats(rows["requests_per_min"]),
            _floats(rows["latency_p50_ms"]),
            _floats(rows["latency_p95_ms"]),
        )
    live = requests[~requests["mirrored"].astype(bool)] if not requests.empty else requests
    total = len(live)
    errors = int((live["status"] >= 400).sum()) if total else 0
    p50 = float(live["latency_ms"].quantile(0.5)) if total else None
    p95 = float(live["latency_ms"].quantile(0.95)) if total else None
    last = float(live["timestamp"].max().timestamp()) if total else None
    return EndpointTelemetry(
        workspace=workspace.name,
        endpoint=name,
        window_label=window_label,
        start=start.timestamp(),
        end=end.timestamp(),
        bucket_seconds=bucket.total_seconds(),
        times=times,
        requests_per_min=_floats(overall["requests_per_min"]),
        error_rate=_floats(overall["error_rate"]),
        latency_p50_ms=_floats(overall["latency_p50_ms"]),
        latency_p95_ms=_floats(overall["latency_p95_ms"]),
        by_deployment=by_deployment,
        total_requests=total,
        total_errors=errors,
        p50_ms=None if p50 is None or math.isnan(p50) else p50,
        p95_ms=None if p95 is None or math.isnan(p95) else p95,
        last_request=last,
    )
