"""Hand-made changes of an Azure ML endpoint, guarded and audited: one path for CLI and app.

Each function takes an open :class:`AzureMlBackend` (the caller closes it), checks the Azure
RBAC permission, then the stage's policy (:func:`~.serving_guard.guard_serving_change`, with
the champion read from the same workspace), makes the change and audits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.serving_guard import (
    ServingChange,
    ServingPermit,
    guard_serving_change,
    planned_delete,
    planned_deploy,
    planned_traffic,
)

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureOnlineDeployment, AzureOnlineEndpoint


def _guard(
    workspace: WorkspaceConfig, backend: AzureMlBackend, change: ServingChange
) -> ServingPermit:
    from mlops_desktop.promotion.azure_registry import AzureRegistryAccess

    return guard_serving_change(workspace, change, aliases_of=AzureRegistryAccess(backend).aliases)


def set_azure_traffic(
    workspace: WorkspaceConfig,
    backend: AzureMlBackend,
    name: str,
    traffic: Mapping[str, int] | None,
    mirror: Mapping[str, int] | None,
    ctx: TaskContext,
    *,
    origin: str,
) -> AzureOnlineEndpoint:
    """Set live traffic (``None``: keep it) and/or the mirror of endpoint ``name``."""
    from mlops_desktop.backends.azureml.traffic import apply_traffic

    permits: list[ServingPermit] = []

    def check(before: AzureOnlineEndpoint) -> None:
        permits.append(_guard(workspace, backend, planned_traffic(before, traffic, origin=origin)))

    _before, after = apply_traffic(backend, name, traffic, mirror, ctx, check=check)
    permits[0].record(after)
    return after


def create_azure_deployment(
    workspace: WorkspaceConfig,
    backend: AzureMlBackend,
    endpoint: str,
    deployment: str,
    model: str,
    version: str,
    *,
    instance_type: str,
    instance_count: int,
    ctx: TaskContext,
    origin: str,
) -> tuple[AzureOnlineDeployment, AzureOnlineEndpoint]:
    """Deploy ``model`` ``version`` (a number) behind ``endpoint`` at 0 %; the deployment and
    the endpoint after."""
    backend.require_permission("create_deployment")
    before = backend.get_online_endpoint(endpoint)
    change = planned_deploy(before, deployment, model, version, origin=origin, redistributes=False)
    permit = _guard(workspace, backend, change)
    created = backend.create_deployment(
        endpoint,
        deployment,
        model,
        version,
        instance_type=instance_type,
        instance_count=instance_count,
        ctx=ctx,
    )
    after = backend.get_online_endpoint(endpoint)
    permit.record(after)
    return created, after


def delete_azure_deployment(
    workspace: WorkspaceConfig,
    backend: AzureMlBackend,
    endpoint: str,
    deployment: str,
    ctx: TaskContext,
    *,
    origin: str,
) -> AzureOnlineEndpoint:
    """Delete one deployment (without traffic) of ``endpoint``; the endpoint after."""
    backend.require_permission("delete_deployment")
    before = backend.get_online_endpoint(endpoint)
    permit = _guard(workspace, backend, planned_delete(before, deployment, origin=origin))
    backend.delete_deployment(endpoint, deployment, ctx)
    after = backend.get_online_endpoint(endpoint)
    permit.record(after)
    return after
