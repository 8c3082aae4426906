"""Task body of *Add workspace* → "Create the workspace if it does not exist". Free of Qt.

The workspace is looked up first: one that exists is only added (azure-ai-ml's create would
update its tags and description); a missing one is created in its resource group (an ARM
template deployment: storage account, key vault, Application Insights), then added.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlops_desktop.backends.azureml.entities import AzureWorkspaceInfo
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.tasks import TaskContext

#: Azure regions offered in the *Location* list (any other region name may be typed).
COMMON_LOCATIONS: tuple[str, ...] = (
    "westeurope",
    "northeurope",
    "swedencentral",
    "germanywestcentral",
    "francecentral",
    "uksouth",
    "eastus",
    "eastus2",
    "centralus",
    "westus2",
    "westus3",
    "canadacentral",
    "brazilsouth",
    "australiaeast",
    "japaneast",
    "koreacentral",
    "centralindia",
    "southeastasia",
)


@dataclass(frozen=True, slots=True)
class WorkspaceCreation:
    """What happened on Azure: the workspace, and whether this request created it."""

    info: AzureWorkspaceInfo
    created: bool


def ensure_azure_workspace_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    *,
    location: str,
    display_name: str = "",
    description: str = "",
) -> WorkspaceCreation:
    """Find the Azure ML workspace, or create it; cancelling stops waiting (Azure goes on)."""
    from mlops_desktop.backends.azureml.workspace_admin import (
        create_azure_workspace,
        find_azure_workspace,
    )

    azure = workspace.azure
    where = f"{azure.workspace_name} in {azure.resource_group}" if azure else workspace.name
    ctx.progress(0, 3, f"looking for {where}")
    found = find_azure_workspace(workspace)
    if found is not None:
        ctx.progress(3, 3, f"{found.name} exists already ({found.location}): adding it")
        return WorkspaceCreation(found, created=False)
    ctx.progress(1, 3, f"creating {where} in {location.strip() or '?'} (a few minutes on Azure)")
    info = create_azure_workspace(
        workspace,
        location=location,
        display_name=display_name.strip(),
        description=description.strip(),
        ctx=ctx,
    )
    ctx.progress(3, 3, f"{info.name} created in {info.location}")
    return WorkspaceCreation(info, created=True)
