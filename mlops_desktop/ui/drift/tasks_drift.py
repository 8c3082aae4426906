"""Task bodies of the Drift page: plain functions ``fn(ctx, ...)``, testable without Qt."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.tasks import TaskContext


@dataclass(frozen=True)
class DriftRequest:
    """What to compare: source strings (paths or ``model:WS/NAME/VERSION``) and columns."""

    reference: str
    current: str
    target: str | None = None
    prediction: str | None = None
    timestamp: str | None = None
    window: str = "day"


@dataclass(frozen=True)
class ReferenceChoice:
    """A model version whose training data can serve as the reference."""

    label: str
    source: str


@dataclass(frozen=True)
class DriftSources:
    """What the Drift page offers as reference and as current data."""

    reference: list[ReferenceChoice]
    current: list[ReferenceChoice]


def list_reference_choices(ctx: TaskContext, config: AppConfig) -> list[ReferenceChoice]:
    """Champion (or latest) versions of every model in every workspace, newest stage first."""
    from mlops_desktop.ports.registry import open_registry

    choices: list[ReferenceChoice] = []
    for workspace in sorted(config.workspaces, key=lambda w: -w.hosted_stages[-1].rank):
        ctx.check()
        try:
            versions = open_registry(workspace).list_model_versions(ctx, with_runs=False)
        except MlopsError:
            continue  # an unreachable workspace offers no reference; the navigator says why
        by_name: dict[str, list[Any]] = {}
        for version in versions:
            by_name.setdefault(version.registered_name, []).append(version)
        for name, candidates in sorted(by_name.items()):
            champion = next((v for v in candidates if "champion" in v.aliases), None)
            chosen = champion or max(candidates, key=lambda v: int(v.version or 0))
            key = "champion" if champion else chosen.version
            label = f"{workspace.name} · {name} @ {key} — training data"
            choices.append(ReferenceChoice(label, f"model:{workspace.name}/{name}/{key}"))
    return choices


def list_endpoint_choices(ctx: TaskContext, config: AppConfig) -> DriftSources:
    """Endpoints' collected data: recent windows as current, past windows as reference.

    Local endpoints of MLflow workspaces, and Azure ML online endpoints (their data
    collector's files, downloaded when the drift is computed)."""
    from mlops_desktop.ports.collected_data import open_collected_data

    reference: list[ReferenceChoice] = []
    current: list[ReferenceChoice] = []
    for workspace in sorted(config.workspaces, key=lambda w: -w.hosted_stages[-1].rank):
        ctx.check()
        collected = open_collected_data(workspace)
        try:
            endpoints = collected.list_endpoints()
        except MlopsError:
            continue
        for name, deployments in endpoints:
            windows = endpoint_windows(
                workspace.name, name, deployments, everything=collected.whole_history
            )
            reference += windows.reference
            current += windows.current
    return DriftSources(reference, current)


def endpoint_windows(
    workspace: str, endpoint: str, deployments: list[str], *, everything: bool = True
) -> DriftSources:
    """The time windows offered for one endpoint's collected data."""
    base = f"endpoint:{workspace}/{endpoint}"
    where = f"{workspace} · endpoint {endpoint}"
    current = [
        ReferenceChoice(f"{where} — last 24 hours", f"{base}#since=-24h"),
        ReferenceChoice(f"{where} — last 7 days", f"{base}#since=-7d"),
    ]
    if everything:
        current.append(ReferenceChoice(f"{where} — everything collected", base))
    if len(deployments) > 1:  # blue/green: each deployment's own traffic
        current += [
            ReferenceChoice(
                f"{where} · deployment {d} — last 24 hours", f"{base}#since=-24h&deployment={d}"
            )
            for d in deployments
        ]
    reference = [
        ReferenceChoice(
            f"{where} — the 24 hours before the last 24", f"{base}#since=-48h&until=-24h"
        ),
        ReferenceChoice(
            f"{where} — the week before the last 7 days", f"{base}#since=-14d&until=-7d"
        ),
    ]
    return DriftSources(reference, current)


def list_drift_sources(ctx: TaskContext, config: AppConfig) -> DriftSources:
    """Model versions' training data and endpoints' past windows (reference); endpoint data
    (current)."""
    models = list_reference_choices(ctx, config)
    endpoints = list_endpoint_choices(ctx, config)
    return DriftSources(models + endpoints.reference, endpoints.current)


def compute_drift_task(ctx: TaskContext, config: AppConfig, request: DriftRequest) -> Any:
    """Resolve the sources and run the drift engine with progress and cancel."""
    from mlops_desktop.drift.config import default_drift_config
    from mlops_desktop.drift.engine import compute_drift
    from mlops_desktop.monitoring.sources import load_source
    from mlops_desktop.ports.collected_data import open_collected_data

    ctx.progress(0, 100, "loading the reference")
    # Downloads (training data, Azure ML collected files) go here and are removed when the
    # task ends, however it ends (result, error, cancel).
    with tempfile.TemporaryDirectory(prefix="mlops-drift-") as tmp:
        workdir = Path(tmp)
        reference, reference_name = load_source(
            config,
            request.reference,
            timestamp=request.timestamp,
            workdir=workdir,
            ctx=_within(ctx, 0, 10),
            open_collected=open_collected_data,
        )
        ctx.progress(10, 100, "loading the current data")
        current, current_name = load_source(
            config,
            request.current,
            timestamp=request.timestamp,
            workdir=workdir,
            ctx=_within(ctx, 10, 30),
            open_collected=open_collected_data,
        )

    def progress(done: int, total: int, message: str) -> None:
        ctx.progress(30 + int(70 * done / max(total, 1)), 100, message)

    result = compute_drift(
        reference,
        current,
        default_drift_config(),  # thresholds from Settings → Drift
        target=request.target or None,
        prediction=request.prediction or None,
        timestamp=request.timestamp or None,
        window=request.window,
        progress=progress,
        cancel=lambda: ctx.cancelled,
    )
    import dataclasses

    # Name sources as chosen (a model version, an endpoint window), not by temporary copies.
    return dataclasses.replace(result, reference_name=reference_name, current_name=current_name)


def _within(ctx: TaskContext, start: int, end: int) -> TaskContext:
    """A context whose progress (an Azure ML download) fills ``start``..``end`` of ``ctx``'s
    100 steps; cancelling ``ctx`` stops it at its next step (the parent's check raises)."""

    def report(done: int, total: int, message: str) -> None:
        ctx.progress(start + (end - start) * done // max(total, 1), 100, message)

    return TaskContext(report)


def export_report_task(ctx: TaskContext, result: Any, path: Path) -> Path:
    """Write the result as HTML, PDF or JSON (by the file's extension)."""
    from mlops_desktop.drift.reports import write_report

    ctx.progress(0, 1, f"writing {path.name}")
    write_report(result, path)
    ctx.progress(1, 1, f"wrote {path}")
    return path
