"""The checks behind :meth:`AuditLog.append` (cheap: the last record against the anchors) and
:meth:`AuditLog.verify` (the whole chain, the head, the config-dir anchor, the quarantine).

Pure functions over what was read, so the append and the verification judge alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_desktop.core.audit_anchor import AuditAnchor
from mlops_desktop.core.audit_records import (
    GENESIS_HASH,
    AuditRecord,
    EditedRecord,
    MalformedRecord,
    parse_record_line,
)


@dataclass(frozen=True, slots=True)
class AnchorStatus:
    """One anchor that was checked: what it says and whether the log agrees."""

    name: str
    path: str
    says: str
    ok: bool
    detail: str = ""

    def describe(self) -> str:
        """``✔ head …/audit.head.json: record 4 (3f2a…)``."""
        extra = f" — {self.detail}" if self.detail else ""
        return f"{'✔' if self.ok else '✘'} {self.name} {self.path}: {self.says}{extra}"

    def to_json(self) -> dict[str, Any]:
        """For ``audit verify --json``."""
        return {
            "name": self.name,
            "path": self.path,
            "says": self.says,
            "ok": self.ok,
            "detail": self.detail,
        }


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
    #: Every anchor checked (the head beside the log, the config-dir anchor, the quarantine).
    anchors: list[AnchorStatus] = field(default_factory=list)
    #: Records in the quarantine log (written while the chain was broken).
    quarantined: int = 0

    def describe(self) -> str:
        """One line for people."""
        if self.ok:
            extra = f" ({'; '.join(self.notes)})" if self.notes else ""
            return f"audit log intact: {self.records} records{extra}"
        where = f"line {self.bad_line}" if self.bad_line else "end of log"
        which = f" (record {self.bad_seq})" if self.bad_seq is not None else ""
        return f"audit log broken at {where}{which}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why the log is not intact, and where."""

    reason: str
    line: int | None = None
    seq: int | None = None


class HeadUnreadable(ValueError):
    """The head file exists but is not a head."""


