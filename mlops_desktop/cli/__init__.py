"""Every headless command. ``mlops-desktop --help`` lists them.

Exit codes: 0 success, 2 an error (message on stderr, no traceback), except where a command
documents more (``drift report``: 1 means drift was detected).
"""

from __future__ import annotations

import argparse
import sys

from mlops_desktop import __version__
from mlops_desktop.cli import audit as audit_cmd
from mlops_desktop.cli import compute as compute_cmd
from mlops_desktop.cli import demo as demo_cmd
from mlops_desktop.cli import drift as drift_cmd
from mlops_desktop.cli import endpoints as endpoints_cmd
from mlops_desktop.cli import export_ci as export_ci_cmd
from mlops_desktop.cli import jobs as jobs_cmd
from mlops_desktop.cli import models as models_cmd
from mlops_desktop.cli import notify as notify_cmd
from mlops_desktop.cli import overview as overview_cmd
from mlops_desktop.cli import permissions as permissions_cmd
from mlops_desktop.cli import promote as promote_cmd
from mlops_desktop.cli import retrain as retrain_cmd
from mlops_desktop.cli import schedules as schedules_cmd
from mlops_desktop.cli import settings as settings_cmd
from mlops_desktop.cli import workspaces as workspaces_cmd
from mlops_desktop.cli.output import run_handler
from mlops_desktop.core import paths
from mlops_desktop.core.files import keep_files_private

_COMMAND_MODULES = [
    overview_cmd,
    workspaces_cmd,
    models_cmd,
    demo_cmd,
    drift_cmd,
    endpoints_cmd,
    promote_cmd,
    audit_cmd,
    jobs_cmd,
    retrain_cmd,
    compute_cmd,
    export_ci_cmd,
    settings_cmd,
    permissions_cmd,
    schedules_cmd,
    notify_cmd,
]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog="mlops-desktop",
        description="MLOps Desktop: dev, staging and prod workspaces side by side. With no "
        "command it opens the window; every action is also a command for CI.",
    )
    parser.add_argument("--version", action="version", version=f"mlops-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser(
        "gui",
        help="open the window (the default); --screenshot FILE, --timing",
        description="Open the main window. Options: --screenshot FILE writes a PNG once every "
        "page has loaded and exits; --timing prints time-to-window.",
    )
    gui.set_defaults(handler=None)
    for module in _COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code."""
    keep_files_private(paths.config_dir(), paths.data_dir(), paths.cache_dir())
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0 if args.command is None else 2
    code = run_handler(handler, args)
    # Promotions, approvals, retraining checks and heals record events: send them now, so CI
    # notifies without a window open (the GUI's own dispatcher would not send them twice).
    notify_cmd.send_after_command(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
