"""``mlops-desktop demo [--reset]``."""

from __future__ import annotations

import argparse

from mlops_desktop.cli.output import load_app_config, progress_printer
from mlops_desktop.core.tasks import TaskContext


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` command."""
    demo = sub.add_parser(
        "demo",
        help="create local dev/staging/prod workspaces with real trained models",
        description="Create three local MLflow workspaces (dev, staging, prod) under the data "
        "dir: several training runs on scikit-learn's diabetes data in dev, the best version "
        "copied into staging and prod with alias 'champion', production-like current "
        "data with drift, and live endpoints in staging and prod serving their champions with "
        "a stream of real requests (prod's drifting). Idempotent; --reset starts over.",
    )
    demo.add_argument("--reset", action="store_true", help="delete the demo and start over")
    demo.add_argument(
        "--no-endpoints",
        action="store_true",
        help="skip the live endpoints in staging and prod (and their traffic)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress lines")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """Build the demo and print what it made."""
    load_app_config()
    from mlops_desktop.demo import create_demo

    summary = create_demo(
        TaskContext(progress_printer(args.quiet)),
        reset=args.reset,
        endpoints=not args.no_endpoints,
    )
    for line in summary.lines():
        print(line)
    return 0
