"""The ``WorkspaceAdmin`` port: find or create the cloud workspace behind a configured one.

Only Azure ML workspaces are resources the app can create (an ARM template deployment in a
resource group: storage account, key vault, Application Insights); an MLflow workspace is a
store or a server someone else runs, so the port is a declared capability it lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.entities import AzureWorkspaceInfo


@dataclass(frozen=True, slots=True)
class WorkspaceCreation:
    """What happened in the cloud: the workspace, and whether this request created it."""

    info: AzureWorkspaceInfo
    created: bool


class WorkspaceAdmin(Protocol):
    """Looks up and creates the cloud workspace a configuration entry names."""

    workspace: WorkspaceConfig

    def find(self) -> AzureWorkspaceInfo | None:
        """The workspace resource, or None when the cloud has no such workspace."""
        ...

    def create(
        self,
        *,
        location: str,
        display_name: str = "",
        description: str = "",
        ctx: TaskContext | None = None,
    ) -> AzureWorkspaceInfo:
        """Create the workspace in ``location``; cancelling stops waiting (the cloud goes on)."""
        ...


@dataclass(frozen=True, slots=True)
class AzureWorkspaceAdmin:
    """Azure ML workspaces, through azure-ai-ml's resource-group-scoped client."""

    workspace: WorkspaceConfig

    def find(self) -> AzureWorkspaceInfo | None:
        """The Azure ML workspace, or None when Azure has none of that name."""
        from mlops_desktop.backends.azureml.workspace_admin import find_azure_workspace

        return find_azure_workspace(self.workspace)

    def create(
        self,
        *,
        location: str,
        display_name: str = "",
        description: str = "",
        ctx: TaskContext | None = None,
    ) -> AzureWorkspaceInfo:
        """Deploy the workspace in its resource group."""
        from mlops_desktop.backends.azureml.workspace_admin import create_azure_workspace

        return create_azure_workspace(
            self.workspace,
            location=location,
            display_name=display_name,
            description=description,
            ctx=ctx,
        )


def ensure_workspace(
    ctx: TaskContext,
    admin: WorkspaceAdmin,
    *,
    location: str,
    display_name: str = "",
    description: str = "",
) -> WorkspaceCreation:
    """Find the workspace, or create it. One that exists is only added (azure-ai-ml's create
    would update its tags and description); cancelling stops waiting."""
    azure = admin.workspace.azure
    where = f"{azure.workspace_name} in {azure.resource_group}" if azure else admin.workspace.name
    ctx.progress(0, 3, f"looking for {where}")
    found = admin.find()
    if found is not None:
        ctx.progress(3, 3, f"{found.name} exists already ({found.location}): adding it")
        return WorkspaceCreation(found, created=False)
    ctx.progress(1, 3, f"creating {where} in {location.strip() or '?'} (a few minutes on Azure)")
    info = admin.create(
        location=location,
        display_name=display_name.strip(),
        description=description.strip(),
        ctx=ctx,
    )
    ctx.progress(3, 3, f"{info.name} created in {info.location}")
    return WorkspaceCreation(info, created=True)
