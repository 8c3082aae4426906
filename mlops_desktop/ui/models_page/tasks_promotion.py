"""Promotion for the GUI, Qt-free: what the buttons offer and the task bodies workers run.

The pure functions (:func:`promote_action`, :func:`rollback_action`, :func:`step_for_message`,
:func:`outcome_of`) decide what the Models page and the promote dialog show; the task bodies
(``fn(ctx, ...)``) call the promotion package, which loads MLflow only when a step runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import Capability, ModelVersion
from mlops_desktop.core.errors import MlopsError, NotFound
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ports.provider import ports_of
from mlops_desktop.promotion.approvals import ApprovalRequest, ApprovalStatus
from mlops_desktop.promotion.entities import (
    CHAMPION_ALIAS,
    PREVIOUS_CHAMPION_ALIAS,
    OperationResult,
    OperationState,
)
from mlops_desktop.promotion.workflows import PROMOTION_STEPS

#: Progress text of each promotion step (the runner reports the step's ``title``).
STEP_TITLES: dict[str, str] = {
    "policy": "checking permission and approval",
    "gates": "evaluating gates on the held-out data",
    "copy": "copying the version into the target registry",
    "deploy": "deploying the new version at 0 % traffic",
    "smoke": "smoke-testing the new deployment",
    "traffic": "shifting traffic",
    "aliases": "moving the champion alias",
    "retire": "retiring the previous deployment",
    "audit": "writing the audit record",
}


def promotion_capability(source: WorkspaceConfig, target: WorkspaceConfig) -> Capability:
    """Whether the workflow can promote from ``source`` into ``target`` (decided from their
    kinds, without opening a backend: it copies between registries of the same kind)."""
    if source.backend is target.backend:
        return Capability(True)
    return Capability(
        False,
        f"{source.name} ({ports_of(source).kind_label}) and {target.name} "
        f"({ports_of(target).kind_label}) are different kinds of workspace",
    )


@dataclass(frozen=True, slots=True)
class ActionState:
    """A button's label, whether it is enabled and why not."""

    label: str
    enabled: bool
    #: Why it is disabled; for an enabled action, what it will do (the tooltip).
    reason: str = ""
    #: ``WORKSPACE:STAGE`` of the source (promote) or the workspace rolled back.
    source: str = ""
    #: ``WORKSPACE:STAGE`` of the target (promote only).
    target: str = ""
    #: False when the action cannot do anything here (the button is hidden; ``reason`` says
    #: why, next to the buttons).
    offered: bool = True


def _target_workspace(
    config: AppConfig, source: WorkspaceConfig, stage: Stage
) -> WorkspaceConfig | str:
    """The workspace holding ``stage`` after ``source``, or the reason there is none."""
    if stage in source.hosted_stages:
        return source
    holders = [w for w in config.workspaces if stage in w.hosted_stages]
    if not holders:
        return f"no workspace holds the {stage.value} stage"
    if len(holders) > 1:
        names = ", ".join(w.name for w in holders)
        return f"several workspaces hold {stage.value} ({names}); promote from the CLI"
    return holders[0]


def promote_action(version: ModelVersion | None, config: AppConfig) -> ActionState:
    """The "Promote to <next stage>" button for ``version``."""
    if version is None:
        return ActionState("Promote", False, "select a model version")
    stage = version.stage
    if stage is None:
        return ActionState("Promote", False, "the version's workspace holds no stage")
    following = stage.next()
    if following is None:
        return ActionState(
            "Promote", False, f"v{version.version} is in {stage.value}, the last stage"
        )
    label = f"Promote to {following.value}"
    try:
        source = config.workspace(version.workspace)
    except NotFound:  # a workspace removed from the configuration meanwhile
        return ActionState(label, False, f"workspace {version.workspace!r} is not configured")
    target = _target_workspace(config, source, following)
    if isinstance(target, str):
        return ActionState(label, False, target)
    capability = promotion_capability(source, target)
    if not capability:
        return ActionState(label, False, capability.reason)
    return ActionState(
        label,
        True,
        source=f"{source.name}:{stage.value}",
        target=f"{target.name}:{following.value}",
    )


