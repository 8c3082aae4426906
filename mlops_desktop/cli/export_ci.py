"""``mlops-desktop export-ci --github|--azure-devops [--out FILE]``: a ready CI workflow.

Run in the repository's root. Writes YAML that runs drift reports and the retraining check
with its jobs on a schedule, on push and by hand (promotion on push with
``--promote-on-push``), and the policies as ``mlops/retraining.toml`` with their data paths
relative to the repository. The app is installed with ``pip install .`` from the checked-out
repository, or ``--install REQUIREMENT``. Secrets are referenced by name, never written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.cli.output import load_app_config
from mlops_desktop.core.files import hand_over

if TYPE_CHECKING:
    from mlops_desktop.retraining.policies import RetrainingConfig

DEFAULT_OUT = {"github": ".github/workflows/mlops.yml", "azure-devops": "azure-pipelines.yml"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``export-ci`` command."""
    export = sub.add_parser(
        "export-ci",
        help="write a GitHub Actions or Azure DevOps workflow for retraining and promotion",
        description="Write a CI workflow that runs `retrain check --submit`, drift reports "
        "(uploaded as artifacts) on a schedule, on push and by hand (promotion on push with "
        "--promote-on-push), using this CLI for "
        "MLflow workspaces and `az ml job create` for Azure ML ones. Run it in the repository's "
        "root: it also writes the policies into --config-dir with data paths relative to the "
        "repository; commit them with your config.toml.",
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
    export.add_argument(
        "--install",
        metavar="REQUIREMENT",
        default=".",
        help="what CI installs the app from: '.' (default; the checked-out repository, which "
        "must be a Python project) or a pinned requirement or URL, e.g. 'mlops-desktop==0.1.0' "
        "or 'git+https://example.com/you/mlops-desktop@v0.1.0'",
    )
    export.add_argument(
        "--promote-on-push",
        action="store_true",
        help="also promote each policy's model to its promote_to target on every push "
        "(off by default: retraining jobs promote their own new versions)",
    )
    export.add_argument(
        "--force", action="store_true", help="overwrite an existing workflow and policy file"
    )
    export.set_defaults(handler=export_ci)


def export_ci(args: argparse.Namespace) -> int:
    """Write the workflow and the portable policies; refuses to overwrite without ``--force``."""
    from mlops_desktop.core.errors import Conflict
    from mlops_desktop.retraining.ci_export import (
        CiOptions,
        azure_devops_pipeline,
        github_workflow,
    )
    from mlops_desktop.retraining.ci_paths import portable_policies
    from mlops_desktop.retraining.policies import POLICIES_FILE_NAME, load_policies

    kind = "github" if args.github else "azure-devops"
    root = Path.cwd()
    if args.install == ".":
        _require_python_project(root)
    options = CiOptions(
        cron=args.cron,
        branch=args.branch,
        config_dir=args.config_dir,
        install=args.install,
        promote_on_push=args.promote_on_push,
        repo_root=root,
    )
    writer = github_workflow if args.github else azure_devops_pipeline
    config, policies = load_app_config(), load_policies()
    text = writer(config, policies, options)
    out = args.out or DEFAULT_OUT[kind]
    if out == "-":
        sys.stdout.write(text)
        return 0
    path = Path(out)
    if path.exists() and not args.force:
        raise Conflict(f"{path} exists", hint="pass --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    hand_over(path)  # a file of the repository, not of the app's home
    print(f"wrote {path}")
    portable, moved = portable_policies(policies, root, args.config_dir)
    _write_policies(Path(args.config_dir) / POLICIES_FILE_NAME, portable, force=args.force)
    for relocation in moved:
        print(
            f"note: policy {relocation.policy!r} reads {relocation.original} ({relocation.field}),"
            f" outside the repository; CI reads {relocation.portable}: "
            f"mkdir -p {Path(relocation.portable).parent} && "
            f"cp {relocation.original} {relocation.portable}"
        )
    if not (Path(args.config_dir) / "config.toml").exists():
        from mlops_desktop.core.paths import config_file

        print(
            f"note: copy your workspaces into {args.config_dir}/config.toml "
            f"(cp {config_file()} {args.config_dir}/config.toml) and point them at servers CI "
            "can reach"
        )
    return 0


def _require_python_project(root: Path) -> None:
    """``pip install .`` needs a Python project in the repository root."""
    from mlops_desktop.core.errors import InvalidInput

    if not any((root / name).exists() for name in ("pyproject.toml", "setup.py", "setup.cfg")):
        raise InvalidInput(
            f"{root} is not a Python project, so CI cannot `pip install .` the app from it",
            hint="run export-ci in the repository root, or pass --install with a pinned "
            "requirement or URL, e.g. --install 'mlops-desktop==0.1.0'",
        )


def _write_policies(path: Path, policies: RetrainingConfig, *, force: bool) -> None:
    """Write the CI's policy file unless one is there (``--force`` replaces it)."""
    from mlops_desktop.retraining.policies import save_policies

    if path.exists() and not force:
        print(f"kept {path} (pass --force to rewrite it with repository-relative paths)")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    hand_over(save_policies(policies, path))
    print(f"wrote {path}")
