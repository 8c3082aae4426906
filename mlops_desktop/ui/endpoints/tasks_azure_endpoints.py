"""Endpoints page tasks for Azure ML workspaces: list, invoke, set traffic. Free of Qt.

Azure ML online endpoints become :class:`~mlops_desktop.serving.entities.Endpoint` subclasses
so the page's tree, Test panel and traffic editor show them like local ones; the fields only
Azure has (provisioning state, instance type/count, why a write is not allowed) ride along.
Called from worker threads only: each call opens its own backend (MLClient is not shared).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving.entities import (
    Deployment,
    DeploymentStatus,
    Endpoint,
    EndpointStatus,
    InvocationResult,
)
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint

AzureOpener = Callable[[WorkspaceConfig], "AzureMlBackend"]
#: What the monitor shows instead of local telemetry charts.
AZURE_TELEMETRY_NOTE = "telemetry for Azure endpoints is in Azure Monitor"
#: Where the figures would be: what the page offers instead.
AZURE_TELEMETRY_HINT = (
    "Requests, latency and errors of Azure ML endpoints are charted in Azure Monitor.\n"
    "Use Test to score a request, or Traffic to change the split."
)


@dataclass(frozen=True, slots=True)
class AzureDeployment(Deployment):
    """An Azure ML online deployment shown as a deployment row."""

    provisioning_state: str = ""
    instance_type: str = ""
    instance_count: int | None = None

    @property
    def url(self) -> str | None:
        """Deployments are reached through their endpoint (header ``azureml-model-deployment``)."""
        return None


@dataclass(frozen=True, slots=True)
class AzureEndpoint(Endpoint):
    """An Azure ML online endpoint shown as an endpoint row."""

    address: str = ""
    provisioning_state: str = ""
    auth_mode: str = ""
    #: Why the identity may not set traffic / invoke / deploy ("" when it may).
    traffic_blocked: str = ""
    invoke_blocked: str = ""
    deploy_blocked: str = ""

    @property
    def url(self) -> str:
        """The scoring URI (Azure gives no separate base address)."""
        return self.address

    @property
    def scoring_uri(self) -> str:
        """Where Azure ML scores requests."""
        return self.address


def is_azure_endpoint(endpoint: object) -> bool:
    """True for an endpoint row that came from Azure ML."""
    return isinstance(endpoint, AzureEndpoint)


def _deployment_status(state: str) -> DeploymentStatus:
    if state == "Succeeded":
        return DeploymentStatus.HEALTHY
    return DeploymentStatus.DEAD if state in ("Failed", "Canceled") else DeploymentStatus.UNHEALTHY


def _endpoint_status(state: str, deployments: tuple[AzureDeployment, ...]) -> EndpointStatus:
    if state in ("Failed", "Canceled"):
        return EndpointStatus.DEAD
    if not deployments:  # provisioned, but nothing behind it serves a request
        return EndpointStatus.DEGRADED
    if state != "Succeeded" or any(d.status is not DeploymentStatus.HEALTHY for d in deployments):
        return EndpointStatus.DEGRADED
    return EndpointStatus.RUNNING


def instances_text(deployment: object) -> str:
    """``Standard_DS3_v2 × 2`` of an Azure deployment ("" for a local one)."""
    kind = str(getattr(deployment, "instance_type", "") or "")
    count = getattr(deployment, "instance_count", None)
    return f"{kind} × {count}" if kind and count else kind


def azure_endpoint_summary(endpoint: AzureEndpoint) -> str:
    """The detail panel's subtitle of an Azure endpoint."""
    from mlops_desktop.backends.azureml.resources import auth_mode_label

    parts = [
        f"Azure ML workspace {endpoint.workspace}",
        f"provisioning {endpoint.provisioning_state or 'unknown'}",
        f"auth {auth_mode_label(endpoint.auth_mode)}" if endpoint.auth_mode else "",
        ", ".join(
            f"{d.name}: {instances_text(d) or 'instances unknown'}" for d in endpoint.deployments
        )
        or "no deployments",
    ]
    return " · ".join(p for p in parts if p)


