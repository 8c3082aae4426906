"""Task body of *Add workspace* → "Create the workspace if it does not exist". Free of Qt.

The workspace is looked up first: one that exists is only added (azure-ai-ml's create would
update its tags and description); a missing one is created in its resource group (an ARM
template deployment: storage account, key vault, Application Insights), then added. The work
is the ``WorkspaceAdmin`` port's (:mod:`mlops_desktop.ports.workspace_admin`).
"""

from __future__ import annotations

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.provider import ports_of
from mlops_desktop.ports.workspace_admin import WorkspaceCreation, ensure_workspace

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


def ensure_azure_workspace_task(
    ctx: TaskContext,
    workspace: WorkspaceConfig,
    *,
    location: str,
    display_name: str = "",
    description: str = "",
) -> WorkspaceCreation:
    """Find the Azure ML workspace, or create it; cancelling stops waiting (Azure goes on)."""
    return ensure_workspace(
        ctx,
        ports_of(workspace).workspace_admin(),
        location=location,
        display_name=display_name,
        description=description,
    )
