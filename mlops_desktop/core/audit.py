"""Append-only, hash-chained audit log of promotions, approvals, rollbacks and traffic changes.

One JSON object per line in ``<data dir>/audit/audit.jsonl``. Each record carries ``seq``
(1, 2, …), ``prev_hash`` (the previous record's hash; 64 zeros for the first) and ``hash``:
SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the record without
``hash`` — which includes ``prev_hash``, so each hash covers the whole chain before it.

``audit.head.json`` beside the log holds the last record's ``seq`` and ``hash``; it lets
:meth:`AuditLog.verify` notice records deleted from the end, which a chain alone cannot. The log
is written first and the head second, so a crash between them leaves the log one record ahead
of the head, which verifies (the next append brings the head up to date).

Appends hold an exclusive file lock, so the GUI and CLI processes may write at once; every
append is fsynced. A line torn by a crash mid-write (no final newline) was never acknowledged
and is cut off by the next append.

What the chain proves: any edited, inserted, reordered or deleted record is detected. Someone
able to rewrite the whole file *and* the head can forge a consistent history; publish the head
hash elsewhere (a CI log, a registry tag) where that matters.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.files import atomic_write_text, exclusive_lock
from mlops_desktop.core.identity import current_identity
from mlops_desktop.core.serialize import to_jsonable

GENESIS_HASH = "0" * 64
AUDIT_FILE_NAME = "audit.jsonl"
HEAD_FILE_NAME = "audit.head.json"


class AuditAction:
    """The actions recorded (strings, so new kinds need no schema change)."""

    PROMOTION = "promotion"
    PROMOTION_ROLLED_BACK = "promotion.rolled_back"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_APPROVED = "approval.approved"
    APPROVAL_REJECTED = "approval.rejected"
    ROLLBACK = "rollback"
    ROLLBACK_ROLLED_BACK = "rollback.rolled_back"
    TRAFFIC = "traffic"


def canonical_json(value: Any) -> bytes:
    """The canonical encoding hashed: sorted keys, no whitespace, UTF-8, finite numbers."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def record_hash(body: dict[str, Any]) -> str:
    """SHA-256 (hex) of a record's canonical JSON without its ``hash`` field."""
    content = {k: v for k, v in body.items() if k != "hash"}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def default_audit_path() -> Path:
    """Where the audit log lives."""
    return paths.data_dir() / "audit" / AUDIT_FILE_NAME


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
    def from_json(cls, raw: dict[str, Any]) -> AuditRecord:
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
        )


