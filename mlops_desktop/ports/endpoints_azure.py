"""The endpoints port over Azure ML managed online endpoints (the real azure-ai-ml SDK).

Online endpoints become :class:`~.endpoints_azure_entities.AzureEndpoint` rows (with
:data:`~.endpoints_azure_entities.AZURE_TRAITS`). Changes check the Azure RBAC permission and
the stage's policy first and are audited (:mod:`mlops_desktop.promotion.azure_serving`).

One port holds one backend (``MLClient`` is not shared between threads): open a port per
task and close it after.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput, MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.endpoints import DEFAULT_DEPLOYMENT
from mlops_desktop.ports.endpoints_azure_entities import (
    AZURE_TELEMETRY_NOTE,
    AZURE_TRAITS,
    AzureEndpoint,
    endpoint_row,
)
from mlops_desktop.serving.entities import (
    Endpoint,
    EndpointTraits,
    InvocationResult,
    ReattachReport,
)

if TYPE_CHECKING:
    import pandas as pd

    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint

#: Opens the workspace's backend; tests pass their own.
AzureOpener = Callable[[WorkspaceConfig], "AzureMlBackend"]


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


__all__ = ["AzureEndpoints"]
