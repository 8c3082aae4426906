"""``mlops-desktop workspaces create-azure``: create a missing stage workspace, then add it."""

from __future__ import annotations

import argparse

from mlops_desktop.cli.output import load_app_config, progress_printer
from mlops_desktop.core.config import AzureConnection, BackendKind, WorkspaceConfig, save_config
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext


def register_create_azure(commands: argparse._SubParsersAction) -> None:
    """Add ``workspaces create-azure`` to the ``workspaces`` group."""
    create = commands.add_parser(
        "create-azure",
        help="create a missing Azure ML workspace in a resource group, then add it",
        description="Creates the Azure ML workspace (with its storage account, key vault and "
        "Application Insights: an ARM template deployment, a few minutes on Azure) and adds it "
        "to the configuration. Needs Contributor on the resource group.",
    )
    create.add_argument("name", help="workspace name in this app")
    create.add_argument("--stage", type=Stage.parse, required=True)
    create.add_argument(
        "--azure",
        nargs=3,
        required=True,
        metavar=("SUBSCRIPTION_ID", "RESOURCE_GROUP", "WORKSPACE"),
        help="where to create it",
    )
    create.add_argument("--location", required=True, help="Azure region, e.g. westeurope")
    create.add_argument("--display-name", default="")
    create.add_argument("--description", default="")
    create.add_argument(
        "--cloud-from",
        metavar="WORKSPACE",
        help="use the cloud (and custom cloud metadata) of this configured Azure workspace",
    )
    create.set_defaults(handler=create_azure_workspace_command)


def create_azure_workspace_command(args: argparse.Namespace) -> int:
    """Create the workspace on Azure, then save it in the configuration."""
    from mlops_desktop.backends.azureml.workspace_admin import create_azure_workspace

    config = load_app_config()
    if any(w.name == args.name for w in config.workspaces):
        raise InvalidInput(f"a workspace named {args.name!r} is already configured")
    cloud: dict[str, object] = {}
    if args.cloud_from:
        model = config.workspace(args.cloud_from).azure
        if model is None:
            raise InvalidInput(f"workspace {args.cloud_from!r} is not an Azure ML workspace")
        cloud = {"cloud": model.cloud, "cloud_metadata": model.cloud_metadata}
    subscription, group, name = args.azure
    workspace = WorkspaceConfig(
        name=args.name,
        backend=BackendKind.AZUREML,
        stage=args.stage,
        azure=AzureConnection(
            subscription_id=subscription, resource_group=group, workspace_name=name, **cloud
        ),
    )
    info = create_azure_workspace(
        workspace,
        location=args.location,
        display_name=args.display_name,
        description=args.description,
        ctx=TaskContext(progress_printer()),
    )
    save_config(config.with_workspace(workspace))
    print(
        f"created Azure ML workspace {info.name} in {group} ({info.location}) and added it as "
        f"{workspace.name!r} ({workspace.stage_label})"
    )
    return 0
