"""Promotion policy per target workspace and stage: who may promote, approvals, gates, rollout.

The policy lives in ``policy.toml`` beside ``config.toml`` (:func:`policy_file`). It is typed
(pydantic) and versioned like the configuration. A target is looked up as, first match wins:

1. ``[workspaces."<workspace>/<stage>"]`` (a stage of a name-prefix workspace),
2. ``[workspaces.<workspace>]``,
3. ``[stages.<stage>]``,
4. the built-in default of the stage (:func:`default_stage_policy`: prod needs approval).

A section is used whole (no field-by-field merging), so what applies is what one section says.

Example::

    schema_version = 1

    [stages.prod]
    requires_approval = true
    promoters = ["alice", "bob"]
    operators = ["oncall"]      # may change prod's serving by hand (else: champion only)
    rollbackers = ["alice", "oncall"]

    [stages.prod.gates]
    relative_tolerance = 0.02
    fairness = { sensitive_column = "sex", metric = "demographic_parity_difference", bound = 0.2 }

    [stages.prod.rollout]
    canary = [10, 50]
    step_seconds = 60
"""

from __future__ import annotations

import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Self

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlops_desktop.core import paths
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.files import atomic_write_bytes
from mlops_desktop.core.identity import is_listed, same_identity
from mlops_desktop.core.stages import Stage

POLICY_SCHEMA_VERSION = 1
POLICY_FILE_NAME = "policy.toml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FairnessMetric(StrEnum):
    """How the fairness gate measures a model's gap between groups of the sensitive column."""

    #: fairlearn ``demographic_parity_difference`` of the (binarised) predictions.
    DEMOGRAPHIC_PARITY = "demographic_parity_difference"
    #: fairlearn ``equalized_odds_difference`` of the (binarised) labels and predictions.
    EQUALIZED_ODDS = "equalized_odds_difference"
    #: fairlearn ``MetricFrame(...).difference()`` of the key metric across groups.
    GROUP_METRIC_GAP = "group_metric_gap"


class FairnessGate(_Model):
    """Optional fairness gate: the candidate's gap between groups must stay under ``bound``.

    For regression, parity and equalized odds binarise the outcome: a label or prediction is
    positive when it exceeds the ``positive_quantile`` quantile of the held-out labels.
    """

    sensitive_column: str
    metric: FairnessMetric = FairnessMetric.DEMOGRAPHIC_PARITY
    bound: float = Field(0.1, ge=0.0)
    positive_quantile: float = Field(0.5, gt=0.0, lt=1.0)


class GatePolicy(_Model):
    """What a candidate must pass before anything in the target changes."""

    #: The candidate may be worse than the champion by at most
    #: ``max(metric_tolerance, relative_tolerance * |champion|)`` on the key metric.
    metric_tolerance: float = Field(0.0, ge=0.0)
    relative_tolerance: float = Field(0.0, ge=0.0)
    fairness: FairnessGate | None = None
    #: The candidate's signature must equal the live deployment's (when the endpoint exists).
    signature_must_match: bool = True
    #: Smoke test: requests sent to the new deployment (by header) and their latency bound.
    smoke_requests: int = Field(3, ge=1, le=100)
    smoke_max_latency_ms: float = Field(2000.0, gt=0.0)


class RolloutPolicy(_Model):
    """How the new deployment takes traffic."""

    #: Endpoint in the target workspace (default: the model name; ``<stage>-<model>`` in a
    #: name-prefix workspace). Created when missing.
    endpoint: str | None = None
    #: Canary percentages before 100 (e.g. ``[10, 50]``); empty shifts all traffic at once.
    canary: tuple[int, ...] = ()
    #: How long each canary step is watched.
    step_seconds: float = Field(30.0, ge=0.0)
    #: Requests sent to the new deployment (by header) during each watch, so a quiet endpoint
    #: still yields evidence; live traffic routed to it counts as well.
    probe_requests: int = Field(5, ge=0, le=1000)
    #: The new deployment's error rate (answers >= 400) and p95 latency during a watch.
    max_error_rate: float = Field(0.0, ge=0.0, le=1.0)
    max_latency_ms: float = Field(2000.0, gt=0.0)
    #: Delete the previously live deployment once the alias has moved.
    retire_previous: bool = True

    @field_validator("canary")
    @classmethod
    def _check_canary(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 < p < 100 for p in value) or list(value) != sorted(set(value)):
            raise ValueError("canary steps are increasing percentages between 1 and 99")
        return value


