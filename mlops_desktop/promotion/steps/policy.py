"""Step 1: may the actor promote into the target, and is the needed approval given?"""

from __future__ import annotations

from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.promotion.approvals import (
    ApprovalStatus,
    ApprovalStore,
    request_approval,
)
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.entities import ApprovalRequired, GateFailed, GateResult
from mlops_desktop.promotion.gates import evaluate_gates


def check_may_promote(oc: OperationContext, what: str) -> None:
    """PermissionDenied unless the policy's promoters include the actor (or are unset)."""
    if not oc.policy.may_promote(oc.actor):
        raise PermissionDenied(
            f"{oc.actor} may not {what} {oc.target_workspace_name}",
            hint=f"promoters of this target: {', '.join(oc.policy.promoters)}",
        )


class PolicyStep:
    """Permission, then approval: an approved request lets the promotion go on; otherwise a
    request is filed (or the pending one found) and the promotion stops, awaiting approval.

    Before filing a request the gates run, so the approver sees their verdicts (stored with
    the request); failing gates file nothing. The gates step runs them again on execution.
    """

    name = "policy"
    title = "checking permission and approval"

    def run(self, oc: OperationContext) -> str:
        """Pass, or raise PermissionDenied / ApprovalRequired."""
        plan = oc.promotion
        check_may_promote(oc, "promote into")
        oc.target_registry.require_promotion_rights()
        if not oc.policy.requires_approval:
            return f"{oc.actor} may promote into {plan.target_label}; no approval needed"
        store = ApprovalStore(oc.target_registry)
        source = oc.config.workspace(plan.source_workspace)
        approved = store.find(plan, source.location, {ApprovalStatus.APPROVED})
        if approved is not None:
            oc.remember(self.name, "approval_id", approved.id, overwrite=True)
            oc.remember(self.name, "approved_by", approved.decided_by, overwrite=True)
            return f"approved by {approved.decided_by} (request {approved.id})"
        gates: list[GateResult] = []
        if store.find(plan, source.location, {ApprovalStatus.PENDING}) is None:
            gates = evaluate_gates(oc)
            oc.remember("gates", "results", [g.to_json() for g in gates], overwrite=True)
            failed = [g for g in gates if not g.passed]
            if failed:
                raise GateFailed(
                    "gates failed, so no approval was requested: "
                    + "; ".join(f"{g.name}: {g.detail}" for g in failed)
                )
        request, created = request_approval(
            store, plan, source=source, actor=oc.actor, audit=oc.audit, gates=gates
        )
        oc.remember(self.name, "approval_id", request.id, overwrite=True)
        verb = "requested" if created else "still pending"
        raise ApprovalRequired(
            f"promotion into {plan.target_label} needs approval: request {request.id} {verb}",
            request_id=request.id,
            hint=f"another person runs `mlops-desktop approvals approve {request.id}`; then "
            "run this promotion again (or `approvals approve ID --execute`)",
        )

    def undo(self, oc: OperationContext) -> None:
        """Nothing changed (a filed request stays, as it should)."""
