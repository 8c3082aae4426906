"""Task bodies behind the Endpoints page: plain functions ``fn(ctx, ...)``, free of Qt.

They run in :mod:`mlops_desktop.ui.shell.workers` threads in the app and are called directly in
tests. Everything heavy (the serving package, pandas, the backend SDKs) is imported inside the
functions, so importing this module costs nothing at start-up. Results are frozen dataclasses of
plain Python values (no DataFrames), so the GUI thread never needs pandas.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import AppConfig, BackendKind, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK, BackendOpener, describe_error

if TYPE_CHECKING:
    from mlops_desktop.serving.entities import Endpoint, InvocationResult
    from mlops_desktop.serving.manager import EndpointManager

#: Builds the endpoint manager of a workspace (tests may pass their own).
ManagerFactory = Callable[[WorkspaceConfig], "EndpointManager"]

#: Telemetry windows the page offers: label -> (window, bucket).
TELEMETRY_WINDOWS: dict[str, tuple[timedelta, timedelta]] = {
    "1 h": (timedelta(hours=1), timedelta(minutes=1)),
    "24 h": (timedelta(hours=24), timedelta(minutes=15)),
    "7 d": (timedelta(days=7), timedelta(hours=1)),
}
DEFAULT_WINDOW = "1 h"

CREATE_COMMAND = "mlops-desktop endpoints create NAME --workspace W --model M --version V"


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkspaceEndpoints:
    """One workspace's endpoints, or why it has none to show."""

    workspace: str
    stage: Stage | None
    #: False when the workspace's backend has no (local) endpoints; ``reason`` says why.
    supported: bool
    reason: str = ""
    endpoints: tuple[Endpoint, ...] = ()
    #: Listing failed (the endpoints folder could not be read): the message.
    error: str = ""
    #: An Azure ML workspace: its online endpoints, not local ones (nothing to create here).
    azure: bool = False

    @property
    def key(self) -> tuple[str]:
        """Tree key of the workspace row."""
        return (self.workspace,)


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


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """A registered model with its versions (newest first) and aliases, for *Create endpoint*."""

    name: str
    versions: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReattachSummary:
    """What re-attaching every workspace's endpoints found and restarted."""

    endpoints: int = 0
    restarted: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()

    def message(self) -> str:
        """One line for the status bar ("" when there is nothing worth saying)."""
        parts = []
        if self.restarted:
            parts.append(f"restarted {', '.join(self.restarted)}")
        if self.failures:
            parts.append(f"could not restart {'; '.join(self.failures)}")
        if not parts:
            return ""
        return f"Endpoints re-attached ({self.endpoints} found): " + "; ".join(parts)


# -- helpers ----------------------------------------------------------------------------------


def default_manager(workspace: WorkspaceConfig) -> EndpointManager:
    """:class:`~mlops_desktop.serving.manager.EndpointManager` of ``workspace`` (lazy import)."""
    from mlops_desktop.serving.manager import EndpointManager

    return EndpointManager(workspace)


def endpoint_capability(
    workspace: WorkspaceConfig, opener: BackendOpener | None = None
) -> Capability:
    """Whether ``workspace``'s backend offers endpoints, asked through its ``capabilities()``.

    A backend that cannot be opened offers none; the reason is its error.
    """
    from mlops_desktop.ui.common.backend_tasks import default_backend_opener

    try:
        with _OPEN_LOCK:
            backend = (opener or default_backend_opener)(workspace)
    except MlopsError as exc:
        return Capability(False, describe_error(exc))
    try:
        return backend.capabilities().endpoints
    finally:
        close = getattr(backend, "close", None)
        if callable(close):
            close()


def _workspace_stage(workspace: WorkspaceConfig) -> Stage | None:
    stages = workspace.hosted_stages
    return stages[-1] if stages else None


def _sorted_workspaces(config: AppConfig) -> list[WorkspaceConfig]:
    """Newest stage first (prod, staging, dev), then by name."""
    return sorted(
        config.workspaces,
        key=lambda w: (-(s.rank if (s := _workspace_stage(w)) else -1), w.name),
    )


