"""Start a journaled operation: take the target's lock, journal it, run it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.policy import StagePolicy
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.context import (
    EndpointManagerFactory,
    OperationContext,
    default_endpoint_manager,
)
from mlops_desktop.promotion.entities import OperationKind, OperationResult
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.promotion.locks import target_lock
from mlops_desktop.promotion.plan import PromotionPlan, RollbackPlan
from mlops_desktop.promotion.runner import Workflow, advance


@dataclass(frozen=True, slots=True)
class Services:
    """Where operations journal and audit, and how endpoints are reached (tests swap them)."""

    journal: Journal
    audit: AuditLog
    endpoint_manager_factory: EndpointManagerFactory = default_endpoint_manager

    @classmethod
    def default(cls) -> Services:
        """The app home's journal and audit log, the local endpoints."""
        return cls(Journal(), AuditLog())


def new_operation_id() -> str:
    """A short unique id (12 hex digits)."""
    return uuid.uuid4().hex[:12]


def journal_payload(
    plan: PromotionPlan | RollbackPlan, policy: StagePolicy, lock_key: str
) -> dict[str, object]:
    """What the journal keeps to run (or recover) the operation later; ``lock_key`` is the
    target's store key, so recovery takes the very lock the operation held."""
    return {"plan": plan.to_json(), "policy": policy.model_dump(mode="json"), "lock": lock_key}


def run_operation(
    workflow: Workflow,
    plan: PromotionPlan | RollbackPlan,
    policy: StagePolicy,
    *,
    config: AppConfig,
    actor: str,
    task: TaskContext,
    services: Services,
) -> OperationResult:
    """Lock the target, journal the operation and run its steps."""
    operation_id = new_operation_id()
    if workflow.kind is OperationKind.ROLLBACK:
        # The emergency exit is never blocked by a broken audit log (records are quarantined).
        audit = services.audit.for_rollback()
    else:
        # A promotion is not started when it could not be audited (nothing is changed yet).
        services.audit.ensure_appendable()
        audit = services.audit
    if isinstance(plan, PromotionPlan):
        workspace, name = plan.target_workspace, plan.target_name
        source, target = plan.source_label, plan.target_label
    else:
        workspace, name = plan.workspace, plan.registered_name
        source, target = f"{plan.label} v{plan.from_version}", f"{plan.label} v{plan.version}"
    config.require_own_store(workspace)
    lock_key = config.workspace(workspace).registry_store_key
    with target_lock(lock_key, name, label=workspace):
        services.journal.create(
            operation_id,
            workflow.kind,
            model=plan.model,
            actor=actor,
            source=source,
            target=target,
            plan=journal_payload(plan, policy, lock_key),
            steps=workflow.names,
        )
        context = OperationContext(
            operation_id=operation_id,
            kind=workflow.kind,
            plan=plan,
            policy=policy,
            config=config,
            actor=actor,
            task=task,
            journal=services.journal,
            audit=audit,
            positions={n: i for i, n in enumerate(workflow.names)},
            endpoint_manager_factory=services.endpoint_manager_factory,
        )
        return advance(context, workflow)
