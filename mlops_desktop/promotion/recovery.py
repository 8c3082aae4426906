"""Finish or undo operations a crash interrupted; call :func:`recover_promotions` at start.

For each journaled operation that is not finished and whose target lock is free (its process
is gone): a promotion interrupted before ``aliases`` — or one whose step had failed — is rolled
back; one interrupted from ``aliases`` on is finished (those steps redo idempotently from the
journal). An interrupted rollback is continued. So the target is never left half-promoted.
Then the target's local endpoints are rid of processes their state does not list (a crash
between a deployment's start and its record), so nothing the crash started keeps running.
"""

from __future__ import annotations

import contextlib
import logging

from mlops_desktop.core.config import AppConfig, BackendKind, load_config
from mlops_desktop.core.errors import Conflict, MlopsError
from mlops_desktop.core.policy import StagePolicy
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.entities import (
    OperationKind,
    OperationResult,
    OperationState,
    StepState,
)
from mlops_desktop.promotion.locks import target_lock
from mlops_desktop.promotion.operations import Services
from mlops_desktop.promotion.plan import PromotionPlan, RollbackPlan
from mlops_desktop.promotion.runner import Workflow, advance, roll_back
from mlops_desktop.promotion.workflows import workflow_for

log = logging.getLogger(__name__)


def needs_recovery(services: Services | None = None) -> bool:
    """Cheap check (SQLite only) whether :func:`recover_promotions` has work."""
    return (services or Services.default()).journal.has_unfinished()


def _context(
    operation: OperationResult,
    workflow: Workflow,
    config: AppConfig,
    task: TaskContext,
    services: Services,
) -> OperationContext:
    raw_plan = operation.plan["plan"]
    plan: PromotionPlan | RollbackPlan = (
        PromotionPlan.from_json(raw_plan)
        if operation.kind is OperationKind.PROMOTION
        else RollbackPlan.from_json(raw_plan)
    )
    return OperationContext(
        operation_id=operation.id,
        kind=operation.kind,
        plan=plan,
        policy=StagePolicy.model_validate(operation.plan["policy"]),
        config=config,
        actor=operation.actor,
        task=task,
        journal=services.journal,
        audit=(
            services.audit.for_rollback()
            if operation.kind is OperationKind.ROLLBACK
            else services.audit
        ),
        data={s.name: dict(s.data) for s in operation.steps},
        positions={n: i for i, n in enumerate(workflow.names)},
        endpoint_manager_factory=services.endpoint_manager_factory,
    )


def _lock_key(oc: OperationContext, operation: OperationResult) -> str:
    """The store key the operation locked (journaled; older journals: from the config)."""
    key = operation.plan.get("lock")
    return key if isinstance(key, str) and key else oc.target_workspace.registry_store_key


def _recover(
    oc: OperationContext, workflow: Workflow, operation: OperationResult
) -> OperationResult:
    if operation.state is not OperationState.RUNNING:
        return roll_back(oc, workflow, operation.error or "interrupted while rolling back")
    states = [s.state for s in operation.steps]
    first_open = next((i for i, s in enumerate(states) if s is not StepState.DONE), len(states))
    failed = StepState.FAILED in states
    if not failed and first_open >= workflow.resume_position:
        return advance(oc, workflow, start=first_open)
    where = workflow.names[min(first_open, len(states) - 1)]
    return roll_back(oc, workflow, f"interrupted at step {where!r} (the app stopped)")


def _stop_strays(oc: OperationContext) -> None:
    """Stop the target's endpoint processes that the crash left running unrecorded."""
    if oc.target_workspace.backend is not BackendKind.MLFLOW:
        return
    try:
        oc.endpoints.stop_strays()
    except MlopsError as exc:  # the operation's outcome stands; heal stops them later
        log.warning("could not stop stray endpoint processes: %s", exc)


def recover_promotions(
    ctx: TaskContext | None = None,
    *,
    config: AppConfig | None = None,
    services: Services | None = None,
) -> list[OperationResult]:
    """Finish or roll back every interrupted operation nobody is running; their outcomes.

    Operations still held by a live process (its lock is taken) are left alone.
    """
    services = services or Services.default()
    if not services.journal.has_unfinished():
        return []
    task = ctx or TaskContext()
    config = config or load_config()
    outcomes: list[OperationResult] = []
    for operation in services.journal.list(unfinished=True):
        task.check()
        workflow = workflow_for(operation.kind)
        oc = _context(operation, workflow, config, task, services)
        try:
            with target_lock(_lock_key(oc, operation), oc.target_name):
                current = services.journal.get(operation.id)
                if current.state.finished:
                    continue
                outcomes.append(_recover(oc, workflow, current))
                _stop_strays(oc)
        except Conflict:
            continue  # a live process runs it
        except MlopsError as exc:
            with contextlib.suppress(MlopsError):
                services.journal.set_state(
                    operation.id, OperationState.ROLLBACK_FAILED, error=f"recovery failed: {exc}"
                )
            outcomes.append(services.journal.get(operation.id))
    return outcomes
