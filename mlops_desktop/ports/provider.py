"""The one place that looks at a workspace's kind: it hands out the ports that kind provides.

* a local MLflow store: its registry, local serving and the local job runner;
* an MLflow tracking server: its registry, plus local serving and local jobs;
* an Azure ML workspace: everything on Azure ML.

A port a kind does not provide is a declared :class:`~mlops_desktop.core.entities.Capability`
with a reason, never a branch in a caller. Every SDK is imported lazily, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlops_desktop.core.config import BackendKind, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import InvalidInput

if TYPE_CHECKING:
    from mlops_desktop.ports.collected_data import CollectedData
    from mlops_desktop.ports.identity import Identity
    from mlops_desktop.ports.registry import ModelRegistry
    from mlops_desktop.ports.workspace_admin import WorkspaceAdmin
    from mlops_desktop.promotion.registry import RegistryLookups

#: What the GUI and the CLI call each kind of workspace.
_KIND_LABELS = {BackendKind.MLFLOW: "MLflow", BackendKind.AZUREML: "Azure ML"}


@dataclass(frozen=True, slots=True)
class WorkspacePorts:
    """The ports of one workspace. Cheap to make; each port is opened when first asked for."""

    workspace: WorkspaceConfig

    @property
    def on_azure(self) -> bool:
        """Whether the workspace lives on Azure ML (for the provider's own choices only)."""
        return self.workspace.backend is BackendKind.AZUREML

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


def ports_of(workspace: WorkspaceConfig) -> WorkspacePorts:
    """The ports ``workspace`` provides."""
    return WorkspacePorts(workspace)
