"""The overview's parts in words: one wording for the Overview page and the CLI."""

from __future__ import annotations

from datetime import UTC, datetime

from mlops_desktop.overview.entities import (
    Cell,
    Champion,
    Column,
    DriftGlance,
    EndpointGlance,
    OverviewSnapshot,
    Retraining,
    Traffic,
)


def column_title(column: Column) -> str:
    """``prod · prod`` → the stage, then the workspace when it differs."""
    stage = column.stage.value if column.stage else "no stage"
    return stage if column.workspace == stage else f"{stage} · {column.workspace}"


def ago(text: str | None, now: datetime | None = None) -> str:
    """``5 min ago`` / ``in 3 d`` for an ISO time (empty when unknown)."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86_400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            amount = f"{seconds / size:.0f} {unit}"
            break
    else:
        return "just now" if not future else "in a moment"
    return f"in {amount}" if future else f"{amount} ago"


def metric_text(champion: Champion) -> str:
    """``rmse 53.2``."""
    if champion.metric_name is None or champion.metric_value is None:
        return "no key metric"
    return f"{champion.metric_name} {champion.metric_value:.4g}"


def champion_text(cell: Cell) -> str:
    """``v2 champion · rmse 53.2`` or why there is none."""
    champion = cell.champion
    if champion is None:
        return cell.note or "—"
    alias = "champion" if champion.alias else "newest"
    return f"v{champion.version} {alias} · {metric_text(champion)}"


def traffic_text(traffic: Traffic | None, *, short: bool = False) -> str:
    """``120 req · 0 errors · p95 31 ms`` over the last hour (``short``: ``0 err``)."""
    if traffic is None or not traffic.collected:
        return traffic.note if traffic is not None else "no traffic data"
    if not traffic.requests:
        return "no requests in the last hour"
    if short:
        errors = f"{traffic.errors} err"
    else:
        errors = "1 error" if traffic.errors == 1 else f"{traffic.errors} errors"
    p95 = f" · p95 {traffic.p95_ms:.0f} ms" if traffic.p95_ms is not None else ""
    return f"{traffic.requests} req · {errors}{p95}"


def endpoint_text(endpoint: EndpointGlance) -> str:
    """``diabetes-progression running (v1 · 100 %)``."""
    serving = f" ({', '.join(endpoint.serving)})" if endpoint.serving else ""
    return f"{endpoint.name} {endpoint.status}{serving}{share_note(endpoint, ': ')}"


def share_note(endpoint: EndpointGlance, lead: str = "") -> str:
    """``champion takes 10 % of live traffic`` when it does not take it all."""
    share = endpoint.champion_share
    if share is None or share >= 100:
        return ""
    if share == 0:
        return f"{lead}champion takes no live traffic"
    return f"{lead}champion takes {share} % of live traffic"


def drift_text(drift: DriftGlance | None) -> str:
    """``drift: bmi, age · 2 h ago`` / ``no drift`` / ``not checked``."""
    if drift is None:
        return "not watched"
    label = drift.verdict
    if drift.features:
        label += ": " + ", ".join(drift.features[:3]) + ("…" if len(drift.features) > 3 else "")
    when = ago(drift.at)
    return f"{label} · {when}" if when else label


def retraining_text(plan: Retraining) -> tuple[str, str]:
    """(last, next) of one policy."""
    if plan.active_job:
        last = f"{plan.last_status} now (job {plan.last_job[:8]})"
    elif plan.last_at:
        last = f"{plan.last_status} {ago(plan.last_at)}"
    else:
        last = "never"
    if plan.next_at:
        upcoming = f"{ago(plan.next_at)}"
        rest = plan.next_note.removeprefix("scheduled").lstrip(", ")
        upcoming = f"{upcoming} (or {rest})" if rest else upcoming
    else:
        upcoming = plan.next_note or "not planned"
    return last, upcoming


def approvals_text(cell: Cell) -> str:
    """``1 pending: v3 from staging``."""
    if not cell.approvals:
        return "none pending"
    first = cell.approvals[0]
    more = f" (+{len(cell.approvals) - 1})" if len(cell.approvals) > 1 else ""
    return f"{len(cell.approvals)} pending: v{first.version} from {first.source_workspace}{more}"


def cell_lines(cell: Cell) -> list[tuple[str, str]]:
    """(label, text) per part of a cell, for the CLI's table."""
    lines = [("champion", champion_text(cell))]
    if cell.champion is not None and cell.champion.lineage:
        lines.append(("lineage", cell.champion.lineage))
    if cell.endpoints:
        for endpoint in cell.endpoints:
            lines.append(("endpoint", endpoint_text(endpoint)))
            lines.append(("last hour", traffic_text(endpoint.traffic)))
    else:
        lines.append(("endpoint", "none"))
    lines.append(("drift", drift_text(cell.drift)))
    lines.append(("approvals", approvals_text(cell)))
    for plan in cell.retraining:
        last, upcoming = retraining_text(plan)
        lines.append(("retrained", last))
        lines.append(("next", upcoming))
    for problem in cell.problems:
        lines.append(("problem", problem.text))
    return lines


def snapshot_lines(snapshot: OverviewSnapshot) -> list[str]:
    """The whole grid as text: per model, one column per stage."""
    out: list[str] = []
    columns = snapshot.columns
    titles = [column_title(c) + ("" if c.state == "online" else f" ({c.state})") for c in columns]
    for model in snapshot.models:
        out.append(f"{model}")
        labels: list[str] = []
        per_column: list[dict[str, list[str]]] = []
        for column in columns:
            cell = snapshot.cell(model, column)
            parts: dict[str, list[str]] = {}
            for label, text in cell_lines(cell) if cell else []:
                parts.setdefault(label, []).append(text)
                if label not in labels:
                    labels.append(label)
            per_column.append(parts)
        rows: list[list[str]] = []
        for label in sorted(labels, key=_LABELS.index):
            depth = max(len(p.get(label, [])) for p in per_column)
            for i in range(depth):
                row = [label if i == 0 else ""]
                row += [
                    (p.get(label, []) + [""] * depth)[i] or ("—" if i == 0 else "")
                    for p in per_column
                ]
                rows.append(row)
        out += _table(["", *titles], rows)
        out.append("")
    for column in columns:
        for problem in column.problems:
            out.append(f"{column_title(column)}: {problem.text}")
    for problem in snapshot.problems:
        out.append(f"problem: {problem.text}")
    if not snapshot.models:
        out.append("no models in any workspace (try `mlops-desktop demo`)")
    return out


#: The parts of a cell, in the order the CLI prints them.
_LABELS = [
    "champion",
    "lineage",
    "endpoint",
    "last hour",
    "drift",
    "approvals",
    "retrained",
    "next",
    "problem",
]


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    cells = [headers, *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
