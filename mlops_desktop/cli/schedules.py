"""``mlops-desktop schedules list|create|enable|disable``: Azure ML job and monitor schedules.

Local and MLflow workspaces schedule retraining with ``retrain policy add --cron``; this group
manages the schedules Azure ML itself runs (retraining jobs, model monitors).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from mlops_desktop.cli.jobs import parse_inputs, parse_param
from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.schedules import POLICY_HINT as _LOCAL_HINT
from mlops_desktop.ports.schedules import runs_text


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``schedules`` command group."""
    group = sub.add_parser(
        "schedules",
        help="Azure ML schedules: recurring retraining jobs and model monitors",
        description="Schedules Azure ML runs by itself: retraining command jobs on a cron "
        "expression or recurrence, and model monitors. " + _LOCAL_HINT + ".",
    )
    commands = group.add_subparsers(dest="schedules_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="job and monitor schedules, enabled or not")
    listing.add_argument("--workspace", "-w", help="only this workspace")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_schedules)

    create = commands.add_parser("create", help="a recurring retraining job")
    create.add_argument("name", help="schedule name (letters, digits, '-', '_')")
    create.add_argument("--workspace", "-w", required=True)
    when = create.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR", help="e.g. '0 3 * * 1' (Mondays 03:00)")
    when.add_argument("--every", metavar="N UNIT", help="e.g. '1 day', '12 hours', '1 week'")
    create.add_argument("--time-zone", default="UTC", help="Windows time zone name (UTC)")
    create.add_argument("--from-job", metavar="JOB", help="command job to re-run")
    create.add_argument("--experiment", help="newest completed job of this experiment")
    create.add_argument(
        "--param", action="append", type=parse_param, default=[], metavar="NAME=VALUE"
    )
    create.add_argument("--input", action="append", default=[], metavar="NAME=URI")
    create.add_argument("--compute", help="compute target (default: the template job's)")
    create.add_argument("--display-name")
    create.add_argument("--disabled", action="store_true", help="create it switched off")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=create_schedule)

    for action, text in (("enable", "switch a schedule on"), ("disable", "switch it off")):
        command = commands.add_parser(action, help=text)
        command.add_argument("name")
        command.add_argument("--workspace", "-w", required=True)
        command.add_argument("--json", action="store_true")
        command.set_defaults(handler=switch_schedule, enable=action == "enable")


def _backend(workspace: str) -> Any:
    """The workspace's schedules port (a workspace without service schedules: refused)."""
    from mlops_desktop.ports.provider import open_schedules  # pydantic config: not for --help

    return open_schedules(load_app_config().workspace(workspace))


def _row(workspace: str, s: Any) -> list[str]:
    what = runs_text(s)
    return [
        workspace,
        s.name,
        s.kind,
        "on" if s.enabled else "off",
        f"{s.trigger_type}: {s.expression}",
        s.time_zone,
        what,
    ]


def list_schedules(args: argparse.Namespace) -> int:
    """Schedules of every (or one) Azure ML workspace; an unreachable one is reported."""
    config = load_app_config()
    from mlops_desktop.ports.provider import schedule_workspaces

    names = [args.workspace] if args.workspace else [w.name for w in schedule_workspaces(config)]
    found: list[tuple[str, Any]] = []
    failed = False
    for name in names:
        try:
            backend = _backend(name)
            try:
                found += [(name, s) for s in backend.list_schedules()]
            finally:
                backend.close()
        except MlopsError as exc:
            if args.workspace:
                raise
            print(f"{name}: {exc.message}", file=sys.stderr)
            failed = True
    if args.json:
        print_json([{"workspace": w, **to_jsonable(asdict(s))} for w, s in found])
    elif found:
        headers = ["WORKSPACE", "SCHEDULE", "KIND", "STATE", "TRIGGER", "TIME ZONE", "RUNS"]
        print_table(headers, [_row(w, s) for w, s in found])
    else:
        print("no schedules")
    # A workspace that could not be read is an error, in text and JSON alike (stderr names it).
    return 2 if failed else 0


def _print_one(workspace: str, schedule: Any, as_json: bool, message: str) -> None:
    if as_json:
        print_json({"workspace": workspace, **to_jsonable(asdict(schedule))})
        return
    print(message)
    print_table(
        ["WORKSPACE", "SCHEDULE", "KIND", "STATE", "TRIGGER", "TIME ZONE", "RUNS"],
        [_row(workspace, schedule)],
    )


def create_schedule(args: argparse.Namespace) -> int:
    """Create a recurring retraining schedule."""
    inputs = parse_inputs(args.input)
    backend = _backend(args.workspace)
    try:
        schedule = backend.create_retraining(
            args.name,
            cron=args.cron,
            every=args.every,
            time_zone=args.time_zone,
            template=args.from_job,
            experiment=args.experiment,
            parameters=dict(args.param),
            inputs=inputs,
            compute=args.compute,
            display_name=args.display_name,
            enabled=not args.disabled,
            ctx=TaskContext(progress_printer(quiet=args.json)),
        )
    finally:
        backend.close()
    _print_one(args.workspace, schedule, args.json, f"schedule {schedule.name!r} created")
    return 0


def switch_schedule(args: argparse.Namespace) -> int:
    """Enable or disable a schedule."""
    backend = _backend(args.workspace)
    try:
        ctx = TaskContext(progress_printer(quiet=args.json))
        schedule = backend.switch(args.name, args.enable, ctx)
    finally:
        backend.close()
    state = "enabled" if schedule.enabled else "disabled"
    _print_one(args.workspace, schedule, args.json, f"schedule {schedule.name!r} {state}")
    return 0
