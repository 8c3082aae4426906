"""Azure ML compute of the configured workspaces: clusters, instances, quota and money hints.

Reads through the Azure backend's public reads (``list_computes``, ``list_quota_usages``); the
hints are plain rules over what was read, so they are tested without Azure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import AuthError, Cancelled, MlopsError
from mlops_desktop.core.tasks import TaskContext

#: A cluster keeping idle nodes longer than this before scaling down is worth a hint.
LONG_IDLE_SECONDS = 30 * 60
_CLUSTER_TYPES = {"amlcompute", "cluster"}
_INSTANCE_TYPES = {"computeinstance", "compute_instance", "instance"}


@dataclass(frozen=True)
class AzureWorkspaceCompute:
    """One Azure ML workspace's computes and quota, or why they could not be read."""

    workspace: str
    computes: list[Any] = field(default_factory=list)
    quotas: list[Any] = field(default_factory=list)
    #: The workspace's computes could not be read at all.
    error: str = ""
    hints: list[str] = field(default_factory=list)
    #: The computes were read, the quota was not (e.g. no subscription-level read).
    quota_error: str = ""

    @property
    def problems(self) -> list[str]:
        """Each part that could not be read, named: computes, quota, a cluster's nodes."""
        found = [f"computes: {self.error}"] if self.error else []
        if self.quota_error:
            found.append(f"quota: {self.quota_error}")
        found += [
            f"nodes of {c.name}: {c.nodes_unavailable_reason}"
            for c in self.computes
            if getattr(c, "nodes_unavailable_reason", "")
        ]
        return found


def is_cluster(compute: Any) -> bool:
    """True for an Azure ML compute cluster (AmlCompute)."""
    return str(getattr(compute, "compute_type", "")).lower() in _CLUSTER_TYPES


def is_instance(compute: Any) -> bool:
    """True for a compute instance."""
    return str(getattr(compute, "compute_type", "")).lower() in _INSTANCE_TYPES


def idle_nodes(compute: Any) -> int | None:
    """Idle nodes of a cluster from its node states (None when unknown)."""
    states = getattr(compute, "node_states", None) or {}
    if not states:
        return None
    return sum(n for state, n in states.items() if str(state).lower() == "idle")


def money_hints(workspace: str, computes: list[Any], quotas: list[Any]) -> list[str]:
    """Ways to spend less: idle minimum nodes, running instances, long scale-down, full quota."""
    hints: list[str] = []
    for c in computes:
        where = f"{workspace}/{c.name}"
        if is_cluster(c):
            idle = idle_nodes(c)
            if (c.min_nodes or 0) > 0:
                note = f" ({idle} idle now)" if idle else ""
                hints.append(
                    f"{where}: cluster keeps min {c.min_nodes} node(s) running even without "
                    f"jobs{note} — set min nodes to 0 to pay only while jobs run"
                )
            idle_after = c.idle_seconds_before_scale_down
            if idle_after is not None and idle_after > LONG_IDLE_SECONDS:
                hints.append(
                    f"{where}: idle nodes wait {idle_after / 60:.0f} min before scaling down — "
                    "a shorter idle time (e.g. 10-15 min) saves idle node time"
                )
        elif is_instance(c) and str(c.state).lower() == "running":
            hints.append(
                f"{where}: compute instance is running ({c.size or 'size unknown'}) — stop it "
                "when not in use, or set an idle shutdown / schedule on it"
            )
    for q in quotas:
        fraction = q.fraction
        if fraction is not None and fraction >= 0.9:
            hints.append(
                f"{workspace}: quota {q.name} at {q.current}/{q.limit} — jobs may queue; free "
                "idle nodes or ask for more quota"
            )
    return hints


def read_azure_compute(
    workspace: WorkspaceConfig, ctx: TaskContext | None = None
) -> AzureWorkspaceCompute:
    """Computes, quota and hints of one Azure ML workspace (errors become ``error``)."""
    from mlops_desktop.backends.registry import open_backend

    quota_error = ""
    quotas: list[Any] = []
    try:
        backend: Any = open_backend(workspace)
        try:
            computes = list(backend.list_computes(ctx))
            if ctx is not None:
                ctx.check()
            try:  # quota is the subscription's: readable or not apart from the computes
                quotas = [q for q in backend.list_quota_usages() if q.limit > 0 or q.current > 0]
            except (AuthError, Cancelled):
                raise
            except MlopsError as exc:
                quota_error = str(exc)
        finally:
            close = getattr(backend, "close", None)
            if callable(close):
                close()
    except MlopsError as exc:
        return AzureWorkspaceCompute(workspace.name, error=str(exc))
    return AzureWorkspaceCompute(
        workspace.name,
        computes,
        quotas,
        hints=money_hints(workspace.name, computes, quotas),
        quota_error=quota_error,
    )
