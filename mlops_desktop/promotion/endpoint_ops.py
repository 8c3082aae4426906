"""Endpoint actions shared by promotion and rollback steps: look up, restore traffic, audit it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlops_desktop.core.audit import record_traffic_change
from mlops_desktop.core.errors import Conflict, NotFound
from mlops_desktop.promotion.context import OperationContext

if TYPE_CHECKING:
    from mlops_desktop.serving.entities import Endpoint


def find_endpoint(oc: OperationContext) -> Endpoint | None:
    """The target endpoint, or None when it does not exist."""
    try:
        return oc.endpoints.get_endpoint(oc.endpoint, probe=False)
    except NotFound:
        return None


def unique_deployment_name(
    endpoint: Endpoint | None, version: str, operation_id: str, *, min_length: int = 1
) -> str:
    """``v<version>`` (``version-<version>`` where names must be longer, as Azure ML's 3-32
    characters), with the operation id appended when that name is taken."""
    name = f"v{version}"
    if len(name) < min_length:
        name = f"version-{version}"
    taken = {d.name for d in endpoint.deployments} if endpoint else set()
    return name if name not in taken else f"{name}-{operation_id[:8]}"


def new_deployment_name(oc: OperationContext, endpoint: Endpoint | None, version: str) -> str:
    """The name of the deployment an operation creates, within the target's naming rules."""
    return unique_deployment_name(
        endpoint, version, oc.operation_id, min_length=oc.endpoints.min_deployment_name_length
    )


def remember_endpoint_state(oc: OperationContext, step: str) -> Endpoint | None:
    """Record the endpoint's existence, traffic and mirror under ``step`` (first time only)."""
    endpoint = find_endpoint(oc)
    oc.remember(step, "endpoint_existed", endpoint is not None)
    oc.remember(step, "traffic_before", dict(endpoint.traffic) if endpoint else {})
    oc.remember(step, "mirror_before", dict(endpoint.mirror_traffic) if endpoint else {})
    return endpoint


def set_traffic(
    oc: OperationContext,
    traffic: Mapping[str, int],
    mirror: Mapping[str, int] | None,
    *,
    reason: str,
) -> None:
    """Set the endpoint's split (skipped when already so) and audit the change."""
    endpoint = find_endpoint(oc)
    if endpoint is None:
        raise NotFound(f"endpoint {oc.endpoint!r} disappeared during the {oc.kind.value}")
    names = {d.name for d in endpoint.deployments}
    wanted = {name: int(traffic.get(name, 0)) for name in names}
    wanted_mirror = (
        endpoint.mirror_traffic
        if mirror is None
        else {k: int(v) for k, v in mirror.items() if k in names and v}
    )
    if wanted == endpoint.traffic and wanted_mirror == endpoint.mirror_traffic:
        return
    oc.endpoints.set_traffic(oc.endpoint, wanted, wanted_mirror)
    record_traffic_change(
        workspace=oc.target_workspace_name,
        model=oc.plan.model,
        endpoint=oc.endpoint,
        before=endpoint.traffic,
        after=wanted,
        mirror_before=endpoint.mirror_traffic,
        mirror_after=wanted_mirror,
        reason=reason,
        operation_id=oc.operation_id,
        actor=oc.actor,
        log=oc.audit,
    )


def restore_traffic(oc: OperationContext, step: str) -> None:
    """Put back the traffic and mirror recorded under ``step`` (no-op if nothing recorded)."""
    if not oc.recall(step, "endpoint_existed"):
        return
    before: dict[str, int] = oc.recall(step, "traffic_before") or {}
    mirror: dict[str, int] = oc.recall(step, "mirror_before") or {}
    endpoint = find_endpoint(oc)
    if endpoint is None or not before:
        return
    missing = set(before) - {d.name for d in endpoint.deployments}
    if missing:
        raise Conflict(
            f"cannot restore the traffic of {oc.endpoint!r}: deployments "
            f"{', '.join(sorted(missing))} are gone"
        )
    set_traffic(oc, before, mirror, reason=f"{oc.kind.value} rolled back")
