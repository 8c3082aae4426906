"""The endpoints port: one interface for every kind of online endpoint.

Modelled on MLflow's deployment client (``mlflow.deployments.BaseDeploymentClient``): one
protocol — list, get, create endpoints; create (deploy), update (traffic) and delete
deployments; predict (invoke) — and a target chosen per workspace instead of per URI
(:func:`~mlops_desktop.ports.provider.open_endpoints`). Unlike MLflow's client it also speaks
of what an ML lead watches: health, traffic splits and mirrors, telemetry and logs.

It speaks in :mod:`mlops_desktop.serving.entities` dataclasses. What differs between kinds is
declared in :class:`~mlops_desktop.serving.entities.EndpointTraits` (``port.traits``, and the
same object on every endpoint it returns, ``endpoint.traits``): whether there are local
processes to start and stop, whether requests are collected here, where telemetry lives, the
name rules, auth modes, … Callers read those instead of asking which backend they talk to.

Every change of what an endpoint serves goes through
:func:`~mlops_desktop.promotion.serving_guard.guard_serving_change` (the stage's policy, the
audit log) inside the adapters; ``origin`` says who asked ("CLI", "Endpoints page").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving.entities import (
    LOCAL_TRAITS,
    Endpoint,
    EndpointTraits,
    InvocationResult,
    NameRule,
    ReattachReport,
)

if TYPE_CHECKING:
    import pandas as pd

#: Deployment names of managed online endpoints: 3-32 letters, digits and '-'.
MANAGED_DEPLOYMENT_NAME = NameRule(
    r"^[A-Za-z][A-Za-z0-9-]{1,30}[A-Za-z0-9]$",
    "3-32 letters, digits and '-', starting with a letter (e.g. green)",
)
#: VM sizes usually offered for deployments on managed instances, and the usual one.
MANAGED_INSTANCE_TYPES: tuple[str, ...] = (
    "Standard_DS2_v2",
    "Standard_DS3_v2",
    "Standard_DS4_v2",
    "Standard_F4s_v2",
    "Standard_E4s_v3",
    "Standard_NC6s_v3",
)
MANAGED_DEFAULT_INSTANCE_TYPE = "Standard_DS3_v2"
#: The deployment an endpoint starts with.
DEFAULT_DEPLOYMENT = "blue"


@runtime_checkable
class Endpoints(Protocol):
    """The online endpoints of one workspace."""

    #: The workspace whose endpoints these are.
    workspace: WorkspaceConfig
    #: What this kind of endpoint is like (see :class:`EndpointTraits`).
    traits: EndpointTraits

    # -- reads --------------------------------------------------------------------------------

    def capability(self) -> Capability:
        """Whether the workspace offers endpoints at all, and why not.

        Raises :class:`~mlops_desktop.core.errors.MlopsError` when that cannot be told.
        """
        ...

    def list_endpoints(self, *, probe: bool = True) -> list[Endpoint]:
        """Every endpoint with its deployments, traffic and health (``probe``: ask each
        deployment now rather than trust what is recorded)."""
        ...

    def get_endpoint(self, name: str, *, probe: bool = True) -> Endpoint:
        """One endpoint (NotFound when there is none)."""
        ...

    # -- changes (the stage's policy checked, audited) ----------------------------------------

    def create_endpoint(
        self,
        name: str,
        *,
        model: str,
        version: str,
        deployment: str = DEFAULT_DEPLOYMENT,
        port: int | None = None,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """A new endpoint whose only deployment serves ``model`` ``version`` (or alias)."""
        ...

    def deploy_version(
        self,
        name: str,
        deployment: str,
        *,
        model: str,
        version: str,
        traffic: int = 0,
        instance_type: str = "",
        instance_count: int = 1,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """Add deployment ``deployment`` serving ``model`` ``version`` (or alias) with
        ``traffic`` percent at once; ``instance_type``/``instance_count`` for kinds on managed
        instances. The endpoint after."""
        ...

    def set_traffic(
        self,
        name: str,
        traffic: Mapping[str, int] | None,
        mirror: Mapping[str, int] | None,
        *,
        ctx: TaskContext | None = None,
        origin: str,
    ) -> Endpoint:
        """Set the live split (``None``: keep it) and/or the mirror (``None``: keep it)."""
        ...

    def delete_deployment(
        self, name: str, deployment: str, *, ctx: TaskContext | None = None, origin: str
    ) -> Endpoint:
        """Delete one deployment (it must take no live traffic); the endpoint after."""
        ...

    def delete_endpoint(self, name: str, *, keep_data: bool = False, origin: str) -> None:
        """Delete the endpoint with its deployments (``keep_data``: its collected requests)."""
        ...

    # -- local processes (kinds with ``traits.local_processes``) ------------------------------

    def start_endpoint(self, name: str, ctx: TaskContext | None = None) -> Endpoint:
        """Start a stopped endpoint, or restart what died in a running one."""
        ...

    def stop_endpoint(self, name: str) -> Endpoint:
        """Stop its processes (it keeps its port, deployments and collected data)."""
        ...

    def reattach(self, ctx: TaskContext | None = None) -> ReattachReport:
        """At start: find the endpoints and restart what died (nothing for remote kinds)."""
        ...

    # -- scoring, logs, telemetry -------------------------------------------------------------

    def input_example(self, name: str, deployment: str | None = None) -> bytes:
        """The served model's logged input example, as a request body."""
        ...

    def invoke(
        self,
        name: str,
        body: bytes | None,
        *,
        deployment: str | None = None,
        content_type: str = "application/json",
        timeout: float = 30.0,
    ) -> InvocationResult:
        """Score ``body`` (``None``: the input example) through the endpoint, or one
        deployment; error answers are returned where the kind can tell them apart."""
        ...

    def logs(self, name: str, deployment: str, *, lines: int = 100, container: str = "") -> str:
        """The last ``lines`` of a deployment's log (kinds with ``traits.has_logs``)."""
        ...

    def collected_requests(
        self,
        name: str,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Requests collected here (kinds with ``traits.collects_requests``; empty else)."""
        ...

    def telemetry(
        self,
        name: str,
        window: timedelta = timedelta(hours=1),
        *,
        bucket: timedelta = timedelta(minutes=1),
        by_deployment: bool = False,
        now: datetime | None = None,
    ) -> pd.DataFrame:
        """Requests/min, error rate and latency p50/p95 per ``bucket`` over ``window``."""
        ...

    def close(self) -> None:
        """Release what the port opened (a backend client)."""
        ...


__all__ = [
    "DEFAULT_DEPLOYMENT",
    "LOCAL_TRAITS",
    "MANAGED_DEFAULT_INSTANCE_TYPE",
    "MANAGED_DEPLOYMENT_NAME",
    "MANAGED_INSTANCE_TYPES",
    "EndpointTraits",
    "Endpoints",
    "NameRule",
]
