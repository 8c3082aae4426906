"""The ``Identity`` port: what the acting identity may do in a workspace (its RBAC roles).

Azure ML checks every action against the signed-in identity's Azure roles, which the app reads
(``Microsoft.Authorization/permissions``) to disable what would be refused; an MLflow workspace
has no such roles (its server authenticates, the app checks nothing). Which kinds sign in inside
the app and what the person is called is declared by :class:`~.provider.WorkspacePorts`
(``has_rbac``, ``sign_in``, ``identity_verb``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.permissions import WorkspacePermissions


class Identity(Protocol):
    """The acting identity's rights in one workspace."""

    workspace: WorkspaceConfig

    def permissions(self, *, refresh: bool = False) -> WorkspacePermissions:
        """The identity's effective permissions (read once per session; ``refresh`` reads
        again); InvalidInput for a workspace without roles."""
        ...


@dataclass(frozen=True, slots=True)
class AzureIdentity:
    """The signed-in Azure identity's roles on an Azure ML workspace."""

    workspace: WorkspaceConfig

    def permissions(self, *, refresh: bool = False) -> WorkspacePermissions:
        """ARM's answer for this workspace (shared by every backend of the process)."""
        from mlops_desktop.backends.azureml.backend import AzureMlBackend

        backend = AzureMlBackend(self.workspace)
        try:
            return backend.permissions(refresh=refresh)
        finally:
            backend.close()


@dataclass(frozen=True, slots=True)
class NoRoles:
    """A workspace whose backend has no roles to read (MLflow)."""

    workspace: WorkspaceConfig

    def permissions(self, *, refresh: bool = False) -> WorkspacePermissions:
        """Always InvalidInput: there is nothing to read."""
        raise InvalidInput(
            f"workspace {self.workspace.name!r} is not an Azure ML workspace",
            hint="this command acts on Azure ML workspaces (`workspaces list` shows the kinds)",
        )


def forget_permissions() -> None:
    """Forget every permission answer read so far (Refresh: a role may have changed)."""
    from mlops_desktop.backends.azureml import permission_cache

    permission_cache.invalidate()
