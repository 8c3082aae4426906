"""The steps of the one-click rollback: the previous champion serves again and is champion.

Rollback needs the policy's ``rollbackers`` (else promoters) rights but no approval (it is the
emergency exit).
The deployment rolled back from stays at 0 % so a second rollback is instant.
"""

from __future__ import annotations

from mlops_desktop.core.audit import AuditAction
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.endpoint_ops import (
    find_endpoint,
    new_deployment_name,
    remember_endpoint_state,
    restore_traffic,
    set_traffic,
)
from mlops_desktop.promotion.entities import CHAMPION_ALIAS, PREVIOUS_CHAMPION_ALIAS
from mlops_desktop.promotion.serving_guard import check_may_roll_back


class PermissionStep:
    """Only the target's rollbackers (else its promoters) may roll back."""

    name = "permission"
    title = "checking permission"

    def run(self, oc: OperationContext) -> str:
        """PermissionDenied unless allowed."""
        check_may_roll_back(oc.policy, oc.actor, oc.rollback.label)
        return f"{oc.actor} may roll back in {oc.rollback.label}"

    def undo(self, oc: OperationContext) -> None:
        """Nothing changed."""


class RedeployStep:
    """Find the deployment serving the previous champion, or deploy it again at 0 %."""

    name = "redeploy"
    title = "making sure the previous champion is deployed"

    def run(self, oc: OperationContext) -> str:
        """Records which deployment will take the traffic and whether it was created."""
        plan = oc.rollback
        oc.remember(self.name, "version", plan.version)
        endpoint = remember_endpoint_state(oc, self.name)
        serving = [
            d.name
            for d in (endpoint.deployments if endpoint else ())
            if d.registered_model == plan.registered_name and d.version == plan.version
        ]
        if serving:
            oc.remember(self.name, "deployment", serving[0])
            oc.remember(self.name, "created", False)
            return f"deployment {serving[0]!r} serves v{plan.version}"
        deployment = oc.remember(
            self.name, "deployment", new_deployment_name(oc, endpoint, plan.version)
        )
        oc.remember(self.name, "created", True)
        quiet = TaskContext()
        if endpoint is None:
            oc.endpoints.create_endpoint(
                plan.endpoint,
                model=plan.registered_name,
                version=plan.version,
                deployment=deployment,
                ctx=quiet,
            )
        else:
            oc.endpoints.add_deployment(
                plan.endpoint,
                deployment,
                model=plan.registered_name,
                version=plan.version,
                traffic=0,
                ctx=quiet,
            )
        return f"deployed v{plan.version} again as {deployment!r}"

    def undo(self, oc: OperationContext) -> None:
        """Remove a deployment (or endpoint) this step created."""
        if not oc.recall(self.name, "created"):
            return
        endpoint = find_endpoint(oc)
        deployment = oc.recall(self.name, "deployment")
        if endpoint is None or deployment not in {d.name for d in endpoint.deployments}:
            return
        if not oc.recall(self.name, "endpoint_existed"):
            oc.endpoints.delete_endpoint(oc.endpoint)
            return
        if endpoint.deployment(deployment).traffic:
            restore_traffic(oc, self.name)
        oc.endpoints.delete_deployment(oc.endpoint, deployment)


class RollbackTrafficStep:
    """All live traffic to the previous champion's deployment."""

    name = "traffic"
    title = "moving traffic back"

    def run(self, oc: OperationContext) -> str:
        """Shift to 100 %."""
        deployment = str(oc.recall("redeploy", "deployment"))
        mirror = {
            k: v
            for k, v in (oc.recall("redeploy", "mirror_before") or {}).items()
            if k != deployment
        }
        set_traffic(oc, {deployment: 100}, mirror, reason="rollback")
        return f"{deployment!r} takes all traffic"

    def undo(self, oc: OperationContext) -> None:
        """Traffic as before the rollback."""
        restore_traffic(oc, "redeploy")


class RollbackAliasStep:
    """``champion`` back to the previous champion; ``previous-champion`` to the version rolled
    back from (so rolling back again undoes the rollback)."""

    name = "aliases"
    title = "moving the champion alias back"

    def run(self, oc: OperationContext) -> str:
        """Swap; records where the aliases pointed first."""
        plan = oc.rollback
        registry = oc.target_registry
        current = registry.aliases(plan.registered_name)
        oc.remember(self.name, "champion_before", current.get(CHAMPION_ALIAS))
        oc.remember(self.name, "previous_before", current.get(PREVIOUS_CHAMPION_ALIAS))
        registry.set_alias(plan.registered_name, CHAMPION_ALIAS, plan.version)
        registry.set_alias(plan.registered_name, PREVIOUS_CHAMPION_ALIAS, plan.from_version)
        return (
            f"{plan.registered_name}@{CHAMPION_ALIAS} -> v{plan.version}, "
            f"@{PREVIOUS_CHAMPION_ALIAS} -> v{plan.from_version}"
        )

    def undo(self, oc: OperationContext) -> None:
        """Aliases as they were."""
        if "champion_before" not in oc.data.get(self.name, {}):
            return
        registry = oc.target_registry
        name = oc.rollback.registered_name
        registry.restore_alias(name, CHAMPION_ALIAS, oc.recall(self.name, "champion_before"))
        registry.restore_alias(
            name, PREVIOUS_CHAMPION_ALIAS, oc.recall(self.name, "previous_before")
        )


class RollbackAuditStep:
    """The rollback's audit record (once)."""

    name = "audit"
    title = "writing the audit record"

    def run(self, oc: OperationContext) -> str:
        """Append unless present."""
        plan = oc.rollback
        existing = oc.audit.find(AuditAction.ROLLBACK, operation_id=oc.operation_id)
        record = existing[0] if existing else None
        if record is None:
            record = oc.audit.append(
                AuditAction.ROLLBACK,
                actor=oc.actor,
                workspace=plan.workspace,
                model=plan.model,
                details={
                    "operation_id": oc.operation_id,
                    "stage": plan.stage.value,
                    "registered_name": plan.registered_name,
                    "from_version": plan.from_version,
                    "to_version": plan.version,
                    "endpoint": plan.endpoint,
                    "deployment": oc.recall("redeploy", "deployment"),
                    "redeployed": oc.recall("redeploy", "created"),
                    "traffic_before": oc.recall("redeploy", "traffic_before"),
                },
            )
        if record.quarantined:
            return (
                f"quarantined audit record {record.seq}: the audit log is broken "
                "(see `mlops-desktop audit verify`)"
            )
        return f"audit record {record.seq}"

    def undo(self, oc: OperationContext) -> None:
        """Audit records are permanent."""
