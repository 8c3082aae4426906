"""``mlops-desktop models list|show``."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from mlops_desktop.cli.output import format_metric, load_app_config, print_json, print_table
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.lineage import copy_chain, lineage_by_stage
from mlops_desktop.core.serialize import model_version_detail, model_version_summary
from mlops_desktop.core.stages import Stage

if TYPE_CHECKING:  # the config model is pydantic: not loaded to build the parser (--help)
    from mlops_desktop.core.config import WorkspaceConfig
    from mlops_desktop.core.entities import ModelVersion


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``models`` command group."""
    group = sub.add_parser("models", help="model versions across workspaces")
    commands = group.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="every model version in every (or one) workspace")
    listing.add_argument("--workspace", "-w", help="only this workspace")
    listing.add_argument("--stage", type=Stage.parse, help="only this stage")
    listing.add_argument("--model", help="only this logical model name")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=list_models)

    show = commands.add_parser("show", help="one version with params, metrics, tags, lineage")
    show.add_argument("name", help="registered model name (e.g. churn or prod.churn)")
    show.add_argument("version")
    show.add_argument("--workspace", "-w", required=True)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_model)


def _load_versions(ws: WorkspaceConfig) -> tuple[list[ModelVersion], list[str]]:
    """The workspace's versions and what of it could not be read (listed anyway)."""
    from mlops_desktop.backends.registry import open_backend

    backend = open_backend(ws)
    versions = backend.list_model_versions()
    problems = list(getattr(backend, "read_problems", ()))
    cached = getattr(backend, "served_from_cache", None)
    if cached is not None:
        when = cached.saved_at.isoformat(timespec="seconds")
        problems.append(f"could not be read ({cached.reason}); its versions are as of {when}")
    return versions, problems


def list_models(args: argparse.Namespace) -> int:
    """List versions across workspaces; a failing workspace (or a model of it whose versions
    could not be read) is reported on stderr and the command exits 2, the rest listed."""
    config = load_app_config()
    workspaces = [config.workspace(args.workspace)] if args.workspace else list(config.workspaces)
    if args.stage:
        workspaces = [w for w in workspaces if args.stage in w.hosted_stages]
    versions, failures = _load_all(workspaces)
    if args.stage:
        versions = [v for v in versions if v.stage is args.stage]
    if args.model:
        versions = [v for v in versions if v.model == args.model]
    versions.sort(
        key=lambda v: (v.model, v.stage.rank if v.stage else 9, v.workspace, _num(v.version))
    )
    if args.json:
        print_json([model_version_summary(v) for v in versions])
    elif not versions and not failures:
        print("no model versions")
    else:
        rows = [
            [
                v.model,
                v.version,
                v.stage.value if v.stage else "-",
                v.workspace,
                ",".join(v.aliases),
                f"{v.key_metric_name}={format_metric(v.key_metric_value)}"
                if v.key_metric_name
                else "",
                v.created_at.strftime("%Y-%m-%d %H:%M") if v.created_at else "",
                (v.run_id or "")[:12],
            ]
            for v in versions
        ]
        headers = ["MODEL", "VERSION", "STAGE", "WORKSPACE", "ALIASES", "KEY METRIC", "CREATED"]
        print_table([*headers, "RUN"], rows)
    for name, exc in failures:
        print(f"error: workspace {name!r}: {exc}", file=sys.stderr)
    return 2 if failures else 0


