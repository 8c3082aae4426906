"""Task bodies behind the Endpoints page: plain functions ``fn(ctx, ...)``, free of Qt.

They run in :mod:`mlops_desktop.ui.shell.workers` threads in the app and are called directly in
tests. Each opens the workspace's endpoints port
(:func:`~mlops_desktop.ports.provider.open_endpoints`) for the call and closes it after, so
local endpoints and Azure ML online endpoints take the same path; what differs between them
rides on the port's traits. Everything heavy (the serving package, pandas, the backend SDKs)
is imported inside the functions, so importing this module costs nothing at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving.entities import LOCAL_TRAITS, EndpointTraits
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK, BackendOpener, describe_error
from mlops_desktop.ui.endpoints.tasks_endpoint_telemetry import (
    DEFAULT_WINDOW,
    TELEMETRY_WINDOWS,
    DeploymentLatency,
    EndpointTelemetry,
    endpoint_telemetry,
)

if TYPE_CHECKING:
    from mlops_desktop.ports.endpoints import Endpoints
    from mlops_desktop.serving.entities import Endpoint, InvocationResult

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
    #: What the workspace's kind of endpoint is like (e.g. whether the app creates them).
    traits: EndpointTraits = LOCAL_TRAITS

    @property
    def key(self) -> tuple[str]:
        """Tree key of the workspace row."""
        return (self.workspace,)


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


def _locked(opener: BackendOpener | None) -> Callable[[WorkspaceConfig], Any]:
    """``opener`` (default: the app's) taking the lock every backend is opened under."""
    from mlops_desktop.ui.common.backend_tasks import default_backend_opener

    def open_locked(workspace: WorkspaceConfig) -> Any:
        with _OPEN_LOCK:
            return (opener or default_backend_opener)(workspace)

    return open_locked


@contextmanager
def endpoints_port(
    workspace: WorkspaceConfig, opener: BackendOpener | None = None
) -> Iterator[Endpoints]:
    """The workspace's endpoints port for one task, closed after."""
    from mlops_desktop.ports.provider import open_endpoints

    port = open_endpoints(workspace, _locked(opener))
    try:
        yield port
    finally:
        port.close()


def endpoint_capability(
    workspace: WorkspaceConfig, opener: BackendOpener | None = None
) -> Capability:
    """Whether ``workspace`` offers endpoints, as its endpoints port declares.

    A backend that cannot be opened offers none; the reason is its error.
    """
    try:
        with endpoints_port(workspace, opener) as port:
            return port.capability()
    except MlopsError as exc:
        return Capability(False, describe_error(exc))


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


# -- listing and re-attaching -----------------------------------------------------------------


def list_workspace_endpoints(
    ctx: TaskContext,
    config: AppConfig,
    *,
    probe: bool = True,
    opener: BackendOpener | None = None,
    known: Mapping[str, Capability] | None = None,
) -> list[WorkspaceEndpoints]:
    """Every workspace (newest stage first) with its endpoints and their deployments' health.

    ``probe`` pings each deployment; without it health comes from process liveness only.
    ``known``: capabilities already asked (by workspace name); the others are asked of the
    workspace's endpoints port.
    """
    found: list[WorkspaceEndpoints] = []
    workspaces = _sorted_workspaces(config)
    for n, workspace in enumerate(workspaces):
        ctx.progress(n, len(workspaces), f"{workspace.name}: listing endpoints")
        found.append(_workspace_endpoints(workspace, probe, opener, known or {}))
    ctx.progress(len(workspaces), len(workspaces), "endpoints listed")
    return found


def _workspace_endpoints(
    workspace: WorkspaceConfig,
    probe: bool,
    opener: BackendOpener | None,
    known: Mapping[str, Capability],
) -> WorkspaceEndpoints:
    stage = _workspace_stage(workspace)
    with endpoints_port(workspace, opener) as port:
        traits = port.traits
        try:
            capability = known.get(workspace.name) or port.capability()
        except MlopsError as exc:
            capability = Capability(False, describe_error(exc))
        if not capability:
            return WorkspaceEndpoints(
                workspace.name, stage, False, capability.reason or "", traits=traits
            )
        try:
            endpoints = tuple(port.list_endpoints(probe=probe))
        except MlopsError as exc:
            error = describe_error(exc)
        except OSError as exc:
            error = str(exc)
        else:
            return WorkspaceEndpoints(
                workspace.name, stage, True, endpoints=endpoints, traits=traits
            )
    return WorkspaceEndpoints(workspace.name, stage, True, error=error, traits=traits)


def list_endpoints_of(
    workspace: WorkspaceConfig, *, opener: BackendOpener | None = None
) -> tuple[Endpoint, ...]:
    """One workspace's endpoints (with the signed-in identity's rights, where they matter)."""
    with endpoints_port(workspace, opener) as port:
        return tuple(port.list_endpoints())


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
) -> ReattachSummary:
    """At start: restart what died of every workspace's running endpoints."""
    count = 0
    restarted: list[str] = []
    failures: list[str] = []
    for workspace in workspaces_with_endpoints(config):
        ctx.check()
        if not endpoint_capability(workspace, opener):
            continue
        try:
            with endpoints_port(workspace, opener) as port:
                report = port.reattach(ctx)
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