def format_request_json(data: Any, indent: int = 2) -> str:
    """JSON for people: nested objects indented, lists of plain values kept on one line.

    ``{"dataframe_split": {"columns": [...], "data": [[...], [...]]}}`` stays readable: one row
    per line.
    """

    def plain(value: Any) -> bool:
        return not isinstance(value, dict | list)

    def render(value: Any, level: int) -> str:
        pad = " " * (indent * (level + 1))
        end = " " * (indent * level)
        if isinstance(value, dict):
            if not value:
                return "{}"
            items = [f"{pad}{json.dumps(k)}: {render(v, level + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + f"\n{end}}}"
        if isinstance(value, list):
            if all(plain(v) for v in value):
                return json.dumps(value)
            items = [f"{pad}{render(v, level + 1)}" for v in value]
            return "[\n" + ",\n".join(items) + f"\n{end}]"
        return json.dumps(value)

    return render(data, 0)


def parse_request_body(text: str) -> bytes:
    """The editor's text as a request body; :class:`InvalidInput` says where JSON is broken."""
    if not text.strip():
        raise InvalidInput("the request body is empty", hint="reset it to the input example")
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            hint="fix the request, or reset it to the model's input example",
        ) from None
    return text.encode("utf-8")


def _floats(values: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


# -- listing and re-attaching -----------------------------------------------------------------


def list_workspace_endpoints(
    ctx: TaskContext,
    config: AppConfig,
    *,
    probe: bool = True,
    opener: BackendOpener | None = None,
    manager_factory: ManagerFactory | None = None,
    known: Mapping[str, Capability] | None = None,
) -> list[WorkspaceEndpoints]:
    """Every workspace (newest stage first) with its endpoints and their deployments' health.

    ``probe`` pings each deployment; without it health comes from process liveness only.
    ``known``: capabilities already asked (by workspace name); the others are asked of the
    workspace's backend.
    """
    factory = manager_factory or default_manager
    found: list[WorkspaceEndpoints] = []
    workspaces = _sorted_workspaces(config)
    for n, workspace in enumerate(workspaces):
        ctx.progress(n, len(workspaces), f"{workspace.name}: listing endpoints")
        stage = _workspace_stage(workspace)
        if _is_azure(workspace):
            found.append(_azure_workspace_endpoints(workspace, stage, opener))
            continue
        capability = (known or {}).get(workspace.name) or endpoint_capability(workspace, opener)
        if not capability:
            found.append(WorkspaceEndpoints(workspace.name, stage, False, capability.reason or ""))
            continue
        try:
            endpoints = tuple(factory(workspace).list_endpoints(probe=probe))
        except MlopsError as exc:
            found.append(WorkspaceEndpoints(workspace.name, stage, True, error=describe_error(exc)))
            continue
        except OSError as exc:
            found.append(WorkspaceEndpoints(workspace.name, stage, True, error=str(exc)))
            continue
        found.append(WorkspaceEndpoints(workspace.name, stage, True, endpoints=endpoints))
    ctx.progress(len(workspaces), len(workspaces), "endpoints listed")
    return found


def _is_azure(workspace: WorkspaceConfig) -> bool:
    return workspace.backend == BackendKind.AZUREML


def _azure_workspace_endpoints(
    workspace: WorkspaceConfig, stage: Stage | None, opener: BackendOpener | None
) -> WorkspaceEndpoints:
    """An Azure ML workspace's online endpoints (an unreachable one is an ``error`` row).

    A backend without online endpoints (``list_online_endpoints``) is listed as unsupported,
    with the reason its capabilities give.
    """
    from mlops_desktop.ui.common.backend_tasks import default_backend_opener
    from mlops_desktop.ui.endpoints.tasks_azure_endpoints import list_azure_endpoints

    try:
        with _OPEN_LOCK:
            backend: Any = (opener or default_backend_opener)(workspace)
        if not hasattr(backend, "list_online_endpoints"):
            reason = backend.capabilities().endpoints.reason or ""
            getattr(backend, "close", lambda: None)()
            return WorkspaceEndpoints(workspace.name, stage, False, reason)
        endpoints = list_azure_endpoints(workspace, opener=lambda _ws: backend)
    except MlopsError as exc:
        return WorkspaceEndpoints(
            workspace.name, stage, True, error=describe_error(exc), azure=True
        )
    return WorkspaceEndpoints(workspace.name, stage, True, endpoints=endpoints, azure=True)


def workspaces_with_endpoints(config: AppConfig) -> list[WorkspaceConfig]:
    """Workspaces (newest stage first) that have an endpoints folder: what re-attaching visits.

    Only looks for folders, so it is cheap enough to decide whether to start a worker at all.
    """
    from mlops_desktop.serving.manager import endpoints_dir

    return [ws for ws in _sorted_workspaces(config) if endpoints_dir(ws).is_dir()]


def reattach_endpoints(
    ctx: TaskContext,
    config: AppConfig,
    *,
    opener: BackendOpener | None = None,
    manager_factory: ManagerFactory | None = None,
) -> ReattachSummary:
    """At start: restart what died of every workspace's running endpoints."""
    factory = manager_factory or default_manager
    count = 0
    restarted: list[str] = []
    failures: list[str] = []
    for workspace in workspaces_with_endpoints(config):
        ctx.check()
        if not endpoint_capability(workspace, opener):
            continue
        try:
            report = factory(workspace).reattach(ctx)
        except MlopsError as exc:
            failures.append(f"{workspace.name}: {describe_error(exc)}")
            continue
        count += len(report.endpoints)
        restarted += [f"{workspace.name}/{name} router" for name in report.restarted_routers]
        restarted += [f"{workspace.name}/{name}" for name in report.restarted_deployments]
        restarted += [
            f"{workspace.name}/{name} supervisor" for name in report.restarted_supervisors
        ]
        failures += [f"{workspace.name}/{failure}" for failure in report.failures]
    return ReattachSummary(count, tuple(restarted), tuple(failures))


# -- one endpoint -----------------------------------------------------------------------------


def endpoint_telemetry(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    window_label: str = DEFAULT_WINDOW,
    *,
    now: datetime | None = None,
    manager_factory: ManagerFactory | None = None,
) -> EndpointTelemetry:
    """Requests/min, error rate and latency p50/p95 of ``name`` over one of
    :data:`TELEMETRY_WINDOWS`, overall and per deployment, read once from the collected data."""
    from mlops_desktop.serving.collected import read_requests
    from mlops_desktop.serving.layout import EndpointLayout, check_endpoint_name
    from mlops_desktop.serving.telemetry import NEEDED_COLUMNS, compute_telemetry

    if window_label not in TELEMETRY_WINDOWS:
        raise InvalidInput(
            f"unknown window {window_label!r}; choose {', '.join(TELEMETRY_WINDOWS)}"
        )
    window, bucket = TELEMETRY_WINDOWS[window_label]
    manager = (manager_factory or default_manager)(workspace)
    layout = EndpointLayout(manager.root / check_endpoint_name(name))
    end = now or datetime.now(UTC)
    start = end - window
    ctx.check()
    requests = read_requests(layout.collected_dir, start, end, columns=NEEDED_COLUMNS)
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


def load_input_example(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    deployment: str | None = None,
    *,
    manager_factory: ManagerFactory | None = None,
) -> str:
    """The model's logged input example, formatted for the Test panel's editor."""
    ctx.check()
    if _is_azure(workspace):
        # Azure ML keeps no input example the app can read: start from the request shape.
        return format_request_json({"input_data": {"columns": [], "data": [[]]}})
    raw = (manager_factory or default_manager)(workspace).input_example(name, deployment)
    try:
        return format_request_json(json.loads(raw))
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def invoke_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    body: bytes,
    deployment: str | None = None,
    *,
    timeout: float = 30.0,
    manager_factory: ManagerFactory | None = None,
) -> InvocationResult:
    """Send ``body`` through the endpoint's router (or to one deployment by header)."""
    ctx.check()
    if _is_azure(workspace):
        from mlops_desktop.ui.endpoints.tasks_azure_endpoints import invoke_azure_endpoint

        return invoke_azure_endpoint(ctx, workspace, name, body, deployment)
    manager = (manager_factory or default_manager)(workspace)
    return manager.invoke(name, body, deployment=deployment or None, timeout=timeout)


