"""The one place that looks at a workspace's kind: it hands out the ports that kind provides.

* a local MLflow store: its registry, local serving and the local job runner;
* an MLflow tracking server: its registry, plus local serving and local jobs;
* an Azure ML workspace: everything on Azure ML.

A port a kind does not provide is a declared :class:`~mlops_desktop.core.entities.Capability`
with a reason, never a branch in a caller. Every SDK is imported lazily, on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import AppConfig, BackendKind, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput

if TYPE_CHECKING:
    from mlops_desktop.ports.collected_data import CollectedData
    from mlops_desktop.ports.compute import Compute
    from mlops_desktop.ports.endpoints import Endpoints
    from mlops_desktop.ports.identity import Identity
    from mlops_desktop.ports.jobs import JobKind, Jobs
    from mlops_desktop.ports.registry import ModelRegistry
    from mlops_desktop.ports.schedules import Schedules
    from mlops_desktop.ports.workspace_admin import WorkspaceAdmin
    from mlops_desktop.promotion.registry import RegistryLookups

#: What the GUI and the CLI call each kind of workspace.
_KIND_LABELS = {BackendKind.MLFLOW: "MLflow", BackendKind.AZUREML: "Azure ML"}

#: Opens a workspace's backend (the GUI passes its own, e.g. one that holds its open lock).
BackendOpener = Callable[[WorkspaceConfig], Any]


@dataclass(frozen=True, slots=True)
class WorkspacePorts:
    """The ports of one workspace. Cheap to make; each port is opened when first asked for."""

    workspace: WorkspaceConfig

    @property
    def on_azure(self) -> bool:
        """Whether the workspace lives on Azure ML (for the provider's own choices only)."""
        return self.workspace.backend is BackendKind.AZUREML

    # -- jobs ---------------------------------------------------------------------------------

    @property
    def job_kind(self) -> JobKind:
        """What the workspace's jobs are like (without opening anything)."""
        if self.on_azure:
            from mlops_desktop.ports.azure_jobs import AZURE_JOBS

            return AZURE_JOBS
        from mlops_desktop.ports.jobs import LOCAL_JOBS

        return LOCAL_JOBS

    @property
    def service_jobs(self) -> Capability:
        """Whether a service runs the workspace's jobs (read over the network)."""
        if self.on_azure:
            return Capability(True)
        return Capability(False, "its jobs run on this machine (the local job runner)")

    def jobs(self) -> Jobs:
        """The workspace's jobs: Azure ML's, or the local runner's (of this workspace)."""
        if self.on_azure:
            from mlops_desktop.ports.azure_jobs import AzureJobs

            return AzureJobs(self.workspace)
        from mlops_desktop.ports.jobs import LocalJobs

        return LocalJobs(self.workspace)

    # -- schedules ----------------------------------------------------------------------------

    @property
    def service_schedules(self) -> Capability:
        """Whether the service runs schedules here (else: retraining policies)."""
        if self.on_azure:
            return Capability(True)
        from mlops_desktop.ports.schedules import POLICY_HINT

        return Capability(False, POLICY_HINT)

    def schedules(self) -> Schedules:
        """The workspace's schedules (a local one's port declares it provides none)."""
        if self.on_azure:
            from mlops_desktop.ports.schedules import AzureSchedules

            return AzureSchedules(self.workspace)
        from mlops_desktop.ports.schedules import PolicySchedules

        return PolicySchedules(self.workspace)

    # -- compute ------------------------------------------------------------------------------

    def compute(self) -> Compute:
        """What the workspace runs on: Azure ML computes, or this (sampled) machine."""
        if self.on_azure:
            from mlops_desktop.ports.compute import ServiceCompute

            return ServiceCompute(self.workspace)
        from mlops_desktop.ports.compute import MachineCompute

        return MachineCompute(self.workspace)

    # -- declared differences: who acts, how they sign in -------------------------------------

    @property
    def kind_label(self) -> str:
        """The kind of workspace in words ("MLflow", "Azure ML")."""
        return _KIND_LABELS[self.workspace.backend]

    @property
    def identity_verb(self) -> str:
        """How the acting identity is introduced: Azure names the token's holder; MLflow the
        tracking user or the OS account, who acts without signing in."""
        return "Signed in as" if self.on_azure else "Acting as"

    @property
    def has_rbac(self) -> bool:
        """Whether the backend checks actions against the identity's roles (Azure RBAC), so
        the app reads them (:meth:`identity`) to disable what would be refused."""
        return self.on_azure

    @property
    def has_sign_in(self) -> bool:
        """Whether the person signs in to this kind of workspace inside the app (the welcome
        flow's *Sign in*), whatever credential is configured."""
        return self.on_azure

    @property
    def sign_in(self) -> Capability:
        """Whether *Sign in…* is offered now: an interactive credential kind (``browser``,
        ``device-code``); the default chain and the Azure CLI sign in outside the app."""
        if not self.on_azure:
            return Capability(False, "MLflow workspaces use the MLFLOW_TRACKING_* settings")
        from mlops_desktop.core.azure_settings import AzureSettings

        try:
            credential = AzureSettings.from_env().credential
        except InvalidInput as exc:
            return Capability(False, exc.message)
        if not credential.is_interactive:
            return Capability(False, f"the {credential.value} credential signs in outside the app")
        return Capability(True)

    def acting_identity(self) -> str:
        """Who acts here: the signed-in Azure identity (I/O: off the GUI thread), else the
        MLflow tracking user or the OS account."""
        from mlops_desktop.backends.identity import acting_identity

        return acting_identity(self.workspace)

    # -- ports ----------------------------------------------------------------------------------

    def registry(self) -> ModelRegistry:
        """The model registry (the workspace's backend)."""
        from mlops_desktop.backends.registry import open_backend

        return open_backend(self.workspace)

    def promotion_registry(self) -> RegistryLookups:
        """The registry writes promotion needs (copy in, tags, deletes)."""
        from mlops_desktop.promotion.registry import open_registry

        return open_registry(self.workspace)

    def collected_data(self) -> CollectedData:
        """The endpoints' collected request data."""
        from mlops_desktop.ports.collected_data import AzureCollectedData, LocalCollectedData

        if self.on_azure:
            return AzureCollectedData(self.workspace)
        return LocalCollectedData(self.workspace)

    def identity(self) -> Identity:
        """The acting identity's roles (nothing to read where :attr:`has_rbac` is false)."""
        from mlops_desktop.ports.identity import AzureIdentity, NoRoles

        return AzureIdentity(self.workspace) if self.has_rbac else NoRoles(self.workspace)

    @property
    def create_workspace(self) -> Capability:
        """Whether the app can create the workspace this entry names (:meth:`workspace_admin`)."""
        if self.on_azure:
            return Capability(True)
        return Capability(False, "an MLflow store or server is created outside the app")

    def workspace_admin(self) -> WorkspaceAdmin:
        """Find or create the cloud workspace (InvalidInput where :attr:`create_workspace` is
        not supported)."""
        if not self.create_workspace:
            raise InvalidInput(
                f"workspace {self.workspace.name!r} is not an Azure ML workspace",
                hint=self.create_workspace.reason,
            )
        from mlops_desktop.ports.workspace_admin import AzureWorkspaceAdmin

        return AzureWorkspaceAdmin(self.workspace)

    def endpoints(self, opener: BackendOpener | None = None) -> Endpoints:
        """The workspace's online endpoints: Azure ML managed online endpoints, or local
        serving (for local stores and MLflow servers alike). ``opener`` opens the backend the
        port asks (capabilities; everything, on Azure ML)."""
        if self.on_azure:
            from mlops_desktop.ports.endpoints_azure import AzureEndpoints

            return AzureEndpoints(self.workspace, opener=opener)
        from mlops_desktop.ports.endpoints_local import LocalEndpoints

        return LocalEndpoints(self.workspace, opener=opener)


def ports_of(workspace: WorkspaceConfig) -> WorkspacePorts:
    """The ports ``workspace`` provides."""
    return WorkspacePorts(workspace)


def open_jobs(workspace: WorkspaceConfig) -> Jobs:
    """The jobs port of ``workspace``."""
    return ports_of(workspace).jobs()


def open_local_jobs(workspace_name: str | None = None) -> Jobs:
    """The local job runner across every workspace (or the named one): the Jobs page's and
    ``jobs show|wait`` local part, where a record id is all there is."""
    from mlops_desktop.ports.jobs import LocalJobs

    return LocalJobs(workspace_name=workspace_name)


def open_schedules(workspace: WorkspaceConfig) -> Schedules:
    """The schedules port of ``workspace``."""
    return ports_of(workspace).schedules()


def open_compute(workspace: WorkspaceConfig) -> Compute:
    """The compute port of ``workspace``."""
    return ports_of(workspace).compute()


def _having(
    config: AppConfig, capability: Callable[[WorkspacePorts], Capability], only: str | None
) -> list[WorkspaceConfig]:
    return [
        ws
        for ws in config.workspaces
        if (only is None or ws.name == only) and capability(ports_of(ws))
    ]


def service_job_workspaces(config: AppConfig, only: str | None = None) -> list[WorkspaceConfig]:
    """The workspaces whose jobs a service runs (or just ``only``, when it is one)."""
    return _having(config, lambda p: p.service_jobs, only)


def schedule_workspaces(config: AppConfig, only: str | None = None) -> list[WorkspaceConfig]:
    """The workspaces whose service runs schedules (or just ``only``, when it is one)."""
    return _having(config, lambda p: p.service_schedules, only)


def service_compute_workspaces(config: AppConfig) -> list[WorkspaceConfig]:
    """The workspaces with service compute (clusters, quota)."""
    return _having(config, lambda p: p.compute().service_compute, None)


def open_endpoints(workspace: WorkspaceConfig, opener: BackendOpener | None = None) -> Endpoints:
    """The endpoints port of ``workspace`` (close it when done)."""
    return ports_of(workspace).endpoints(opener)
