"""One check for every hand-made change of what a stage serves, in the CLI and the app alike.

``endpoints create|deploy|create-deployment|traffic|delete`` (local and Azure ML) and the
Endpoints page describe the change they are about to make (``planned_*``), ask
:func:`guard_serving_change` first and, once the change is made, audit it with
:meth:`ServingPermit.record`. Promotion and rollback do not come here: they carry their own
policy steps and audit records.

The rule, with the policy of the stage served (docs/promotion.md, "Changing what a stage
serves by hand"):

1. The policy names ``operators`` and the identity is not one of them: refused.
2. The policy ``requires_approval`` (prod by default) and does not name the identity among its
   ``operators``: a change that raises the live share of a deployment not serving the stage's
   champion (a new endpoint, a deploy with traffic, a traffic split) is refused, and so is
   deleting a deployment or the endpoint. A deploy at 0 %, shifting traffic back towards the
   champion and mirror changes are allowed.
3. Anything else is allowed; every allowed change is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from mlops_desktop.core.audit import AuditAction, AuditLog, AuditRecord
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.core.policy import PolicyConfig, StagePolicy, load_policy
from mlops_desktop.core.stages import STAGE_ORDER, Stage
from mlops_desktop.promotion.entities import CHAMPION_ALIAS

#: Alias -> version of a registered model of the workspace (empty when there is none).
AliasLookup = Callable[[str], Mapping[str, str]]


class ServingAction(StrEnum):
    """The hand-made changes of an endpoint that the guard decides."""

    #: A new endpoint; its first deployment takes all live traffic.
    CREATE = "create"
    #: A deployment added behind an endpoint (at 0 % or with a share of live traffic).
    DEPLOY = "deploy"
    #: The live split and/or the mirror set.
    TRAFFIC = "traffic"
    #: One deployment removed.
    DELETE = "delete"
    #: The whole endpoint removed.
    DELETE_ENDPOINT = "delete_endpoint"


#: The audit action of each change (traffic changes keep the log's ``traffic`` kind).
AUDIT_ACTIONS: dict[ServingAction, str] = {
    ServingAction.CREATE: "serving.create",
    ServingAction.DEPLOY: "serving.deploy",
    ServingAction.TRAFFIC: AuditAction.TRAFFIC,
    ServingAction.DELETE: "serving.delete",
    ServingAction.DELETE_ENDPOINT: "serving.delete_endpoint",
}


class EndpointLike(Protocol):
    """A local :class:`~mlops_desktop.serving.entities.Endpoint` or an Azure ML endpoint."""

    @property
    def name(self) -> str: ...

    @property
    def traffic(self) -> dict[str, int]: ...

    @property
    def mirror_traffic(self) -> dict[str, int]: ...

    @property
    def deployments(self) -> tuple[Any, ...]: ...


@dataclass(frozen=True, slots=True)
class ServingChange:
    """A hand-made change of one endpoint, described before it is made."""

    action: ServingAction
    endpoint: str
    #: The deployment created or deleted ("" for traffic changes and whole endpoints).
    deployment: str = ""
    #: What each deployment serves, before and after: name -> (registered model, version).
    serves: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    traffic_before: Mapping[str, int] = field(default_factory=dict)
    traffic_after: Mapping[str, int] = field(default_factory=dict)
    #: The mirror before (mirror changes are always allowed: mirrored answers reach nobody).
    mirror_before: Mapping[str, int] = field(default_factory=dict)
    #: Where it was asked for ("CLI", "Endpoints page", …), for the audit record.
    origin: str = ""

    def gaining(self) -> list[str]:
        """Deployments whose live share the change raises."""
        return sorted(
            name
            for name, share in self.traffic_after.items()
            if share > self.traffic_before.get(name, 0)
        )


def _serves(endpoint: EndpointLike | None) -> dict[str, tuple[str, str]]:
    if endpoint is None:
        return {}
    return {
        d.name: (str(d.registered_model or ""), str(d.version or "")) for d in endpoint.deployments
    }


def planned_create(
    endpoint: str, deployment: str, model: str, version: str, *, origin: str
) -> ServingChange:
    """A new endpoint whose deployment serves ``model`` ``version`` (or alias) at 100 %."""
    return ServingChange(
        ServingAction.CREATE,
        endpoint,
        deployment,
        serves={deployment: (model, version)},
        traffic_after={deployment: 100},
        origin=origin,
    )


def planned_deploy(
    before: EndpointLike,
    deployment: str,
    model: str,
    version: str,
    traffic: int = 0,
    *,
    origin: str,
    redistributes: bool = True,
) -> ServingChange:
    """A deployment added to ``before`` taking ``traffic`` percent, the others the rest (as
    local endpoints do; ``redistributes=False``: it starts at 0 % whatever, as in Azure ML)."""
    from mlops_desktop.serving.traffic import redistribute

    if redistributes:
        after = redistribute(before.traffic, deployment, traffic)
    else:
        after = {**before.traffic, deployment: 0}
    return ServingChange(
        ServingAction.DEPLOY,
        before.name,
        deployment,
        serves={**_serves(before), deployment: (model, version)},
        traffic_before=dict(before.traffic),
        traffic_after=after,
        mirror_before=dict(before.mirror_traffic),
        origin=origin,
    )


def planned_traffic(
    before: EndpointLike,
    traffic: Mapping[str, int] | None,
    *,
    origin: str,
) -> ServingChange:
    """A new live split (``None`` keeps it: a change of the mirror only; deployments not named
    get 0)."""
    names = [d.name for d in before.deployments]
    after = dict(before.traffic) if traffic is None else {n: int(traffic.get(n, 0)) for n in names}
    return ServingChange(
        ServingAction.TRAFFIC,
        before.name,
        serves=_serves(before),
        traffic_before=dict(before.traffic),
        traffic_after=after,
        mirror_before=dict(before.mirror_traffic),
        origin=origin,
    )


def planned_delete(before: EndpointLike, deployment: str | None, *, origin: str) -> ServingChange:
    """One deployment of ``before`` removed, or (``deployment`` None) the whole endpoint."""
    after = {k: v for k, v in before.traffic.items() if deployment and k != deployment}
    return ServingChange(
        ServingAction.DELETE if deployment else ServingAction.DELETE_ENDPOINT,
        before.name,
        deployment or "",
        serves=_serves(before),
        traffic_before=dict(before.traffic),
        traffic_after=after,
        mirror_before=dict(before.mirror_traffic),
        origin=origin,
    )


def serving_stage(workspace: WorkspaceConfig, registered_models: Iterable[str]) -> Stage:
    """The stage whose serving a change touches: the workspace's stage; in a name-prefix
    workspace the highest stage among the served models' prefixes (the workspace's highest
    stage when no name tells, so an unknown model gets the strictest policy)."""
    hosted = workspace.hosted_stages
    if len(hosted) == 1:
        return hosted[0]
    found = [workspace.split_model_name(m)[0] for m in registered_models if m]
    named = [s for s in found if s is not None]
    return max(named or hosted, key=lambda s: s.rank)


def _label(workspace: WorkspaceConfig, stage: Stage) -> str:
    if len(workspace.hosted_stages) == 1:
        return workspace.name
    return f"{workspace.name}:{stage.value}"


def _promote_hint(workspace: WorkspaceConfig, stage: Stage, model: str) -> str:
    target = _label(workspace, stage)
    before = STAGE_ORDER[stage.rank - 1].value if stage.rank else "SOURCE"
    logical = workspace.split_model_name(model)[1] if model else "MODEL"
    return (
        f"a new version goes live in {target} through promotion: `mlops-desktop promote "
        f"{logical} VERSION --from {before} --to {target}` (it asks for the approval; see "
        "`mlops-desktop approvals list`); the policy's operators may change it by hand"
    )


@dataclass(frozen=True, slots=True)
class ServingPermit:
    """An allowed change: who, where, why it was allowed; :meth:`record` audits it once made."""

    workspace: str
    stage: Stage
    actor: str
    change: ServingChange
    #: Why it was allowed (kept in the audit record).
    basis: str

    def record(self, after: EndpointLike | None, *, log: AuditLog | None = None) -> AuditRecord:
        """Audit the change with the endpoint as it is now (None: it was deleted)."""
        change = self.change
        serves = {**change.serves, **_serves(after)}
        model, version = serves.get(change.deployment, ("", ""))
        models = sorted({m for m, _ in serves.values() if m})
        details: dict[str, Any] = {
            "stage": self.stage.value,
            "endpoint": change.endpoint,
            "deployment": change.deployment,
            "registered_model": model,
            "version": version,
            "from": dict(change.traffic_before),
            "to": dict(after.traffic) if after is not None else {},
            "mirror_from": dict(change.mirror_before),
            "mirror_to": dict(after.mirror_traffic) if after is not None else {},
            "serves": {name: f"{m} v{v}" for name, (m, v) in sorted(serves.items()) if m},
            "reason": f"endpoints {change.action.value} ({change.origin})",
            "allowed": self.basis,
        }
        return (log or AuditLog()).append(
            AUDIT_ACTIONS[change.action],
            actor=self.actor,
            workspace=self.workspace,
            model=model or ", ".join(models),
            details=details,
        )


def default_alias_lookup(workspace: WorkspaceConfig) -> AliasLookup:
    """Aliases read from the workspace's registry (MLflow or Azure ML), once per model."""
    cache: dict[str, Mapping[str, str]] = {}

    def lookup(name: str) -> Mapping[str, str]:
        if name not in cache:
            from mlops_desktop.promotion.registry import open_registry

            registry = open_registry(workspace)
            try:
                cache[name] = registry.aliases(name)
            finally:
                registry.backend.close()
        return cache[name]

    return lookup