def load_input_example(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    deployment: str | None = None,
    *,
    opener: BackendOpener | None = None,
) -> str:
    """The model's logged input example, formatted for the Test panel's editor (or the
    request's shape, where the kind keeps no example the app reads quickly)."""
    ctx.check()
    with endpoints_port(workspace, opener) as port:
        traits = port.traits
        if not traits.reads_input_example:
            return format_request_json(json.loads(traits.request_template))
        raw = port.input_example(name, deployment)
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
    opener: BackendOpener | None = None,
) -> InvocationResult:
    """Send ``body`` through the endpoint (or to one deployment)."""
    ctx.check()
    with endpoints_port(workspace, opener) as port:
        return port.invoke(name, body, deployment=deployment or None, timeout=timeout)


def apply_traffic(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    traffic: Mapping[str, int],
    mirror: Mapping[str, int],
    *,
    opener: BackendOpener | None = None,
) -> Endpoint:
    """Set the live split and the mirror (the stage's policy checked, audited); returns once
    the endpoint routes by them, with its deployments' health checked."""
    with endpoints_port(workspace, opener) as port:
        label = port.traits.label
        where = "" if port.traits.local_processes else f" in {label}"
        ctx.progress(0, 2, f"applying the traffic split of {name}{where}")
        port.set_traffic(name, dict(traffic), dict(mirror), ctx=ctx, origin="Endpoints page")
        ctx.progress(1, 2, "checking deployments")
        endpoint = port.get_endpoint(name, probe=True)
    ctx.progress(2, 2, "traffic applied")
    return endpoint


def start_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    *,
    opener: BackendOpener | None = None,
) -> Endpoint:
    """Start a stopped endpoint, or restart whatever died in a running one."""
    with endpoints_port(workspace, opener) as port:
        port.start_endpoint(name, ctx)
        return port.get_endpoint(name, probe=True)


def stop_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    *,
    opener: BackendOpener | None = None,
) -> Endpoint:
    """Stop an endpoint's processes (it keeps its port, deployments and collected data)."""
    ctx.check()
    with endpoints_port(workspace, opener) as port:
        return port.stop_endpoint(name)


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
    opener: BackendOpener | None = None,
) -> Endpoint:
    """Create an endpoint serving ``model`` ``version`` (or alias) at 100 % (the stage's
    policy checked, audited)."""
    with endpoints_port(workspace, opener) as endpoints:
        return endpoints.create_endpoint(
            name, model=model, version=version, port=port, ctx=ctx, origin="Endpoints page"
        )


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
    "endpoints_port",
    "format_request_json",
    "invoke_endpoint",
    "list_endpoints_of",
    "list_model_choices",
    "list_workspace_endpoints",
    "load_input_example",
    "parse_request_body",
    "reattach_endpoints",
    "start_endpoint",
    "stop_endpoint",
    "workspaces_with_endpoints",
]
