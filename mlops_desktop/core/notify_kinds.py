"""What notifications speak of: target kinds, event kinds and severities (plain enums, so the
CLI parser offers them without loading the pydantic settings models)."""

from __future__ import annotations

from enum import StrEnum


class TargetKind(StrEnum):
    """How a target is reached and how its payload is shaped."""

    WEBHOOK = "webhook"
    SLACK = "slack"
    TEAMS = "teams"
    EMAIL = "email"

    @property
    def is_webhook(self) -> bool:
        """True for the kinds posted over HTTP (the secret is the URL)."""
        return self is not TargetKind.EMAIL


class EventKind(StrEnum):
    """What a target can be told about."""

    PROMOTION_DONE = "promotion.done"
    PROMOTION_FAILED = "promotion.failed"
    PROMOTION_ROLLED_BACK = "promotion.rolled_back"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_DECIDED = "approval.decided"
    RETRAINING_FIRED = "retraining.fired"
    RETRAINING_FAILED = "retraining.failed"
    DRIFT_DETECTED = "drift.detected"
    ENDPOINT_UNHEALTHY = "endpoint.unhealthy"


class Severity(StrEnum):
    """How serious an event is; a target ignores events below its ``min_severity``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 (info) < 1 (warning) < 2 (error)."""
        return list(Severity).index(self)
