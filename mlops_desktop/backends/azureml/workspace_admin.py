"""Create a missing stage workspace in a resource group (``workspaces.begin_create``).

azure-ai-ml submits an ARM template deployment that creates the workspace with its storage
account, key vault and Application Insights, then reads the new workspace. Needs
``Microsoft.Resources/deployments/write`` and ``Microsoft.MachineLearningServices/workspaces/
write`` on the resource group (Contributor; the AzureML Data Scientist role has neither).
"""

from __future__ import annotations

import re
from typing import Any

from mlops_desktop.backends.azureml import resources
from mlops_desktop.backends.azureml.credentials import build_credential
from mlops_desktop.backends.azureml.endpoint_actions import sdk_progress_dots_silenced, wait_for
from mlops_desktop.backends.azureml.entities import AzureWorkspaceInfo
from mlops_desktop.backends.azureml.errors import translated_errors
from mlops_desktop.core.azure_clouds import resolve_cloud
from mlops_desktop.core.azure_settings import AzureSettings
from mlops_desktop.core.config import AzureConnection, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext

# Azure ML workspace names: 3-33 characters, letters, digits, '-' and '_', starting alphanumeric.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$")


def create_azure_workspace(
    workspace: WorkspaceConfig,
    *,
    location: str,
    display_name: str = "",
    description: str = "",
    tags: dict[str, str] | None = None,
    settings: AzureSettings | None = None,
    ctx: TaskContext | None = None,
) -> AzureWorkspaceInfo:
    """Create the Azure ML workspace ``workspace.azure`` names, in its resource group."""
    from azure.ai.ml import MLClient
    from azure.ai.ml.entities import Workspace

    azure = workspace.azure
    if azure is None:
        raise InvalidInput(f"workspace {workspace.name!r} has no Azure settings")
    if not _NAME.match(azure.workspace_name):
        raise InvalidInput(
            f"{azure.workspace_name!r} is not a valid Azure ML workspace name",
            hint="3 to 33 letters, digits, '-' or '_', starting with a letter or digit",
        )
    if not location.strip():
        raise InvalidInput("say in which Azure region", hint="e.g. --location westeurope")
    settings = settings or AzureSettings.from_env()
    credential, kwargs = _client_parts(azure, settings)
    try:
        with translated_errors(workspace, "create the workspace"):
            # A resource-group-scoped client: the workspace does not exist yet.
            client = MLClient(credential, azure.subscription_id, azure.resource_group, **kwargs)
            entity = Workspace(
                name=azure.workspace_name,
                location=location.strip(),
                display_name=display_name or None,
                description=description or None,
                tags=tags or {},
            )
            if ctx:
                ctx.progress(0, 2, f"deploying {azure.workspace_name} in {azure.resource_group}")
            with sdk_progress_dots_silenced():
                poller = client.workspaces.begin_create(entity)
                created = wait_for(
                    poller,
                    ctx,
                    f"workspace {azure.workspace_name}",
                    lambda what: translated_errors(workspace, what),
                )
        if ctx:
            ctx.progress(2, 2, f"{azure.workspace_name} created")
        return resources.workspace_info(created)
    finally:
        credential.close()


def find_azure_workspace(
    workspace: WorkspaceConfig, *, settings: AzureSettings | None = None
) -> AzureWorkspaceInfo | None:
    """The Azure ML workspace ``workspace.azure`` names, or None when Azure has no such one.

    Asked before creating: azure-ai-ml's ``begin_create`` would update an existing workspace's
    tags and description instead of leaving it alone.
    """
    from azure.ai.ml import MLClient

    azure = workspace.azure
    if azure is None:
        raise InvalidInput(f"workspace {workspace.name!r} has no Azure settings")
    settings = settings or AzureSettings.from_env()
    credential, kwargs = _client_parts(azure, settings)
    try:
        with translated_errors(workspace, "look for the workspace"):
            client = MLClient(credential, azure.subscription_id, azure.resource_group, **kwargs)
            try:
                found = client.workspaces.get(azure.workspace_name)
            except Exception as exc:  # only "not found" means absent; the rest is translated
                if getattr(exc, "status_code", None) == 404 and _is_missing_workspace(exc):
                    return None
                raise
        return resources.workspace_info(found)
    finally:
        credential.close()


def _is_missing_workspace(exc: BaseException) -> bool:
    # A missing resource group is a 404 too, but then creating cannot succeed: say so instead.
    return "ResourceGroupNotFound" not in str(exc)


def _client_parts(azure: AzureConnection, settings: AzureSettings) -> tuple[Any, dict[str, Any]]:
    """The credential and ``MLClient`` keyword arguments for ``azure``'s cloud."""
    cloud = resolve_cloud(azure)
    credential = build_credential(settings, azure, cloud)
    kwargs: dict[str, Any] = {
        **cloud.client_kwargs(),
        **settings.client_kwargs(),
        "enable_telemetry": False,
        "show_progress": False,
    }
    if settings.ca_bundle:
        kwargs["connection_verify"] = settings.ca_bundle
    return credential, kwargs
