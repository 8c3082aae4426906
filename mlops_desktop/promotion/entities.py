"""What callers (GUI, CLI) see of promotions and rollbacks: plain dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlops_desktop.core.errors import MlopsError

#: Aliases the workflow moves.
CHAMPION_ALIAS = "champion"
PREVIOUS_CHAMPION_ALIAS = "previous-champion"
#: Tag on every version (and its import run) a promotion copies: the journal's operation id.
PROMOTION_ID_TAG = "mlops.promotion_id"
#: Fault-injection point: ``<step>``, ``<step>:before`` or ``<step>:undo`` makes the runner
#: ``os._exit`` there (see :mod:`mlops_desktop.promotion.runner`).
CRASH_ENV = "MLOPS_DESKTOP_CRASH_AT"
#: Exit code of a process the crash hook ended.
CRASH_EXIT_CODE = 86


class OperationKind(StrEnum):
    """The journaled workflows."""

    PROMOTION = "promotion"
    ROLLBACK = "rollback"


class OperationState(StrEnum):
    """Where a journaled operation stands."""

    RUNNING = "running"
    COMPLETED = "completed"
    ROLLING_BACK = "rolling-back"
    ROLLED_BACK = "rolled-back"
    #: Some undo failed; recovery tries again at the next start.
    ROLLBACK_FAILED = "rollback-failed"
    #: Stopped at the policy step: a request waits for a second person.
    AWAITING_APPROVAL = "awaiting-approval"
    #: Nothing to do: the version already is the target's champion (audited, not journaled).
    UNCHANGED = "unchanged"

    @property
    def finished(self) -> bool:
        """True when recovery has nothing left to do."""
        return self in (
            OperationState.COMPLETED,
            OperationState.ROLLED_BACK,
            OperationState.AWAITING_APPROVAL,
            OperationState.UNCHANGED,
        )


class StepState(StrEnum):
    """Where one step of an operation stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNDOING = "undoing"
    UNDONE = "undone"
    UNDO_FAILED = "undo-failed"


@dataclass(frozen=True, slots=True)
class GateResult:
    """One gate's verdict with the numbers behind it."""

    name: str
    passed: bool
    detail: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "name": self.name,
            "passed": self.passed,
            "detail": self.detail,
            "values": self.values,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> GateResult:
        """Parse what :meth:`to_json` wrote."""
        return cls(str(raw["name"]), bool(raw["passed"]), str(raw["detail"]), dict(raw["values"]))


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step as journaled."""

    position: int
    name: str
    state: StepState
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""


@dataclass(frozen=True, slots=True)
class OperationResult:
    """A promotion or rollback as journaled: its state, steps and outcome."""

    id: str
    kind: OperationKind
    state: OperationState
    model: str
    actor: str
    source: str
    target: str
    created_at: str
    updated_at: str
    steps: tuple[StepRecord, ...] = ()
    plan: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when the operation completed (or found the target as asked already)."""
        return self.state in (OperationState.COMPLETED, OperationState.UNCHANGED)

    def step(self, name: str) -> StepRecord | None:
        """The journaled step called ``name``."""
        return next((s for s in self.steps if s.name == name), None)

    @property
    def gates(self) -> list[GateResult]:
        """The gate results, when the gates step ran."""
        record = self.step("gates")
        raw = record.data.get("results", []) if record else []
        return [GateResult.from_json(r) for r in raw]

    @property
    def target_version(self) -> str | None:
        """The version created in (or promoted to champion in) the target registry."""
        for name, key in (
            ("copy", "target_version"),
            ("redeploy", "version"),
            ("champion", "version"),
        ):
            record = self.step(name)
            if record and record.data.get(key):
                return str(record.data[key])
        return None

    @property
    def approval_id(self) -> str | None:
        """The approval request this promotion waits for or used."""
        record = self.step("policy")
        value = record.data.get("approval_id") if record else None
        return str(value) if value else None


class GateFailed(MlopsError):
    """A gate (metric, fairness, signature) rejected the candidate."""


class StepFailed(MlopsError):
    """A rollout check (smoke test, canary watch) failed."""


class ApprovalRequired(MlopsError):
    """Promotion into the target needs a second person's approval first."""

    def __init__(self, message: str, *, request_id: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.request_id = request_id
