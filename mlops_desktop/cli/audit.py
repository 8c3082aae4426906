"""``mlops-desktop audit list [--json]|verify|reanchor``: the hash-chained audit log.

``audit verify`` exits 0 when the log is intact and 1 when it is not, naming the first bad
record or line and why, and listing every anchor it checked. ``audit reanchor`` accepts a
restored log as it is (recorded in the log itself) and adopts quarantined records; like every
command it exits 2 on an error (here: the chain itself is broken).
"""

from __future__ import annotations

import argparse
import json
import sys

from mlops_desktop.cli.output import print_json, print_table

EXIT_BROKEN = 1


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``audit`` command group."""
    group = sub.add_parser(
        "audit",
        help="the audit log of promotions, approvals, rollbacks and traffic changes",
        description="Append-only JSON Lines in the data dir; each record's SHA-256 covers its "
        "content and the previous record's hash, so any edit, insertion or deletion shows.",
    )
    actions = group.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="records, oldest first")
    listing.add_argument("--json", action="store_true", help="the records as stored")
    listing.add_argument("--action", help="only this action (e.g. promotion, traffic)")
    listing.add_argument("--limit", type=int, help="only the last N records")
    listing.set_defaults(handler=list_records)
    verify = actions.add_parser("verify", help="check the hash chain; exit 1 when broken")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(handler=verify_log)
    reanchor = actions.add_parser(
        "reanchor",
        help="accept the log as it is now (after restoring it from a backup); recorded",
        description="Sets the head and the config-dir anchor to the log's last record with an "
        "`audit.reanchored` record saying what they said before, then adopts the records "
        "quarantined while the chain was broken. Refused when the chain itself is broken.",
    )
    reanchor.add_argument("--reason", default="", help="why (kept in the record)")
    reanchor.add_argument("--yes", action="store_true", help="do not ask")
    reanchor.set_defaults(handler=reanchor_log)


def _summary(details: dict[str, object]) -> str:
    keys = ("operation_id", "from", "to", "target_version", "to_version", "endpoint", "reason")
    parts = [f"{k}={details[k]}" for k in keys if details.get(k) not in (None, "", [], {})]
    request = details.get("request")
    if isinstance(request, dict):
        parts.append(f"request={request.get('id')} v{request.get('version')}")
    return " ".join(parts) if parts else json.dumps(details, sort_keys=True)[:80]


def list_records(args: argparse.Namespace) -> int:
    """Print the records."""
    from mlops_desktop.core.audit import AuditLog  # the log's machinery: not for --help

    records = AuditLog().records()
    if args.action:
        records = [r for r in records if r.action == args.action]
    if args.limit is not None:
        records = records[-args.limit :] if args.limit > 0 else []
    if args.json:
        print_json([r.to_json() for r in records])
        return 0
    if not records:
        print("no audit records")
        return 0
    rows = [
        [r.seq, r.time[:19], r.actor, r.action, r.workspace, r.model, _summary(r.details)]
        for r in records
    ]
    print_table(["SEQ", "TIME", "ACTOR", "ACTION", "WORKSPACE", "MODEL", "DETAILS"], rows)
    return 0


def verify_log(args: argparse.Namespace) -> int:
    """Verify the chain and its anchors; 0 intact, 1 broken."""
    from mlops_desktop.core.audit import AuditLog

    log = AuditLog()
    result = log.verify()
    if args.json:
        print_json(
            {
                "ok": result.ok,
                "records": result.records,
                "bad_line": result.bad_line,
                "bad_seq": result.bad_seq,
                "reason": result.reason,
                "notes": result.notes,
                "anchors": [a.to_json() for a in result.anchors],
                "quarantined": result.quarantined,
                "path": str(log.path),
            }
        )
        return 0 if result.ok else EXIT_BROKEN
    out = sys.stdout if result.ok else sys.stderr
    prefix = "" if result.ok else "error: "
    print(f"{prefix}{result.describe()} ({log.path})", file=out)
    if not result.ok:
        for note in result.notes:
            print(f"  {note}", file=out)
    print("anchors checked:", file=out)
    for status in result.anchors or []:
        print(f"  {status.describe()}", file=out)
    if not result.anchors:
        print("  none (no records were ever written)", file=out)
    return 0 if result.ok else EXIT_BROKEN


def reanchor_log(args: argparse.Namespace) -> int:
    """Accept the log as it is; print what was recorded."""
    from mlops_desktop.cli.promote import _confirm
    from mlops_desktop.core.audit import AuditLog

    log = AuditLog()
    result = log.verify()
    print(result.describe(), file=sys.stderr)
    _confirm("Accept the audit log as it is now (recorded in the log)?", args.yes)
    written = log.reanchor(reason=args.reason)
    adopted = len(written) - 1
    print(
        f"re-anchored at record {written[0].seq}"
        + (f"; {adopted} quarantined records adopted" if adopted else "")
    )
    return 0
