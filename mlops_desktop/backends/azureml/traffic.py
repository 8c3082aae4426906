"""Setting an Azure ML endpoint's traffic and auditing it: one path for the CLI and the app.

:func:`apply_traffic` checks the permission and sets the split on an open backend;
:func:`record_azure_traffic_change` writes the audit record once the backend is closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint


def apply_traffic(
    backend: AzureMlBackend,
    name: str,
    traffic: Mapping[str, int] | None,
    mirror: Mapping[str, int] | None,
    ctx: TaskContext,
) -> tuple[AzureOnlineEndpoint, AzureOnlineEndpoint]:
    """Set live traffic (``None``: keep it) and mirrored traffic (``None``: keep it) of endpoint
    ``name``, permission checked first; the endpoint before and after."""
    backend.require_permission("set_traffic")
    before = backend.get_online_endpoint(name)
    live = dict(traffic) if traffic is not None else dict(before.traffic)
    after = backend.set_endpoint_traffic(
        name, live, dict(mirror) if mirror is not None else None, ctx
    )
    return before, after


def record_azure_traffic_change(
    workspace: str, before: AzureOnlineEndpoint, after: AzureOnlineEndpoint, reason: str
) -> None:
    """Audit a traffic change of an Azure ML endpoint (``workspace``: the app's name for it)."""
    from mlops_desktop.core.audit import record_traffic_change

    record_traffic_change(
        workspace=workspace,
        model=", ".join(sorted({d.registered_model for d in after.deployments} - {""})),
        endpoint=after.name,
        before=dict(before.traffic),
        after=dict(after.traffic),
        mirror_before=dict(before.mirror_traffic),
        mirror_after=dict(after.mirror_traffic),
        reason=reason,
    )
