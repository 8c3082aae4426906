"""The endpoints port over Azure ML managed online endpoints (the real azure-ai-ml SDK).

Online endpoints become :class:`AzureEndpoint` / :class:`AzureDeployment` — subclasses of the
serving entities, so the GUI and the CLI show them like local ones — carrying what only Azure
has (provisioning state, instance type and count, auth mode, why the signed-in identity may
not write) and :data:`AZURE_TRAITS`. Changes check the Azure RBAC permission and the stage's
policy first and are audited (:mod:`mlops_desktop.promotion.azure_serving`).

One port holds one backend (``MLClient`` is not shared between threads): open a port per
task and close it after.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.endpoints import (
    DEFAULT_DEPLOYMENT,
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
    InvocationResult,
    NameRule,
    ReattachReport,
)

if TYPE_CHECKING:
    import pandas as pd

    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint

#: Opens the workspace's backend; tests pass their own.
AzureOpener = Callable[[WorkspaceConfig], "AzureMlBackend"]

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


# -- entities ---------------------------------------------------------------------------------


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


# -- the adapter ------------------------------------------------------------------------------


def _default_opener(workspace: WorkspaceConfig) -> AzureMlBackend:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

    return AzureMlBackend(workspace)


class AzureEndpoints:
    """The managed online endpoints of one Azure ML workspace."""

    traits: EndpointTraits = AZURE_TRAITS

    def __init__(self, workspace: WorkspaceConfig, *, opener: AzureOpener | None = None) -> None:
        self.workspace = workspace
        self._opener = opener or _default_opener
        self._client: Any = None
        self._open_error: MlopsError | None = None

    @property
    def backend(self) -> AzureMlBackend:
        """The workspace's backend, opened on first use (and closed by :meth:`close`)."""
        if self._open_error is not None:
            raise self._open_error
        if self._client is None:
            self._client = self._opener(self.workspace)
        return self._client  # type: ignore[no-any-return]

    def _origin(self, origin: str) -> str:
        return f"{origin}, {self.traits.label}"

    def _reason(self, operation: str) -> str:
        try:
            return self.backend.check_permission(operation).reason
        except MlopsError:
            return ""  # unreadable permissions: let Azure answer the write itself

    def _row(self, record: AzureOnlineEndpoint) -> AzureEndpoint:
        return self._rows([record])[0]

    def _rows(self, records: list[AzureOnlineEndpoint]) -> list[AzureEndpoint]:
        traffic = self._reason("set_traffic") if records else ""
        invoke = self._reason("invoke_endpoint") if records else ""
        deploy = self._reason("create_deployment") if records else ""
        return [endpoint_row(r, self.workspace.name, traffic, invoke, deploy) for r in records]

    # -- reads --------------------------------------------------------------------------------

    def capability(self) -> Capability:
        """Offered when the backend has online endpoints (a backend that cannot be opened
        counts as offering them: the listing then says why it cannot be read)."""
        try:
            backend: Any = self.backend
        except MlopsError as exc:
            self._open_error = exc
            return Capability(True)
        if not hasattr(backend, "list_online_endpoints"):
            return backend.capabilities().endpoints  # type: ignore[no-any-return]
        return Capability(True)

    def list_endpoints(self, *, probe: bool = True) -> list[Endpoint]:
        """The workspace's online endpoints, with the identity's rights on them."""
        return list(self._rows(self.backend.list_online_endpoints()))

    def get_endpoint(self, name: str, *, probe: bool = True) -> Endpoint:
        """One online endpoint."""
        return self._row(self.backend.get_online_endpoint(name))

    # -- changes ------------------------------------------------------------------------------

    def create_endpoint(
        self,
        name: str,
        *,
        model: str,
        version: str,
        deployment: str = DEFAULT_DEPLOYMENT,
        port: int | None = None,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """Not made by hand here (promotion creates them through its own manager)."""
        raise InvalidInput(
            "creating an Azure ML endpoint by hand is not supported by the app",
            hint="create it in Azure ML Studio, then add deployments with "
            "`endpoints create-deployment`",
        )

    def deploy_version(
        self,
        name: str,
        deployment: str,
        *,
        model: str,
        version: str,
        traffic: int = 0,
        instance_type: str = "",
        instance_count: int = 1,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """A managed online deployment at 0 % (permission and policy checked, audited);
        polls Azure ML to the end. ``version`` may be an alias such as champion."""
        from mlops_desktop.promotion.azure_serving import create_azure_deployment

        if traffic:
            raise InvalidInput("Azure ML deployments start at 0 %; shift traffic afterwards")
        backend = self.backend
        number = str(version)
        if not number.isdigit():  # an alias such as champion
            number = backend.get_model_version_by_alias(model, number).version
        _created, after = create_azure_deployment(
            self.workspace,
            backend,
            name,
            deployment,
            model,
            number,
            instance_type=instance_type.strip() or self.traits.default_instance_type,
            instance_count=instance_count,
            ctx=ctx or TaskContext(),
            origin=self._origin(origin),
        )
        return self._row(after)

    def set_traffic(
        self,
        name: str,
        traffic: Mapping[str, int] | None,
        mirror: Mapping[str, int] | None,
        *,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """Set live and/or mirrored traffic (permission and policy checked, audited)."""
        from mlops_desktop.promotion.azure_serving import set_azure_traffic

        after = set_azure_traffic(
            self.workspace,
            self.backend,
            name,
            traffic,
            mirror,
            ctx or TaskContext(),
            origin=self._origin(origin),
        )
        return self._row(after)

    def delete_deployment(
        self, name: str, deployment: str, *, ctx: TaskContext | None = None, origin: str
    ) -> Endpoint:
        """Delete a deployment without traffic (permission and policy checked, audited)."""
        from mlops_desktop.promotion.azure_serving import delete_azure_deployment

        after = delete_azure_deployment(
            self.workspace,
            self.backend,
            name,
            deployment,
            ctx or TaskContext(),
            origin=self._origin(origin),
        )
        return self._row(after)

    def delete_endpoint(self, name: str, *, keep_data: bool = False, origin: str) -> None:
        """Not by hand: a whole endpoint goes in Azure ML Studio."""
        raise InvalidInput(
            "deleting a whole Azure ML endpoint is not supported by the app",
            hint="delete one deployment with --deployment D, or the endpoint in Azure ML Studio",
        )

    # -- no local processes -------------------------------------------------------------------

    def start_endpoint(self, name: str, ctx: TaskContext | None = None) -> Endpoint:
        """Azure ML runs the deployments: nothing to start here."""
        raise self._no_processes(name)

    def stop_endpoint(self, name: str) -> Endpoint:
        """Azure ML runs the deployments: nothing to stop here."""
        raise self._no_processes(name)

    def _no_processes(self, name: str) -> InvalidInput:
        return InvalidInput(
            f"endpoint {name!r} is an Azure ML managed endpoint: it has no local processes",
            hint="Azure ML runs its deployments; change what serves with `endpoints traffic`",
        )

    def reattach(self, ctx: TaskContext | None = None) -> ReattachReport:
        """Nothing of this machine to re-attach."""
        return ReattachReport(endpoints=())

    # -- scoring, logs, telemetry -------------------------------------------------------------

    def input_example(self, name: str, deployment: str | None = None) -> bytes:
        """The served model's input example in Azure ML's request form (downloads the
        model's files once)."""
        from mlops_desktop.promotion.azure_endpoints import AzureEndpointManager

        return AzureEndpointManager(self.workspace, self.backend).input_example(name, deployment)

    def invoke(
        self,
        name: str,
        body: bytes | None,
        *,
        deployment: str | None = None,
        content_type: str = "application/json",
        timeout: float = 30.0,
    ) -> InvocationResult:
        """Score a JSON ``body`` (the input example when None); a 200 answer (Azure ML's
        errors are raised)."""
        raw = body if body is not None else self.input_example(name, deployment)
        try:
            payload: Any = json.loads(raw)
        except ValueError as exc:
            raise InvalidInput(f"the request is not JSON: {exc}") from None
        started = time.perf_counter()
        answer = self.backend.invoke_endpoint(name, payload, deployment=deployment)
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

    def logs(self, name: str, deployment: str, *, lines: int = 100, container: str = "") -> str:
        """The last lines of the deployment's container log."""
        return self.backend.deployment_logs(name, deployment, lines=lines, container=container)

    def collected_requests(
        self,
        name: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """None are collected here: an empty frame."""
        import pandas as pd

        return pd.DataFrame(
            columns=columns or ["deployment", "mirrored", "status", "latency_ms", "request_id"]
        )

    def telemetry(
        self,
        name: str,
        window: timedelta = timedelta(hours=1),
        *,
        bucket: timedelta = timedelta(minutes=1),
        by_deployment: bool = False,
        now: datetime | None = None,
    ) -> pd.DataFrame:
        """Not here: Azure Monitor charts it."""
        raise InvalidInput(
            AZURE_TELEMETRY_NOTE,
            hint="open the endpoint's Monitoring tab in Azure ML Studio",
        )

    def close(self) -> None:
        """Close the backend, when it was opened."""
        client, self._client = self._client, None
        close = getattr(client, "close", None)
        if callable(close):
            close()


__all__ = [
    "AZURE_TELEMETRY_HINT",
    "AZURE_TELEMETRY_NOTE",
    "AZURE_TRAITS",
    "AzureDeployment",
    "AzureEndpoint",
    "AzureEndpoints",
    "endpoint_row",
]
