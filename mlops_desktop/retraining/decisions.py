"""Every retraining decision, fired or not, with why and the numbers: an append-only JSONL log.

One JSON object per line in ``data_dir()/retraining/decisions.jsonl``. Each line is written with
one ``write`` on a file opened for appending (atomic for lines this size on local file
systems), then fsynced, so the app and a system timer may record decisions at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.retraining.jobs import Trigger


class Outcome(StrEnum):
    """What a check decided for one policy."""

    #: A trigger fired and a job was submitted.
    FIRED = "fired"
    #: A trigger fired, but the check ran without ``--submit``.
    WOULD_FIRE = "would-fire"
    #: No trigger fired.
    QUIET = "quiet"
    #: A trigger fired within the cooldown after the policy's last job.
    COOLDOWN = "cooldown"
    #: A trigger fired while the policy's previous job is still queued or running.
    JOB_ACTIVE = "job-active"
    DISABLED = "disabled"
    #: The check could not evaluate (data missing, workspace unreachable, …).
    ERROR = "error"


@dataclass(frozen=True)
class TriggerVerdict:
    """One trigger's verdict with the numbers behind it."""

    kind: str
    category: Trigger
    fired: bool
    reason: str
    values: dict[str, Any] = field(default_factory=dict)
    error: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "kind": self.kind,
            "category": self.category.value,
            "fired": self.fired,
            "reason": self.reason,
            "values": self.values,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> TriggerVerdict:
        """Parse what :meth:`to_json` wrote."""
        return cls(
            kind=str(raw["kind"]),
            category=Trigger(raw["category"]),
            fired=bool(raw["fired"]),
            reason=str(raw["reason"]),
            values=dict(raw.get("values") or {}),
            error=bool(raw.get("error", False)),
        )


@dataclass(frozen=True)
class Decision:
    """One policy's decision at one check."""

    id: str
    at: str
    policy: str
    model: str
    workspace: str
    outcome: Outcome
    reason: str
    verdicts: tuple[TriggerVerdict, ...] = ()
    job_id: str | None = None
    last_job_at: str | None = None
    cooldown_until: str | None = None
    submit: bool = False
    actor: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def fired(self) -> bool:
        """True when this decision submitted a job."""
        return self.outcome is Outcome.FIRED

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (one line of the log)."""
        return {
            "id": self.id,
            "at": self.at,
            "policy": self.policy,
            "model": self.model,
            "workspace": self.workspace,
            "outcome": self.outcome.value,
            "fired": self.fired,
            "reason": self.reason,
            "verdicts": [v.to_json() for v in self.verdicts],
            "job_id": self.job_id,
            "last_job_at": self.last_job_at,
            "cooldown_until": self.cooldown_until,
            "submit": self.submit,
            "actor": self.actor,
            "data": self.data,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Decision:
        """Parse one line of the log."""
        return cls(
            id=str(raw["id"]),
            at=str(raw["at"]),
            policy=str(raw["policy"]),
            model=str(raw.get("model", "")),
            workspace=str(raw.get("workspace", "")),
            outcome=Outcome(raw["outcome"]),
            reason=str(raw.get("reason", "")),
            verdicts=tuple(TriggerVerdict.from_json(v) for v in raw.get("verdicts") or ()),
            job_id=raw.get("job_id"),
            last_job_at=raw.get("last_job_at"),
            cooldown_until=raw.get("cooldown_until"),
            submit=bool(raw.get("submit", False)),
            actor=str(raw.get("actor", "")),
            data=dict(raw.get("data") or {}),
        )


class DecisionLog:
    """The append-only decision log."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.data_dir() / "retraining" / "decisions.jsonl"

    def append(self, decision: Decision) -> None:
        """Add one decision (one line, one write, fsynced)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(decision.to_json(), sort_keys=True, default=str) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def _lines(self) -> Iterator[dict[str, Any]]:
        try:
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        yield json.loads(line)
                    except ValueError:
                        continue  # a line torn by a crash mid-write
        except FileNotFoundError:
            return

    def read(self, *, policy: str | None = None, limit: int | None = None) -> list[Decision]:
        """Decisions, oldest first (the last ``limit`` when given)."""
        decisions = [
            Decision.from_json(raw)
            for raw in self._lines()
            if policy is None or raw.get("policy") == policy
        ]
        return decisions[-limit:] if limit else decisions

    def first_seen(self, policy: str) -> str | None:
        """When a check first recorded a decision for ``policy`` (None: never)."""
        for raw in self._lines():
            if raw.get("policy") == policy:
                return str(raw["at"])
        return None
