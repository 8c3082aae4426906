"""``mlops-desktop permissions``: what the signed-in Azure identity may do in each workspace."""

from __future__ import annotations

import argparse
import sys

from mlops_desktop.cli.output import load_app_config, print_json, print_table
from mlops_desktop.core.errors import MlopsError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``permissions`` command."""
    cmd = sub.add_parser(
        "permissions",
        help="which actions the signed-in identity may take in each Azure ML workspace",
        description="Reads the effective Azure RBAC permissions (Microsoft.Authorization/"
        "permissions) of the signed-in identity on each Azure ML workspace and lists, per "
        "operation of the app, whether it is allowed or which Azure action is missing.",
    )
    cmd.add_argument("--workspace", "-w", help="only this workspace")
    cmd.add_argument("--json", action="store_true", help="machine-readable output")
    cmd.set_defaults(handler=show_permissions)


def show_permissions(args: argparse.Namespace) -> int:
    """Print the permission report of every (or one) Azure ML workspace."""
    from mlops_desktop.ports.provider import ports_of  # the config model: not for --help

    config = load_app_config()
    if args.workspace:
        workspaces = [config.workspace(args.workspace)]
    else:
        workspaces = [w for w in config.workspaces if ports_of(w).has_rbac]
    if not workspaces:
        print("no Azure ML workspaces configured", file=sys.stderr)
        return 0
    data = []
    failed = False
    for ws in workspaces:
        try:
            perms = ports_of(ws).identity().permissions()
        except MlopsError as exc:  # one workspace of several: said, and the others go on
            print(f"{ws.name}: {exc.message}", file=sys.stderr)
            failed = True
            continue
        data.append(
            {
                "workspace": ws.name,
                "identity": perms.identity,
                "scope": perms.scope,
                "operations": {
                    name: {"allowed": c.allowed, "missing": list(c.missing)}
                    for name, c in perms.report().items()
                },
            }
        )
    if args.json:
        print_json(data)
    else:
        for entry in data:
            print(f"{entry['workspace']} — {entry['identity'] or 'signed-in identity'}")
            rows = [
                (name, "yes" if c["allowed"] else "no", ", ".join(c["missing"]))
                for name, c in entry["operations"].items()
            ]
            print_table(["operation", "allowed", "missing action"], rows)
            print()
    return 2 if failed and not data else 0
