"""Step 9: the audit record of the promotion; an approval request is marked executed."""

from __future__ import annotations

from mlops_desktop.core.audit import AuditAction
from mlops_desktop.promotion.approvals import ApprovalStore, mark_executed
from mlops_desktop.promotion.context import OperationContext


class AuditStep:
    """Write the promotion's audit record once (a redo after a crash finds it)."""

    name = "audit"
    title = "writing the audit record"

    def run(self, oc: OperationContext) -> str:
        """Append the record unless it is there; mark the approval executed."""
        plan = oc.promotion
        approval_id = oc.recall("policy", "approval_id")
        existing = oc.audit.find(AuditAction.PROMOTION, operation_id=oc.operation_id)
        record = existing[0] if existing else None
        if record is None:
            record = oc.audit.append(
                AuditAction.PROMOTION,
                actor=oc.actor,
                workspace=plan.target_workspace,
                model=plan.model,
                details={
                    "operation_id": oc.operation_id,
                    "from": plan.source_label,
                    "to": plan.target_label,
                    "source_name": plan.source_name,
                    "source_version": plan.version,
                    "target_name": plan.target_name,
                    "target_version": oc.recall("copy", "target_version"),
                    "previous_champion": oc.recall("aliases", "champion_before"),
                    "endpoint": plan.endpoint,
                    "deployment": oc.recall("deploy", "deployment"),
                    "traffic_steps": list(plan.traffic_steps),
                    "retired": oc.recall("retire", "retired") or [],
                    "gates": oc.recall("gates", "results") or [],
                    "smoke": oc.recall("smoke", "result"),
                    "canary": oc.recall("traffic", "canary") or [],
                    "approval_id": approval_id,
                    "approved_by": oc.recall("policy", "approved_by"),
                },
            )
        if approval_id:
            mark_executed(ApprovalStore(oc.target_registry), str(approval_id), oc.operation_id)
        return f"audit record {record.seq}"

    def undo(self, oc: OperationContext) -> None:
        """Audit records are permanent; the rollback adds its own record."""
