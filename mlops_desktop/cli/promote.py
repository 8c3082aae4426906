"""``mlops-desktop promote``, ``rollback``, ``approvals list|show|approve|reject`` and
``promotions list|show|recover``.

Exit codes of ``promote``, ``rollback`` and ``approvals approve --execute``: 0 completed, or
nothing to do (the version already is the target's champion; audited as a no-op); 1 not done
and the target is as it was (permission refused, a gate, the smoke test or the canary failed,
or it was cancelled — every step rolled back); 2 an error before the operation started (unknown
workspace, model or version, bad input, not confirmed, another operation on the same target);
3 waiting for approval (the request id is printed); 4 the rollback itself was incomplete (see
``promotions show ID``; the next start retries it); 130 interrupted by Ctrl+C (an operation
under way is rolled back first).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.promotion.approvals import ApprovalRequest
    from mlops_desktop.promotion.entities import OperationResult

EXIT_ROLLED_BACK = 1
EXIT_AWAITING_APPROVAL = 3
EXIT_ROLLBACK_FAILED = 4


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``promote``, ``rollback``, ``approvals`` and ``promotions``."""
    promote = sub.add_parser(
        "promote",
        help="promote a model version to the next stage (gated, approved, rolled back on "
        "failure, audited)",
        description="Promote MODEL VERSION from one stage to the next: policy and approval, "
        "gates on the held-out data (key metric vs the target's champion, fairness, signature), "
        "copy into the target registry, deploy at 0 %, smoke test, shift traffic (at once or "
        "canary), move 'champion' (the old one becomes 'previous-champion'), retire the old "
        "deployment, audit. Any failure rolls every step back. See docs/promotion.md.",
    )
    promote.add_argument("model", help="logical model name (without a stage prefix)")
    promote.add_argument("version", help="source version number or alias (e.g. champion)")
    promote.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="SOURCE",
        help="source: WORKSPACE, STAGE or WORKSPACE:STAGE",
    )
    promote.add_argument(
        "--to", dest="target", metavar="TARGET", help="target (default: the next stage)"
    )
    promote.add_argument(
        "--canary",
        metavar="PERCENT[,PERCENT…]",
        help="canary steps before 100 %% (e.g. 10 or 10,50); 0 shifts all at once; default "
        "from the policy",
    )
    promote.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    _common(promote)
    promote.set_defaults(handler=promote_command)

    rollback = sub.add_parser(
        "rollback",
        help="bring back the previous champion (traffic and alias), audited",
        description="Roll MODEL back in a workspace: the 'previous-champion' version takes all "
        "traffic (redeployed when its deployment was retired) and becomes 'champion'; the "
        "version rolled back from becomes 'previous-champion' and keeps its deployment at 0 %.",
    )
    rollback.add_argument("model", help="logical model name")
    rollback.add_argument(
        "--workspace", "-w", required=True, help="WORKSPACE, STAGE or WORKSPACE:STAGE"
    )
    rollback.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    _common(rollback)
    rollback.set_defaults(handler=rollback_command)

    approvals = sub.add_parser(
        "approvals",
        help="promotion requests awaiting a second person: list, show, approve, reject",
        description="Requests live in the target registry, so everyone sharing it sees them. "
        "The requester cannot decide their own request.",
    )
    actions = approvals.add_subparsers(dest="approvals_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="requests (pending by default)")
    listing.add_argument("--workspace", "-w", help="only requests kept in this workspace")
    listing.add_argument(
        "--status",
        default="pending",
        choices=["pending", "approved", "rejected", "executed", "all"],
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=list_approvals)
    show = actions.add_parser(
        "show", help="one request: what it promotes, who asked, the gate results when asked"
    )
    show.add_argument("request_id", metavar="ID")
    show.add_argument("--workspace", "-w", help="the workspace keeping the request")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=show_approval)
    for name, text in (("approve", "approve a request"), ("reject", "reject a request")):
        decide = actions.add_parser(name, help=text)
        decide.add_argument("request_id", metavar="ID")
        decide.add_argument("--comment", "-m", default="", help="why")
        decide.add_argument("--workspace", "-w", help="the workspace keeping the request")
        if name == "approve":
            decide.add_argument(
                "--execute", action="store_true", help="carry out the promotion right away"
            )
            decide.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
        decide.add_argument("--json", action="store_true", help="machine-readable output")
        decide.set_defaults(handler=decide_approval, approve=name == "approve")

    promotions = sub.add_parser("promotions", help="journal of promotions and rollbacks")
    journal_actions = promotions.add_subparsers(
        dest="promotions_command", metavar="ACTION", required=True
    )
    history = journal_actions.add_parser("list", help="recent promotions and rollbacks")
    history.add_argument("--limit", type=int, default=20)
    history.add_argument("--json", action="store_true")
    history.set_defaults(handler=list_promotions)
    show = journal_actions.add_parser("show", help="one operation with its steps")
    show.add_argument("operation_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_promotion)
    recover = journal_actions.add_parser(
        "recover", help="finish or roll back operations a crash interrupted"
    )
    recover.add_argument("--json", action="store_true")
    recover.set_defaults(handler=recover_command)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def parse_canary(text: str | None) -> list[int] | None:
    """``"10,50"`` -> ``[10, 50]``; ``"0"`` -> ``[]``; None -> None (the policy decides)."""
    if text is None:
        return None
    try:
        values = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise InvalidInput(f"--canary {text!r}: give percentages such as 10 or 10,50") from None
    return [v for v in values if v != 0]


def recover_interrupted(quiet: bool = False) -> list[OperationResult]:
    """Finish or roll back interrupted operations (cheap when there are none)."""
    from mlops_desktop.promotion.recovery import needs_recovery, recover_promotions

    if not needs_recovery():
        return []
    outcomes = recover_promotions(TaskContext(progress_printer(quiet)))
    for outcome in outcomes:
        print(
            f"recovered {outcome.kind.value} {outcome.id}: {outcome.state.value}",
            file=sys.stderr,
        )
    return outcomes


def _confirm(question: str, assume_yes: bool) -> None:
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput("not asking on a non-interactive input", hint="pass --yes")
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise InvalidInput("not confirmed; nothing changed")


def _exit_code(result: OperationResult) -> int:
    from mlops_desktop.promotion.entities import OperationState

    if result.state in (OperationState.COMPLETED, OperationState.UNCHANGED):
        return 0
    if result.state is OperationState.AWAITING_APPROVAL:
        return EXIT_AWAITING_APPROVAL
    if result.state is OperationState.ROLLED_BACK:
        return EXIT_ROLLED_BACK
    return EXIT_ROLLBACK_FAILED


def operation_json(result: OperationResult) -> dict[str, Any]:
    """An operation as JSON-ready dict (steps, gates, outcome)."""
    data: dict[str, Any] = to_jsonable(result)
    data["target_version"] = result.target_version
    data["approval_id"] = result.approval_id
    data["gates"] = [g.to_json() for g in result.gates]
    return data


def print_operation(result: OperationResult) -> None:
    """A human summary: state, each step, the gates."""
    from mlops_desktop.promotion.entities import OperationState

    if result.state is OperationState.UNCHANGED:
        reason = result.steps[0].message if result.steps else "nothing to do"
        print(f"{result.model}: {reason}; nothing changed (audited as a no-op)")
        return
    print(f"{result.kind.value} {result.id}: {result.state.value}")
    print(f"  {result.model}: {result.source} -> {result.target} (by {result.actor})")
    if result.error:
        print(f"  reason: {result.error}")
    rows = [[s.name, s.state.value, s.message] for s in result.steps]
    print_table(["STEP", "STATE", "DETAIL"], rows)
    gates = result.gates
    if gates:
        print()
        print_table(
            ["GATE", "RESULT", "DETAIL"],
            [[g.name, "pass" if g.passed else "FAIL", g.detail] for g in gates],
        )


def _report(result: OperationResult, as_json: bool) -> int:
    if as_json:
        print_json(operation_json(result))
    else:
        print_operation(result)
        if result.approval_id and _exit_code(result) == EXIT_AWAITING_APPROVAL:
            print(f"\napproval request: {result.approval_id}")
    return _exit_code(result)


def promote_command(args: argparse.Namespace) -> int:
    """Plan, confirm, promote."""
    from mlops_desktop.core.policy import load_policy
    from mlops_desktop.ports.provider import ports_of
    from mlops_desktop.promotion.operations import Services, new_operation_id, run_operation
    from mlops_desktop.promotion.promote import plan_promotion
    from mlops_desktop.promotion.unchanged import unchanged_result
    from mlops_desktop.promotion.workflows import promotion_workflow

    config = load_app_config()
    recover_interrupted(args.quiet)
    plan, policy = plan_promotion(
        config,
        load_policy(),
        args.model,
        args.version,
        source=args.source,
        target=args.target,
        canary=parse_canary(args.canary),
    )
    services = Services.default()
    actor = ports_of(config.workspace(plan.target_workspace)).acting_identity()
    unchanged = unchanged_result(
        plan, config, actor=actor, audit=services.audit, operation_id=new_operation_id()
    )
    if unchanged is not None:  # nothing to confirm: nothing will change
        return _report(unchanged, args.json)
    steps = " -> ".join(f"{p} %" for p in plan.traffic_steps)
    _confirm(
        f"Promote {plan.source_name} v{plan.version} from {plan.source_label} to "
        f"{plan.target_label} as {plan.target_name} (endpoint {plan.endpoint}, traffic {steps})?",
        args.yes,
    )
    result = run_operation(
        promotion_workflow(),
        plan,
        policy,
        config=config,
        actor=actor,
        task=TaskContext(progress_printer(args.quiet)),
        services=services,
    )
    return _report(result, args.json)


def rollback_command(args: argparse.Namespace) -> int:
    """Plan, confirm, roll back."""
    from mlops_desktop.core.policy import load_policy
    from mlops_desktop.ports.provider import ports_of
    from mlops_desktop.promotion.operations import Services, run_operation
    from mlops_desktop.promotion.rollback import plan_rollback
    from mlops_desktop.promotion.workflows import rollback_workflow

    config = load_app_config()
    recover_interrupted(args.quiet)
    plan, policy = plan_rollback(config, load_policy(), args.model, workspace=args.workspace)
    _confirm(
        f"Roll {plan.registered_name} in {plan.label} back from v{plan.from_version} to "
        f"v{plan.version} (endpoint {plan.endpoint})?",
        args.yes,
    )
    result = run_operation(
        rollback_workflow(),
        plan,
        policy,
        config=config,
        actor=ports_of(config.workspace(plan.workspace)).acting_identity(),
        task=TaskContext(progress_printer(args.quiet)),
        services=Services.default(),
    )
    return _report(result, args.json)


def _label(workspace: str, stage: str) -> str:
    return workspace if workspace == stage else f"{workspace}/{stage}"


def _request_row(workspace: str, request: ApprovalRequest) -> list[str]:
    canary = ",".join(str(p) for p in request.traffic_steps)
    decided = f"{request.decided_by} {request.decided_at}" if request.decided_by else ""
    return [
        request.id,
        request.status.value,
        request.model,
        f"{_label(request.source_workspace, request.source_stage.value)} v{request.version}",
        _label(workspace, request.target_stage.value),
        canary,
        request.gates_summary,
        f"{request.requested_by} {request.requested_at}",
        decided,
    ]


def list_approvals(args: argparse.Namespace) -> int:
    """List requests across the configured workspaces."""
    from mlops_desktop.promotion.approvals import ApprovalStatus, list_requests

    config = load_app_config()
    status = None if args.status == "all" else ApprovalStatus(args.status)
    found, problems = list_requests(config, workspace=args.workspace, status=status)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if args.json:
        print_json([{"workspace": ws.name, **r.to_json()} for ws, r in found])
        return 0
    if not found:
        print(f"no {args.status} approval requests" if status else "no approval requests")
        return 0
    headers = ["ID", "STATUS", "MODEL", "FROM", "TO", "TRAFFIC", "GATES", "REQUESTED", "DECIDED"]
    print_table(headers, [_request_row(ws.name, r) for ws, r in found])
    return 0


def show_approval(args: argparse.Namespace) -> int:
    """One request with the gate verdicts recorded when it was filed."""
    from mlops_desktop.promotion.approvals import find_request

    config = load_app_config()
    workspace, _, request = find_request(config, args.request_id, workspace=args.workspace)
    if args.json:
        print_json({"workspace": workspace.name, **request.to_json()})
        return 0
    source = _label(request.source_workspace, request.source_stage.value)
    print(f"approval request {request.id}: {request.status.value}")
    print(
        f"  {request.model}: {source} v{request.version} -> "
        f"{_label(workspace.name, request.target_stage.value)} as {request.target_name}"
    )
    print(f"  traffic: {' -> '.join(f'{p} %' for p in request.traffic_steps)}")
    print(f"  requested by {request.requested_by} at {request.requested_at}")
    if request.decided_by:
        comment = f" ({request.comment})" if request.comment else ""
        print(f"  {request.status.value} by {request.decided_by} at {request.decided_at}{comment}")
    if not request.gates:
        print("\ngates: not recorded with this request (they run when it is executed)")
        return 0
    print(f"\ngates when requested ({request.gates_at}; they run again on execution):")
    print_table(
        ["GATE", "RESULT", "DETAIL"],
        [
            [g.get("name"), "pass" if g.get("passed") else "FAIL", g.get("detail")]
            for g in request.gates
        ],
    )
    return 0


def decide_approval(args: argparse.Namespace) -> int:
    """Approve or reject; ``--execute`` then runs the promotion (also for a request someone
    approved before, e.g. to retry after a failed attempt)."""
    from mlops_desktop.core.policy import load_policy
    from mlops_desktop.promotion.approvals import (
        ApprovalStatus,
        decide,
        find_request,
        source_workspace_of,
    )
    from mlops_desktop.promotion.promote import promote_model_version

    config = load_app_config()
    policies = load_policy()
    execute = bool(getattr(args, "execute", False))
    workspace, _, request = find_request(config, args.request_id, workspace=args.workspace)
    if not (execute and request.status is ApprovalStatus.APPROVED):
        workspace, request = decide(
            config,
            policies,
            args.request_id,
            approve=args.approve,
            comment=args.comment,
            workspace=args.workspace,
        )
    verb = "approved" if args.approve else "rejected"
    if not execute:
        if args.json:
            print_json({"workspace": workspace.name, **request.to_json()})
        else:
            print(f"request {request.id} {verb} by {request.decided_by}")
            if args.approve:
                print(
                    f"complete it with: mlops-desktop approvals approve {request.id} --execute"
                    f" (or: mlops-desktop promote {request.model} {request.version} --from "
                    f"{request.source_workspace}:{request.source_stage.value} --to "
                    f"{workspace.name}:{request.target_stage.value} --yes)"
                )
        return 0
    print(f"request {request.id} {verb} by {request.decided_by}; promoting", file=sys.stderr)
    recover_interrupted(args.quiet)
    source = source_workspace_of(config, request)
    result = promote_model_version(
        request.model,
        request.version,
        source=f"{source.name}:{request.source_stage.value}",
        target=f"{workspace.name}:{request.target_stage.value}",
        canary=list(request.traffic_steps[:-1]),
        approval_id=request.id,
        ctx=TaskContext(progress_printer(args.quiet)),
        config=config,
        policies=policies,
    )
    return _report(result, args.json)


def list_promotions(args: argparse.Namespace) -> int:
    """Recent operations from the journal."""
    from mlops_desktop.promotion.journal import Journal

    results = Journal().list(limit=args.limit)
    if args.json:
        print_json([operation_json(r) for r in results])
        return 0
    if not results:
        print("no promotions or rollbacks yet")
        return 0
    rows = [
        [r.id, r.kind.value, r.state.value, r.model, r.source, r.target, r.actor, r.created_at]
        for r in results
    ]
    print_table(["ID", "KIND", "STATE", "MODEL", "FROM", "TO", "BY", "STARTED"], rows)
    return 0


def show_promotion(args: argparse.Namespace) -> int:
    """One operation with its steps."""
    from mlops_desktop.promotion.journal import Journal

    result = Journal().get(args.operation_id)
    if args.json:
        print_json(operation_json(result))
    else:
        print_operation(result)
    return 0


def recover_command(args: argparse.Namespace) -> int:
    """Run recovery now and print what it did."""
    load_app_config()
    outcomes = recover_interrupted(quiet=True)
    if args.json:
        print_json([operation_json(r) for r in outcomes])
    elif not outcomes:
        print("nothing to recover")
    return 0
