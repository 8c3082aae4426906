"""Read one workspace's pieces for the overview, each on its own.

Every reader returns what it read or raises; :func:`read_workspace` catches each piece's
failure separately, so an unreachable registry still leaves the endpoints, jobs and the other
workspaces on the grid. Heavy imports (MLflow, pandas, the serving package) stay inside the
functions: importing this module costs nothing.

Endpoints come from the workspace's endpoints port, as on the Endpoints page; what differs
between kinds (whether requests are collected here) is what the port's traits declare.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState, ModelVersion
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.overview.entities import EndpointGlance, Health, Traffic
from mlops_desktop.ports.provider import ports_of

#: Opens a workspace's backend (tests and the app may pass their own).
BackendOpener = Callable[[WorkspaceConfig], Any]

#: The window the overview's traffic numbers cover, and its sparkline buckets.
TRAFFIC_WINDOW = timedelta(hours=1)
TRAFFIC_BUCKETS = 12
#: Failed jobs younger than this are open problems.
RECENT_FAILURES = timedelta(days=1)

_ENDPOINT_HEALTH = {
    "running": Health.OK,
    "degraded": Health.WARN,
    "dead": Health.BAD,
    "stopped": Health.IDLE,
}


def describe(error: BaseException) -> str:
    """One line about an error (message, then the hint)."""
    if isinstance(error, MlopsError):
        return f"{error.message} — {error.hint}" if error.hint else error.message
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


@dataclass(frozen=True, slots=True)
class ServedBy:
    """An endpoint and the registered names it serves (to place it in the model's cells)."""

    glance: EndpointGlance
    registered_names: frozenset[str]
    #: (registered name, version, live traffic %) per deployment.
    deployments: tuple[tuple[str, str, int], ...] = ()


@dataclass(slots=True)
class WorkspaceRead:
    """What one workspace answered, piece by piece; a piece's error is a sentence."""

    workspace: WorkspaceConfig
    connection: ConnectionInfo = field(
        default_factory=lambda: ConnectionInfo(ConnectionState.UNKNOWN)
    )
    versions: tuple[ModelVersion, ...] = ()
    versions_error: str = ""
    endpoints: tuple[ServedBy, ...] = ()
    endpoints_error: str = ""
    endpoints_note: str = ""
    approvals: tuple[Any, ...] = ()
    approvals_error: str = ""
    jobs: tuple[Any, ...] = ()
    jobs_error: str = ""
    read_problems: tuple[str, ...] = ()


def default_opener(workspace: WorkspaceConfig) -> Any:
    """The workspace's registry backend, through its ports."""
    return ports_of(workspace).registry()


def read_workspace(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    *,
    opener: BackendOpener | None = None,
    open_lock: Any = None,
    now: datetime | None = None,
    with_approvals: bool = True,
) -> WorkspaceRead:
    """Registry (connection, versions), endpoints with last-hour traffic, approvals, jobs."""
    read = WorkspaceRead(workspace)
    lock = open_lock or contextlib.nullcontext()
    backend: Any = None
    try:
        with lock:
            ctx.check()
            backend = (opener or default_opener)(workspace)
        read.connection = backend.check_connection()
        if read.connection.state is ConnectionState.ONLINE:
            read.versions = tuple(backend.list_model_versions(ctx, with_runs=True))
            read.read_problems = tuple(getattr(backend, "read_problems", ()))
    except MlopsError as exc:
        read.versions_error = describe(exc)
        if read.connection.state is ConnectionState.UNKNOWN:
            read.connection = ConnectionInfo(_state_for(exc), describe(exc))
    except Exception as exc:
        read.versions_error = describe(exc)
        read.connection = ConnectionInfo(ConnectionState.ERROR, describe(exc))
    ctx.check()
    online = read.connection.state is ConnectionState.ONLINE
    try:
        read.endpoints, read.endpoints_note = _read_endpoints(
            ctx, workspace, backend if online else None, now or datetime.now(UTC)
        )
    except Exception as exc:
        read.endpoints_error = describe(exc)
    finally:
        if backend is not None:
            with contextlib.suppress(Exception):
                backend.close()
    ctx.check()
    if with_approvals and online:
        try:
            read.approvals = tuple(_read_approvals(workspace))
        except Exception as exc:
            read.approvals_error = describe(exc)
    try:
        read.jobs = tuple(_read_jobs(ctx, workspace))
    except Exception as exc:
        read.jobs_error = describe(exc)
    return read


def _state_for(error: MlopsError) -> ConnectionState:
    from mlops_desktop.core.errors import AuthError, Unavailable

    if isinstance(error, Unavailable):
        return ConnectionState.OFFLINE
    if isinstance(error, AuthError):
        return ConnectionState.AUTH_REQUIRED
    return ConnectionState.ERROR


# -- endpoints --------------------------------------------------------------------------------


def _read_endpoints(
    ctx: TaskContext, workspace: WorkspaceConfig, backend: Any, now: datetime
) -> tuple[tuple[ServedBy, ...], str]:
    """The workspace's endpoints through its endpoints port (and a note when it offers none).

    ``backend`` is the one this read opened (None when the workspace is not online): lent to
    the port, so it is not opened twice, and closed by :func:`read_workspace`, not the port.
    """
    from mlops_desktop.ports.provider import open_endpoints

    port = open_endpoints(workspace, opener=None if backend is None else _Lent(backend).open)
    try:
        if backend is None and not port.traits.local_processes:
            return (), ""  # an unreachable service: the column already says why
        if backend is not None:
            capability = port.capability()
            if not capability:
                return (), capability.reason or "no endpoints on this backend"
        found = []
        for endpoint in port.list_endpoints(probe=True):
            ctx.check()
            found.append(_served_by(endpoint, now))
        return tuple(found), ""
    finally:
        port.close()


class _Lent:
    """A backend lent to a port: the port may close what it opened, the lender closes this."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def open(self, _workspace: WorkspaceConfig) -> Any:
        return self

    def close(self) -> None:
        """Kept open: :func:`read_workspace` closes it after its other reads."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _served_by(endpoint: Any, now: datetime) -> ServedBy:
    """One endpoint as the overview shows it; traffic where its requests are collected here."""
    status = str(endpoint.status.value)
    health = _ENDPOINT_HEALTH.get(status, Health.WARN)
    if not endpoint.deployments:
        health = Health.WARN
    serving = tuple(
        f"v{d.version} · {d.traffic} %" + (f" (+{d.mirror} % mirrored)" if d.mirror else "")
        for d in endpoint.deployments
        if (d.traffic or d.mirror) and d.version
    )
    if endpoint.traits.collects_requests:
        try:
            traffic = last_hour_traffic(endpoint.directory, now)
        except Exception as exc:
            traffic = Traffic(False, note=f"cannot read the collected requests: {describe(exc)}")
    else:
        source = endpoint.traits.telemetry_source
        traffic = Traffic(False, note=f"requests are counted by {source}, not collected here")
    glance = EndpointGlance(endpoint.name, endpoint.state_text.lower(), health, serving, traffic)
    shares = tuple(
        (d.registered_model, str(d.version), int(d.traffic)) for d in endpoint.deployments
    )
    return ServedBy(glance, frozenset(d.registered_model for d in endpoint.deployments), shares)


def last_hour_traffic(directory: Any, now: datetime) -> Traffic:
    """Requests, errors, p95 latency and 5-minute counts of the last hour, from the
    endpoint's collected requests (mirrored copies left out: they are not served)."""
    from mlops_desktop.serving.collected import read_requests
    from mlops_desktop.serving.layout import EndpointLayout
    from mlops_desktop.serving.telemetry import NEEDED_COLUMNS

    start = now - TRAFFIC_WINDOW
    requests = read_requests(
        EndpointLayout(directory).collected_dir, start, now, columns=NEEDED_COLUMNS
    )
    if requests.empty:
        return Traffic(True, buckets=(0,) * TRAFFIC_BUCKETS)
    live = requests[~requests["mirrored"].astype(bool)]
    if live.empty:
        return Traffic(True, buckets=(0,) * TRAFFIC_BUCKETS)
    width = TRAFFIC_WINDOW / TRAFFIC_BUCKETS
    stamps = live["timestamp"]
    offsets = ((stamps - start) / width).astype(int).clip(0, TRAFFIC_BUCKETS - 1)
    counts = offsets.value_counts()
    buckets = tuple(int(counts.get(i, 0)) for i in range(TRAFFIC_BUCKETS))
    p95 = float(live["latency_ms"].quantile(0.95))
    return Traffic(
        True,
        requests=len(live),
        errors=int((live["status"] >= 400).sum()),
        p95_ms=None if p95 != p95 else p95,  # NaN: no latency recorded
        buckets=buckets,
    )


# -- approvals and jobs -----------------------------------------------------------------------


def _read_approvals(workspace: WorkspaceConfig) -> list[Any]:
    """Pending approval requests kept in the workspace's registry."""
    from mlops_desktop.promotion.approvals import ApprovalStatus, ApprovalStore

    store = ApprovalStore(ports_of(workspace).promotion_registry())
    return [r for r in store.all() if r.status is ApprovalStatus.PENDING]


def _read_jobs(ctx: TaskContext, workspace: WorkspaceConfig) -> list[Any]:
    """The workspace's newest jobs (one page)."""
    from mlops_desktop.ports.jobs import JobQuery

    jobs = ports_of(workspace).jobs()
    try:
        return list(jobs.list_jobs(JobQuery(page_size=50), ctx).jobs)
    finally:
        close = getattr(jobs, "close", None)
        if callable(close):
            close()


#: Serialises backend opening across the overview's threads (first imports of an SDK).
OPEN_LOCK = threading.Lock()
