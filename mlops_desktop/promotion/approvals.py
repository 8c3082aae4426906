"""Approval requests, kept in the *target* registry so everyone sharing it sees them.

A request is a registered-model tag ``mlops.approval.<id>`` on the target registered model
(created empty when the model is new there), its value the request as JSON. Anyone whose
configuration reaches the same registry (e.g. the same MLflow server from another machine) lists
and decides it. The source is recorded by workspace name *and* location (tracking URI), so a
machine that names its workspaces differently still finds it.

The gates run when a request is filed (a request is filed only when they pass) and their
verdicts — name, pass/fail and the one-line detail, no data — are stored with it, so the
approver sees them before deciding; they run again when the promotion is carried out.

Rules: the requester never approves their own request; the target's ``approvers`` (if set)
limit who may; a decided request cannot be decided again. Writes are read-modify-write of one
tag: two people deciding the same request at the same instant — the last write wins, and each
decision is in the audit log.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mlops_desktop.backends.identity import acting_identity
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.errors import Conflict, MlopsError, NotFound, PermissionDenied
from mlops_desktop.core.identity import same_identity
from mlops_desktop.core.policy import PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.entities import GateResult
from mlops_desktop.promotion.plan import PromotionPlan
from mlops_desktop.promotion.registry import RegistryAccess, open_registry

if TYPE_CHECKING:
    from mlops_desktop.promotion.azure_registry import AzureRegistryAccess

APPROVAL_TAG_PREFIX = "mlops.approval."


class ApprovalStatus(StrEnum):
    """Where a request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: Approved and then carried out by a completed promotion.
    EXECUTED = "executed"


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """A request to promote one source version into a target."""

    id: str
    status: ApprovalStatus
    model: str
    version: str
    source_workspace: str
    source_location: str
    source_stage: Stage
    source_name: str
    target_workspace: str
    target_location: str
    target_stage: Stage
    target_name: str
    traffic_steps: tuple[int, ...]
    requested_by: str
    requested_at: str
    decided_by: str = ""
    decided_at: str = ""
    comment: str = ""
    promotion_id: str = ""
    executed_at: str = ""
    #: The gate verdicts when the request was filed: ``{"name", "passed", "detail"}`` each.
    gates: tuple[dict[str, Any], ...] = ()
    gates_at: str = ""

    @property
    def gates_summary(self) -> str:
        """``3/3 passed``, ``1 of 3 failed: metric`` or ``not recorded`` (older requests)."""
        if not self.gates:
            return "not recorded"
        failed = [str(g.get("name")) for g in self.gates if not g.get("passed")]
        if failed:
            return f"{len(failed)} of {len(self.gates)} failed: {', '.join(failed)}"
        return f"{len(self.gates)}/{len(self.gates)} passed"

    @property
    def tag_key(self) -> str:
        """The registered-model tag holding this request."""
        return f"{APPROVAL_TAG_PREFIX}{self.id}"

    def matches(self, plan: PromotionPlan, source_location: str) -> bool:
        """True when the request is for exactly this source version and target model."""
        return (
            self.source_location == source_location
            and self.source_name == plan.source_name
            and self.version == plan.version
            and self.target_name == plan.target_name
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (stored as the tag value)."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        data["source_stage"] = self.source_stage.value
        data["target_stage"] = self.target_stage.value
        data["traffic_steps"] = list(self.traffic_steps)
        data["gates"] = [dict(g) for g in self.gates]
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ApprovalRequest:
        """Parse what :meth:`to_json` wrote."""
        data = {f.name: raw[f.name] for f in dataclasses.fields(cls) if f.name in raw}
        data["status"] = ApprovalStatus(data["status"])
        data["source_stage"] = Stage(data["source_stage"])
        data["target_stage"] = Stage(data["target_stage"])
        data["traffic_steps"] = tuple(int(p) for p in data.get("traffic_steps", (100,)))
        data["gates"] = tuple(dict(g) for g in data.get("gates", ()) if isinstance(g, dict))
        return cls(**data)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ApprovalStore:
    """The requests kept in one workspace's registry."""

    def __init__(self, registry: RegistryAccess | AzureRegistryAccess) -> None:
        self.registry = registry

    def all(self) -> list[ApprovalRequest]:
        """Every readable request, oldest first."""
        found: list[ApprovalRequest] = []
        for _, tags in self.registry.registered_models_with_tags(APPROVAL_TAG_PREFIX):
            for value in tags.values():
                try:
                    found.append(ApprovalRequest.from_json(json.loads(value)))
                except (ValueError, KeyError, TypeError):
                    continue
        return sorted(found, key=lambda r: r.requested_at)

    def get(self, request_id: str) -> ApprovalRequest | None:
        """The request with this id, or None."""
        return next((r for r in self.all() if r.id == request_id), None)

    def save(self, request: ApprovalRequest) -> ApprovalRequest:
        """Write the request onto its target registered model (created when missing)."""
        self.registry.ensure_registered_model(request.target_name)
        value = json.dumps(request.to_json(), sort_keys=True)
        self.registry.set_registered_model_tag(request.target_name, request.tag_key, value)
        return request

    def find(
        self, plan: PromotionPlan, source_location: str, statuses: set[ApprovalStatus]
    ) -> ApprovalRequest | None:
        """The newest request for this plan in one of ``statuses`` (the plan's own id first)."""
        candidates = [
            r for r in self.all() if r.status in statuses and r.matches(plan, source_location)
        ]
        if plan.approval_id:
            chosen = [r for r in candidates if r.id == plan.approval_id]
            if chosen:
                return chosen[-1]
        return candidates[-1] if candidates else None


def request_approval(
    store: ApprovalStore,
    plan: PromotionPlan,
    *,
    source: WorkspaceConfig,
    actor: str,
    audit: AuditLog | None = None,
    gates: Sequence[GateResult] = (),
) -> tuple[ApprovalRequest, bool]:
    """The pending request for this plan, created when there is none; (request, created).

    ``gates``: the verdicts to store with a new request (what the approver sees).
    """
    existing = store.find(plan, source.location, {ApprovalStatus.PENDING})
    if existing is not None:
        return existing, False
    request = ApprovalRequest(
        id=uuid.uuid4().hex[:10],
        status=ApprovalStatus.PENDING,
        model=plan.model,
        version=plan.version,
        source_workspace=plan.source_workspace,
        source_location=source.location,
        source_stage=plan.source_stage,
        source_name=plan.source_name,
        target_workspace=plan.target_workspace,
        target_location=store.registry.workspace.location,
        target_stage=plan.target_stage,
        target_name=plan.target_name,
        traffic_steps=plan.traffic_steps,
        requested_by=actor,
        requested_at=_now(),
        gates=tuple({"name": g.name, "passed": g.passed, "detail": g.detail} for g in gates),
        gates_at=_now() if gates else "",
    )
    store.save(request)
    (audit or AuditLog()).append(
        AuditAction.APPROVAL_REQUESTED,
        actor=actor,
        workspace=plan.target_workspace,
        model=plan.model,
        details={"request": request.to_json()},
    )
    return request, True


def mark_executed(store: ApprovalStore, request_id: str, operation_id: str) -> None:
    """Record that a completed promotion carried the request out (idempotent)."""
    request = store.get(request_id)
    if request is None or request.status is ApprovalStatus.EXECUTED:
        return
    store.save(
        dataclasses.replace(
            request,
            status=ApprovalStatus.EXECUTED,
            promotion_id=operation_id,
            executed_at=_now(),
        )
    )


# -- across workspaces -------------------------------------------------------------------------


def _workspaces(config: AppConfig, workspace: str | None) -> list[WorkspaceConfig]:
    if workspace:
        return [config.workspace(workspace)]
    return list(config.workspaces)


def list_requests(
    config: AppConfig,
    *,
    workspace: str | None = None,
    status: ApprovalStatus | None = None,
) -> tuple[list[tuple[WorkspaceConfig, ApprovalRequest]], list[str]]:
    """Requests in every (or one) workspace's registry, plus problems reaching some.

    Workspaces sharing one registry list a request once (under the first of them).
    """
    found: list[tuple[WorkspaceConfig, ApprovalRequest]] = []
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for ws in _workspaces(config, workspace):
        try:
            requests = ApprovalStore(open_registry(ws)).all()
        except MlopsError as exc:
            problems.append(f"{ws.name}: {exc}")
            continue
        for request in requests:
            key = (ws.location, request.id)
            if key in seen or (status is not None and request.status is not status):
                continue
            seen.add(key)
            found.append((ws, request))
    return found, problems


def find_request(
    config: AppConfig, request_id: str, *, workspace: str | None = None
) -> tuple[WorkspaceConfig, ApprovalStore, ApprovalRequest]:
    """The request with this id in any (or one) workspace, with the store holding it."""
    for ws in _workspaces(config, workspace):
        try:
            store = ApprovalStore(open_registry(ws))
            request = store.get(request_id)
        except MlopsError:
            continue
        if request is not None:
            return ws, store, request
    raise NotFound(
        f"no approval request {request_id!r} in the configured workspaces",
        hint="see `mlops-desktop approvals list`",
    )


def decide(
    config: AppConfig,
    policies: PolicyConfig,
    request_id: str,
    *,
    approve: bool,
    comment: str = "",
    actor: str | None = None,
    workspace: str | None = None,
    audit: AuditLog | None = None,
) -> tuple[WorkspaceConfig, ApprovalRequest]:
    """Approve or reject a pending request; returns the target workspace and the request."""
    ws, store, request = find_request(config, request_id, workspace=workspace)
    # The person deciding, as the target workspace knows them (Azure: the signed-in identity).
    actor = actor or acting_identity(ws)
    if request.status is not ApprovalStatus.PENDING:
        by = f" by {request.decided_by}" if request.decided_by else ""
        raise Conflict(f"request {request_id} is already {request.status.value}{by}")
    if same_identity(actor, request.requested_by):
        raise PermissionDenied(
            f"{actor} requested this promotion and cannot approve or reject it",
            hint="a second person must decide it",
        )
    policy = policies.for_target(ws.name, request.target_stage)
    if not policy.may_approve(actor, request.requested_by):
        allowed = ", ".join(policy.approvers)
        raise PermissionDenied(
            f"{actor} may not decide promotions into {ws.name}",
            hint=f"approvers: {allowed}",
        )
    decided = dataclasses.replace(
        request,
        status=ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED,
        decided_by=actor,
        decided_at=_now(),
        comment=comment,
    )
    store.save(decided)
    stored = store.get(request_id)
    if stored is None or stored.decided_by != actor or stored.status is not decided.status:
        raise Conflict(f"request {request_id} was decided by someone else at the same time")
    (audit or AuditLog()).append(
        AuditAction.APPROVAL_APPROVED if approve else AuditAction.APPROVAL_REJECTED,
        actor=actor,
        workspace=ws.name,
        model=request.model,
        details={"request": decided.to_json()},
    )
    return ws, decided


def source_workspace_of(config: AppConfig, request: ApprovalRequest) -> WorkspaceConfig:
    """This machine's workspace for the request's source: same name and location, or else the
    one at the same location."""
    by_location = [w for w in config.workspaces if w.location == request.source_location]
    for ws in by_location:
        if ws.name == request.source_workspace:
            return ws
    if by_location:
        return by_location[0]
    raise NotFound(
        f"no configured workspace is at {request.source_location} (the request's source "
        f"{request.source_workspace!r})",
        hint="add that workspace: mlops-desktop workspaces add",
    )
