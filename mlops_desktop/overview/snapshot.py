"""Gather the overview: every workspace read in parallel, then one grid of models × stages.

Global pieces — the retraining policies and decisions, the audit chain — are read once; each
failure becomes a :class:`~mlops_desktop.overview.entities.Problem` where it belongs.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState, ModelVersion
from mlops_desktop.core.stages import STAGE_ORDER, Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.overview.entities import (
    Approval,
    Cell,
    Champion,
    Column,
    EndpointGlance,
    Health,
    OverviewSnapshot,
    Page,
    Problem,
)
from mlops_desktop.overview.readers import (
    RECENT_FAILURES,
    BackendOpener,
    ServedBy,
    WorkspaceRead,
    describe,
    read_workspace,
)
from mlops_desktop.overview.retraining import RetrainingRead, read_retraining
from mlops_desktop.ports.provider import ports_of

#: Workspaces read at once (each mostly waits on I/O).
MAX_PARALLEL = 4


def overview_snapshot(
    ctx: TaskContext,
    config: AppConfig,
    *,
    opener: BackendOpener | None = None,
    open_lock: Any = None,
    now: datetime | None = None,
    audit: bool = True,
) -> OverviewSnapshot:
    """Read every workspace (in parallel) and the global pieces; build the grid."""
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    workspaces = list(config.workspaces)
    total = len(workspaces) + 2
    ctx.progress(0, total, "reading workspaces")
    reads: dict[str, WorkspaceRead] = {}
    seen_locations: set[str] = set()
    # Workspaces sharing one registry keep their approvals once (under the first).
    approvals_from = set()
    for ws in workspaces:
        if ws.location not in seen_locations:
            seen_locations.add(ws.location)
            approvals_from.add(ws.name)
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_PARALLEL, len(workspaces)))) as pool:
        futures = {
            pool.submit(
                read_workspace,
                ctx,
                ws,
                opener=opener,
                open_lock=open_lock,
                now=now,
                with_approvals=ws.name in approvals_from,
            ): ws
            for ws in workspaces
        }
        for future, ws in futures.items():
            try:
                reads[ws.name] = future.result()
            except Exception as exc:
                reads[ws.name] = WorkspaceRead(
                    ws,
                    ConnectionInfo(ConnectionState.ERROR, describe(exc)),
                    versions_error=describe(exc),
                )
            done += 1
            ctx.progress(done, total, f"{ws.name} read")
    ctx.check()
    retraining = read_retraining(config, reads, now)
    ctx.progress(done + 1, total, "retraining read")
    problems = list(retraining.problems)
    if audit:
        problems += _audit_problems()
    ctx.progress(total, total, "overview ready")
    columns = tuple(_columns(workspaces, reads))
    models = _models(reads.values(), retraining)
    cells = tuple(
        cell
        for model in models
        for cell in _with_lineage(
            [_cell(model, column, reads[column.workspace], retraining, now) for column in columns],
            reads,
        )
    )
    return OverviewSnapshot(
        taken_at=now.isoformat(timespec="seconds"),
        columns=columns,
        models=tuple(models),
        cells=cells,
        problems=tuple(problems),
        seconds=time.perf_counter() - started,
    )


# -- columns and rows -------------------------------------------------------------------------


def _column_order(item: tuple[Stage | None, str]) -> tuple[int, str]:
    stage, name = item
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), name)


def _columns(workspaces: list[WorkspaceConfig], reads: dict[str, WorkspaceRead]) -> list[Column]:
    """One column per (stage, workspace), dev → staging → prod."""
    pairs: list[tuple[Stage | None, str]] = []
    for ws in workspaces:
        pairs += [(stage, ws.name) for stage in ws.hosted_stages] or [(None, ws.name)]
    by_name = {ws.name: ws for ws in workspaces}
    columns = []
    for stage, name in sorted(pairs, key=_column_order):
        read = reads[name]
        columns.append(
            Column(
                workspace=name,
                stage=stage,
                kind=ports_of(by_name[name]).kind_label,
                state=read.connection.state.value,
                state_detail=read.connection.detail or "",
                problems=tuple(_column_problems(read)),
            )
        )
    return columns


def _column_problems(read: WorkspaceRead) -> list[Problem]:
    """What is wrong with the workspace as a whole."""
    found = []
    state = read.connection.state
    if state is not ConnectionState.ONLINE:
        detail = read.connection.detail or read.versions_error or state.value
        found.append(Problem(f"{state.value.replace('_', ' ')}: {detail}", Health.BAD, Page.MODELS))
    elif read.versions_error:
        found.append(Problem(f"models not read: {read.versions_error}", Health.BAD, Page.MODELS))
    found += [Problem(p, Health.WARN, Page.MODELS) for p in read.read_problems]
    if read.endpoints_error:
        found.append(
            Problem(f"endpoints not read: {read.endpoints_error}", Health.WARN, Page.ENDPOINTS)
        )
    if read.approvals_error:
        found.append(
            Problem(f"approvals not read: {read.approvals_error}", Health.WARN, Page.MODELS)
        )
    if read.jobs_error:
        found.append(Problem(f"jobs not read: {read.jobs_error}", Health.WARN, Page.JOBS))
    # A failed job about no model of the grid is the workspace's problem.
    models = {v.model for v in read.versions} | {v.registered_name for v in read.versions}
    now = datetime.now(UTC)
    for job in read.jobs:
        if _recent_failure(job, now) and not (_job_models(job) & models):
            found.append(
                Problem(
                    f"job {job.id[:8]} failed: {job.error or 'see its log'}",
                    Health.BAD,
                    Page.JOBS,
                    (job.id,),
                )
            )
    return found


def _models(reads: Iterable[WorkspaceRead], retraining: RetrainingRead) -> list[str]:
    names = {v.model for read in reads for v in read.versions}
    names |= {p.model for p in retraining.policies}
    names |= {r.model for r in retraining.approvals}
    return sorted(names)


# -- one cell ---------------------------------------------------------------------------------


def _version_number(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 62, version)


def _champion(versions: list[ModelVersion]) -> Champion | None:
    if not versions:
        return None
    aliased = [v for v in versions if "champion" in v.aliases]
    chosen = aliased[0] if aliased else max(versions, key=lambda v: _version_number(v.version))
    return Champion(
        registered_name=chosen.registered_name,
        version=chosen.version,
        alias="champion" if aliased else "",
        metric_name=chosen.key_metric_name,
        metric_value=chosen.key_metric_value,
        created_at=chosen.created_at.isoformat(timespec="seconds") if chosen.created_at else None,
        versions=len(versions),
    )


def _cell(
    model: str, column: Column, read: WorkspaceRead, retraining: RetrainingRead, now: datetime
) -> Cell:
    versions = [v for v in read.versions if v.model == model and v.stage is column.stage]
    champion = _champion(versions)
    online = read.connection.state is ConnectionState.ONLINE
    problems: list[Problem] = []
    if not online:
        note = f"workspace {read.connection.state.value.replace('_', ' ')}"
    elif read.versions_error:
        note = "models not read"
    elif champion is None:
        note = "not registered here yet"
    else:
        note = "" if champion.alias else "no champion alias: newest version shown"
    names = {v.registered_name for v in versions}
    if champion is None and online:
        names.add(model)
    endpoints = tuple(
        _with_share(e, champion) for e in read.endpoints if e.registered_names & names
    )
    for endpoint in endpoints:
        target = (column.workspace, endpoint.name)
        if endpoint.health is Health.BAD:
            problems.append(
                Problem(
                    f"endpoint {endpoint.name} is {endpoint.status}",
                    Health.BAD,
                    Page.ENDPOINTS,
                    target,
                )
            )
        elif endpoint.health is Health.WARN:
            problems.append(
                Problem(
                    f"endpoint {endpoint.name} is {endpoint.status}",
                    Health.WARN,
                    Page.ENDPOINTS,
                    target,
                )
            )
        traffic = endpoint.traffic
        if traffic is not None and traffic.error_rate is not None and traffic.error_rate >= 0.05:
            problems.append(
                Problem(
                    f"endpoint {endpoint.name}: {traffic.errors} of {traffic.requests} requests "
                    "failed in the last hour",
                    Health.BAD if traffic.error_rate >= 0.2 else Health.WARN,
                    Page.ENDPOINTS,
                    target,
                )
            )
    for job in read.jobs:
        if _recent_failure(job, now) and _about(job, names, model):
            problems.append(
                Problem(
                    f"job {job.id[:8]} failed: {job.error or 'see its log'}",
                    Health.BAD,
                    Page.JOBS,
                    (job.id,),
                )
            )
    approvals = tuple(
        Approval(
            r.id,
            r.version,
            r.source_workspace,
            r.source_stage.value,
            r.source_name,
            r.requested_by,
            r.requested_at,
        )
        for r in retraining.approvals
        if r.model == model
        and r.target_workspace == column.workspace
        and r.target_stage is column.stage
    )
    drift = retraining.drift_for(model, column.workspace, column.stage)
    if column.stage is retraining.stage_of(column.workspace):
        problems += retraining.quality_problems(model, column.workspace)
    plans = retraining.plans_for(model, column.workspace, column.stage)
    return Cell(
        model=model,
        workspace=column.workspace,
        stage=column.stage,
        champion=champion,
        note=note,
        endpoints=endpoints,
        drift=drift,
        approvals=approvals,
        retraining=plans,
        problems=tuple(problems),
    )


def _with_share(served: ServedBy, champion: Champion | None) -> EndpointGlance:
    """The endpoint, with the share of live traffic the champion takes."""
    if champion is None:
        return served.glance
    share = sum(
        traffic
        for name, version, traffic in served.deployments
        if name == champion.registered_name and version == champion.version
    )
    return dataclasses.replace(served.glance, champion_share=share)


def _with_lineage(row: list[Cell], reads: dict[str, WorkspaceRead]) -> list[Cell]:
    """Say where each champion's weights are in the other stages (the promotion path)."""
    origins: list[tuple[str, str] | None] = []
    for cell in row:
        champion = cell.champion
        version = None
        if champion is not None:
            version = next(
                (
                    v
                    for v in reads[cell.workspace].versions
                    if v.registered_name == champion.registered_name
                    and v.version == champion.version
                ),
                None,
            )
        origins.append(version.origin if version is not None else None)
    out = []
    for i, cell in enumerate(row):
        champion = cell.champion
        if champion is None or origins[i] is None:
            out.append(cell)
            continue
        earlier = [j for j in range(i) if row[j].champion is not None]
        same_before = [j for j in earlier if origins[j] == origins[i]]
        later = [j for j in range(i + 1, len(row)) if origins[j] == origins[i]]
        if same_before:
            j = same_before[0]
            lineage = f"same as {_label(row[j])} v{row[j].champion.version}"  # type: ignore[union-attr]
        elif earlier:
            j = earlier[-1]
            lineage = f"differs from {_label(row[j])} v{row[j].champion.version}"  # type: ignore[union-attr]
        elif later:
            lineage = "live in " + ", ".join(_label(row[j]) for j in later)
        else:
            lineage = "not promoted yet"
        out.append(
            dataclasses.replace(cell, champion=dataclasses.replace(champion, lineage=lineage))
        )
    return out


def _label(cell: Cell) -> str:
    return cell.stage.value if cell.stage else cell.workspace


def _job_models(job: Any) -> set[str]:
    """The model names a job is about: what it registered, else what its spec trains."""
    found = {getattr(job, "registered_model", None), getattr(job.spec, "model", None)}
    return {name for name in found if name}


def _about(job: Any, names: set[str], model: str) -> bool:
    return bool(_job_models(job) & (names | {model}))


def _recent_failure(job: Any, now: datetime) -> bool:
    if job.status.value != "failed":
        return False
    ended = _parse(job.ended_at or job.created_at)
    return ended is not None and now - ended <= RECENT_FAILURES


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _audit_problems() -> list[Problem]:
    """The audit chain, verified (a broken chain is an open problem of every stage)."""
    from mlops_desktop.core.audit import AuditLog

    try:
        result = AuditLog().verify()
    except Exception as exc:
        return [Problem(f"audit log not verified: {describe(exc)}", Health.WARN, Page.AUDIT)]
    if result.ok:
        return []
    return [Problem(result.describe(), Health.BAD, Page.AUDIT)]
