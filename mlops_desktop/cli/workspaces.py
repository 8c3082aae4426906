"""``mlops-desktop workspaces list|add|remove|import-azure-config|create-azure``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.stages import Stage, StageLayout
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:  # the config model is pydantic: the handlers load it, building the parser
    # (--help) does not
    from mlops_desktop.core.config import AppConfig, WorkspaceConfig


def _stage(text: str) -> Stage:
    try:
        return Stage.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _stages(text: str) -> tuple[Stage, ...]:
    return tuple(_stage(part) for part in text.split(",") if part.strip())


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``workspaces`` command group."""
    group = sub.add_parser("workspaces", help="list, add, remove or import workspaces")
    commands = group.add_subparsers(dest="workspaces_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="configured workspaces by stage")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument(
        "--check",
        action="store_true",
        help="also check each connection (exit 2 when one is not online)",
    )
    listing.set_defaults(handler=list_workspaces)

    add = commands.add_parser(
        "add",
        help="add an MLflow workspace (local store or tracking server)",
        description="Add a workspace. --local creates an embedded MLflow store under the data "
        "dir; --tracking-uri points at any MLflow store or server. With --layout name-prefix "
        "one workspace holds several stages, told apart by registered model names such as "
        "dev.churn / prod.churn.",
    )
    add.add_argument("name")
    add.add_argument("--stage", type=_stage, help="dev, staging or prod")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="embedded MLflow store")
    where.add_argument("--tracking-uri", help="e.g. http://127.0.0.1:5000 or sqlite:///x.db")
    where.add_argument(
        "--azure",
        nargs=3,
        metavar=("SUBSCRIPTION", "RESOURCE_GROUP", "WORKSPACE"),
        help="an Azure ML workspace",
    )
    add.add_argument("--registry-uri", help="MLflow model registry URI, if separate")
    add.add_argument(
        "--registry",
        metavar="NAME",
        help="Azure ML registry that promotion shares models through (with --azure)",
    )
    add.add_argument("--server-workspace", help="MLflow server workspace (X-MLFLOW-WORKSPACE)")
    add.add_argument(
        "--layout", choices=[s.value for s in StageLayout], default=StageLayout.WORKSPACE.value
    )
    add.add_argument(
        "--stages", type=_stages, help="stages a name-prefix workspace holds (dev,staging,prod)"
    )
    add.add_argument("--key-metric", help="metric that ranks versions (e.g. rmse)")
    add.add_argument("--replace", action="store_true", help="replace a workspace of that name")
    add.set_defaults(handler=add_workspace)

    remove = commands.add_parser("remove", help="remove a workspace from the configuration")
    remove.add_argument("name")
    remove.set_defaults(handler=remove_workspace)

    imp = commands.add_parser(
        "import-azure-config",
        help="add an Azure ML workspace from its config.json",
        description="Read Azure ML's standard config.json (subscription_id, resource_group, "
        "workspace_name) into a workspace entry.",
    )
    imp.add_argument("config_json", type=Path)
    imp.add_argument("--name", help="workspace name in this app (default: the Azure name)")
    imp.add_argument("--stage", type=_stage, help="dev, staging or prod (guessed from the name)")
    imp.add_argument("--replace", action="store_true")
    imp.set_defaults(handler=import_azure_config)

    _register_create_azure(commands)


def list_workspaces(args: argparse.Namespace) -> int:
    """Print the configured workspaces, optionally with their connection state."""
    config = load_app_config()
    states: dict[str, str] = {}
    if args.check:
        states = _check_all(config.workspaces)
    _warn_shared_stores(config)
    # --check: a workspace that could not be reached (offline, sign-in needed, error) is an
    # error, in text and JSON alike.
    unreadable = [name for name, state in states.items() if state != "online"]
    for name in unreadable:
        print(f"error: workspace {name!r}: {states[name]}", file=sys.stderr)
    code = 2 if unreadable else 0
    if args.json:
        items = []
        for ws in config.workspaces:
            item = to_jsonable(ws.model_dump(exclude_none=True))
            item["stages"] = [s.value for s in ws.hosted_stages]
            item["shares_store_with"] = list(config.workspaces_sharing_store(ws.name))
            if args.check:
                item["connection"] = states[ws.name]
            items.append(item)
        print_json(items)
        return code
    if not config.workspaces:
        print("no workspaces; try `mlops-desktop demo` or `mlops-desktop workspaces add`")
        return 0
    rows = []
    for ws in sorted(config.workspaces, key=lambda w: (w.hosted_stages[0].rank, w.name)):
        row = [ws.name, ws.stage_label, ws.backend.value, ws.location]
        if args.check:
            row.append(states[ws.name])
        rows.append(row)
    headers = ["NAME", "STAGE", "BACKEND", "LOCATION"] + (["CONNECTION"] if args.check else [])
    print_table(headers, rows)
    return code