def rollback_action(
    version: ModelVersion | None, versions: Iterable[ModelVersion], config: AppConfig
) -> ActionState:
    """The "Roll back <stage>" button: the champion of ``version``'s model in its workspace and
    stage goes back to the ``previous-champion`` (``versions``: everything loaded).

    Not offered where it cannot do anything — the first stage, or no previous champion — and
    the reason says so. Who may roll back is the policy's (checked when it runs).
    """
    if version is None or version.stage is None:
        return ActionState("Roll back", False, "select a model version in a stage")
    stage = version.stage
    label = f"Roll back {stage.value}"
    if stage.rank == 0:
        # Nothing is promoted into the first stage, so its champion never has a predecessor.
        return ActionState(
            label,
            False,
            f"nothing is promoted into {stage.value}, so there is no previous champion to "
            "roll back to",
            offered=False,
        )
    siblings = [
        v
        for v in versions
        if v.workspace == version.workspace and v.registered_name == version.registered_name
    ]
    champion = next((v for v in siblings if CHAMPION_ALIAS in v.aliases), None)
    previous = next((v for v in siblings if PREVIOUS_CHAMPION_ALIAS in v.aliases), None)
    if champion is None:
        reason = f"no @{CHAMPION_ALIAS} in {version.workspace}"
        return ActionState(label, False, reason, offered=False)
    if previous is None or previous.version == champion.version:
        reason = (
            f"no @{PREVIOUS_CHAMPION_ALIAS} in {version.workspace} to roll back to (a "
            f"promotion into {stage.value} keeps the champion it replaces as one)"
        )
        return ActionState(label, False, reason, offered=False)
    try:
        workspace = config.workspace(version.workspace)
    except NotFound:
        return ActionState(label, False, f"workspace {version.workspace!r} is not configured")
    return ActionState(
        label,
        True,
        reason=f"@{CHAMPION_ALIAS} v{champion.version} → v{previous.version} "
        f"(the {PREVIOUS_CHAMPION_ALIAS}) takes all traffic back",
        source=f"{workspace.name}:{version.stage.value}",
    )


def step_for_message(message: str) -> tuple[str | None, bool]:
    """Which step a progress message is about, and whether it is being undone."""
    undoing = message.startswith("undoing: ")
    text = message.removeprefix("undoing: ")
    for name, title in STEP_TITLES.items():
        if text == title:
            return name, undoing
    if text.startswith("canary "):
        return "traffic", undoing
    return None, undoing


class OutcomeKind(StrEnum):
    """How a promotion (or rollback) ended, as the dialog tells it."""

    PROMOTED = "promoted"
    UNCHANGED = "already champion"
    ROLLED_BACK = "rolled back"
    AWAITING_APPROVAL = "waiting for approval"
    ROLLBACK_FAILED = "rollback incomplete"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    """Headline and details of an operation's end."""

    kind: OutcomeKind
    headline: str
    details: tuple[str, ...] = ()
    request_id: str | None = None


def outcome_of(result: OperationResult) -> Outcome:
    """What to tell the user about a finished operation (the headline follows the kind)."""
    gates = tuple(f"{'✓' if g.passed else '✗'} {g.name}: {g.detail}" for g in result.gates)
    if result.state is OperationState.COMPLETED:
        version = result.target_version
        where = f" as v{version}" if version else ""
        return Outcome(OutcomeKind.PROMOTED, f"{result.model} is in {result.target}{where}", gates)
    if result.state is OperationState.UNCHANGED:
        reason = result.steps[0].message if result.steps else "already champion"
        return Outcome(
            OutcomeKind.UNCHANGED,
            f"{result.model}: {reason}",
            ("Nothing was copied, deployed or shifted; the no-op is in the audit log.",),
        )
    if result.state is OperationState.AWAITING_APPROVAL:
        request = result.approval_id
        return Outcome(
            OutcomeKind.AWAITING_APPROVAL,
            f"request {request} needs a second person's approval"
            if request
            else "a second person must approve",
            (result.error,) if result.error else (),
            request_id=request,
        )
    if result.state is OperationState.ROLLED_BACK:
        return Outcome(OutcomeKind.ROLLED_BACK, result.error or "stopped", gates)
    if result.state is OperationState.ROLLBACK_FAILED:
        return Outcome(
            OutcomeKind.ROLLBACK_FAILED,
            result.error,
            (f"The next start retries it (mlops-desktop promotions show {result.id}).",),
        )
    return Outcome(OutcomeKind.FAILED, f"{result.state.value}: {result.error}")


# -- task bodies (run in workers) ----------------------------------------------------------------


def run_promotion(
    ctx: TaskContext,
    model: str,
    version: str,
    *,
    source: str,
    target: str,
    canary: Sequence[int] | None = None,
    approval_id: str | None = None,
    operation: TaskContext | None = None,
) -> OperationResult:
    """Promote ``model`` ``version`` from ``source`` into ``target`` (journaled).

    ``operation``: the context the workflow checks and reports to instead of the worker's
    (so a cancel rolls back and the outcome is still returned).
    """
    from mlops_desktop.promotion.promote import promote_model_version

    return promote_model_version(
        model,
        version,
        source=source,
        target=target,
        canary=canary,
        approval_id=approval_id,
        ctx=operation or ctx,
    )


def run_rollback(ctx: TaskContext, model: str, *, workspace: str) -> OperationResult:
    """Roll ``model`` in ``workspace`` back to its previous champion."""
    from mlops_desktop.promotion.rollback import rollback_model

    return rollback_model(model, workspace=workspace, ctx=ctx)


