"""``mlops-desktop retrain check|history|policy``: retraining policies, evaluated headless.

``retrain check`` evaluates every policy's triggers (schedule, drift, data quality, performance)
and, with ``--submit``, submits one job per policy that fired — never while the policy's previous
job is queued or running, never within its cooldown. Run it from a system timer or CI; the app's
background evaluation calls the same function. Every decision is recorded (``retrain history``).

Exit codes: 0 every policy evaluated; 1 with ``--exit-code``, a policy fired or would fire;
2 an error (a policy could not be evaluated, or a job waited for with ``--wait`` failed).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.jobs import add_pipeline_arguments
from mlops_desktop.cli.output import load_app_config, print_json, print_table

if TYPE_CHECKING:
    from mlops_desktop.retraining.decisions import Decision

EXIT_FIRED = 1
EXIT_ERROR = 2
_BOUND = re.compile(r"^\s*(\w+)\s*([<>])\s*([-+0-9.eE]+)\s*$")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``retrain`` command group."""
    group = sub.add_parser(
        "retrain",
        help="retraining policies: check triggers, history, manage policies",
        description="Retraining policies (retraining.toml in the config dir): when to retrain "
        "which model in which workspace, on a schedule or when drift, data quality or "
        "performance cross a bound.",
        epilog="exit codes: 0 evaluated; 1 (with --exit-code) a policy fired or would fire; "
        "2 error",
    )
    commands = group.add_subparsers(dest="retrain_command", metavar="ACTION", required=True)

    check = commands.add_parser(
        "check",
        help="evaluate the policies (and with --submit, start the jobs that fired)",
        description="Evaluate every policy's triggers and record each decision with its numbers. "
        "With --submit, a policy that fired gets exactly one job, unless its previous job is "
        "still queued or running or its cooldown has not passed.",
    )
    check.add_argument("--submit", action="store_true", help="submit a job for each fired policy")
    check.add_argument(
        "--policy", action="append", default=[], metavar="NAME", help="only this policy (repeat)"
    )
    check.add_argument("--wait", action="store_true", help="wait for the submitted jobs (CI)")
    check.add_argument("--timeout", type=float, help="seconds to wait at most (with --wait)")
    check.add_argument(
        "--exit-code", action="store_true", help="exit 1 when a policy fired or would fire"
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=check_command)

    history = commands.add_parser("history", help="recorded decisions, newest last")
    history.add_argument("--policy", metavar="NAME", help="only this policy")
    history.add_argument("--limit", type=int, default=50, help="the last N (default 50)")
    history.add_argument("--fired", action="store_true", help="only decisions that fired a job")
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=history_command)

    policy = commands.add_parser("policy", help="list, show, add or remove policies")
    actions = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the policies and the file they live in")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=policy_list)
    show = actions.add_parser("show", help="one policy as TOML")
    show.add_argument("name")
    show.set_defaults(handler=policy_show)
    remove = actions.add_parser("remove", help="delete a policy")
    remove.add_argument("name")
    remove.set_defaults(handler=policy_remove)
    _register_add(actions)


def _register_add(actions: argparse._SubParsersAction) -> None:
    add = actions.add_parser(
        "add",
        help="add (or --replace) a policy",
        description="Add a policy. Give at least one trigger: --cron/--every-days, "
        "--dataset-drift, --feature-drift, --quality, --performance. Metric triggers compare "
        "--current with --reference (default: model:WORKSPACE/MODEL/champion). For everything "
        "else, edit retraining.toml (see `retrain policy list` for its path).",
    )
    add.add_argument("name")
    add.add_argument("--model", required=True, help="registered model to retrain")
    add.add_argument("--workspace", "-w", required=True, help="where the job runs and registers")
    add.add_argument("--cooldown", default="24h", help="no new job within this (default 24h)")
    add.add_argument("--promote-to", metavar="STAGE", help="promote the new version after")
    add.add_argument("--disabled", action="store_true", help="add it switched off")
    add.add_argument("--replace", action="store_true", help="replace a policy of that name")
    trig = add.add_argument_group("triggers")
    trig.add_argument("--cron", metavar="EXPR", help="schedule, e.g. '0 3 * * 1'")
    trig.add_argument("--every-days", type=float, metavar="N", help="schedule: every N days")
    trig.add_argument("--dataset-drift", action="store_true", help="fire on dataset drift")
    trig.add_argument(
        "--feature-drift",
        nargs="?",
        const="",
        metavar="F1,F2",
        help="fire when one of these features (default: any) drifts",
    )
    trig.add_argument("--drift-threshold", type=float, help="threshold for --feature-drift")
    trig.add_argument("--quality", metavar="RATE>BOUND", help="e.g. 'null_rate>0.05' (any column)")
    trig.add_argument(
        "--performance", metavar="METRIC<BOUND", help="e.g. 'r2<0.3' or 'rmse>60' (needs labels)"
    )
    data = add.add_argument_group("data compared by metric triggers")
    data.add_argument("--current", metavar="SRC", help="e.g. endpoint:prod/churn#since=-24h")
    data.add_argument("--reference", metavar="SRC", help="default model:WORKSPACE/MODEL/champion")
    data.add_argument("--label", metavar="COL", help="label column of the compared data")
    data.add_argument("--prediction", metavar="COL", help="model output column")
    data.add_argument("--timestamp", metavar="COL", help="time column of a file source")
    data.add_argument("--drift-config", metavar="drift.toml")
    data.add_argument("--min-rows", type=int, default=30)
    pipe = add.add_argument_group("the pipeline the job runs")
    add_pipeline_arguments(pipe)  # type: ignore[arg-type]
    add.set_defaults(handler=policy_add)