def _warn_shared_stores(config: AppConfig) -> None:
    """Say on stderr which entries share one store (older configurations may hold such)."""
    for problem in config.shared_store_problems():
        print(f"warning: {problem}", file=sys.stderr)


def _check_all(workspaces: tuple[WorkspaceConfig, ...]) -> dict[str, str]:
    from concurrent.futures import ThreadPoolExecutor

    from mlops_desktop.core.errors import MlopsError
    from mlops_desktop.ports.provider import ports_of

    def check(ws: WorkspaceConfig) -> str:
        try:
            info = ports_of(ws).registry().check_connection()
        except MlopsError as exc:
            return f"error: {exc.message}"
        return info.state.value + (f" ({info.detail})" if info.state.value != "online" else "")

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip((w.name for w in workspaces), pool.map(check, workspaces), strict=True))


def add_workspace(args: argparse.Namespace) -> int:
    """Add one workspace entry."""
    from mlops_desktop.core.config import (
        AzureConnection,
        BackendKind,
        MlflowConnection,
        WorkspaceConfig,
        local_mlflow_workspace,
        save_config,
    )

    config = load_app_config()
    layout = StageLayout(args.layout)
    if layout is StageLayout.WORKSPACE and args.stage is None:
        raise InvalidInput("say which stage this workspace is", hint="add --stage dev|staging|prod")
    stage = args.stage if layout is StageLayout.WORKSPACE else None
    if args.registry and not args.azure:
        raise InvalidInput("--registry names an Azure ML registry", hint="use it with --azure")
    extra = {"key_metric": args.key_metric} if args.key_metric else {}
    if args.stages:
        extra["stages"] = args.stages
    try:
        if args.local:
            base = local_mlflow_workspace(args.name, stage, layout=layout)
            workspace = base.model_copy(update=extra)
            WorkspaceConfig.model_validate(workspace.model_dump())
        elif args.azure:
            subscription, group, name = args.azure
            workspace = WorkspaceConfig(
                name=args.name,
                backend=BackendKind.AZUREML,
                layout=layout,
                stage=stage,
                azure=AzureConnection(
                    subscription_id=subscription,
                    resource_group=group,
                    workspace_name=name,
                    registry_name=args.registry or None,
                ),
                **extra,
            )
        else:
            workspace = WorkspaceConfig(
                name=args.name,
                layout=layout,
                stage=stage,
                mlflow=MlflowConnection(
                    tracking_uri=args.tracking_uri,
                    registry_uri=args.registry_uri,
                    server_workspace=args.server_workspace,
                ),
                **extra,
            )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise InvalidInput(_first_error(exc)) from None
    save_config(config.with_workspace(workspace, replace=args.replace))
    print(f"added workspace {workspace.name!r} ({workspace.stage_label}, {workspace.location})")
    return 0


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        items = errors()
        if items:
            return str(items[0]["msg"]).removeprefix("Value error, ")
    return str(exc)


def remove_workspace(args: argparse.Namespace) -> int:
    """Remove a workspace entry (its data stays where it is)."""
    from mlops_desktop.core.config import save_config

    config = load_app_config()
    save_config(config.without_workspace(args.name))
    print(f"removed workspace {args.name!r} from the configuration (its data was not deleted)")
    return 0


def import_azure_config(args: argparse.Namespace) -> int:
    """Add an Azure ML workspace from a downloaded config.json."""
    from mlops_desktop.core.config import save_config, workspace_from_azure_config

    config = load_app_config()
    workspace = workspace_from_azure_config(args.config_json, name=args.name, stage=args.stage)
    save_config(config.with_workspace(workspace, replace=args.replace))
    print(
        f"added Azure ML workspace {workspace.name!r} ({workspace.stage_label}, "
        f"{workspace.location})"
    )
    return 0


# -- create-azure: create a missing stage workspace, then add it -----------------------------


def _register_create_azure(commands: argparse._SubParsersAction) -> None:
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
    from mlops_desktop.core.config import (
        AzureConnection,
        BackendKind,
        WorkspaceConfig,
        save_config,
    )
    from mlops_desktop.ports.provider import ports_of

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
    info = (
        ports_of(workspace)
        .workspace_admin()
        .create(
            location=args.location,
            display_name=args.display_name,
            description=args.description,
            ctx=TaskContext(progress_printer()),
        )
    )
    save_config(config.with_workspace(workspace))
    print(
        f"created Azure ML workspace {info.name} in {group} ({info.location}) and added it as "
        f"{workspace.name!r} ({workspace.stage_label})"
    )
    return 0