def endpoint_row(
    endpoint: AzureOnlineEndpoint,
    traffic_blocked: str = "",
    invoke_blocked: str = "",
    deploy_blocked: str = "",
) -> AzureEndpoint:
    """The page's row of an Azure ML online endpoint."""
    deployments = tuple(
        AzureDeployment(
            name=d.name,
            registered_model=d.registered_model or d.model_id,
            version=d.version,
            traffic=d.traffic,
            mirror=d.mirror_traffic,
            status=_deployment_status(d.provisioning_state),
            port=None,
            pid=None,
            model_dir=Path(),
            created_at=d.created_at,
            provisioning_state=d.provisioning_state,
            instance_type=d.instance_type,
            instance_count=d.instance_count,
        )
        for d in endpoint.deployments
    )
    return AzureEndpoint(
        name=endpoint.name,
        workspace=endpoint.workspace,
        port=0,
        status=_endpoint_status(endpoint.provisioning_state, deployments),
        deployments=deployments,
        router_pid=None,
        directory=Path(),
        created_at=endpoint.created_at,
        address=endpoint.scoring_uri,
        provisioning_state=endpoint.provisioning_state,
        auth_mode=endpoint.auth_mode,
        traffic_blocked=traffic_blocked,
        invoke_blocked=invoke_blocked,
        deploy_blocked=deploy_blocked,
    )


def default_azure_opener(workspace: WorkspaceConfig) -> AzureMlBackend:
    """The workspace's :class:`AzureMlBackend` (one per call)."""
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

    return AzureMlBackend(workspace)


def _open(workspace: WorkspaceConfig, opener: AzureOpener | None) -> AzureMlBackend:
    with _OPEN_LOCK:
        return (opener or default_azure_opener)(workspace)


def _reason(backend: AzureMlBackend, operation: str) -> str:
    try:
        return backend.check_permission(operation).reason
    except MlopsError:
        return ""  # unreadable permissions: let Azure answer the write itself


def _with_names(endpoint: AzureOnlineEndpoint, workspace: str) -> AzureOnlineEndpoint:
    # The backend names the Azure workspace; the page keys rows by the app's workspace name.
    from dataclasses import replace

    return replace(endpoint, workspace=workspace)


def list_azure_endpoints(
    workspace: WorkspaceConfig, *, opener: AzureOpener | None = None
) -> tuple[AzureEndpoint, ...]:
    """The workspace's online endpoints with their deployments and the identity's rights."""
    backend = _open(workspace, opener)
    try:
        found = backend.list_online_endpoints()
        traffic = _reason(backend, "set_traffic") if found else ""
        invoke = _reason(backend, "invoke_endpoint") if found else ""
        deploy = _reason(backend, "create_deployment") if found else ""
    finally:
        backend.close()
    return tuple(
        endpoint_row(_with_names(e, workspace.name), traffic, invoke, deploy) for e in found
    )


def invoke_azure_endpoint(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    body: bytes,
    deployment: str | None = None,
    *,
    opener: AzureOpener | None = None,
) -> InvocationResult:
    """Score ``body`` (JSON) on the Azure endpoint (or one deployment); a 200 answer."""
    ctx.check()
    payload: Any = json.loads(body)
    started = time.perf_counter()
    backend = _open(workspace, opener)
    try:
        answer = backend.invoke_endpoint(name, payload, deployment=deployment)
    finally:
        backend.close()
    latency = (time.perf_counter() - started) * 1000.0
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return InvocationResult(
        status=200,
        deployment=deployment or "",
        request_id=uuid.uuid4().hex,
        body=text.encode("utf-8"),
        content_type="application/json",
        latency_ms=latency,
    )


def apply_azure_traffic(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    name: str,
    traffic: Mapping[str, int],
    mirror: Mapping[str, int],
    *,
    opener: AzureOpener | None = None,
) -> AzureEndpoint:
    """Set live and mirrored traffic (permission and the stage's policy checked first),
    audited; polls to the end."""
    from mlops_desktop.promotion.azure_serving import set_azure_traffic

    ctx.progress(0, 2, f"applying the traffic split of {name} in Azure ML")
    backend = _open(workspace, opener)
    try:
        endpoint = set_azure_traffic(
            workspace, backend, name, traffic, mirror, ctx, origin="Endpoints page, Azure ML"
        )
        invoke = _reason(backend, "invoke_endpoint")
    finally:
        backend.close()
    ctx.progress(2, 2, "traffic applied")
    return endpoint_row(_with_names(endpoint, workspace.name), "", invoke)