def _num(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (0, version)


def show_model(args: argparse.Namespace) -> int:
    """Show one version in detail, with where it lives across stages and its copy chain."""
    from mlops_desktop.backends.registry import open_backend

    config = load_app_config()
    ws = config.workspace(args.workspace)
    version = open_backend(ws).get_model_version(args.name, args.version)
    others = [w for w in config.workspaces if w.name != ws.name]
    versions, failures = _load_all([ws, *others])
    if not any(_same(v, version) for v in versions):
        versions.append(version)  # listed without its run or aliases: use the full read
    versions = [version if _same(v, version) else v for v in versions]
    by_stage = lineage_by_stage(version, versions)
    chain, missing = copy_chain(version, versions)
    detail = model_version_detail(version)
    if args.json:
        detail["lives_in"] = {
            stage.value: [_ref(v) for v in members] for stage, members in by_stage.items()
        }
        detail["copy_chain"] = [_ref(v) for v in chain]
        print_json(detail)
        return 0
    print(
        f"{version.registered_name} version {version.version} in workspace {ws.name} "
        f"(stage {ws.stage_label})"
    )
    print(f"  aliases:  {', '.join(version.aliases) or '-'}")
    print(f"  status:   {version.status}")
    print(f"  created:  {detail['created_at']}")
    print(f"  source:   {version.source}")
    print(f"  run:      {version.run_id or '-'}")
    print("  lineage:  " + _stages_line(version, by_stage))
    print("  copied:   " + _chain_line(chain, missing))
    for name, exc in failures:
        print(f"            ({name} not reachable, not shown: {exc})")
    run = version.run
    if run:
        if run.params:
            print("  params:")
            for k, v in sorted(run.params.items()):
                print(f"    {k} = {v}")
        if run.metrics:
            print("  metrics:")
            for k, v in sorted(run.metrics.items()):
                print(f"    {k} = {format_metric(v)}")
        for ds in run.datasets:
            print(f"  dataset:  {ds.name} ({ds.context or 'input'}, digest {ds.digest})")
    if version.tags:
        print("  tags:")
        for k, v in sorted(version.tags.items()):
            print(f"    {k} = {v}")
    return 0


def _load_all(
    workspaces: list[WorkspaceConfig],
) -> tuple[list[ModelVersion], list[tuple[str, MlopsError | str]]]:
    """Every version of every workspace, read in parallel, and by workspace name what could not
    be read: a whole workspace (its error) or part of one (a sentence; the rest is listed)."""

    def load(
        ws: WorkspaceConfig,
    ) -> tuple[WorkspaceConfig, tuple[list[ModelVersion], list[str]] | MlopsError]:
        try:
            return ws, _load_versions(ws)
        except MlopsError as exc:
            return ws, exc

    versions: list[ModelVersion] = []
    failures: list[tuple[str, MlopsError | str]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for ws, outcome in pool.map(load, workspaces):
            if isinstance(outcome, MlopsError):
                failures.append((ws.name, outcome))
            else:
                versions.extend(outcome[0])
                failures.extend((ws.name, problem) for problem in outcome[1])
    return versions, failures


def _key(v: ModelVersion) -> tuple[str, str, str]:
    return v.workspace, v.registered_name, v.version


def _same(a: ModelVersion, b: ModelVersion) -> bool:
    return _key(a) == _key(b)


def _ref(v: ModelVersion) -> dict[str, object]:
    return {
        "workspace": v.workspace,
        "model": v.registered_name,
        "version": v.version,
        "aliases": list(v.aliases),
    }


def _label(v: ModelVersion) -> str:
    aliases = "".join(f" @{a}" for a in v.aliases)
    return f"{v.workspace} v{v.version}{aliases}"


def _stages_line(version: ModelVersion, by_stage: dict[Stage, list[ModelVersion]]) -> str:
    """``dev: dev v2 @champion → staging: - → prod: prod v1 (this)``."""
    parts = []
    for stage, members in by_stage.items():
        shown = [_label(v) + (" (this)" if _same(v, version) else "") for v in members]
        parts.append(f"{stage.value}: {', '.join(shown) or '-'}")
    return " → ".join(parts)


def _chain_line(chain: list[ModelVersion], missing: tuple[str, str, str] | None) -> str:
    """``prod v1 ← dev v2 (trained, run b51c852e11b5)``, or ``not a copy``."""
    if len(chain) == 1 and missing is None:
        return f"not a copy (trained, run {(chain[0].run_id or '-')[:12]})"
    text = " ← ".join(f"{v.workspace} v{v.version}" for v in chain)
    if missing is not None:
        workspace, model, number = missing
        return f"{text} ← {workspace} {model} v{number} (not found there any more)"
    return f"{text} (trained, run {(chain[-1].run_id or '-')[:12]})"
