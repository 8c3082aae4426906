"""One-click rollback: the previous champion takes the traffic and the alias back (audited)."""

from __future__ import annotations

from mlops_desktop.backends.identity import acting_identity
from mlops_desktop.core.config import AppConfig, load_config
from mlops_desktop.core.errors import Conflict, NotFound
from mlops_desktop.core.policy import PolicyConfig, StagePolicy, load_policy
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.entities import (
    CHAMPION_ALIAS,
    PREVIOUS_CHAMPION_ALIAS,
    OperationResult,
)
from mlops_desktop.promotion.operations import Services, run_operation
from mlops_desktop.promotion.plan import RollbackPlan, endpoint_for, resolve_location
from mlops_desktop.promotion.serving_guard import check_may_roll_back
from mlops_desktop.promotion.workflows import rollback_workflow


def plan_rollback(
    config: AppConfig,
    policies: PolicyConfig,
    model: str,
    *,
    workspace: str,
    actor: str | None = None,
) -> tuple[RollbackPlan, StagePolicy]:
    """What a rollback of ``model`` in ``workspace`` (``WORKSPACE[:STAGE]``) will do.

    PermissionDenied first, before anything is read or journaled, when the policy does not let
    ``actor`` (default: the current identity) roll the target back.
    """
    from mlops_desktop.promotion.registry import open_registry

    location = resolve_location(config, workspace)
    config.require_own_store(location.workspace.name)
    policy = policies.for_target(location.workspace.name, location.stage)
    check_may_roll_back(policy, actor or acting_identity(location.workspace), location.label)
    name = location.workspace.registered_model_name(model, location.stage)
    aliases = open_registry(location.workspace).aliases(name)
    previous = aliases.get(PREVIOUS_CHAMPION_ALIAS)
    current = aliases.get(CHAMPION_ALIAS)
    if previous is None:
        raise NotFound(
            f"{name} in {location.label} has no {PREVIOUS_CHAMPION_ALIAS!r} to roll back to",
            hint="a promotion keeps the old champion as previous-champion",
        )
    if current is None:
        raise NotFound(f"{name} in {location.label} has no {CHAMPION_ALIAS!r}")
    if previous == current:
        raise Conflict(f"{CHAMPION_ALIAS} and {PREVIOUS_CHAMPION_ALIAS} are both v{current}")
    plan = RollbackPlan(
        model=model,
        workspace=location.workspace.name,
        stage=location.stage,
        registered_name=name,
        endpoint=endpoint_for(location, model, policy),
        version=previous,
        from_version=current,
    )
    return plan, policy


def rollback_model(
    model: str,
    *,
    workspace: str,
    ctx: TaskContext | None = None,
    config: AppConfig | None = None,
    policies: PolicyConfig | None = None,
    actor: str | None = None,
    services: Services | None = None,
) -> OperationResult:
    """Roll ``model`` in ``workspace`` back to its previous champion (journaled, audited)."""
    config = config or load_config()
    policies = policies or load_policy()
    # Who acts is read once (on Azure ML: a token) and used for the check and the record.
    actor = actor or acting_identity(resolve_location(config, workspace).workspace)
    plan, policy = plan_rollback(config, policies, model, workspace=workspace, actor=actor)
    return run_operation(
        rollback_workflow(),
        plan,
        policy,
        config=config,
        actor=actor,
        task=ctx or TaskContext(),
        services=services or Services.default(),
    )
