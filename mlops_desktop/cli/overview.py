"""``mlops-desktop overview``: the Overview page's grid in a terminal (or as JSON).

One glance per stage across every workspace: each model's champion, its endpoints' health and
last-hour traffic, the latest drift verdict, pending approvals, last and next retraining, and
what is wrong. Exit code 0 even with problems (they are in the output); 2 on an error.
"""

from __future__ import annotations

import argparse

from mlops_desktop.cli.output import load_app_config, print_json


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``overview`` command."""
    command = sub.add_parser(
        "overview",
        help="every model's champion, endpoint health, traffic, drift, approvals and "
        "retraining per stage (the Overview page)",
        description="One glance per stage (dev → staging → prod) across every configured "
        "workspace; a workspace that cannot be read shows as a problem, not an error.",
    )
    command.add_argument("--json", action="store_true", help="machine-readable output")
    command.set_defaults(handler=overview_command)


def overview_command(args: argparse.Namespace) -> int:
    """Print the overview grid."""
    from mlops_desktop.core.tasks import TaskContext
    from mlops_desktop.overview.snapshot import overview_snapshot
    from mlops_desktop.overview.text import snapshot_lines

    snapshot = overview_snapshot(TaskContext(), load_app_config())
    if args.json:
        print_json(snapshot.to_json())
        return 0
    for line in snapshot_lines(snapshot):
        print(line)
    return 0
