"""Task bodies and text helpers of the Audit page (Qt-free, testable without a display).

The tasks read the hash-chained :class:`~mlops_desktop.core.audit.AuditLog` of the app home; the
helpers turn one :class:`~mlops_desktop.core.audit.AuditRecord` into the table's "from → to" and
"outcome" cells and the detail pane's HTML.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core.audit import AuditAction, AuditLog, AuditRecord, AuditVerification
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.unchanged import PROMOTION_UNCHANGED

#: Action families offered by the page's filter: (label, family prefix).
ACTION_FAMILIES: tuple[tuple[str, str], ...] = (
    ("Promotions", "promotion"),
    ("Approvals", "approval"),
    ("Rollbacks", "rollback"),
    ("Traffic changes", "traffic"),
    ("Deployments by hand", "serving"),
)

GOOD = "#16A34A"
BAD = "#DC2626"
WAIT = "#D97706"
NEUTRAL = "#2563EB"
MUTED = "#656D76"


def load_audit_task(ctx: TaskContext, path: Path | None = None) -> list[AuditRecord]:
    """Every readable record of the audit log, newest first."""
    ctx.check()
    records = AuditLog(path).records()
    records.reverse()
    return records


def verify_audit_task(ctx: TaskContext, path: Path | None = None) -> AuditVerification:
    """Verify the whole hash chain and the head anchor."""
    ctx.check()
    return AuditLog(path).verify()


def action_family(action: str) -> str:
    """``"promotion.rolled_back"`` → ``"promotion"``."""
    return action.split(".", 1)[0]


def local_time(text: str) -> str:
    """An ISO time as local ``YYYY-MM-DD HH:MM:SS`` (the text itself when unparsable)."""
    try:
        return datetime.fromisoformat(text).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return text


def _version(value: object) -> str:
    return f" v{value}" if value not in (None, "") else ""


def _split(value: object) -> str:
    """``{"v2": 90, "v3": 10}`` → ``"v2 90% · v3 10%"``."""
    if not isinstance(value, Mapping) or not value:
        return "—"
    return " · ".join(f"{name} {share}%" for name, share in value.items())


def _request(record: AuditRecord) -> Mapping[str, Any]:
    request = record.details.get("request")
    return request if isinstance(request, Mapping) else {}


def from_to(record: AuditRecord) -> str:
    """The "from → to" cell: stages and versions, or the traffic split."""
    d = record.details
    action = record.action
    if action == AuditAction.PROMOTION:
        return (
            f"{d.get('from', '?')}{_version(d.get('source_version'))} → "
            f"{d.get('to', '?')}{_version(d.get('target_version'))}"
        )
    if action == PROMOTION_UNCHANGED:
        return (
            f"{d.get('from', '?')}{_version(d.get('source_version'))} → "
            f"{d.get('to', '?')}{_version(d.get('champion_version'))}"
        )
    if action in (AuditAction.PROMOTION_ROLLED_BACK, AuditAction.ROLLBACK_ROLLED_BACK):
        plan = d.get("plan") if isinstance(d.get("plan"), Mapping) else {}
        if "source_workspace" in plan:
            return (
                f"{plan.get('source_workspace')}{_version(plan.get('version'))} → "
                f"{plan.get('target_workspace')}"
            )
        if "from_version" in plan:
            return f"v{plan.get('from_version')} → v{plan.get('version')}"
        return ""
    if action_family(action) == "approval":
        request = _request(record)
        return (
            f"{request.get('source_workspace', '?')}{_version(request.get('version'))} → "
            f"{request.get('target_workspace', '?')}"
        )
    if action == AuditAction.ROLLBACK:
        return f"v{d.get('from_version', '?')} → v{d.get('to_version', '?')}"
    if action == AuditAction.TRAFFIC or action_family(action) == "serving":
        return f"{_split(d.get('from'))} → {_split(d.get('to'))}"
    return ""


def gate_results(record: AuditRecord) -> list[Mapping[str, Any]]:
    """The gate results a record carries (promotions and their rollbacks)."""
    gates = record.details.get("gates")
    return [g for g in gates if isinstance(g, Mapping)] if isinstance(gates, list) else []


def outcome(record: AuditRecord) -> tuple[str, str]:
    """The "outcome" cell and its colour."""
    d = record.details
    action = record.action
    gates = gate_results(record)
    passed = sum(1 for g in gates if g.get("passed"))
    gate_text = f" · gates {passed}/{len(gates)} passed" if gates else ""
    if action == AuditAction.PROMOTION:
        return "promoted" + gate_text, GOOD
    if action == PROMOTION_UNCHANGED:
        return f"nothing to do: {d.get('reason') or 'already champion'}", NEUTRAL
    if action in (AuditAction.PROMOTION_ROLLED_BACK, AuditAction.ROLLBACK_ROLLED_BACK):
        state = "rolled back" if d.get("complete", True) else "rollback incomplete"
        reason = str(d.get("reason") or "")
        return f"{state}: {reason}" if reason else state + gate_text, BAD
    if action == AuditAction.APPROVAL_REQUESTED:
        return f"approval requested ({_request(record).get('id', '?')})", WAIT
    if action == AuditAction.APPROVAL_APPROVED:
        return f"approved ({_request(record).get('id', '?')})", GOOD
    if action == AuditAction.APPROVAL_REJECTED:
        return f"rejected ({_request(record).get('id', '?')})", BAD
    if action == AuditAction.ROLLBACK:
        return "rolled back to the previous champion", GOOD
    if action == AuditAction.TRAFFIC:
        reason = str(d.get("reason") or "")
        endpoint = str(d.get("endpoint") or "")
        return " · ".join(p for p in (endpoint, reason) if p) or "traffic changed", NEUTRAL
    if action_family(action) == "serving":
        # A hand-made deploy or delete (promotion.serving_guard): which deployment of what.
        what = action.split(".", 1)[-1].replace("_", " ")
        served = f"{d.get('registered_model', '')}{_version(d.get('version'))}".strip()
        target = f"{d.get('endpoint', '?')}/{d.get('deployment')}" if d.get("deployment") else ""
        return " · ".join(p for p in (what, target or d.get("endpoint", ""), served) if p), NEUTRAL
    return "", MUTED


def search_text(record: AuditRecord) -> str:
    """Everything the search box matches against (lower case)."""
    parts = [
        str(record.seq),
        record.time,
        record.actor,
        record.action,
        record.workspace,
        record.model,
        from_to(record),
        outcome(record)[0],
        json.dumps(record.details, sort_keys=True, default=str),
    ]
    return " ".join(parts).lower()


def _e(value: object) -> str:
    return html.escape(str(value))


def _rows(pairs: list[tuple[str, object]]) -> str:
    cells = "".join(
        f"<tr><td style='color:{MUTED};padding-right:14px'>{_e(k)}</td><td>{_e(v)}</td></tr>"
        for k, v in pairs
        if v not in (None, "", [], {})
    )
    return f"<table cellspacing='0' cellpadding='2'>{cells}</table>"


def _gates_html(gates: list[Mapping[str, Any]]) -> str:
    rows = []
    for gate in gates:
        ok = bool(gate.get("passed"))
        mark = (
            f"<span style='color:{GOOD if ok else BAD}'>{'✔ passed' if ok else '✘ failed'}</span>"
        )
        rows.append(
            f"<tr><td style='padding-right:14px'><b>{_e(gate.get('name', '?'))}</b></td>"
            f"<td style='padding-right:14px'>{mark}</td><td>{_e(gate.get('detail', ''))}</td></tr>"
        )
    return f"<table cellspacing='0' cellpadding='2'>{''.join(rows)}</table>"


def _traffic_pairs(record: AuditRecord) -> list[tuple[str, object]]:
    d = record.details
    pairs: list[tuple[str, object]] = []
    if record.action == AuditAction.TRAFFIC or action_family(record.action) == "serving":
        pairs += [("before", _split(d.get("from"))), ("after", _split(d.get("to")))]
        if d.get("mirror_from") or d.get("mirror_to"):
            pairs += [
                ("mirror before", _split(d.get("mirror_from"))),
                ("mirror after", _split(d.get("mirror_to"))),
            ]
    if d.get("traffic_before"):
        pairs.append(("before", _split(d.get("traffic_before"))))
    if d.get("traffic_steps"):
        steps = " → ".join(f"{p}%" for p in d["traffic_steps"])
        pairs.append(("canary steps", steps))
    return pairs


def detail_html(record: AuditRecord) -> str:
    """The detail pane: summary, gate results, traffic before/after, hashes, the full record."""
    text, color = outcome(record)
    parts = [
        f"<h3 style='margin:0'>#{record.seq} · {_e(record.action)} · {_e(record.model)}</h3>",
        f"<p style='color:{color};margin:4px 0'>{_e(text)}</p>",
        _rows(
            [
                ("when", f"{local_time(record.time)} ({record.time})"),
                ("who", record.actor),
                ("workspace", record.workspace),
                ("from → to", from_to(record)),
                ("operation", record.details.get("operation_id")),
                ("endpoint", record.details.get("endpoint")),
                ("approved by", record.details.get("approved_by")),
            ]
        ),
    ]
    gates = gate_results(record)
    if gates:
        parts += ["<h4 style='margin:10px 0 2px'>Gate results</h4>", _gates_html(gates)]
    traffic = _traffic_pairs(record)
    if traffic:
        parts += ["<h4 style='margin:10px 0 2px'>Traffic</h4>", _rows(traffic)]
    parts += [
        "<h4 style='margin:10px 0 2px'>Hash chain</h4>",
        _rows([("seq", record.seq), ("previous hash", record.prev_hash), ("hash", record.hash)]),
        "<h4 style='margin:10px 0 2px'>Full record</h4>",
        f"<pre>{_e(json.dumps(record.to_json(), indent=2, sort_keys=True, default=str))}</pre>",
    ]
    return "".join(parts)


def verification_text(result: AuditVerification) -> str:
    """The banner: "chain intact: N records" or where it broke and why, then one line per
    anchor checked (the same verdict ``mlops-desktop audit verify`` prints)."""
    if result.ok:
        notes = f" ({'; '.join(result.notes)})" if result.notes else ""
        plural = "s" if result.records != 1 else ""
        lines = [f"✔ Chain intact: {result.records} record{plural}{notes}"]
    else:
        which = f"record {result.bad_seq}" if result.bad_seq is not None else "a record"
        where = f" on line {result.bad_line}" if result.bad_line else " at the end of the log"
        lines = [f"✘ Chain broken at {which}{where}: {result.reason}"]
        lines += [f"  {note}" for note in result.notes]
    lines += [f"{status.describe()}" for status in result.anchors]
    return "\n".join(lines)
