"""What callers (GUI, CLI, promotion) see of local endpoints: frozen dataclasses, no processes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.serving.layout import DEPLOYMENT_NAME_PATTERN, ENDPOINT_NAME_PATTERN

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
class NameRule:
    """How a kind of endpoint names something: a pattern and the words that explain it."""

    pattern: str
    #: What a person reads when a name breaks the rule ("3-32 letters, …").
    hint: str

    def matches(self, name: str) -> bool:
        """True when ``name`` follows the rule."""
        return re.match(self.pattern, name) is not None

    def check(self, name: str, what: str) -> str:
        """``name`` when it follows the rule; InvalidInput naming ``what`` otherwise."""
        if not self.matches(name):
            raise InvalidInput(f"{what} name {name!r} is not valid", hint=self.hint)
        return name


@dataclass(frozen=True, slots=True)
class EndpointTraits:
    """What one kind of endpoint is like, declared once, so callers read data instead of
    testing which backend an endpoint came from."""

    #: The kind in words ("local", "Azure ML"); audit origins of a remote kind carry it.
    label: str
    #: Router and deployments are processes of this machine: they start, stop and get healed.
    local_processes: bool
    #: Requests are collected here, so telemetry and canary checks can read them.
    collects_requests: bool
    #: Where its requests/latency/error figures are ("collected requests", "Azure Monitor").
    telemetry_source: str
    #: Name rules of endpoints and deployments.
    endpoint_name_rule: NameRule
    deployment_name_rule: NameRule
    #: Said instead of charts when telemetry is not collected here ("" when it is).
    telemetry_note: str = ""
    telemetry_hint: str = ""
    #: The app creates whole endpoints of this kind (*Create endpoint…*, ``endpoints create``).
    creates_endpoints: bool = True
    #: Deployments run on managed instances (a VM size × count), added by *Deploy version…*.
    managed_instances: bool = False
    #: VM sizes offered for a new deployment (any other may be typed), and the usual one.
    instance_types: tuple[str, ...] = ()
    default_instance_type: str = ""
    #: The served model's logged input example can be read (else requests start from
    #: ``request_template``).
    reads_input_example: bool = True
    #: Requests must be JSON (the service takes nothing else).
    json_requests: bool = False
    #: The body the Test panel starts from when there is no input example.
    request_template: str = ""
    #: How callers authenticate to the scoring URI.
    auth_modes: tuple[str, ...] = ("none",)
    #: Deployments keep a log the app can show.
    has_logs: bool = False


#: Local endpoints: processes on 127.0.0.1 whose requests the router collects.
LOCAL_TRAITS = EndpointTraits(
    label="local",
    local_processes=True,
    collects_requests=True,
    telemetry_source="collected requests",
    endpoint_name_rule=NameRule(
        ENDPOINT_NAME_PATTERN, "2-32 characters: letters, digits or '-', starting with a letter"
    ),
    deployment_name_rule=NameRule(
        DEPLOYMENT_NAME_PATTERN,
        "1-32 characters: letters, digits, '-' or '_', starting with a letter",
    ),
)


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

    @property
    def state_text(self) -> str:
        """Its state in the words of the service that runs it (else its health)."""
        return self.service_state or self.status.value

    @property
    def service_state(self) -> str:
        """The state a managing service reports ("" here: a local deployment's state is its
        health)."""
        return ""

    @property
    def model_text(self) -> str:
        """What it serves, e.g. ``churn v3``."""
        return f"{self.registered_model} v{self.version}"

    @property
    def instances(self) -> str:
        """``Standard_DS3_v2 × 2`` for a deployment on managed instances ("" here)."""
        return ""


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

    #: What this kind of endpoint is like (subclasses of other kinds declare theirs).
    traits: ClassVar[EndpointTraits] = LOCAL_TRAITS

    @property
    def url(self) -> str:
        """Base address, e.g. ``http://127.0.0.1:5001``."""
        return f"http://{LOCALHOST}:{self.port}"

    @property
    def state_text(self) -> str:
        """Its state in the words of the service that runs it (else running, degraded, …)."""
        return self.service_state or self.status.value

    @property
    def service_state(self) -> str:
        """The state a managing service reports ("" here: see :attr:`status`)."""
        return ""

    @property
    def summary(self) -> str:
        """One line about it: where it lives, what it serves, how healthy it is."""
        models = sorted({d.model_text for d in self.deployments})
        healthy = sum(1 for d in self.deployments if d.status is DeploymentStatus.HEALTHY)
        return (
            f"Workspace {self.workspace} · {len(self.deployments)} deployment(s), "
            f"{healthy} healthy · serves {', '.join(models) or 'nothing'}"
            + (f" · router pid {self.router_pid}" if self.router_pid else "")
        )

    @property
    def stated_traffic(self) -> dict[str, int]:
        """The live split as the serving side states it (here: every deployment's share)."""
        return self.traffic

    @property
    def stated_mirror(self) -> dict[str, int]:
        """The mirror as the serving side states it."""
        return self.mirror_traffic

    def to_json(self) -> dict[str, Any]:
        """The endpoint as ``--json`` output prints it (paths and addresses included)."""
        data: dict[str, Any] = to_jsonable(self)
        data["url"] = self.url
        data["scoring_uri"] = self.scoring_uri
        data["directory"] = str(self.directory)
        for item, deployment in zip(data["deployments"], self.deployments, strict=True):
            item["model_dir"] = str(deployment.model_dir)
            item["url"] = deployment.url
        return data

    def listing_json(self) -> dict[str, Any]:
        """The endpoint as ``endpoints list --json`` prints it."""
        return self.to_json()

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
