"""``mlops-desktop export-ci --github|--azure-devops [--out FILE]``: a ready CI workflow.

Writes YAML that runs drift reports, the retraining check with its jobs and promotion on a
schedule and on push, from the workspaces and policies configured here (committed to the
repository as ``mlops/config.toml`` and ``mlops/retraining.toml``). Secrets are referenced by
name, never written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mlops_desktop.cli.output import load_app_config

DEFAULT_OUT = {"github": ".github/workflows/mlops.yml", "azure-devops": "azure-pipelines.yml"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export-ci`` command."""
    export = sub.add_parser(
        "export-ci",
        help="write a GitHub Actions or Azure DevOps workflow for retraining and promotion",
        description="Write a CI workflow that runs `retrain check --submit`, drift reports "
        "(uploaded as artifacts) and promotion on a schedule and on push, using this CLI for "
        "MLflow workspaces and `az ml job create` for Azure ML ones. Commit your config.toml "
        "and retraining.toml into --config-dir.",
    )
    target = export.add_mutually_exclusive_group(required=True)
    target.add_argument("--github", action="store_true", help="GitHub Actions workflow")
    target.add_argument("--azure-devops", action="store_true", help="Azure DevOps pipeline")
    export.add_argument(
        "--out",
        metavar="FILE",
        help="where to write (default .github/workflows/mlops.yml or azure-pipelines.yml; "
        "'-' for stdout)",
    )
    export.add_argument("--cron", default="0 3 * * *", help="schedule (UTC cron, default daily)")
    export.add_argument("--branch", default="main", help="branch whose pushes run it")
    export.add_argument(
        "--config-dir", default="mlops", help="repository folder with config.toml (default mlops)"
    )
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    export.set_defaults(handler=export_ci)


def export_ci(args: argparse.Namespace) -> int:
    """Write the workflow; refuses to overwrite without ``--force``."""
    from mlops_desktop.core.errors import Conflict
    from mlops_desktop.retraining.ci_export import (
        CiOptions,
        azure_devops_pipeline,
        github_workflow,
    )
    from mlops_desktop.retraining.policies import load_policies

    kind = "github" if args.github else "azure-devops"
    options = CiOptions(cron=args.cron, branch=args.branch, config_dir=args.config_dir)
    writer = github_workflow if args.github else azure_devops_pipeline
    text = writer(load_app_config(), load_policies(), options)
    out = args.out or DEFAULT_OUT[kind]
    if out == "-":
        sys.stdout.write(text)
        return 0
    path = Path(out)
    if path.exists() and not args.force:
        raise Conflict(f"{path} exists", hint="pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
