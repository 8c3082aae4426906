"""The compute port: what a workspace's jobs and endpoints run on, and what it costs.

* Azure ML workspaces: the service's computes (clusters, instances), the subscription's quota
  and money-saving hints (:class:`ServiceCompute`, read through
  :func:`~mlops_desktop.retraining.compute_azure.read_azure_compute`).
* Local and MLflow workspaces: their jobs and endpoints run on this machine, which the app's
  sampler records (:mod:`~mlops_desktop.retraining.compute_watch`, ``compute sample``). Their
  port, :class:`MachineCompute`, declares that (``samples_this_machine``) and provides no
  service compute, with the reason.
"""

from __future__ import annotations

from typing import Protocol

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.compute_azure import AzureWorkspaceCompute, read_azure_compute

__all__ = ["AzureWorkspaceCompute", "Compute", "MachineCompute", "ServiceCompute"]


class Compute(Protocol):
    """The compute of one workspace."""

    workspace: WorkspaceConfig
    #: Whether a service runs the workspace's compute (clusters, quota), and why not.
    service_compute: Capability
    #: Its jobs and endpoints run here: the local sampler's records describe them.
    samples_this_machine: bool

    def read(self, ctx: TaskContext | None = None) -> AzureWorkspaceCompute:
        """Computes, quota and hints (errors become the result's ``error``)."""
        ...


class MachineCompute:
    """This machine: sampled locally; no service computes or quota."""

    service_compute = Capability(
        False, "jobs and endpoints of this workspace run on this machine (sampled locally)"
    )
    samples_this_machine = True

    def __init__(self, workspace: WorkspaceConfig) -> None:
        self.workspace = workspace

    def read(self, ctx: TaskContext | None = None) -> AzureWorkspaceCompute:
        """No service compute: the reason as the result's error."""
        return AzureWorkspaceCompute(self.workspace.name, error=self.service_compute.reason)


class ServiceCompute:
    """An Azure ML workspace's computes, quota and hints."""

    service_compute = Capability(True)
    samples_this_machine = False

    def __init__(self, workspace: WorkspaceConfig) -> None:
        self.workspace = workspace

    def read(self, ctx: TaskContext | None = None) -> AzureWorkspaceCompute:
        """Computes, quota and hints (a workspace that cannot be read: ``error``)."""
        return read_azure_compute(self.workspace, ctx)


def read_service_compute(
    config: AppConfig, ctx: TaskContext | None = None
) -> list[AzureWorkspaceCompute]:
    """Computes, quota and hints of every workspace with service compute, in config order."""
    from mlops_desktop.ports.provider import open_compute, service_compute_workspaces

    found = []
    for workspace in service_compute_workspaces(config):
        if ctx is not None:
            ctx.check()
        found.append(open_compute(workspace).read(ctx))
    return found