def read_head(path: Path) -> tuple[int, str] | None:
    """``(seq, hash)`` of the head file; None when missing; :class:`HeadUnreadable` when bad."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        seq, digest = raw["seq"], raw["hash"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HeadUnreadable(f"cannot be read ({type(exc).__name__})") from None
    if not isinstance(seq, int) or seq < 1 or not isinstance(digest, str):
        raise HeadUnreadable("is not a head (seq, hash)")
    return seq, digest


# -- the chain -------------------------------------------------------------------------------


@dataclass(slots=True)
class ChainScan:
    """The sound prefix of the log: the hash on each line, and the first bad line."""

    hashes: list[str] = field(default_factory=list)
    last: AuditRecord | None = None
    problem: Problem | None = None


def scan_chain(lines: list[bytes]) -> ChainScan:
    """Check each complete line chains to the one before; stop at the first that does not."""
    scan = ChainScan()
    for number, line in enumerate(lines, start=1):
        problem = _check_line(number, line, scan)
        if problem is not None:
            scan.problem = problem
            return scan
    return scan


def _check_line(number: int, line: bytes, scan: ChainScan) -> Problem | None:
    """None when the line is the next sound link (its record is added to ``scan``)."""
    expected_seq = len(scan.hashes) + 1
    previous_hash = scan.hashes[-1] if scan.hashes else GENESIS_HASH
    try:
        _raw, record = parse_record_line(line)
    except EditedRecord as exc:
        return Problem(str(exc), number, exc.record.seq)
    except MalformedRecord as exc:
        return Problem(f"not a readable record: {exc}", number)
    if record.seq > expected_seq:
        missing = (
            f"record {expected_seq} is"
            if record.seq == expected_seq + 1
            else f"records {expected_seq}-{record.seq - 1} are"
        )
        return Problem(f"{missing} missing before it: deleted", number, record.seq)
    if record.seq < expected_seq or record.prev_hash != previous_hash:
        # A well-forged insertion chains on its own; the record after it gives it away by
        # chaining to an earlier line: everything after that line was inserted.
        if record.prev_hash in scan.hashes:
            first = scan.hashes.index(record.prev_hash) + 2
            return Problem(
                f"lines {first}-{number - 1} were inserted: record {record.seq} on line "
                f"{number} chains to line {first - 1}",
                first,
            )
        if record.prev_hash == GENESIS_HASH and number > 1:
            return Problem(f"lines 1-{number - 1} were inserted", 1)
        return Problem(
            "it does not chain to the record before it: a record was inserted, replaced or "
            "reordered",
            number,
            record.seq,
        )
    scan.hashes.append(record.hash)
    scan.last = record
    return None


# -- the anchors -----------------------------------------------------------------------------


def _span(first: int, last: int) -> str:
    """``record 3 was`` / ``records 3-4 were``."""
    return f"record {first} was" if first == last else f"records {first}-{last} were"


def anchor_vouches(anchor: AuditAnchor, last: AuditRecord | None) -> bool:
    """True when the anchor saw ``last`` as the last record (or as the append in progress)."""
    committed = anchor.seq if anchor.records_written else 0
    count = last.seq if last else 0
    if count == committed and (last is None or last.hash == anchor.hash):
        return True
    pending = anchor.pending or {}
    return bool(
        last is not None
        and pending.get("seq") == count == committed + 1
        and pending.get("hash") == last.hash
        and last.prev_hash == (anchor.hash if committed else GENESIS_HASH)
    )


def anchor_problem(
    anchor: AuditAnchor, last: AuditRecord | None, hashes: list[str] | None, log_state: str
) -> Problem | None:
    """Why the log does not end where the anchor says (None when it does).

    ``hashes`` (every line's hash) sharpens the message when the whole chain was read;
    ``log_state`` is ``"missing"``, ``"empty"`` or ``""``.
    """
    if anchor_vouches(anchor, last):
        return None
    committed = anchor.seq if anchor.records_written else 0
    count = last.seq if last else 0
    if count < committed:
        if count == 0:
            return Problem(
                f"the log is {log_state or 'empty'} but the anchor saw {committed} records "
                "written: it was deleted or emptied",
                None,
                committed,
            )
        return Problem(
            f"the log ends at record {count} but the anchor saw record {committed} written: "
            f"{_span(count + 1, committed)} deleted from the end (or an older copy replaced "
            "the log)",
            None,
            committed,
        )
    if committed and hashes is not None and hashes[committed - 1] != anchor.hash:
        return Problem(
            f"record {committed} is not the one the anchor saw: the log was rewritten",
            committed,
            committed,
        )
    if count == committed:
        return Problem(
            f"the last record ({count}) is not the one the anchor saw: the log was rewritten",
            None,
            count,
        )
    first = committed + 1
    pending = anchor.pending or {}
    if (
        hashes is not None
        and pending.get("seq") == first
        and pending.get("hash") == hashes[committed]
    ):
        first += 1  # the append in progress did land; what follows it did not come from us
    return Problem(
        f"{_span(first, count)} appended by something other than this app (the anchor saw record "
        f"{committed} last): a forged tail",
        first,
        first,
    )


def head_problem(
    head: tuple[int, str] | None,
    last: AuditRecord | None,
    hashes: list[str] | None,
    lag_allowed: bool,
) -> Problem | None:
    """Why the log does not end where the head file says (None when it does).

    ``lag_allowed``: the head may be one record behind (an append stopped before writing it)
    — only when the config-dir anchor vouches for the last record or there is no anchor.
    """
    count = last.seq if last else 0
    if head is None:
        if count == 0:
            return None
        return Problem(
            f"the head file is missing while the log holds {count} records: it was deleted"
        )
    head_seq, head_hash = head
    if last is not None and head_seq == count and head_hash == last.hash:
        return None
    if last is not None and head_seq == count - 1 and head_hash == last.prev_hash and lag_allowed:
        return None
    if count == 0:
        return Problem(
            f"the log is empty or missing but the head saw {head_seq} records written",
            None,
            head_seq,
        )
    if head_seq > count:
        return Problem(
            f"the log ends at record {count} but the head saw record {head_seq} written: "
            f"{_span(count + 1, head_seq)} deleted from the end",
            None,
            head_seq,
        )
    if hashes is not None and hashes[head_seq - 1] != head_hash:
        return Problem(
            f"record {head_seq} is not the one the head saw: history was rewritten",
            head_seq,
            head_seq,
        )
    if head_seq == count:
        return Problem(
            f"the last record ({count}) is not the one the head saw: the log was rewritten",
            None,
            count,
        )
    return Problem(
        f"{_span(head_seq + 1, count)} added without the writer's head: inserted (a forged tail)",
        head_seq + 1,
        head_seq + 1,
    )


def interrupted_write(torn: bytes, anchor: AuditAnchor | None, count: int) -> bool:
    """True when the torn last line is the start of the append the anchor recorded as in
    progress (a crash mid-write), not a record cut short or bytes from elsewhere."""
    line = anchor.pending_line() if anchor else None
    pending_seq = (anchor.pending or {}).get("seq") if anchor else None
    return bool(
        torn and line is not None and pending_seq == count + 1 and (line + b"\n").startswith(torn)
    )


def torn_problem(torn: bytes, line_number: int) -> Problem:
    """The torn last line that is not an interrupted write of ours."""
    return Problem(
        f"line {line_number} is incomplete ({len(torn)} bytes without a final newline) and is "
        "not the append the anchor recorded as in progress: the log was cut inside a record, "
        "or something else wrote to it",
        line_number,
    )