class StagePolicy(_Model):
    """Everything that applies when promoting into one target."""

    #: Who may promote into the target (``current_identity()`` values); empty: anyone.
    promoters: tuple[str, ...] = ()
    #: Whether a second person must approve a promotion first; unset: the stage's default
    #: (prod: yes), filled in by :meth:`PolicyConfig.for_target`.
    requires_approval: bool | None = None
    #: Who may approve; empty: anyone but the requester. The requester never may.
    approvers: tuple[str, ...] = ()
    #: Who may change what the target serves by hand (``endpoints create|deploy|traffic|
    #: delete``, the Endpoints page). Empty: anyone, except that where ``requires_approval``
    #: is set nobody may give live traffic to a version that is not the champion, or delete
    #: deployments, by hand (see :meth:`may_operate`; docs/promotion.md).
    operators: tuple[str, ...] = ()
    #: Who may roll the target back to its previous champion; empty: the promoters.
    rollbackers: tuple[str, ...] = ()
    gates: GatePolicy = Field(default_factory=GatePolicy)
    rollout: RolloutPolicy = Field(default_factory=RolloutPolicy)

    def may_promote(self, identity: str) -> bool:
        """True when ``identity`` is allowed to promote into the target (names compare
        case-insensitively, NFKC-normalised)."""
        return not self.promoters or is_listed(identity, self.promoters)

    def may_operate(self, identity: str) -> bool:
        """True when ``identity`` may change what the target serves by hand at all."""
        return not self.operators or identity in self.operators

    def may_roll_back(self, identity: str) -> bool:
        """True when ``identity`` may roll the target back (``rollbackers``, else promoters)."""
        if self.rollbackers:
            return identity in self.rollbackers
        return self.may_promote(identity)

    def may_approve(self, identity: str, requester: str) -> bool:
        """True when ``identity`` may approve a request made by ``requester``."""
        if same_identity(identity, requester):
            return False
        return not self.approvers or is_listed(identity, self.approvers)


def default_stage_policy(stage: Stage) -> StagePolicy:
    """The built-in policy of a stage: promotion into prod needs an approval."""
    return StagePolicy(requires_approval=stage is Stage.PROD)


class PolicyConfig(_Model):
    """The whole ``policy.toml``."""

    schema_version: int = POLICY_SCHEMA_VERSION
    stages: dict[Stage, StagePolicy] = Field(default_factory=dict)
    #: Keyed by workspace name, or ``<workspace>/<stage>`` for a stage of a name-prefix one.
    workspaces: dict[str, StagePolicy] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_version(self) -> Self:
        if self.schema_version > POLICY_SCHEMA_VERSION:
            raise ValueError(
                f"written by a newer MLOps Desktop (schema {self.schema_version}, this one "
                f"reads up to {POLICY_SCHEMA_VERSION})"
            )
        return self

    def for_target(self, workspace: str, stage: Stage) -> StagePolicy:
        """The policy that applies to promotions into ``stage`` of ``workspace``."""
        found = next(
            (
                self.workspaces[k]
                for k in (f"{workspace}/{stage.value}", workspace)
                if k in self.workspaces
            ),
            self.stages.get(stage),
        )
        if found is None:
            return default_stage_policy(stage)
        if found.requires_approval is None:  # a section that does not say keeps the default
            return found.model_copy(update={"requires_approval": stage is Stage.PROD})
        return found


def policy_file() -> Path:
    """Where the policy lives (beside ``config.toml``)."""
    return paths.config_dir() / POLICY_FILE_NAME


def load_policy(path: Path | None = None) -> PolicyConfig:
    """Read the policy; a missing file means the built-in defaults."""
    path = path or policy_file()
    if not path.exists():
        return PolicyConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", hint="fix or remove the file") from None
    try:
        return PolicyConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else e["msg"]
            for e in exc.errors()
        )
        raise InvalidInput(f"{path}: {problems}", hint="fix the policy file") from None


def save_policy(policy: PolicyConfig, path: Path | None = None) -> Path:
    """Write the policy atomically."""
    path = path or policy_file()
    data = policy.model_dump(mode="json", exclude_none=True)
    return atomic_write_bytes(path, tomli_w.dumps(data).encode("utf-8"))