# -- check / history ----------------------------------------------------------------------


def check_command(args: argparse.Namespace) -> int:
    """``retrain check``."""
    from mlops_desktop.ports.collected_data import open_collected_data
    from mlops_desktop.retraining.check import check_policies
    from mlops_desktop.retraining.decisions import Outcome

    config = load_app_config()
    decisions = check_policies(
        names=args.policy, submit=args.submit, config=config, open_collected=open_collected_data
    )
    jobs = _wait_for_jobs(decisions, args.timeout) if args.wait else {}
    if args.json:
        print_json(
            [
                {**d.to_json(), "job": jobs[d.job_id].to_json() if d.job_id in jobs else None}
                for d in decisions
            ]
        )
    else:
        if not decisions:
            print("no retraining policies (add one with `mlops-desktop retrain policy add`)")
        for decision in decisions:
            print_decision(decision)
            if decision.job_id in jobs:
                job = jobs[decision.job_id]
                version = (
                    f" -> {job.registered_model} v{job.model_version}" if job.model_version else ""
                )
                print(f"  job {job.id}: {job.status.value}{version}")
    failed = [j for j in jobs.values() if j.status.value != "succeeded"]
    for job in failed:
        print(f"error: job {job.id} {job.status.value}: {job.error}", file=sys.stderr)
    if any(d.outcome is Outcome.ERROR for d in decisions) or failed:
        return EXIT_ERROR
    fired = any(d.outcome in (Outcome.FIRED, Outcome.WOULD_FIRE) for d in decisions)
    return EXIT_FIRED if args.exit_code and fired else 0


def _wait_for_jobs(decisions: list[Decision], timeout: float | None) -> dict[str, Any]:
    from mlops_desktop.retraining.job_manager import JobManager

    manager = JobManager()
    return {
        d.job_id: manager.wait(d.job_id, timeout=timeout) for d in decisions if d.job_id is not None
    }


def print_decision(decision: Decision) -> None:
    """One decision: the outcome, then each trigger's verdict."""
    head = f"{decision.policy} ({decision.model} in {decision.workspace}): {decision.outcome.value}"
    if decision.job_id:
        head += f" - job {decision.job_id}"
    print(head)
    print(f"  {decision.reason}")
    for verdict in decision.verdicts:
        mark = "FIRED" if verdict.fired else ("error" if verdict.error else "no")
        print(f"  [{mark}] {verdict.kind}: {verdict.reason}")


def history_command(args: argparse.Namespace) -> int:
    """``retrain history``."""
    from mlops_desktop.retraining.decisions import DecisionLog

    decisions = DecisionLog().read(policy=args.policy)
    if args.fired:
        decisions = [d for d in decisions if d.fired]
    decisions = decisions[-args.limit :] if args.limit else decisions
    if args.json:
        print_json([d.to_json() for d in decisions])
        return 0
    if not decisions:
        print("no decisions recorded yet (run `mlops-desktop retrain check`)")
        return 0
    rows = [
        [
            d.at[:19].replace("T", " "),
            d.policy,
            d.outcome.value,
            d.job_id or "",
            d.reason if len(d.reason) <= 90 else d.reason[:89] + "…",
        ]
        for d in decisions
    ]
    print_table(["AT (UTC)", "POLICY", "OUTCOME", "JOB", "WHY"], rows)
    return 0


# -- policies -----------------------------------------------------------------------------


