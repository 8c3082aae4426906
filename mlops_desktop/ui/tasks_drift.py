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


def list_reference_choices(ctx: TaskContext, config: AppConfig) -> list[ReferenceChoice]:
    """Champion (or latest) versions of every model in every workspace, newest stage first."""
    from mlops_desktop.backends.registry import open_backend

    choices: list[ReferenceChoice] = []
    for workspace in sorted(config.workspaces, key=lambda w: -w.hosted_stages[-1].rank):
        ctx.check()
        try:
            versions = open_backend(workspace).list_model_versions(ctx, with_runs=False)
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


def compute_drift_task(ctx: TaskContext, config: AppConfig, request: DriftRequest) -> Any:
    """Resolve the sources and run the drift engine with progress and cancel."""
    from mlops_desktop.drift.engine import compute_drift
    from mlops_desktop.monitoring.sources import resolve_source

    ctx.progress(0, 100, "resolving the reference")
    workdir = Path(tempfile.mkdtemp(prefix="mlops-drift-"))
    reference = resolve_source(config, request.reference, workdir)
    current = resolve_source(config, request.current, workdir)

    def progress(done: int, total: int, message: str) -> None:
        ctx.progress(5 + int(95 * done / max(total, 1)), 100, message)

    result = compute_drift(
        reference,
        current,
        target=request.target or None,
        prediction=request.prediction or None,
        timestamp=request.timestamp or None,
        window=request.window,
        progress=progress,
        cancel=lambda: ctx.cancelled,
    )
    if request.reference != str(reference):
        import dataclasses

        # Name the model version, not the temporary file its training data was copied to.
        result = dataclasses.replace(result, reference_name=request.reference)
    return result


def export_report_task(ctx: TaskContext, result: Any, path: Path) -> Path:
    """Write the result as HTML, PDF or JSON (by the file's extension)."""
    from mlops_desktop.drift.reports import write_report

    ctx.progress(0, 1, f"writing {path.name}")
    write_report(result, path)
    ctx.progress(1, 1, f"wrote {path}")
    return path
