"""The endpoints port over local serving: processes on 127.0.0.1 behind a router that splits
traffic and collects every request (:class:`~mlops_desktop.serving.manager.EndpointManager`).

Used for local MLflow stores and MLflow tracking servers alike (both serve locally). The
manager comes from the workflow's own opener,
:func:`~mlops_desktop.promotion.context.default_endpoint_manager`, so promotion and the port
share one way of reaching a workspace's endpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.endpoints import DEFAULT_DEPLOYMENT
from mlops_desktop.serving.entities import (
    LOCAL_TRAITS,
    Endpoint,
    EndpointTraits,
    InvocationResult,
    ReattachReport,
)

if TYPE_CHECKING:
    import pandas as pd

    from mlops_desktop.promotion.serving_guard import ServingChange, ServingPermit
    from mlops_desktop.serving.manager import EndpointManager

#: Opens a workspace's backend (to ask its capabilities); tests pass their own.
BackendOpener = Callable[[WorkspaceConfig], Any]


def _default_opener(workspace: WorkspaceConfig) -> Any:
    from mlops_desktop.backends.registry import open_backend

    return open_backend(workspace)


def _default_manager(workspace: WorkspaceConfig) -> EndpointManager:
    from mlops_desktop.promotion.context import default_endpoint_manager

    return default_endpoint_manager(workspace)


class LocalEndpoints:
    """Local endpoints of one workspace (see the module docstring)."""

    traits: EndpointTraits = LOCAL_TRAITS

    def __init__(
        self,
        workspace: WorkspaceConfig,
        *,
        opener: BackendOpener | None = None,
        manager_factory: Callable[[WorkspaceConfig], EndpointManager] | None = None,
    ) -> None:
        self.workspace = workspace
        self._opener = opener or _default_opener
        self._manager_factory = manager_factory or _default_manager

    @cached_property
    def manager(self) -> EndpointManager:
        """The workspace's endpoint manager, made on first use."""
        return self._manager_factory(self.workspace)

    def _guard(self, change: ServingChange) -> ServingPermit:
        from mlops_desktop.promotion.serving_guard import guard_serving_change

        return guard_serving_change(self.workspace, change)

    # -- reads --------------------------------------------------------------------------------

    def capability(self) -> Capability:
        """Asked of the workspace's backend (a registry it cannot serve from has none)."""
        backend = self._opener(self.workspace)
        try:
            return backend.capabilities().endpoints
        finally:
            close = getattr(backend, "close", None)
            if callable(close):
                close()

    def list_endpoints(self, *, probe: bool = True) -> list[Endpoint]:
        """Every endpoint of the workspace."""
        return self.manager.list_endpoints(probe=probe)

    def get_endpoint(self, name: str, *, probe: bool = True) -> Endpoint:
        """One endpoint."""
        return self.manager.get_endpoint(name, probe=probe)

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
        """A new endpoint serving ``model`` ``version`` at 100 % (policy checked, audited)."""
        from mlops_desktop.promotion.serving_guard import planned_create

        permit = self._guard(planned_create(name, deployment, model, version, origin=origin))
        endpoint = self.manager.create_endpoint(
            name, model=model, version=version, deployment=deployment, port=port, ctx=ctx
        )
        permit.record(endpoint)
        return endpoint

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
        """A new deployment taking ``traffic`` percent at once (policy checked, audited)."""
        from mlops_desktop.promotion.serving_guard import planned_deploy

        if instance_type:
            raise self._not_managed()
        before = self.manager.get_endpoint(name, probe=False)
        permit = self._guard(
            planned_deploy(before, deployment, model, version, traffic, origin=origin)
        )
        endpoint = self.manager.add_deployment(
            name, deployment, model=model, version=version, traffic=traffic, ctx=ctx
        )
        permit.record(endpoint)
        return endpoint

    def set_traffic(
        self,
        name: str,
        traffic: Mapping[str, int] | None,
        mirror: Mapping[str, int] | None,
        *,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """Set the split and/or the mirror; returns once the router routes by them."""
        from mlops_desktop.core.audit import AuditLog
        from mlops_desktop.promotion.serving_guard import planned_traffic

        # A broken audit log refuses the change before the endpoint is even looked up.
        AuditLog().ensure_appendable()
        before = self.manager.get_endpoint(name, probe=False)
        permit = self._guard(planned_traffic(before, traffic, origin=origin))
        endpoint = self.manager.set_traffic(
            name,
            dict(traffic) if traffic is not None else None,
            dict(mirror) if mirror is not None else None,
        )
        permit.record(endpoint)
        return endpoint

    def delete_deployment(
        self, name: str, deployment: str, *, ctx: TaskContext | None = None, origin: str
    ) -> Endpoint:
        """Delete one deployment (policy checked, audited)."""
        from mlops_desktop.promotion.serving_guard import planned_delete

        before = self.manager.get_endpoint(name, probe=False)
        permit = self._guard(planned_delete(before, deployment, origin=origin))
        endpoint = self.manager.delete_deployment(name, deployment)
        permit.record(endpoint)
        return endpoint

    def delete_endpoint(self, name: str, *, keep_data: bool = False, origin: str) -> None:
        """Delete the endpoint (policy checked, audited)."""
        from mlops_desktop.promotion.serving_guard import planned_delete

        before = self.manager.get_endpoint(name, probe=False)
        permit = self._guard(planned_delete(before, None, origin=origin))
        self.manager.delete_endpoint(name, keep_data=keep_data)
        permit.record(None)

    # -- local processes ----------------------------------------------------------------------

    def start_endpoint(self, name: str, ctx: TaskContext | None = None) -> Endpoint:
        """Start it (or restart what died)."""
        return self.manager.start_endpoint(name, ctx)

    def stop_endpoint(self, name: str) -> Endpoint:
        """Stop its processes."""
        return self.manager.stop_endpoint(name)

    def reattach(self, ctx: TaskContext | None = None) -> ReattachReport:
        """Restart what died of the running endpoints."""
        return self.manager.reattach(ctx)

    # -- scoring, logs, telemetry -------------------------------------------------------------

    def input_example(self, name: str, deployment: str | None = None) -> bytes:
        """The served model's logged input example."""
        return self.manager.input_example(name, deployment)

    def invoke(
        self,
        name: str,
        body: bytes | None,
        *,
        deployment: str | None = None,
        content_type: str = "application/json",
        timeout: float = 30.0,
    ) -> InvocationResult:
        """Score through the router (or one deployment by header)."""
        return self.manager.invoke(
            name, body, deployment=deployment, content_type=content_type, timeout=timeout
        )

    def logs(self, name: str, deployment: str, *, lines: int = 100, container: str = "") -> str:
        """Local deployments keep no log the app shows."""
        raise self._not_managed()

    def _not_managed(self) -> InvalidInput:
        # The words the Azure-only commands have always used for other workspaces.
        return InvalidInput(
            f"workspace {self.workspace.name!r} is not an Azure ML workspace",
            hint="this command acts on Azure ML workspaces (`workspaces list` shows the kinds)",
        )

    def collected_requests(
        self,
        name: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """The requests the router collected in ``[since, until)``."""
        from mlops_desktop.serving.collected import read_requests
        from mlops_desktop.serving.layout import EndpointLayout, check_endpoint_name

        layout = EndpointLayout(self.manager.root / check_endpoint_name(name))
        return read_requests(layout.collected_dir, since, until, columns=columns)

    def telemetry(
        self,
        name: str,
        window: timedelta = timedelta(hours=1),
        *,
        bucket: timedelta = timedelta(minutes=1),
        by_deployment: bool = False,
        now: datetime | None = None,
    ) -> pd.DataFrame:
        """Bucketed figures from the collected requests."""
        return self.manager.telemetry(
            name, window, bucket=bucket, by_deployment=by_deployment, now=now
        )

    def close(self) -> None:
        """Nothing is held open."""