def apply_traffic(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    traffic: Mapping[str, int],
    mirror: Mapping[str, int],
    *,
    manager_factory: ManagerFactory | None = None,
) -> Endpoint:
    """Set the live split and the mirror (the stage's policy checked, audited); returns once
    the router routes by them."""
    if _is_azure(workspace):
        from mlops_desktop.ui.endpoints.tasks_azure_endpoints import apply_azure_traffic

        return apply_azure_traffic(ctx, workspace, name, traffic, mirror)
    from mlops_desktop.promotion.serving_guard import guard_serving_change, planned_traffic

    ctx.progress(0, 2, f"applying the traffic split of {name}")
    manager = (manager_factory or default_manager)(workspace)
    before = manager.get_endpoint(name, probe=False)
    change = planned_traffic(before, traffic, origin="Endpoints page")
    permit = guard_serving_change(workspace, change)
    permit.record(manager.set_traffic(name, dict(traffic), dict(mirror)))
    ctx.progress(1, 2, "checking deployments")
    endpoint = manager.get_endpoint(name, probe=True)
    ctx.progress(2, 2, "traffic applied")
    return endpoint


def start_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    *,
    manager_factory: ManagerFactory | None = None,
) -> Endpoint:
    """Start a stopped endpoint, or restart whatever died in a running one."""
    manager = (manager_factory or default_manager)(workspace)
    manager.start_endpoint(name, ctx)
    return manager.get_endpoint(name, probe=True)


