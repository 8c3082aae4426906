"""The full check of an audit log: the chain line by line, the head beside it, the config-dir
anchor and the quarantine log (see :meth:`mlops_desktop.core.audit.AuditLog.verify`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_desktop.core.audit_anchor import AnchorUnreadable, AuditAnchor, read_anchor
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

if TYPE_CHECKING:
    from mlops_desktop.core.audit import AuditLog


def _says(seq: int, digest: str) -> str:
    return f"record {seq} ({digest[:12]}…)"


def verify_log(log: AuditLog) -> AuditVerification:
    """Judge ``log`` (the caller holds its lock)."""
    try:
        data: bytes | None = log.path.read_bytes()
    except FileNotFoundError:
        data = None
    *lines, torn = (data or b"").split(b"\n")
    scan = scan_chain(lines)
    problems: list[Problem] = [scan.problem] if scan.problem else []
    notes: list[str] = []
    statuses: list[AnchorStatus] = []
    sound = scan.problem is None
    last = scan.last if sound else None
    count = len(scan.hashes)

    # The config-dir anchor.
    anchor: AuditAnchor | None = None
    try:
        anchor = read_anchor(log.anchor_path)
    except AnchorUnreadable as exc:
        problems.append(Problem(f"the anchor {exc}"))
        statuses.append(AnchorStatus("anchor", str(log.anchor_path), "unreadable", False, str(exc)))
    # A torn last line (named before the anchors: it says where the log was cut).
    if torn and sound:
        if interrupted_write(torn, anchor, count):
            notes.append(
                f"line {count + 1} holds an interrupted write of record {count + 1} "
                f"({len(torn)} bytes; the anchor recorded it as in progress): the next append "
                "replaces it"
            )
        else:
            problems.append(torn_problem(torn, count + 1))
    if anchor is not None:
        problem = None
        if sound:
            state = "missing" if data is None else ""
            problem = anchor_problem(anchor, last, scan.hashes, state)
        if problem is not None:
            problems.append(problem)
        says = anchor.describe()
        if anchor.pending and sound and anchor_vouches(anchor, last) and count != anchor.seq:
            notes.append(f"record {count} was written by an append that stopped before its end")
        statuses.append(
            AnchorStatus(
                "anchor",
                str(log.anchor_path),
                says,
                sound and problem is None,
                problem.reason if problem else ("" if sound else "chain broken first"),
            )
        )
        for cut in anchor.interrupted_writes:
            notes.append(
                f"an interrupted write of record {cut.get('seq')} ({cut.get('bytes')} bytes) was "
                f"replaced by the next append at {cut.get('time')}"
            )
    elif count:
        notes.append(
            f"no anchor in the config dir yet ({log.anchor_path}); the next append writes it"
        )
        statuses.append(
            AnchorStatus(
                "anchor", str(log.anchor_path), "missing", True, "written by the next append"
            )
        )
    elif not problems:
        statuses.append(
            AnchorStatus("anchor", str(log.anchor_path), "none: no records were ever written", True)
        )

    # The head beside the log.
    head: tuple[int, str] | None = None
    try:
        head = read_head(log.head_path)
    except HeadUnreadable as exc:
        problems.append(Problem(f"the head {exc}"))
        statuses.append(AnchorStatus("head", str(log.head_path), "unreadable", False, str(exc)))
    else:
        problem = None
        if sound:
            lag_allowed = anchor is None or anchor_vouches(anchor, last)
            problem = head_problem(head, last, scan.hashes, lag_allowed)
            if problem is None and head is not None and head[0] == count - 1:
                notes.append("the last record's head was not written (an append stopped)")
        if problem is not None:
            problems.append(problem)
        says = _says(*head) if head else ("missing" if count else "none: no records yet")
        statuses.append(
            AnchorStatus(
                "head",
                str(log.head_path),
                says,
                sound and problem is None,
                problem.reason if problem else ("" if sound else "chain broken first"),
            )
        )

    # The quarantine log.
    quarantined, unreadable, _q_torn = log._quarantine_records()
    if quarantined or unreadable or (anchor and anchor.quarantined):
        expected = anchor.quarantined if anchor else 0
        detail = f"{len(quarantined)} records written while the chain was broken" + (
            f", {unreadable} unreadable lines" if unreadable else ""
        )
        if len(quarantined) < expected:
            problems.append(
                Problem(
                    f"the quarantine log holds {len(quarantined)} records but "
                    f"{expected} were written to it: quarantined records were deleted"
                )
            )
        elif quarantined or unreadable:
            problems.append(
                Problem(
                    f"{len(quarantined)} records were written to the quarantine log "
                    f"{log.quarantine_path} while the chain was broken; once the log is "
                    "restored, `mlops-desktop audit reanchor` adopts them"
                )
            )
        statuses.append(AnchorStatus("quarantine", str(log.quarantine_path), detail, False))

    if not problems:
        return AuditVerification(
            True, count, notes=notes, anchors=statuses, quarantined=len(quarantined)
        )
    first = problems[0]
    notes += [f"also: {p.reason}" for p in problems[1:]]
    return AuditVerification(
        False,
        count,
        first.line,
        first.seq,
        first.reason,
        notes=notes,
        anchors=statuses,
        quarantined=len(quarantined),
    )