@dataclass(frozen=True, slots=True)
class RequestRow:
    """One approval request as the detail pane lists it."""

    workspace: str
    request: ApprovalRequest
    #: Who uses the app, as the row's workspace knows them (Azure ML: the signed-in identity);
    #: empty when it could not be told.
    viewer: str = ""

    @property
    def text(self) -> str:
        """One line: who asked for what."""
        r = self.request
        return (
            f"{r.id} · v{r.version} {r.source_workspace} → {self.workspace} "
            f"({r.target_stage.value}) · {r.status.value} · by {r.requested_by} · "
            f"gates {r.gates_summary}"
        )

    @property
    def gate_lines(self) -> list[str]:
        """The gate verdicts recorded with the request, one line each (they run again when
        the promotion is carried out)."""
        r = self.request
        if not r.gates:
            return ["Gates: not recorded with this request (they run when it is executed)."]
        lines = [f"Gates when requested ({r.gates_at}):"]
        for gate in r.gates:
            mark = "✓" if gate.get("passed") else "✗"
            lines.append(f"{mark} {gate.get('name')}: {gate.get('detail')}")
        return lines


def load_requests(
    ctx: TaskContext, config: AppConfig, model: str, workspaces: Sequence[str]
) -> list[RequestRow]:
    """Pending and approved (not yet executed) requests for ``model`` in the registries of
    ``workspaces`` (those online); a registry shared by several is listed once."""
    from mlops_desktop.promotion.approvals import list_requests

    rows: list[RequestRow] = []
    seen: set[tuple[str, str]] = set()
    viewers: dict[str, str] = {}

    def viewer(ws: WorkspaceConfig) -> str:
        if ws.name not in viewers:
            try:
                viewers[ws.name] = ports_of(ws).acting_identity()
            except MlopsError:
                viewers[ws.name] = ""
        return viewers[ws.name]

    for name in workspaces:
        ctx.check()
        found, _problems = list_requests(config, workspace=name)
        for ws, request in found:
            key = (ws.location, request.id)
            if key in seen or request.model != model:
                continue
            if request.status in (ApprovalStatus.PENDING, ApprovalStatus.APPROVED):
                seen.add(key)
                rows.append(RequestRow(ws.name, request, viewer(ws)))
    return rows


def decide_request(
    ctx: TaskContext, config: AppConfig, request_id: str, *, approve: bool
) -> ApprovalRequest:
    """Approve or reject a request (raises PermissionDenied for the requester)."""
    from mlops_desktop.core.policy import load_policy
    from mlops_desktop.promotion.approvals import decide

    ctx.check()
    _ws, request = decide(config, load_policy(), request_id, approve=approve)
    return request


def approve_and_execute(ctx: TaskContext, config: AppConfig, request_id: str) -> OperationResult:
    """Approve a pending request (an approved one as it is) and run its promotion."""
    from mlops_desktop.core.policy import load_policy
    from mlops_desktop.promotion.approvals import decide, find_request, source_workspace_of

    policies = load_policy()
    workspace, _store, request = find_request(config, request_id)
    if request.status is ApprovalStatus.PENDING:
        workspace, request = decide(config, policies, request_id, approve=True)
    source = source_workspace_of(config, request)
    from mlops_desktop.promotion.promote import promote_model_version

    return promote_model_version(
        request.model,
        request.version,
        source=f"{source.name}:{request.source_stage.value}",
        target=f"{workspace.name}:{request.target_stage.value}",
        canary=list(request.traffic_steps[:-1]),
        approval_id=request.id,
        ctx=ctx,
        config=config,
        policies=policies,
    )


def journal_exists() -> bool:
    """True once any promotion was journaled here (a file check: without a journal there is
    nothing to recover, and no worker needs to start)."""
    from mlops_desktop.promotion.journal import default_journal_path

    return default_journal_path().exists()


def recover_at_start(ctx: TaskContext) -> list[OperationResult]:
    """Finish or roll back promotions a crash interrupted (nothing when none is open)."""
    from mlops_desktop.promotion.recovery import needs_recovery, recover_promotions

    if not needs_recovery():
        return []
    return recover_promotions(ctx)


def recovery_message(results: Sequence[OperationResult]) -> tuple[str, bool]:
    """One sentence about recovered operations and whether it is a warning."""
    if not results:
        return "", False
    parts = [
        f"{r.kind.value} {r.id} of {r.model} into {r.target}: {r.state.value}" for r in results
    ]
    bad = any(r.state is OperationState.ROLLBACK_FAILED for r in results)
    return "Recovered interrupted operations — " + "; ".join(parts), bad


__all__ = [
    "PROMOTION_STEPS",
    "STEP_TITLES",
    "ActionState",
    "Outcome",
    "OutcomeKind",
    "RequestRow",
    "approve_and_execute",
    "decide_request",
    "journal_exists",
    "load_requests",
    "outcome_of",
    "promote_action",
    "promotion_capability",
    "recover_at_start",
    "recovery_message",
    "rollback_action",
    "run_promotion",
    "run_rollback",
    "step_for_message",
]
