"""What the endpoints port of Azure ML speaks in: :class:`AzureEndpoint` and
:class:`AzureDeployment` — subclasses of the serving entities, so the GUI and the CLI show them
like local ones — and :data:`AZURE_TRAITS`, what managed online endpoints are like.

They carry what only Azure has: provisioning state, instance type and count, auth mode, why
the signed-in identity may not write, and the service's own record (for output that shows
exactly what Azure ML said).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.ports.endpoints import (
    MANAGED_DEFAULT_INSTANCE_TYPE,
    MANAGED_DEPLOYMENT_NAME,
    MANAGED_INSTANCE_TYPES,
)
from mlops_desktop.serving.entities import (
    Deployment,
    DeploymentStatus,
    Endpoint,
    EndpointStatus,
    EndpointTraits,
    NameRule,
)

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint

#: What the monitor shows instead of local telemetry charts.
AZURE_TELEMETRY_NOTE = "telemetry for Azure endpoints is in Azure Monitor"
#: Where the figures would be: what the page offers instead.
AZURE_TELEMETRY_HINT = (
    "Requests, latency and errors of Azure ML endpoints are charted in Azure Monitor.\n"
    "Use Test to score a request, or Traffic to change the split."
)

#: Managed online endpoints: Azure runs them; requests and their figures stay in Azure.
AZURE_TRAITS = EndpointTraits(
    label="Azure ML",
    local_processes=False,
    collects_requests=False,
    telemetry_source="Azure Monitor",
    endpoint_name_rule=NameRule(
        r"^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$",
        "3-32 letters, digits and '-', starting with a letter",
    ),
    deployment_name_rule=MANAGED_DEPLOYMENT_NAME,
    telemetry_note=AZURE_TELEMETRY_NOTE,
    telemetry_hint=AZURE_TELEMETRY_HINT,
    creates_endpoints=False,
    managed_instances=True,
    instance_types=MANAGED_INSTANCE_TYPES,
    default_instance_type=MANAGED_DEFAULT_INSTANCE_TYPE,
    # The example is in the model's files; downloading them to start a request takes long.
    reads_input_example=False,
    json_requests=True,
    request_template='{"input_data": {"columns": [], "data": [[]]}}',
    auth_modes=("key", "aml_token", "aad_token"),
    has_logs=True,
)


@dataclass(frozen=True, slots=True)
class AzureDeployment(Deployment):
    """An Azure ML online deployment."""

    provisioning_state: str = ""
    instance_type: str = ""
    instance_count: int | None = None
    #: The model's asset id when it is no registered model of the workspace ("" else).
    model_id: str = ""

    @property
    def url(self) -> str | None:
        """Deployments are reached through their endpoint (header ``azureml-model-deployment``)."""
        return None

    @property
    def service_state(self) -> str:
        """Azure ML's provisioning state (Succeeded, Updating, …)."""
        return self.provisioning_state

    @property
    def model_text(self) -> str:
        """``churn v3``, or the model's id when it is not a registered model."""
        return self.model_id or f"{self.registered_model} v{self.version}"

    @property
    def instances(self) -> str:
        """``Standard_DS3_v2 × 2``."""
        kind, count = self.instance_type, self.instance_count
        return f"{kind} × {count}" if kind and count else kind


@dataclass(frozen=True, slots=True)
class AzureEndpoint(Endpoint):
    """An Azure ML online endpoint."""

    address: str = ""
    provisioning_state: str = ""
    auth_mode: str = ""
    #: Why the identity may not set traffic / invoke / deploy ("" when it may).
    traffic_blocked: str = ""
    invoke_blocked: str = ""
    deploy_blocked: str = ""
    #: The service's own record, for output that shows exactly what Azure ML said.
    record: Any = field(default=None, compare=False, repr=False)

    traits: ClassVar[EndpointTraits] = AZURE_TRAITS

    @property
    def url(self) -> str:
        """The scoring URI (Azure gives no separate base address)."""
        return self.address

    @property
    def scoring_uri(self) -> str:
        """Where Azure ML scores requests."""
        return self.address

    @property
    def service_state(self) -> str:
        """Azure ML's provisioning state (Succeeded, Updating, …)."""
        return self.provisioning_state

    @property
    def summary(self) -> str:
        """Workspace, provisioning state, auth mode and instances."""
        from mlops_desktop.backends.azureml.resources import auth_mode_label

        parts = [
            f"Azure ML workspace {self.workspace}",
            f"provisioning {self.provisioning_state or 'unknown'}",
            f"auth {auth_mode_label(self.auth_mode)}" if self.auth_mode else "",
            ", ".join(f"{d.name}: {d.instances or 'instances unknown'}" for d in self.deployments)
            or "no deployments",
        ]
        return " · ".join(p for p in parts if p)

    @property
    def stated_traffic(self) -> dict[str, int]:
        """The live split as Azure ML states it (no 0 % entries)."""
        return dict(self.record.traffic) if self.record is not None else self.traffic

    @property
    def stated_mirror(self) -> dict[str, int]:
        """The mirror as Azure ML states it."""
        return dict(self.record.mirror_traffic) if self.record is not None else self.mirror_traffic

    def to_json(self) -> dict[str, Any]:
        """Azure ML's record of the endpoint."""
        return to_jsonable(self.record)  # type: ignore[no-any-return]

    def listing_json(self) -> dict[str, Any]:
        """The record, marked as Azure ML's, with the auth mode in words."""
        from mlops_desktop.backends.azureml.resources import auth_mode_label

        return {"backend": "azureml", **self.to_json(), "auth": auth_mode_label(self.auth_mode)}


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


def endpoint_row(
    record: AzureOnlineEndpoint,
    workspace: str,
    traffic_blocked: str = "",
    invoke_blocked: str = "",
    deploy_blocked: str = "",
) -> AzureEndpoint:
    """An online endpoint as an :class:`AzureEndpoint` of the app's workspace ``workspace``."""
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
            model_id="" if d.registered_model else d.model_id,
        )
        for d in record.deployments
    )
    return AzureEndpoint(
        name=record.name,
        # The backend names the Azure workspace; the app keys endpoints by its own name.
        workspace=workspace,
        port=0,
        status=_endpoint_status(record.provisioning_state, deployments),
        deployments=deployments,
        router_pid=None,
        directory=Path(),
        created_at=record.created_at,
        address=record.scoring_uri,
        provisioning_state=record.provisioning_state,
        auth_mode=record.auth_mode,
        traffic_blocked=traffic_blocked,
        invoke_blocked=invoke_blocked,
        deploy_blocked=deploy_blocked,
        record=record,
    )


__all__ = [
    "AZURE_TELEMETRY_HINT",
    "AZURE_TELEMETRY_NOTE",
    "AZURE_TRAITS",
    "AzureDeployment",
    "AzureEndpoint",
    "endpoint_row",
]
