"""The persistent state of an endpoint (``endpoint.json``): written by the manager, read by all.

Writes are atomic (temp file + rename) and every change bumps ``generation``, which the router
reports back once it has applied the change. Stdlib only: the router imports it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.files import atomic_write_text, exclusive_lock
from mlops_desktop.serving.layout import EndpointLayout

SCHEMA_VERSION = 1


def utc_now_iso() -> str:
    """The current UTC time, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class ProcessRecord:
    """A running process: pid plus its start time, which tells a reused pid apart."""

    pid: int
    started: float

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"pid": self.pid, "started": self.started}

    def same_as(self, other: ProcessRecord | None) -> bool:
        """True when both name one process (same pid, same start time)."""
        return (
            other is not None
            and other.pid == self.pid
            and abs(other.started - self.started) <= 0.01
        )

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> ProcessRecord | None:
        """Parse what :meth:`to_json` wrote (None stays None)."""
        if not raw:
            return None
        return cls(int(raw["pid"]), float(raw["started"]))


@dataclass
class DeploymentRecord:
    """One deployment as stored: what it serves, its share of traffic, where it runs."""

    name: str
    registered_model: str
    version: str
    #: Model files, relative to the endpoint folder.
    model_dir: str
    traffic: int = 0
    mirror: int = 0
    port: int | None = None
    process: ProcessRecord | None = None
    created_at: str = field(default_factory=utc_now_iso)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = dataclasses.asdict(self)
        data["process"] = self.process.to_json() if self.process else None
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> DeploymentRecord:
        """Parse what :meth:`to_json` wrote."""
        data = dict(raw)
        data["process"] = ProcessRecord.from_json(data.get("process"))
        return cls(**data)


@dataclass
class EndpointRecord:
    """One endpoint as stored."""

    name: str
    workspace: str
    port: int
    deployments: list[DeploymentRecord] = field(default_factory=list)
    router: ProcessRecord | None = None
    #: The process that restarts the router and deployments when they die (see supervisor).
    supervisor: ProcessRecord | None = None
    #: True after ``stop``: re-attach leaves a stopped endpoint alone.
    stopped: bool = False
    generation: int = 0
    created_at: str = field(default_factory=utc_now_iso)
    schema_version: int = SCHEMA_VERSION

    def processes(self) -> list[ProcessRecord]:
        """Every process the state lists: supervisor, router, deployments."""
        listed = [self.supervisor, self.router, *(d.process for d in self.deployments)]
        return [p for p in listed if p is not None]

    def deployment(self, name: str) -> DeploymentRecord:
        """The deployment called ``name``; NotFound lists the known ones."""
        for record in self.deployments:
            if record.name == name:
                return record
        known = ", ".join(d.name for d in self.deployments) or "none"
        raise NotFound(f"endpoint {self.name!r} has no deployment {name!r} (deployments: {known})")

    @property
    def traffic(self) -> dict[str, int]:
        """Live traffic by deployment."""
        return {d.name: d.traffic for d in self.deployments}

    @property
    def mirror(self) -> dict[str, int]:
        """Mirrored traffic by deployment (only non-zero shares)."""
        return {d.name: d.mirror for d in self.deployments if d.mirror}

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "schema_version": self.schema_version,
            "name": self.name,
            "workspace": self.workspace,
            "port": self.port,
            "created_at": self.created_at,
            "generation": self.generation,
            "stopped": self.stopped,
            "router": self.router.to_json() if self.router else None,
            "supervisor": self.supervisor.to_json() if self.supervisor else None,
            "deployments": [d.to_json() for d in self.deployments],
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> EndpointRecord:
        """Parse what :meth:`to_json` wrote."""
        return cls(
            name=raw["name"],
            workspace=raw["workspace"],
            port=int(raw["port"]),
            deployments=[DeploymentRecord.from_json(d) for d in raw.get("deployments", [])],
            router=ProcessRecord.from_json(raw.get("router")),
            supervisor=ProcessRecord.from_json(raw.get("supervisor")),
            stopped=bool(raw.get("stopped", False)),
            generation=int(raw.get("generation", 0)),
            created_at=raw.get("created_at", ""),
            schema_version=int(raw.get("schema_version", SCHEMA_VERSION)),
        )


def load_record(layout: EndpointLayout) -> EndpointRecord:
    """Read an endpoint's state; NotFound when it has none, InvalidInput when unreadable."""
    path = layout.state_file
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"no endpoint named {layout.name!r}") from None
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", hint="delete the endpoint") from None
    if int(raw.get("schema_version", SCHEMA_VERSION)) > SCHEMA_VERSION:
        raise InvalidInput(f"{path} was written by a newer MLOps Desktop")
    try:
        return EndpointRecord.from_json(raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", hint="delete the endpoint") from None


def save_record(layout: EndpointLayout, record: EndpointRecord) -> None:
    """Write an endpoint's state atomically, bumping its generation."""
    record.generation += 1
    atomic_write_text(layout.state_file, json.dumps(record.to_json(), indent=2))


#: Endpoint folders are locked with the shared file lock (kept under this name for callers).
locked = exclusive_lock
