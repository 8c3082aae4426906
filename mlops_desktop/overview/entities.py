"""What the overview shows: frozen dataclasses of plain values (JSON-ready, no SDK objects).

The grid has one :class:`Column` per (stage, workspace) — dev → staging → prod — and one row per
logical model; each :class:`Cell` holds that model's champion there, the endpoints serving it,
the latest drift verdict, pending approvals into it, its retraining policies and what is wrong.
A piece that could not be read is a :class:`Problem` in the cell (or column), never a failure
of the whole overview.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mlops_desktop.core.stages import Stage


class Health(StrEnum):
    """A traffic light for a cell's parts."""

    OK = "ok"
    WARN = "warn"
    BAD = "bad"
    #: Nothing to judge (stopped, never checked, not collected).
    IDLE = "idle"


class Page(StrEnum):
    """The page of the window behind each part of a cell."""

    MODELS = "models"
    ENDPOINTS = "endpoints"
    DRIFT = "drift"
    JOBS = "jobs"
    AUDIT = "audit"
    COMPUTE = "compute"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong, with the page (and the thing on it) that shows more."""

    text: str
    severity: Health = Health.WARN
    page: Page | None = None
    #: What to select on ``page``: a version key, an endpoint key, a job id (as a tuple).
    target: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Champion:
    """The version a stage serves: the ``champion`` alias, else the newest version."""

    registered_name: str
    version: str
    #: "champion", or "" when no version carries the alias (then the newest is shown).
    alias: str
    metric_name: str | None = None
    metric_value: float | None = None
    created_at: str | None = None
    versions: int = 1
    #: Where the same weights are in the other stages (``same as dev v2``, ``in staging, prod``).
    lineage: str = ""


@dataclass(frozen=True, slots=True)
class Traffic:
    """An endpoint's last hour from its collected requests."""

    collected: bool
    requests: int = 0
    errors: int = 0
    p95_ms: float | None = None
    #: Requests per 5-minute bucket, oldest first (12 buckets), for a sparkline.
    buckets: tuple[int, ...] = ()
    #: Why there is nothing (not collected by this kind of endpoint, or a read error).
    note: str = ""

    @property
    def error_rate(self) -> float | None:
        """Errors / requests (None without requests)."""
        return self.errors / self.requests if self.requests else None


@dataclass(frozen=True, slots=True)
class EndpointGlance:
    """An endpoint serving the cell's model."""

    name: str
    status: str
    health: Health
    #: ``"v3 · 90 %"`` per deployment serving the model.
    serving: tuple[str, ...] = ()
    traffic: Traffic | None = None
    #: Percent of live traffic the cell's champion takes (None: no champion to compare).
    champion_share: int | None = None


@dataclass(frozen=True, slots=True)
class DriftGlance:
    """The latest drift verdict a retraining check recorded for this model and stage."""

    #: "drift", "no drift", "error", or "not checked".
    verdict: str
    health: Health
    policy: str = ""
    at: str | None = None
    detail: str = ""
    features: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Approval:
    """A pending request to promote a version into the cell's stage."""

    id: str
    version: str
    source_workspace: str
    source_stage: str
    source_name: str
    requested_by: str
    requested_at: str


@dataclass(frozen=True, slots=True)
class Retraining:
    """A retraining policy of the model in this workspace: its last and next retraining."""

    policy: str
    enabled: bool
    last_at: str | None = None
    last_status: str = ""
    last_job: str = ""
    next_at: str | None = None
    #: How the next one comes: "schedule", "on drift", … or why none is planned.
    next_note: str = ""
    active_job: str = ""


@dataclass(frozen=True, slots=True)
class Cell:
    """One model in one (stage, workspace)."""

    model: str
    workspace: str
    stage: Stage | None
    champion: Champion | None = None
    #: Why there is no champion (not promoted here, workspace offline, …).
    note: str = ""
    endpoints: tuple[EndpointGlance, ...] = ()
    drift: DriftGlance | None = None
    approvals: tuple[Approval, ...] = ()
    retraining: tuple[Retraining, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        """(model, workspace, stage)."""
        return (self.model, self.workspace, self.stage.value if self.stage else "")

    @property
    def health(self) -> Health:
        """The worst of the cell's parts."""
        levels = [p.severity for p in self.problems]
        levels += [e.health for e in self.endpoints]
        if self.drift is not None:
            levels.append(self.drift.health)
        return worst(levels)


@dataclass(frozen=True, slots=True)
class Column:
    """A stage in a workspace, and whether the workspace answered."""

    workspace: str
    stage: Stage | None
    kind: str
    #: The connection state (``online``, ``offline``, …).
    state: str
    state_detail: str = ""
    problems: tuple[Problem, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """(workspace, stage)."""
        return (self.workspace, self.stage.value if self.stage else "")


@dataclass(frozen=True, slots=True)
class OverviewSnapshot:
    """The whole grid at one moment."""

    taken_at: str
    columns: tuple[Column, ...] = ()
    models: tuple[str, ...] = ()
    cells: tuple[Cell, ...] = ()
    #: Problems of no single workspace (the audit chain, the policies file, …).
    problems: tuple[Problem, ...] = ()
    seconds: float = 0.0
    _by_key: dict[tuple[str, str, str], Cell] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._by_key.update({c.key: c for c in self.cells})

    def cell(self, model: str, column: Column) -> Cell | None:
        """The cell of ``model`` in ``column``."""
        return self._by_key.get((model, *column.key))

    def all_problems(self) -> list[Problem]:
        """Every problem: global, per column, per cell."""
        found = list(self.problems)
        for column in self.columns:
            found += column.problems
        for cell in self.cells:
            found += cell.problems
        return found

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (``mlops-desktop overview --json``)."""
        data = dataclasses.asdict(self)
        data.pop("_by_key", None)
        return _plain(data)


_ORDER = {Health.IDLE: 0, Health.OK: 1, Health.WARN: 2, Health.BAD: 3}


def worst(levels: list[Health]) -> Health:
    """The most severe of ``levels`` (OK when there are none)."""
    return max(levels, key=_ORDER.__getitem__, default=Health.OK)


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
