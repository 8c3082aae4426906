"""``mlops-desktop audit list [--json]|verify``: the hash-chained audit log.

``audit verify`` exits 0 when the log is intact and 1 when it is not, naming the first bad
record (edited, inserted or deleted).
"""

from __future__ import annotations

import argparse
import json
import sys

from mlops_desktop.cli.output import print_json, print_table
from mlops_desktop.core.audit import AuditLog

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


def _summary(details: dict[str, object]) -> str:
    keys = ("operation_id", "from", "to", "target_version", "to_version", "endpoint", "reason")
    parts = [f"{k}={details[k]}" for k in keys if details.get(k) not in (None, "", [], {})]
    request = details.get("request")
    if isinstance(request, dict):
        parts.append(f"request={request.get('id')} v{request.get('version')}")
    return " ".join(parts) if parts else json.dumps(details, sort_keys=True)[:80]


def list_records(args: argparse.Namespace) -> int:
    """Print the records."""
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
    """Verify the chain; 0 intact, 1 broken."""
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
                "path": str(log.path),
            }
        )
    elif result.ok:
        print(result.describe())
    else:
        print(f"error: {result.describe()} ({log.path})", file=sys.stderr)
    return 0 if result.ok else EXIT_BROKEN
