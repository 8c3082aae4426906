"""Azure-only reads (and the traffic write) the endpoint, compute and schedule pages use.

A mixin of :class:`~mlops_desktop.backends.azureml.backend.AzureMlBackend`: it relies on the
backend's ``client``, ``workspace``, ``settings`` and ``_call``.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.azureml import resources
from mlops_desktop.backends.azureml.entities import (
    AzureCompute,
    AzureOnlineEndpoint,
    AzureQuotaUsage,
    AzureSchedule,
    AzureWorkspaceInfo,
)
from mlops_desktop.core.errors import AuthError, Cancelled, InvalidInput, MlopsError
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.azure_settings import AzureSettings
    from mlops_desktop.core.config import WorkspaceConfig

_CLUSTER_TYPES = {"amlcompute"}


class AzureResourceReads:
    """Workspace, endpoints, computes, quotas and schedules of an Azure ML workspace."""

    client: Any
    workspace: WorkspaceConfig
    settings: AzureSettings

    def _call(self, action: str) -> contextlib.AbstractContextManager[None]:  # pragma: no cover
        raise NotImplementedError

    def workspace_info(self) -> AzureWorkspaceInfo:
        """The workspace resource (region, ids, MLflow tracking URI, network access)."""
        azure = self.workspace.azure
        assert azure is not None
        with self._call("read the workspace"):
            return resources.workspace_info(self.client.workspaces.get(azure.workspace_name))

    def list_online_endpoints(self, ctx: TaskContext | None = None) -> list[AzureOnlineEndpoint]:
        """Every online endpoint with its deployments and traffic split."""
        with self._call("list online endpoints"):
            endpoints = sorted(self.client.online_endpoints.list(), key=lambda e: str(e.name))
        found = []
        for index, endpoint in enumerate(endpoints):
            if ctx:
                ctx.progress(index, len(endpoints), f"deployments of {endpoint.name}")
            found.append(self._with_deployments(endpoint))
        return found

    def get_online_endpoint(self, name: str) -> AzureOnlineEndpoint:
        """One online endpoint with its deployments."""
        with self._call(f"read online endpoint {name}"):
            endpoint = self.client.online_endpoints.get(name)
        return self._with_deployments(endpoint)

    def _with_deployments(self, endpoint: Any) -> AzureOnlineEndpoint:
        with self._call(f"list deployments of {endpoint.name}"):
            deployments = list(self.client.online_deployments.list(endpoint.name))
        return resources.endpoint_from_azure(endpoint, deployments, self.workspace.name)

    def set_endpoint_traffic(
        self,
        endpoint: str,
        traffic: dict[str, int],
        mirror_traffic: dict[str, int] | None = None,
        ctx: TaskContext | None = None,
    ) -> AzureOnlineEndpoint:
        """Set the live (and optionally mirrored) traffic split; waits for Azure to apply it.

        A long-running operation: cancelling ``ctx`` stops waiting (raises ``Cancelled``), but
        Azure still applies the change.
        """
        with self._call(f"read online endpoint {endpoint}"):
            entity = self.client.online_endpoints.get(endpoint)
            deployments = list(self.client.online_deployments.list(endpoint))
        current = resources.endpoint_from_azure(entity, deployments, self.workspace.name)
        _check_traffic(current, traffic, mirror_traffic)
        entity.traffic = dict(traffic)
        if mirror_traffic is not None:
            entity.mirror_traffic = dict(mirror_traffic)
        with self._call(f"set traffic of {endpoint}"):
            _wait(self.client.online_endpoints.begin_create_or_update(entity), ctx)
        return self.get_online_endpoint(endpoint)

    def list_computes(
        self, ctx: TaskContext | None = None, *, with_nodes: bool = True
    ) -> list[AzureCompute]:
        """Compute targets; clusters with their current nodes when those can be listed (a
        cluster whose nodes cannot be read keeps its other fields and says why)."""
        with self._call("list computes"):
            computes = sorted(self.client.compute.list(), key=lambda c: str(c.name))
        found = []
        for index, compute in enumerate(computes):
            if ctx:
                ctx.progress(index, len(computes), f"nodes of {compute.name}")
            nodes: list[str] | None = None
            reason = ""
            if with_nodes and str(getattr(compute, "type", "")).lower() in _CLUSTER_TYPES:
                try:
                    with self._call(f"list nodes of {compute.name}"):
                        nodes = [
                            resources.node_state(n)
                            for n in self.client.compute.list_nodes(compute.name)
                        ]
                except (AuthError, Cancelled):
                    raise
                except MlopsError as exc:  # 403, 5xx, …: keep the cluster, say why
                    reason = exc.message
            found.append(resources.compute_from_azure(compute, nodes, reason))
        return found

    def list_quota_usages(self, location: str | None = None) -> list[AzureQuotaUsage]:
        """vCPU and cluster quotas of the subscription in the workspace's (or a) region."""
        with self._call("list quota usage"):
            usages = list(self.client.compute.list_usage(location=location))
        return [resources.usage_from_azure(u) for u in usages]

    def list_schedules(self, *, include_disabled: bool = True) -> list[AzureSchedule]:
        """Job schedules (retraining), disabled ones included unless asked otherwise."""
        view = "All" if include_disabled else "EnabledOnly"
        with self._call("list schedules"):
            schedules = list(self.client.schedules.list(list_view_type=view))
        return sorted((resources.schedule_from_azure(s) for s in schedules), key=lambda s: s.name)


def _wait(poller: Any, ctx: TaskContext | None) -> Any:
    """The poller's result; checks for cancellation between polls."""
    while not poller.done():
        if ctx:
            ctx.check()
        poller.wait(timeout=0.5)
    return poller.result()


def _check_traffic(
    endpoint: AzureOnlineEndpoint, traffic: dict[str, int], mirror: dict[str, int] | None
) -> None:
    """Azure's rules, checked before a slow round trip: known deployments, 0–100, sum 100."""
    names = {d.name for d in endpoint.deployments}
    unknown = sorted(set(traffic) - names | set(mirror or {}) - names)
    if unknown:
        raise InvalidInput(
            f"endpoint {endpoint.name!r} has no deployment {', '.join(unknown)}",
            hint=f"deployments: {', '.join(sorted(names)) or 'none'}",
        )
    values = list(traffic.values()) + list((mirror or {}).values())
    if any(not isinstance(v, int) or v < 0 or v > 100 for v in values):
        raise InvalidInput("traffic shares are whole percentages from 0 to 100")
    total = sum(traffic.values())
    if total not in (0, 100):
        raise InvalidInput(f"live traffic of {endpoint.name!r} must sum to 100 (got {total})")
    for name, share in (mirror or {}).items():
        if share > 50:
            raise InvalidInput(f"mirrored traffic to {name!r} may be at most 50 % (got {share})")
        if share and traffic.get(name):
            raise InvalidInput(f"{name!r} cannot get both live and mirrored traffic")