def check_serving_change(
    workspace: WorkspaceConfig,
    change: ServingChange,
    *,
    policy: StagePolicy,
    stage: Stage,
    identity: str,
    aliases_of: AliasLookup,
) -> str:
    """Why ``identity`` may make ``change`` (the permit's basis); PermissionDenied otherwise."""
    label = _label(workspace, stage)
    if not policy.may_operate(identity):
        raise PermissionDenied(
            f"{identity} may not change what {label} serves",
            hint=f"operators of {label}: {', '.join(policy.operators)}",
        )
    if identity in policy.operators:
        return f"{identity} is an operator of {label}"
    if not policy.requires_approval:
        return f"{label} needs no approval"
    if change.action in (ServingAction.DELETE, ServingAction.DELETE_ENDPOINT):
        what = (
            f"deployment {change.deployment!r} of endpoint {change.endpoint!r}"
            if change.deployment
            else f"endpoint {change.endpoint!r}"
        )
        raise PermissionDenied(
            f"{identity} may not delete {what} in {label}: {label} needs an approval for "
            "changes to what it serves",
            hint=f"a promotion retires the old deployment itself; the policy's operators of "
            f"{label} may delete by hand",
        )
    for name in change.gaining():
        model, version = change.serves.get(name, ("", ""))
        aliases = aliases_of(model) if model else {}
        champion = aliases.get(CHAMPION_ALIAS)
        resolved = aliases.get(version, version)
        if champion is not None and resolved == champion:
            continue
        served = f"{model} v{resolved}" if model else "no registered model version"
        is_not = f"the champion is v{champion}" if champion else f"it has no {CHAMPION_ALIAS}"
        raise PermissionDenied(
            f"{identity} may not give live traffic to deployment {name!r} ({served}) of "
            f"endpoint {change.endpoint!r} in {label} by hand: {label} needs an approval, and "
            f"only its champion may take traffic without one ({is_not})",
            hint=_promote_hint(workspace, stage, model),
        )
    if change.gaining():
        return f"only the {CHAMPION_ALIAS} of {label} gains live traffic"
    return f"no version gains live traffic in {label}"


