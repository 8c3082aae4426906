"""Promote a model version to the next stage: the public entry point (GUI button, CLI).

Importing this module is cheap; the steps load MLflow, pandas and fairlearn when they run.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlops_desktop.backends.identity import acting_identity
from mlops_desktop.core.config import AppConfig, load_config
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.policy import PolicyConfig, StagePolicy, load_policy
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.entities import OperationResult
from mlops_desktop.promotion.operations import Services, new_operation_id, run_operation
from mlops_desktop.promotion.plan import (
    Location,
    PromotionPlan,
    endpoint_for,
    resolve_location,
    traffic_steps,
)
from mlops_desktop.promotion.unchanged import unchanged_result
from mlops_desktop.promotion.workflows import promotion_workflow


def _next_location(config: AppConfig, source: Location) -> Location:
    following = source.stage.next()
    if following is None:
        raise InvalidInput(f"{source.label} is the last stage; there is nothing to promote to")
    if following in source.workspace.hosted_stages:
        return Location(source.workspace, following)
    return resolve_location(config, following.value)


def plan_promotion(
    config: AppConfig,
    policies: PolicyConfig,
    model: str,
    version: str,
    *,
    source: str,
    target: str | None = None,
    canary: Sequence[int] | None = None,
    approval_id: str | None = None,
) -> tuple[PromotionPlan, StagePolicy]:
    """Resolve locations, names, version number, endpoint and traffic steps; nothing changes.

    ``source``/``target``: ``WORKSPACE``, ``STAGE`` or ``WORKSPACE:STAGE``; the target
    defaults to the next stage. ``version`` may be an alias (``champion``). ``canary``
    overrides the policy's canary steps (``[]``: all at once).
    """
    from mlops_desktop.promotion.registry import open_registry

    src = resolve_location(config, source, role="source")
    dst = resolve_location(config, target) if target else _next_location(config, src)
    if dst.stage is not src.stage.next():
        expected = src.stage.next()
        raise InvalidInput(
            f"{src.label} promotes into {expected.value if expected else 'nothing'}, "
            f"not {dst.stage.value}",
            hint="promote one stage at a time: dev -> staging -> prod",
        )
    config.require_own_store(dst.workspace.name)
    source_name = src.workspace.registered_model_name(model, src.stage)
    target_name = dst.workspace.registered_model_name(model, dst.stage)
    policy = policies.for_target(dst.workspace.name, dst.stage)
    registry = open_registry(src.workspace)
    number = registry.resolve_version(source_name, version)
    steps = traffic_steps(policy.rollout.canary if canary is None else canary)
    plan = PromotionPlan(
        model=model,
        version=str(number),
        source_workspace=src.workspace.name,
        source_stage=src.stage,
        source_name=source_name,
        target_workspace=dst.workspace.name,
        target_stage=dst.stage,
        target_name=target_name,
        endpoint=endpoint_for(dst, model, policy),
        traffic_steps=steps,
        approval_id=approval_id,
    )
    return plan, policy


def promote_model_version(
    model: str,
    version: str,
    *,
    source: str,
    target: str | None = None,
    canary: Sequence[int] | None = None,
    approval_id: str | None = None,
    ctx: TaskContext | None = None,
    config: AppConfig | None = None,
    policies: PolicyConfig | None = None,
    actor: str | None = None,
    services: Services | None = None,
) -> OperationResult:
    """Promote ``model`` ``version`` from ``source`` to the next stage; see docs/promotion.md.

    Returns ``unchanged`` (audited, nothing touched) when the version already is the target's
    champion (see :mod:`~mlops_desktop.promotion.unchanged`); otherwise the journaled outcome:
    ``completed``, ``rolled-back`` (a gate, the smoke test or
    the canary failed, or it was cancelled — the target is as it was), ``awaiting-approval``
    or ``rollback-failed``. Raises only for what stops it before the journal starts
    (unknown workspace or version, another operation on the same target).
    """
    config = config or load_config()
    policies = policies or load_policy()
    plan, policy = plan_promotion(
        config,
        policies,
        model,
        version,
        source=source,
        target=target,
        canary=canary,
        approval_id=approval_id,
    )
    actor = actor or acting_identity(config.workspace(plan.target_workspace))
    services = services or Services.default()
    unchanged = unchanged_result(
        plan, config, actor=actor, audit=services.audit, operation_id=new_operation_id()
    )
    if unchanged is not None:
        return unchanged
    return run_operation(
        promotion_workflow(),
        plan,
        policy,
        config=config,
        actor=actor,
        task=ctx or TaskContext(),
        services=services,
    )