def policy_list(args: argparse.Namespace) -> int:
    """``retrain policy list``."""
    from mlops_desktop.retraining.policies import load_policies, policies_file

    policies = load_policies()
    if args.json:
        print_json([p.model_dump(mode="json", exclude_none=True) for p in policies.policies])
        return 0
    if not policies.policies:
        print(f"no retraining policies ({policies_file()})")
        return 0
    rows = [
        [
            p.name,
            p.model,
            p.workspace,
            ", ".join(_trigger_label(t) for t in p.triggers),
            p.cooldown,
            p.promote_to or "",
            "yes" if p.enabled else "no",
        ]
        for p in policies.policies
    ]
    print_table(["NAME", "MODEL", "WORKSPACE", "TRIGGERS", "COOLDOWN", "PROMOTE TO", "ON"], rows)
    print(f"\nfile: {policies_file()}")
    return 0


def _trigger_label(rule: Any) -> str:
    match rule.kind:
        case "schedule":
            return f"cron {rule.cron}" if rule.cron else f"every {rule.every_days:g}d"
        case "feature_drift":
            return f"drift({','.join(rule.features) or 'any'})"
        case "quality":
            return f"{rule.rate}>{rule.bound:g}"
        case "performance":
            bounds = [
                f"<{rule.min:g}" if rule.min is not None else "",
                f">{rule.max:g}" if rule.max is not None else "",
            ]
            return f"{rule.metric}{'|'.join(b for b in bounds if b)}"
        case _:
            return str(rule.kind)


def policy_show(args: argparse.Namespace) -> int:
    """``retrain policy show``."""
    from mlops_desktop.retraining.policies import RetrainingConfig, load_policies, policies_to_toml

    policy = load_policies().policy(args.name)
    print(policies_to_toml(RetrainingConfig(policies=(policy,))), end="")
    return 0


def policy_remove(args: argparse.Namespace) -> int:
    """``retrain policy remove``."""
    from mlops_desktop.retraining.policies import load_policies, save_policies

    path = save_policies(load_policies().without_policy(args.name))
    print(f"removed policy {args.name!r} from {path}")
    return 0


def policy_add(args: argparse.Namespace) -> int:
    """``retrain policy add``."""
    from mlops_desktop.retraining.policies import load_policies, policy_from_dict, save_policies

    load_app_config().workspace(args.workspace)  # NotFound names the known workspaces
    policy = policy_from_dict(policy_dict_from_args(args))
    path = save_policies(load_policies().with_policy(policy, replace=args.replace))
    print(f"policy {policy.name!r} saved in {path}")
    return 0


def policy_dict_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The raw policy mapping ``policy add`` validates."""
    from mlops_desktop.core.errors import InvalidInput

    triggers: list[dict[str, Any]] = []
    if args.cron:
        triggers.append({"kind": "schedule", "cron": args.cron})
    if args.every_days:
        triggers.append({"kind": "schedule", "every_days": args.every_days})
    if args.dataset_drift:
        triggers.append({"kind": "dataset_drift"})
    if args.feature_drift is not None:
        features = [f.strip() for f in args.feature_drift.split(",") if f.strip()]
        rule: dict[str, Any] = {"kind": "feature_drift", "features": features}
        if args.drift_threshold is not None:
            rule["threshold"] = args.drift_threshold
        triggers.append(rule)
    if args.quality:
        name, op, bound = _bound(args.quality, "--quality")
        if op != ">":
            raise InvalidInput("--quality fires above a bound: write RATE>BOUND")
        triggers.append({"kind": "quality", "rate": name, "bound": bound})
    if args.performance:
        name, op, bound = _bound(args.performance, "--performance")
        triggers.append(
            {"kind": "performance", "metric": name, ("min" if op == "<" else "max"): bound}
        )
    raw: dict[str, Any] = {
        "name": args.name,
        "model": args.model,
        "workspace": args.workspace,
        "cooldown": args.cooldown,
        "enabled": not args.disabled,
        "triggers": triggers,
        "pipeline": {
            "data": args.data,
            "params": dict(args.param),
            "seed": args.seed,
            **{
                key: value
                for key, value in (
                    ("target", args.target),
                    ("model_type", args.model_type),
                    ("experiment", args.experiment),
                    ("script", args.script),
                    ("args", args.script_args),
                )
                if value
            },
            **({"tracked": False} if args.untracked else {}),
        },
    }
    if args.promote_to:
        raw["promote_to"] = args.promote_to
    if args.current:
        raw["data"] = {
            key: value
            for key, value in (
                ("current", args.current),
                ("reference", args.reference),
                ("target", args.label),
                ("prediction", args.prediction),
                ("timestamp", args.timestamp),
                ("drift_config", args.drift_config),
                ("min_rows", args.min_rows),
            )
            if value is not None
        }
    return raw


def _bound(text: str, flag: str) -> tuple[str, str, float]:
    from mlops_desktop.core.errors import InvalidInput

    match = _BOUND.match(text)
    if not match:
        raise InvalidInput(f"{flag} {text!r}: write NAME<BOUND or NAME>BOUND, e.g. r2<0.3")
    return match.group(1), match.group(2), float(match.group(3))