def guard_serving_change(
    workspace: WorkspaceConfig,
    change: ServingChange,
    *,
    identity: str | None = None,
    policies: PolicyConfig | None = None,
    aliases_of: AliasLookup | None = None,
) -> ServingPermit:
    """Check ``change`` against the served stage's policy before it is made.

    Returns the permit to :meth:`~ServingPermit.record` once done; raises PermissionDenied
    (nothing changed) with the reason and what to do instead.
    """
    from mlops_desktop.backends.identity import acting_identity

    # Refused before anything changes when the change could not be audited.
    AuditLog().ensure_appendable()
    # The person acting in this workspace (the signed-in Azure identity on Azure ML).
    identity = identity or acting_identity(workspace)
    stage = serving_stage(workspace, (m for m, _ in change.serves.values()))
    policy = (policies or load_policy()).for_target(workspace.name, stage)
    basis = check_serving_change(
        workspace,
        change,
        policy=policy,
        stage=stage,
        identity=identity,
        aliases_of=aliases_of or default_alias_lookup(workspace),
    )
    return ServingPermit(workspace.name, stage, identity, change, basis)


def check_may_roll_back(policy: StagePolicy, identity: str, label: str) -> None:
    """PermissionDenied unless ``identity`` may roll ``label`` back (``rollbackers``, else the
    promoters)."""
    if policy.may_roll_back(identity):
        return
    who = policy.rollbackers or policy.promoters
    kind = "rollbackers" if policy.rollbackers else "promoters"
    raise PermissionDenied(
        f"{identity} may not roll back {label}",
        hint=f"{kind} of {label}: {', '.join(who)}",
    )
