"""What callers (GUI, CLI, promotion) see of local endpoints: frozen dataclasses, no processes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from mlops_desktop.core.errors import NotFound

LOCALHOST = "127.0.0.1"


class DeploymentStatus(StrEnum):
    """Whether a deployment serves requests."""

    #: Its process runs and answers ``/ping``.
    HEALTHY = "healthy"
    #: Its process runs but does not answer.
    UNHEALTHY = "unhealthy"
    #: Its process is gone (re-attach restarts it).
    DEAD = "dead"
    #: Stopped on purpose.
    STOPPED = "stopped"


class EndpointStatus(StrEnum):
    """Whether an endpoint serves requests."""

    #: Router and every deployment are up.
    RUNNING = "running"
    #: The router is up, some deployment is not.
    DEGRADED = "degraded"
    #: The router is gone (re-attach restarts it).
    DEAD = "dead"
    #: Stopped on purpose.
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Deployment:
    """One model version served behind an endpoint, with its share of traffic."""

    name: str
    registered_model: str
    version: str
    traffic: int
    mirror: int
    status: DeploymentStatus
    port: int | None
    pid: int | None
    model_dir: Path
    created_at: datetime | None = None

    @property
    def url(self) -> str | None:
        """Direct address of the deployment (bypassing the router), if it runs."""
        return f"http://{LOCALHOST}:{self.port}" if self.port else None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A local endpoint: a stable address on 127.0.0.1 routing to its deployments."""

    name: str
    workspace: str
    port: int
    status: EndpointStatus
    deployments: tuple[Deployment, ...]
    router_pid: int | None
    directory: Path
    created_at: datetime | None = None

    @property
    def url(self) -> str:
        """Base address, e.g. ``http://127.0.0.1:5001``."""
        return f"http://{LOCALHOST}:{self.port}"

    @property
    def scoring_uri(self) -> str:
        """Where predictions are requested (MLflow's ``/invocations``)."""
        return f"{self.url}/invocations"

    @property
    def traffic(self) -> dict[str, int]:
        """Live traffic percentage by deployment."""
        return {d.name: d.traffic for d in self.deployments}

    @property
    def mirror_traffic(self) -> dict[str, int]:
        """Mirrored traffic percentage by deployment (only deployments receiving some)."""
        return {d.name: d.mirror for d in self.deployments if d.mirror}

    def deployment(self, name: str) -> Deployment:
        """The deployment called ``name``; NotFound lists the known ones."""
        for deployment in self.deployments:
            if deployment.name == name:
                return deployment
        known = ", ".join(d.name for d in self.deployments) or "none"
        raise NotFound(f"endpoint {self.name!r} has no deployment {name!r} (deployments: {known})")


@dataclass(frozen=True, slots=True)
class InvocationResult:
    """One answer of an endpoint."""

    status: int
    deployment: str
    request_id: str
    body: bytes
    content_type: str
    latency_ms: float

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    @property
    def predictions(self) -> Any:
        """The ``predictions`` of a successful scoring answer."""
        data = self.json()
        return data.get("predictions", data) if isinstance(data, dict) else data

    @property
    def message(self) -> str:
        """The error message of a failed answer (or the body as text)."""
        try:
            data = self.json()
        except ValueError:
            return self.body.decode("utf-8", errors="replace")
        if isinstance(data, dict) and "message" in data:
            return str(data["message"])
        return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class ReattachReport:
    """What re-attaching found and restarted."""

    endpoints: tuple[Endpoint, ...]
    restarted_routers: tuple[str, ...] = ()
    restarted_deployments: tuple[str, ...] = ()
    restarted_supervisors: tuple[str, ...] = ()
    #: Processes running unrecorded (a crash between start and record) that were stopped.
    stopped_strays: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
