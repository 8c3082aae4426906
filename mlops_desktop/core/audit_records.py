"""The audit record, its canonical encoding and hash, and a parser that names what is wrong.

Split from :mod:`mlops_desktop.core.audit` so the chain checks and the anchors can share it;
``core.audit`` re-exports every public name.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
_HEX64 = re.compile(r"[0-9a-f]{64}")


def canonical_json(value: Any) -> bytes:
    """The canonical encoding hashed: sorted keys, no whitespace, UTF-8, finite numbers."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of a record's canonical JSON without its ``hash`` field."""
    content = {k: v for k, v in body.items() if k != "hash"}
    return hashlib.sha256(canonical_json(content)).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit record: who did what, when, where, with which details."""

    seq: int
    time: str
    actor: str
    action: str
    workspace: str
    model: str
    details: dict[str, Any]
    prev_hash: str
    hash: str
    #: True for a record written to the quarantine log (the chain was broken when it came).
    quarantined: bool = False

    def to_json(self) -> dict[str, Any]:
        """The record as stored."""
        return {
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "action": self.action,
            "workspace": self.workspace,
            "model": self.model,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any], *, quarantined: bool = False) -> AuditRecord:
        """Parse a stored record (KeyError/TypeError/ValueError when malformed)."""
        return cls(
            seq=int(raw["seq"]),
            time=str(raw["time"]),
            actor=str(raw["actor"]),
            action=str(raw["action"]),
            workspace=str(raw.get("workspace", "")),
            model=str(raw.get("model", "")),
            details=dict(raw.get("details") or {}),
            prev_hash=str(raw["prev_hash"]),
            hash=str(raw["hash"]),
            quarantined=quarantined,
        )


class MalformedRecord(ValueError):
    """A line that is not a record; the message says why (for people)."""


def parse_record_line(
    line: bytes, *, quarantined: bool = False
) -> tuple[dict[str, Any], AuditRecord]:
    """The stored dict and the record of one line; :class:`MalformedRecord` names the fault.

    Stricter than :meth:`AuditRecord.from_json`: ``seq`` must be a positive integer and both
    hashes 64 lowercase hex digits, so nothing a chain check compares is coerced.
    """
    try:
        raw = json.loads(line)
    except RecursionError:
        raise MalformedRecord("not JSON (nested too deeply)") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise MalformedRecord(f"not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise MalformedRecord(f"not a JSON object but {type(raw).__name__}")
    missing = [k for k in ("seq", "time", "actor", "action", "prev_hash", "hash") if k not in raw]
    if missing:
        raise MalformedRecord(f"the field(s) {', '.join(missing)} are missing")
    seq = raw["seq"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise MalformedRecord(f"seq {seq!r} is not a positive integer")
    for key in ("hash", "prev_hash"):
        if not isinstance(raw[key], str) or not _HEX64.fullmatch(raw[key]):
            raise MalformedRecord(f"{key} is not 64 hex digits")
    if not isinstance(raw.get("details", {}), dict):
        raise MalformedRecord("details is not a JSON object")
    try:
        digest = record_hash(raw)
    except (ValueError, TypeError) as exc:  # NaN/Infinity cannot be encoded canonically
        raise MalformedRecord(f"cannot be hashed ({exc})") from None
    record = AuditRecord.from_json(raw, quarantined=quarantined)
    if digest != record.hash:
        raise EditedRecord(record)
    return raw, record


class EditedRecord(MalformedRecord):
    """A well-formed record whose content does not match its hash."""

    def __init__(self, record: AuditRecord) -> None:
        super().__init__("its content does not match its hash: the record was edited")
        self.record = record
