"""Append-only, hash-chained audit log of promotions, approvals, rollbacks and traffic changes.

One JSON object per line in ``<data dir>/audit/audit.jsonl``. Each record carries ``seq``
(1, 2, …), ``prev_hash`` (the previous record's hash; 64 zeros for the first) and ``hash``:
SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of the record without
``hash`` — which includes ``prev_hash``, so each hash covers the whole chain before it.

Two anchors say where the chain ends, so records cut from the end, a deleted log or a forged
tail show even though the chain alone stays consistent:

- ``audit.head.json`` beside the log: the last record's ``seq`` and ``hash``;
- the anchor in the config dir (:mod:`.audit_anchor`), apart from the data dir: ``seq``,
  ``hash``, "records were ever written", and the line of an append in progress.

An append (under an exclusive file lock, so the GUI and CLI may write at once) first checks
the last record against both anchors and refuses with
:class:`~mlops_desktop.core.errors.Conflict`, writing nothing, when they disagree;
:meth:`AuditLog.verify` checks the whole chain. Write order: anchor (line in progress) →
log (fsynced) → head → anchor (done), so a crash at any point leaves a state that verifies
and that the next append finishes. A line torn by a crash is recognised
as the append in progress and replaced by the next append (noted in the anchor); any other
incomplete line is reported as broken.

Rollbacks must never be blocked by a broken log: :meth:`AuditLog.for_rollback` gives a log whose
appends go to ``audit.quarantine.jsonl`` (a chain of its own) when the main chain is broken;
``verify`` reports them, and :meth:`AuditLog.reanchor` — after the log was restored — accepts
the log as it is with a record saying so and adopts the quarantined records.

Files are created 0600 in 0700 folders. Someone able to rewrite the data dir *and* the config
dir can still forge a consistent history; publish the head hash elsewhere (a CI log) where that
matters.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.audit_anchor import (
    AnchorUnreadable,
    AuditAnchor,
    default_anchor_path,
    ensure_private_dir,
    read_anchor,
    write_anchor,
)
from mlops_desktop.core.audit_checks import (
    AnchorStatus,
    AuditVerification,
    HeadUnreadable,
    Problem,
    anchor_problem,
    anchor_vouches,
    head_problem,
    interrupted_write,
    read_head,
    scan_chain,
    torn_problem,
)
from mlops_desktop.core.audit_records import (
    GENESIS_HASH,
    AuditRecord,
    MalformedRecord,
    canonical_json,
    parse_record_line,
    record_hash,
)
from mlops_desktop.core.errors import Conflict
from mlops_desktop.core.files import atomic_write_text, exclusive_lock
from mlops_desktop.core.identity import current_identity
from mlops_desktop.core.serialize import to_jsonable

__all__ = [
    "AUDIT_FILE_NAME",
    "GENESIS_HASH",
    "HEAD_FILE_NAME",
    "QUARANTINE_FILE_NAME",
    "AnchorStatus",
    "AuditAction",
    "AuditLog",
    "AuditRecord",
    "AuditVerification",
    "canonical_json",
    "default_audit_path",
    "record_hash",
    "record_traffic_change",
]

AUDIT_FILE_NAME = "audit.jsonl"
HEAD_FILE_NAME = "audit.head.json"
QUARANTINE_FILE_NAME = "audit.quarantine.jsonl"
REPAIR_HINT = (
    "run `mlops-desktop audit verify` to see what is wrong; restore the log from a backup, then "
    "`mlops-desktop audit reanchor` accepts it as it is (that acceptance is itself recorded)"
)

_log = logging.getLogger(__name__)


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
    #: The log was accepted as it is after its anchors disagreed (``audit reanchor``).
    REANCHORED = "audit.reanchored"


def default_audit_path() -> Path:
    """Where the audit log lives."""
    return paths.data_dir() / "audit" / AUDIT_FILE_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - directories cannot be opened there
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _append_line(path: Path, line: bytes, *, cut_at: int | None = None) -> None:
    """Append ``line`` (fsynced) to a file created 0600, cutting it at ``cut_at`` first."""
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if sys.platform != "win32":
            os.fchmod(fd, 0o600)  # also tightens a log created by an older version
        if cut_at is not None:
            os.ftruncate(fd, cut_at)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


@dataclass(slots=True)
class _Tail:
    """What one append needs to know of the log: its last complete record and torn bytes."""

    exists: bool
    last: AuditRecord | None
    torn: bytes
    torn_offset: int
    problems: list[Problem]
    anchor: AuditAnchor | None
    interrupted: bool


class AuditLog:
    """The audit log file (default: in the data dir). Instances are cheap.

    ``anchor_path`` defaults to the config-dir anchor of ``path``. With
    ``quarantine_when_broken`` (see :meth:`for_rollback`) an append to a broken log goes to the
    quarantine log instead of being refused.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        anchor_path: Path | None = None,
        quarantine_when_broken: bool = False,
    ) -> None:
        self.path = path or default_audit_path()
        self.anchor_path = anchor_path or default_anchor_path(self.path)
        self.quarantine_when_broken = quarantine_when_broken

    @property
    def head_path(self) -> Path:
        """The head anchor beside the log (last seq and hash): ``audit.head.json``."""
        return self.path.with_name(f"{self.path.stem}.head.json")

    @property
    def quarantine_path(self) -> Path:
        """Where rollbacks audit while the main chain is broken: ``audit.quarantine.jsonl``."""
        return self.path.with_name(f"{self.path.stem}.quarantine.jsonl")

    @property
    def lock_path(self) -> Path:
        """The lock serialising writers."""
        return self.path.with_name(self.path.name + ".lock")

    def for_rollback(self) -> AuditLog:
        """The same log, for rollbacks: a broken chain quarantines the record, never refuses."""
        return AuditLog(self.path, anchor_path=self.anchor_path, quarantine_when_broken=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        ensure_private_dir(self.path.parent)
        with exclusive_lock(self.lock_path):
            yield

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
        """Append one record (locked, fsynced) and return it.

        :class:`Conflict` (nothing written) when the log does not end where its anchors say —
        unless this log is :meth:`for_rollback`, which then writes to the quarantine log.
        """
        body = self._body(action, actor, workspace, model, details)
        with self._locked():
            tail = self._read_tail()
            if tail.problems:
                if self.quarantine_when_broken:
                    return self._quarantine(body, tail.problems)
                raise self._refusal(tail.problems)
            return self._write(body, tail.last, self._anchor_to_update(tail), tail)

    def ensure_appendable(self) -> None:
        """:class:`Conflict` when an append would be refused (checked before acting)."""
        with self._locked():
            tail = self._read_tail()
        if tail.problems:
            raise self._refusal(tail.problems)

    def _refusal(self, problems: list[Problem]) -> Conflict:
        text = "; ".join(p.reason for p in problems)
        return Conflict(
            f"the audit log {self.path} is broken, nothing was written: {text}", hint=REPAIR_HINT
        )

    @staticmethod
    def _body(
        action: str, actor: str | None, workspace: str, model: str, details: dict[str, Any] | None
    ) -> dict[str, Any]:
        return {
            "time": _now(),
            "actor": actor if actor is not None else current_identity(),
            "action": action,
            "workspace": workspace,
            "model": model,
            "details": to_jsonable(details or {}),
        }

    def _anchor_to_update(self, tail: _Tail) -> AuditAnchor:
        """The anchor, brought up to the log's last record (an interrupted append finished)."""
        anchor = tail.anchor or AuditAnchor(log=str(self.path))
        if tail.last is not None:
            anchor.seq, anchor.hash, anchor.records_written = tail.last.seq, tail.last.hash, True
        if tail.interrupted:
            anchor.interrupted_writes.append(
                {"time": _now(), "seq": (anchor.pending or {}).get("seq"), "bytes": len(tail.torn)}
            )
        anchor.pending = None
        return anchor

    def _write(
        self,
        body: dict[str, Any],
        last: AuditRecord | None,
        anchor: AuditAnchor,
        tail: _Tail,
    ) -> AuditRecord:
        """Chain ``body`` onto ``last`` and write it: anchor (pending), log, head, anchor."""
        record_body = {
            **body,
            "seq": (last.seq + 1) if last else 1,
            "prev_hash": last.hash if last else GENESIS_HASH,
        }
        record_body["hash"] = record_hash(record_body)
        line = canonical_json(record_body)
        seq, digest = record_body["seq"], record_body["hash"]
        anchor.pending = {"seq": seq, "hash": digest, "line": line.decode("utf-8")}
        write_anchor(self.anchor_path, anchor)
        _append_line(self.path, line + b"\n", cut_at=tail.torn_offset if tail.torn else None)
        atomic_write_text(self.head_path, canonical_json({"seq": seq, "hash": digest}).decode())
        anchor.seq, anchor.hash, anchor.records_written, anchor.pending = seq, digest, True, None
        write_anchor(self.anchor_path, anchor)
        tail.last, tail.torn, tail.interrupted = AuditRecord.from_json(record_body), b"", False
        return tail.last

    def _read_tail(self) -> _Tail:
        """The last complete record and the checks of one append (the caller holds the lock)."""
        problems: list[Problem] = []
        anchor: AuditAnchor | None = None
        try:
            anchor = read_anchor(self.anchor_path)
        except AnchorUnreadable as exc:
            problems.append(Problem(f"the anchor {self.anchor_path} {exc}"))
        try:
            head = read_head(self.head_path)
        except HeadUnreadable as exc:
            problems.append(Problem(f"the head {self.head_path} {exc}"))
            head = None
        exists, last_line, torn, offset = self._tail_bytes()
        last: AuditRecord | None = None
        if last_line is not None:
            try:
                last = parse_record_line(last_line)[1]
            except MalformedRecord as exc:
                number = self._complete_lines()
                problems.append(
                    Problem(f"line {number} (the last) is not a sound record: {exc}", number)
                )
                return _Tail(exists, None, torn, offset, problems, anchor, False)
        count = last.seq if last else 0
        interrupted = interrupted_write(torn, anchor, count)
        if torn and not interrupted:
            problems.append(torn_problem(torn, self._complete_lines() + 1))
        if anchor is not None:
            problem = anchor_problem(anchor, last, None, "" if exists else "missing")
            if problem is not None:
                problems.append(problem)
        lag_allowed = anchor is None or anchor_vouches(anchor, last)
        problem = head_problem(head, last, None, lag_allowed)
        if problem is not None:
            problems.append(problem)
        return _Tail(exists, last, torn, offset, problems, anchor, interrupted)

    def _tail_bytes(self) -> tuple[bool, bytes | None, bytes, int]:
        """(log exists, last complete line, bytes after the last newline, their offset)."""
        try:
            fh = open(self.path, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            return False, None, b"", 0
        with fh:
            size = fh.seek(0, os.SEEK_END)
            end = self._line_start(fh, size)  # just after the last newline
            fh.seek(end)
            torn = fh.read(size - end)
            if end == 0:
                return True, None, torn, end
            start = self._line_start(fh, end - 1)
            fh.seek(start)
            return True, fh.read(end - 1 - start), torn, end

    def _complete_lines(self) -> int:
        """How many newline-terminated lines the log has (for messages only)."""
        try:
            return self.path.read_bytes().count(b"\n")
        except FileNotFoundError:
            return 0

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

    # -- the quarantine --------------------------------------------------------------------

    def _quarantine(self, body: dict[str, Any], problems: list[Problem]) -> AuditRecord:
        """Write ``body`` to the quarantine chain (never refused: a rollback depends on it)."""
        reason = "; ".join(p.reason for p in problems)
        good, _bad, torn = self._quarantine_records()
        last = good[-1] if good else None
        record_body = {
            **body,
            "seq": (last.seq + 1) if last else 1,
            "prev_hash": last.hash if last else GENESIS_HASH,
            "quarantine_reason": reason,
        }
        record_body["hash"] = record_hash(record_body)
        # A torn last line stays (evidence); the record starts on a line of its own.
        line = (b"\n" if torn else b"") + canonical_json(record_body) + b"\n"
        _append_line(self.quarantine_path, line)
        with contextlib.suppress(AnchorUnreadable, OSError):
            anchor = read_anchor(self.anchor_path)
            if anchor is not None:
                anchor.quarantined += 1
                write_anchor(self.anchor_path, anchor)
        _log.warning(
            "audit log broken (%s): %s recorded in %s",
            reason,
            body["action"],
            self.quarantine_path,
        )
        return AuditRecord.from_json(record_body, quarantined=True)

    def _quarantine_records(self) -> tuple[list[AuditRecord], int, bool]:
        """Readable quarantined records, how many lines were not, and whether one is torn."""
        try:
            data = self.quarantine_path.read_bytes()
        except FileNotFoundError:
            return [], 0, False
        *lines, torn = data.split(b"\n")
        good: list[AuditRecord] = []
        bad = 0
        for line in lines:
            try:
                good.append(parse_record_line(line, quarantined=True)[1])
            except MalformedRecord:
                bad += 1
        return good, bad, bool(torn)

    def reanchor(self, *, actor: str | None = None, reason: str = "") -> list[AuditRecord]:
        """Accept the log as it is now: its anchors are set to its last record by a record
        saying what they said before, and quarantined records are adopted after it.

        For a log restored from a backup (or one whose anchors were lost). :class:`Conflict`
        when the chain itself is broken: that needs the log restored first.
        """
        with self._locked():
            data = self.path.read_bytes() if self.path.exists() else b""
            *lines, torn = data.split(b"\n")
            scan = scan_chain(lines)
            if scan.problem is not None:
                where = f"line {scan.problem.line}: " if scan.problem.line else ""
                raise Conflict(
                    f"the audit log {self.path} cannot be re-anchored: {where}"
                    f"{scan.problem.reason}",
                    hint="restore the log from a backup (the chain must be whole); "
                    "`mlops-desktop audit verify` names the line",
                )
            tail = self._read_tail()
            before = self._anchor_summary()
            anchor = AuditAnchor(
                log=str(self.path),
                seq=scan.last.seq if scan.last else 0,
                hash=scan.last.hash if scan.last else "",
                records_written=scan.last is not None,
                interrupted_writes=list(tail.anchor.interrupted_writes) if tail.anchor else [],
            )
            quarantined, unreadable, _torn = self._quarantine_records()
            details = {
                "reason": reason,
                "problems": [p.reason for p in tail.problems],
                "log_last": ({"seq": scan.last.seq, "hash": scan.last.hash} if scan.last else None),
                **before,
                "torn_tail_removed": (
                    {"bytes": len(torn), "sha256": hashlib.sha256(torn).hexdigest()}
                    if torn
                    else None
                ),
                "quarantined_adopted": len(quarantined),
                "quarantine_unreadable_lines": unreadable,
            }
            tail.torn_offset = len(data) - len(torn)
            tail.interrupted = False
            written = [
                self._write(
                    self._body(AuditAction.REANCHORED, actor, "", "", details),
                    scan.last,
                    anchor,
                    tail,
                )
            ]
            for record in quarantined:
                adopted = {
                    **record.details,
                    "quarantined": {"time": record.time, "seq": record.seq, "hash": record.hash},
                }
                body = self._body(
                    record.action, record.actor, record.workspace, record.model, adopted
                )
                written.append(self._write(body, tail.last, anchor, tail))
            if self.quarantine_path.exists():
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                self.quarantine_path.rename(
                    self.quarantine_path.with_name(
                        f"{self.path.stem}.quarantine.adopted-{stamp}.jsonl"
                    )
                )
            return written

    def _anchor_summary(self) -> dict[str, Any]:
        """What the head and the anchor said (for the re-anchoring record)."""
        summary: dict[str, Any] = {}
        try:
            head = read_head(self.head_path)
            summary["head_before"] = {"seq": head[0], "hash": head[1]} if head else None
        except HeadUnreadable as exc:
            summary["head_before"] = f"unreadable: {exc}"
        try:
            anchor = read_anchor(self.anchor_path)
            summary["anchor_before"] = (
                {"seq": anchor.seq, "hash": anchor.hash, "quarantined": anchor.quarantined}
                if anchor
                else None
            )
        except AnchorUnreadable as exc:
            summary["anchor_before"] = f"unreadable: {exc}"
        return summary

    # -- reading ---------------------------------------------------------------------------

    def _lines(self) -> list[bytes]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        # A final line without newline is being written (or torn): not a record.
        return data.split(b"\n")[:-1]

    def records(self) -> list[AuditRecord]:
        """Every readable record, oldest first (unreadable lines are skipped; see verify)."""
        found: list[AuditRecord] = []
        for line in self._lines():
            with contextlib.suppress(MalformedRecord):
                found.append(parse_record_line(line)[1])
        return found

    def quarantined_records(self) -> list[AuditRecord]:
        """Records written to the quarantine log while the chain was broken, oldest first."""
        return self._quarantine_records()[0]

    def find(self, action: str | None = None, **details: Any) -> list[AuditRecord]:
        """Records (quarantined ones included) of ``action`` whose details contain every
        given key/value."""
        return [
            r
            for r in [*self.records(), *self.quarantined_records()]
            if (action is None or r.action == action)
            and all(r.details.get(k) == v for k, v in details.items())
        ]

    def verify(self) -> AuditVerification:
        """Check the whole chain, the head, the config-dir anchor and the quarantine; the first
        bad record is named and every anchor checked is listed."""
        from mlops_desktop.core.audit_verify import verify_log

        with self._locked():
            return verify_log(self)


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
