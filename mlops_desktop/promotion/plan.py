"""What exactly a promotion or rollback will touch, decided before anything changes.

A plan names workspaces by name and registered models by their registry names, so it can be
journaled as JSON and executed (or recovered) later from the journal alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from mlops_desktop.core.config import AppConfig, StageLayout, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.policy import StagePolicy
from mlops_desktop.core.stages import Stage

_ENDPOINT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,31}$")


@dataclass(frozen=True, slots=True)
class Location:
    """One stage of one workspace."""

    workspace: WorkspaceConfig
    stage: Stage

    @property
    def label(self) -> str:
        """``staging`` for a one-stage workspace, ``team/staging`` otherwise."""
        if self.workspace.layout is StageLayout.WORKSPACE and self.workspace.name == self.stage:
            return self.workspace.name
        return f"{self.workspace.name}/{self.stage.value}"


def resolve_location(config: AppConfig, text: str, *, role: str = "target") -> Location:
    """A ``WORKSPACE``, ``STAGE`` or ``WORKSPACE:STAGE`` (also ``/``) as a location.

    A bare name is a workspace when one is called so, else a stage held by exactly one
    workspace.
    """
    text = text.strip()
    for separator in (":", "/"):
        if separator in text:
            name, _, stage_text = text.partition(separator)
            workspace = config.workspace(name)
            stage = _parse_stage(stage_text)
            if stage not in workspace.hosted_stages:
                raise InvalidInput(f"workspace {name!r} does not hold stage {stage.value!r}")
            return Location(workspace, stage)
    names = {w.name for w in config.workspaces}
    if text in names:
        workspace = config.workspace(text)
        if len(workspace.hosted_stages) != 1:
            stages = ", ".join(s.value for s in workspace.hosted_stages)
            raise InvalidInput(
                f"workspace {text!r} holds several stages ({stages})",
                hint=f"name the {role} stage too, e.g. {text}:staging",
            )
        return Location(workspace, workspace.hosted_stages[0])
    stage = _parse_stage(text)
    holders = [w for w in config.workspaces if stage in w.hosted_stages]
    if not holders:
        raise NotFound(
            f"no workspace holds stage {stage.value!r}", hint="see `mlops-desktop workspaces list`"
        )
    if len(holders) > 1:
        choices = ", ".join(f"{w.name}:{stage.value}" for w in holders)
        raise InvalidInput(
            f"several workspaces hold stage {stage.value!r}", hint=f"name one of: {choices}"
        )
    return Location(holders[0], stage)


def _parse_stage(text: str) -> Stage:
    try:
        return Stage.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def default_endpoint_name(location: Location, model: str) -> str:
    """The endpoint a model is served from in a location (see :class:`RolloutPolicy`)."""
    base = model
    if location.workspace.layout is StageLayout.NAME_PREFIX:
        base = f"{location.stage.value}-{model}"
    name = re.sub(r"[^A-Za-z0-9-]+", "-", base).strip("-")[:32].rstrip("-")
    if not _ENDPOINT_RE.match(name):
        raise InvalidInput(
            f"cannot derive an endpoint name from model {model!r}",
            hint="set rollout.endpoint for the target in policy.toml",
        )
    return name


def endpoint_for(location: Location, model: str, policy: StagePolicy) -> str:
    """The configured endpoint of the target, or the default one."""
    return policy.rollout.endpoint or default_endpoint_name(location, model)


@dataclass(frozen=True, slots=True)
class PromotionPlan:
    """A promotion of one source version into the next stage."""

    model: str
    version: str
    source_workspace: str
    source_stage: Stage
    source_name: str
    target_workspace: str
    target_stage: Stage
    target_name: str
    endpoint: str
    #: Traffic percentages of the new deployment, ending with 100.
    traffic_steps: tuple[int, ...]
    approval_id: str | None = None

    @property
    def source_label(self) -> str:
        """E.g. ``dev`` or ``team/dev``."""
        return _label(self.source_workspace, self.source_stage)

    @property
    def target_label(self) -> str:
        """E.g. ``staging`` or ``team/staging``."""
        return _label(self.target_workspace, self.target_stage)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (journaled)."""
        data = asdict(self)
        data["source_stage"] = self.source_stage.value
        data["target_stage"] = self.target_stage.value
        data["traffic_steps"] = list(self.traffic_steps)
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> PromotionPlan:
        """Parse what :meth:`to_json` wrote."""
        data = dict(raw)
        data["source_stage"] = Stage(data["source_stage"])
        data["target_stage"] = Stage(data["target_stage"])
        data["traffic_steps"] = tuple(int(p) for p in data["traffic_steps"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    """Bring back the previous champion of one model in one location."""

    model: str
    workspace: str
    stage: Stage
    registered_name: str
    endpoint: str
    #: The version the champion alias moves back to (the previous champion).
    version: str
    #: The champion being rolled back from.
    from_version: str

    @property
    def label(self) -> str:
        """E.g. ``staging`` or ``team/staging``."""
        return _label(self.workspace, self.stage)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (journaled)."""
        data = asdict(self)
        data["stage"] = self.stage.value
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RollbackPlan:
        """Parse what :meth:`to_json` wrote."""
        data = dict(raw)
        data["stage"] = Stage(data["stage"])
        return cls(**data)


def _label(workspace: str, stage: Stage) -> str:
    return workspace if workspace == stage.value else f"{workspace}/{stage.value}"


def traffic_steps(canary: Sequence[int] | None) -> tuple[int, ...]:
    """Canary percentages completed with 100 (validated: increasing, 1..99)."""
    steps = tuple(int(p) for p in (canary or ()))
    if any(not 0 < p < 100 for p in steps) or list(steps) != sorted(set(steps)):
        raise InvalidInput(
            f"canary steps {list(steps)} must be increasing percentages between 1 and 99"
        )
    return (*steps, 100)