def stop_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    *,
    manager_factory: ManagerFactory | None = None,
) -> Endpoint:
    """Stop an endpoint's processes (it keeps its port, deployments and collected data)."""
    ctx.check()
    return (manager_factory or default_manager)(workspace).stop_endpoint(name)


def list_model_choices(
    ctx: TaskContext, workspace: WorkspaceConfig, opener: BackendOpener | None = None
) -> list[ModelChoice]:
    """Registered models of ``workspace`` with their versions and aliases."""
    from mlops_desktop.ui.common.backend_tasks import default_backend_opener, version_sort_key

    with _OPEN_LOCK:
        ctx.check()
        backend = (opener or default_backend_opener)(workspace)
    try:
        versions = backend.list_model_versions(ctx, with_runs=False)
    finally:
        backend.close()
    by_name: dict[str, list[Any]] = {}
    for version in versions:
        by_name.setdefault(version.registered_name, []).append(version)
    choices = []
    for name, members in sorted(by_name.items()):
        members.sort(key=lambda v: version_sort_key(v.version), reverse=True)
        aliases = {alias: v.version for v in members for alias in v.aliases}
        choices.append(ModelChoice(name, tuple(v.version for v in members), aliases))
    return choices


def create_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    model: str,
    version: str,
    port: int | None = None,
    *,
    manager_factory: ManagerFactory | None = None,
) -> Endpoint:
    """Create an endpoint serving ``model`` ``version`` (or alias) at 100 % (the stage's
    policy checked, audited)."""
    from mlops_desktop.promotion.serving_guard import guard_serving_change, planned_create
    from mlops_desktop.serving.manager import DEFAULT_DEPLOYMENT

    change = planned_create(name, DEFAULT_DEPLOYMENT, model, version, origin="Endpoints page")
    permit = guard_serving_change(workspace, change)
    manager = (manager_factory or default_manager)(workspace)
    endpoint = manager.create_endpoint(name, model=model, version=version, port=port, ctx=ctx)
    permit.record(endpoint)
    return endpoint


__all__ = [
    "CREATE_COMMAND",
    "DEFAULT_WINDOW",
    "TELEMETRY_WINDOWS",
    "DeploymentLatency",
    "EndpointTelemetry",
    "ModelChoice",
    "ReattachSummary",
    "WorkspaceEndpoints",
    "apply_traffic",
    "create_endpoint",
    "endpoint_capability",
    "endpoint_telemetry",
    "format_request_json",
    "invoke_endpoint",
    "list_model_choices",
    "list_workspace_endpoints",
    "load_input_example",
    "parse_request_body",
    "reattach_endpoints",
    "start_endpoint",
    "stop_endpoint",
    "workspaces_with_endpoints",
]
