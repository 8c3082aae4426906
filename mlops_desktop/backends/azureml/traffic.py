"""Setting an Azure ML endpoint's traffic: permission first, then an optional check of the
change (the stage's policy, see ``promotion.azure_serving``), then the change."""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    *,
    check: Callable[[AzureOnlineEndpoint], None] | None = None,
) -> tuple[AzureOnlineEndpoint, AzureOnlineEndpoint]:
    """Set live traffic (``None``: keep it) and mirrored traffic (``None``: keep it) of endpoint
    ``name``, permission checked first and ``check`` called with the endpoint before (it raises
    to stop the change); the endpoint before and after."""
    backend.require_permission("set_traffic")
    before = backend.get_online_endpoint(name)
    if check is not None:
        check(before)
    live = dict(traffic) if traffic is not None else dict(before.traffic)
    after = backend.set_endpoint_traffic(
        name, live, dict(mirror) if mirror is not None else None, ctx
    )
    return before, after
