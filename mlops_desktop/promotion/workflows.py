"""The two journaled workflows. Built on demand: their steps import pandas and MLflow."""

from __future__ import annotations

from mlops_desktop.promotion.entities import OperationKind
from mlops_desktop.promotion.runner import Workflow


def promotion_workflow() -> Workflow:
    """policy, gates, copy, deploy, smoke, traffic | aliases, retire, audit.

    A crash before ``aliases`` is rolled back on recovery; from ``aliases`` on — every check
    passed and all traffic is on the new deployment — the promotion is finished instead.
    """
    from mlops_desktop.promotion.steps.aliases import AliasStep, RetireStep
    from mlops_desktop.promotion.steps.copy import CopyStep
    from mlops_desktop.promotion.steps.deploy import DeployStep, SmokeStep
    from mlops_desktop.promotion.steps.gates import GatesStep
    from mlops_desktop.promotion.steps.policy import PolicyStep
    from mlops_desktop.promotion.steps.record import AuditStep
    from mlops_desktop.promotion.steps.traffic import TrafficStep

    return Workflow(
        OperationKind.PROMOTION,
        (
            PolicyStep(),
            GatesStep(),
            CopyStep(),
            DeployStep(),
            SmokeStep(),
            TrafficStep(),
            AliasStep(),
            RetireStep(),
            AuditStep(),
        ),
        resume_from="aliases",
    )


def rollback_workflow() -> Workflow:
    """permission, redeploy, traffic | aliases, audit (finished on recovery from ``aliases``)."""
    from mlops_desktop.promotion.steps.rollback import (
        PermissionStep,
        RedeployStep,
        RollbackAliasStep,
        RollbackAuditStep,
        RollbackTrafficStep,
    )

    return Workflow(
        OperationKind.ROLLBACK,
        (
            PermissionStep(),
            RedeployStep(),
            RollbackTrafficStep(),
            RollbackAliasStep(),
            RollbackAuditStep(),
        ),
        resume_from="aliases",
    )


def workflow_for(kind: OperationKind) -> Workflow:
    """The workflow of a journaled operation."""
    return promotion_workflow() if kind is OperationKind.PROMOTION else rollback_workflow()


#: Names of the promotion steps, in order (for the crash hook and progress displays).
PROMOTION_STEPS = (
    "policy",
    "gates",
    "copy",
    "deploy",
    "smoke",
    "traffic",
    "aliases",
    "retire",
    "audit",
)
ROLLBACK_STEPS = ("permission", "redeploy", "traffic", "aliases", "audit")