@dataclass(frozen=True, slots=True)
class AuditVerification:
    """Outcome of :meth:`AuditLog.verify`."""

    ok: bool
    records: int
    #: 1-based line of the first bad record (None when the log is intact).
    bad_line: int | None = None
    #: ``seq`` written on that line, when it could be read.
    bad_seq: int | None = None
    reason: str = ""
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for people."""
        if self.ok:
            extra = f" ({'; '.join(self.notes)})" if self.notes else ""
            return f"audit log intact: {self.records} records{extra}"
        where = f"line {self.bad_line}" if self.bad_line else "end of log"
        which = f" (record {self.bad_seq})" if self.bad_seq is not None else ""
        return f"audit log broken at {where}{which}: {self.reason}"


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - directories cannot be opened there
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class AuditLog:
    """The audit log file (default: in the data dir). Instances are cheap."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_audit_path()

    @property
    def head_path(self) -> Path:
        """The head anchor (last seq and hash)."""
        return self.path.with_name(HEAD_FILE_NAME)

    @property
    def lock_path(self) -> Path:
        """The lock serialising writers."""
        return self.path.with_name(self.path.name + ".lock")

    # -- writing ---------------------------------------------------------------------------

    def append(
        self,
        action: str,
        *,
        actor: str | None = None,
        workspace: str = "",
        model: str = "",
        details: dict[str, Any] | None = None,
    ) -> AuditRecord:
        """Append one record (locked, fsynced) and return it."""
        with exclusive_lock(self.lock_path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            last = self._last_complete_record()
            body: dict[str, Any] = {
                "seq": (last.seq + 1) if last else 1,
                "time": datetime.now(UTC).isoformat(timespec="microseconds"),
                "actor": actor if actor is not None else current_identity(),
                "action": action,
                "workspace": workspace,
                "model": model,
                "details": to_jsonable(details or {}),
                "prev_hash": last.hash if last else GENESIS_HASH,
            }
            body["hash"] = record_hash(body)
            line = canonical_json(body) + b"\n"
            with open(self.path, "ab") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            if created:
                _fsync_dir(self.path.parent)
            self._write_head(body["seq"], body["hash"])
            return AuditRecord.from_json(body)

    def _last_complete_record(self) -> AuditRecord | None:
        """The last record; a torn final line (crash mid-write) is cut off first."""
        if not self.path.exists():
            return None
        with open(self.path, "r+b") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            if size == 0:
                return None
            fh.seek(size - 1)
            if fh.read(1) != b"\n":
                end = self._line_start(fh, size)
                fh.truncate(end)
                fh.flush()
                os.fsync(fh.fileno())
                size = end
            if size == 0:
                return None
            start = self._line_start(fh, size - 1)
            fh.seek(start)
            raw = fh.read(size - start)
        return AuditRecord.from_json(json.loads(raw))

    @staticmethod
    def _line_start(fh: Any, end: int) -> int:
        """Offset just after the last newline before ``end`` (0 when there is none)."""
        position = end
        while position > 0:
            step = min(8192, position)
            fh.seek(position - step)
            newline = fh.read(step).rfind(b"\n")
            if newline != -1:
                return position - step + newline + 1
            position -= step
        return 0

    def _write_head(self, seq: int, digest: str) -> None:
        atomic_write_text(self.head_path, json.dumps({"seq": seq, "hash": digest}))

    # -- reading ---------------------------------------------------------------------------

    def _lines(self) -> list[bytes]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        lines = data.split(b"\n")
        # A final line without newline is being written (or torn): not a record yet.
        return lines[:-1]

    def records(self) -> list[AuditRecord]:
        """Every readable record, oldest first (unreadable lines are skipped; see verify)."""
        found: list[AuditRecord] = []
        for line in self._lines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                found.append(AuditRecord.from_json(json.loads(line)))
        return found

    def find(self, action: str | None = None, **details: Any) -> list[AuditRecord]:
        """Records of ``action`` whose details contain every given key/value."""
        return [
            r
            for r in self.records()
            if (action is None or r.action == action)
            and all(r.details.get(k) == v for k, v in details.items())
        ]

    def verify(self) -> AuditVerification:
        """Check the whole chain and the head; the first bad record is named."""
        with exclusive_lock(self.lock_path):
            lines = self._lines()
            head = self._read_head()
        previous_hash = GENESIS_HASH
        expected_seq = 1
        hashes: list[str] = []  # hash of the record on each line so far
        for number, line in enumerate(lines, start=1):
            bad = self._check_line(number, line, expected_seq, previous_hash, hashes)
            if bad is not None:
                return bad
            previous_hash = hashes[-1]
            expected_seq += 1
        count = expected_seq - 1
        notes: list[str] = []
        if head is not None:
            head_seq, head_hash = head
            if head_seq > count:
                return AuditVerification(
                    False,
                    count,
                    None,
                    head_seq,
                    f"the log ends at record {count} but record {head_seq} was written: "
                    "records were deleted from the end",
                )
            if count and head_seq >= 1:
                at_head = json.loads(lines[head_seq - 1])
                if at_head.get("hash") != head_hash:
                    return AuditVerification(
                        False,
                        count,
                        head_seq,
                        head_seq,
                        "it differs from the record the head anchor saw: history was rewritten",
                    )
            if count - head_seq > 1:
                return AuditVerification(
                    False,
                    head_seq,
                    head_seq + 1,
                    head_seq + 1,
                    f"records {head_seq + 1}-{count} were added without the writer's head "
                    "anchor: inserted",
                )
            if head_seq < count:
                notes.append("the last record's head anchor was not written (crash after it)")
        elif count:
            return AuditVerification(
                False, count, None, None, "the head anchor is missing: it was deleted"
            )
        return AuditVerification(True, count, notes=notes)

    @staticmethod
    def _check_line(
        number: int, line: bytes, expected_seq: int, previous_hash: str, hashes: list[str]
    ) -> AuditVerification | None:
        """None when the line is the next sound link of the chain (its hash is appended)."""
        good = number - 1

        def broken(seq: int | None, reason: str, at: int = number) -> AuditVerification:
            return AuditVerification(False, good, at, seq, reason)

        try:
            raw = json.loads(line)
            record = AuditRecord.from_json(raw)
        except (ValueError, KeyError, TypeError) as exc:
            return broken(None, f"not a readable record ({exc})")
        if record_hash(raw) != record.hash:
            return broken(record.seq, "its content does not match its hash: the record was edited")
        if record.seq > expected_seq:
            missing = (
                f"record {expected_seq} is"
                if record.seq == expected_seq + 1
                else f"records {expected_seq}-{record.seq - 1} are"
            )
            return broken(record.seq, f"{missing} missing before it: deleted")
        if record.seq < expected_seq or record.prev_hash != previous_hash:
            # A well-forged insertion chains on its own; the record after it gives it away
            # by chaining to an earlier line: everything after that line was inserted.
            if record.prev_hash in hashes:
                first_inserted = hashes.index(record.prev_hash) + 2
                return broken(
                    None,
                    f"lines {first_inserted}-{number - 1} were inserted: record {record.seq} "
                    f"on line {number} chains to line {first_inserted - 1}",
                    at=first_inserted,
                )
            if record.prev_hash == GENESIS_HASH and number > 1:
                return broken(None, f"lines 1-{number - 1} were inserted", at=1)
            return broken(
                record.seq,
                "it does not chain to the record before it: a record was inserted, replaced "
                "or reordered",
            )
        hashes.append(record.hash)
        return None

    def _read_head(self) -> tuple[int, str] | None:
        try:
            raw = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(raw["seq"]), str(raw["hash"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


def record_traffic_change(
    *,
    workspace: str,
    model: str,
    endpoint: str,
    before: dict[str, int],
    after: dict[str, int],
    mirror_before: dict[str, int] | None = None,
    mirror_after: dict[str, int] | None = None,
    reason: str = "",
    operation_id: str | None = None,
    actor: str | None = None,
    log: AuditLog | None = None,
) -> AuditRecord:
    """Audit one change of an endpoint's traffic split (promotion, rollback, or by hand)."""
    details: dict[str, Any] = {
        "endpoint": endpoint,
        "from": before,
        "to": after,
        "mirror_from": mirror_before or {},
        "mirror_to": mirror_after or {},
        "reason": reason,
    }
    if operation_id:
        details["operation_id"] = operation_id
    return (log or AuditLog()).append(
        AuditAction.TRAFFIC, actor=actor, workspace=workspace, model=model, details=details
    )
