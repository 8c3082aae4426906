"""Azure ML managed online endpoints behind the interface promotion uses for local endpoints
(:class:`~mlops_desktop.serving.manager.EndpointManager`): get, create, add and delete
deployments, set traffic, input example, invoke.

Deployments map onto the local :class:`~mlops_desktop.serving.entities.Deployment`, with the
served model version's files downloaded once into the app's cache (``model_dir``), so the
signature gate and the smoke test read them as they read a local deployment's. Azure ML has no
collected-request log the app can read (that telemetry is in Azure Monitor), so canary steps
judge their own probes' answers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput, MlopsError, NotFound
from mlops_desktop.core.paths import cache_dir
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving.entities import (
    Deployment,
    DeploymentStatus,
    Endpoint,
    EndpointStatus,
    InvocationResult,
)
from mlops_desktop.serving.model_cache import download_model_folder, input_example

if TYPE_CHECKING:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.backends.azureml.entities import AzureOnlineEndpoint

log = logging.getLogger(__name__)

#: Provisioning states of a deployment that serves.
_SERVING = {"succeeded", "updating"}


def azure_model_cache(workspace: str) -> Path:
    """Where downloaded model versions of an Azure ML workspace are kept."""
    return cache_dir() / "azure-models" / workspace


def azure_scoring_body(body: bytes) -> bytes:
    """An MLflow scoring body in the form Azure ML's MLflow deployments take (``input_data``).

    ``dataframe_split`` (what MLflow logs as the serving example) becomes ``input_data`` with
    the same columns and rows; bodies already in Azure ML's form, or not recognised, pass as
    they are.
    """
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and isinstance(data.get("dataframe_split"), dict):
        return json.dumps({"input_data": data["dataframe_split"]}).encode()
    if isinstance(data, dict) and isinstance(data.get("dataframe_records"), list):
        records = data["dataframe_records"]
        columns = list(records[0]) if records else []
        rows = [[r.get(c) for c in columns] for r in records]
        return json.dumps({"input_data": {"columns": columns, "data": rows}}).encode()
    return body


class AzureEndpointManager:
    """The endpoints of one Azure ML workspace, as promotion and rollback use them."""

    #: Canary steps cannot read collected requests here (see the module docstring).
    collects_requests = False
    #: Azure ML deployment names are 3 to 32 characters long.
    min_deployment_name_length = 3

    def __init__(self, workspace: WorkspaceConfig, backend: AzureMlBackend | None = None) -> None:
        from mlops_desktop.backends.azureml.backend import AzureMlBackend

        self.workspace = workspace
        self.backend = backend or AzureMlBackend(workspace)
        self._unavailable: set[tuple[str, str]] = set()

    # -- reads ----------------------------------------------------------------------------

    def get_endpoint(self, name: str, *, probe: bool = True) -> Endpoint:
        """The endpoint with its deployments (NotFound when it does not exist)."""
        return self._endpoint(self.backend.get_online_endpoint(name))

    def _endpoint(self, azure: AzureOnlineEndpoint) -> Endpoint:
        deployments = tuple(
            Deployment(
                name=d.name,
                registered_model=d.registered_model,
                version=d.version,
                traffic=int(azure.traffic.get(d.name, 0)),
                mirror=int(azure.mirror_traffic.get(d.name, 0)),
                status=(
                    DeploymentStatus.HEALTHY
                    if d.provisioning_state.lower() in _SERVING
                    else DeploymentStatus.UNHEALTHY
                ),
                port=None,
                pid=None,
                model_dir=self.model_dir(d.registered_model, d.version),
                created_at=d.created_at,
            )
            for d in azure.deployments
        )
        healthy = all(d.status is DeploymentStatus.HEALTHY for d in deployments)
        return Endpoint(
            name=azure.name,
            workspace=self.workspace.name,
            port=0,
            status=EndpointStatus.RUNNING if healthy else EndpointStatus.DEGRADED,
            deployments=deployments,
            router_pid=None,
            directory=azure_model_cache(self.workspace.name),
            created_at=azure.created_at,
        )

    def model_dir(self, registered_model: str, version: str) -> Path:
        """The version's MLflow model folder, downloaded on first use.

        A version that cannot be downloaded (no files, no permission on the datastore) is
        tried once per manager; its path then does not exist, and whoever reads it says so.
        """
        target = azure_model_cache(self.workspace.name) / registered_model / str(version)
        key = (registered_model, str(version))
        if not registered_model or (target / "MLmodel").is_file() or key in self._unavailable:
            return target
        try:
            download_model_folder(self.backend, registered_model, version, target)
        except MlopsError as exc:
            log.warning("model files of %s v%s unavailable: %s", registered_model, version, exc)
            self._unavailable.add(key)
        return target

    # -- writes ---------------------------------------------------------------------------

    def create_endpoint(
        self,
        name: str,
        *,
        model: str,
        version: str,
        deployment: str = "blue",
        ctx: TaskContext | None = None,
        **_: Any,
    ) -> Endpoint:
        """A new endpoint whose only deployment serves ``model`` v``version`` (100 %)."""
        self.backend.create_online_endpoint(
            name,
            description=f"{model} (created by a promotion)",
            tags={"mlops.model": model},
            ctx=ctx,
        )
        self.backend.create_deployment(name, deployment, model, str(version), ctx=ctx)
        self.backend.set_endpoint_traffic(name, {deployment: 100}, None, ctx or TaskContext())
        return self.get_endpoint(name)

    def add_deployment(
        self,
        name: str,
        deployment: str,
        *,
        model: str,
        version: str,
        traffic: int = 0,
        ctx: TaskContext | None = None,
    ) -> Endpoint:
        """Deploy ``model`` v``version`` as ``deployment`` at 0 % (promotion shifts later)."""
        if traffic:
            raise InvalidInput("Azure ML deployments start at 0 %; shift traffic afterwards")
        self.backend.create_deployment(name, deployment, model, str(version), ctx=ctx)
        return self.get_endpoint(name)

    def set_traffic(
        self,
        name: str,
        traffic: Mapping[str, int] | None = None,
        mirror: Mapping[str, int] | None = None,
    ) -> Endpoint:
        """Set live and mirrored shares (``None``: keep), waiting for Azure ML."""
        current = self.backend.get_online_endpoint(name)
        live = dict(traffic) if traffic is not None else dict(current.traffic)
        self.backend.set_endpoint_traffic(
            name, live, dict(mirror) if mirror is not None else None, TaskContext()
        )
        return self.get_endpoint(name)

    def delete_deployment(self, name: str, deployment: str) -> Endpoint:
        """Delete a deployment that takes no traffic."""
        self.backend.delete_deployment(name, deployment)
        return self.get_endpoint(name)

    def delete_endpoint(self, name: str, *, keep_data: bool = False) -> None:
        """Delete the endpoint and its deployments (no error when it is gone)."""
        try:
            self.backend.delete_online_endpoint(name)
        except NotFound:
            return

    # -- scoring --------------------------------------------------------------------------

    def input_example(self, name: str, deployment: str | None = None) -> bytes:
        """The served model's logged input example, in Azure ML's request form."""
        endpoint = self.get_endpoint(name)
        if not endpoint.deployments:
            raise NotFound(f"endpoint {name!r} has no deployments")
        chosen = (
            endpoint.deployment(deployment)
            if deployment
            else max(endpoint.deployments, key=lambda d: d.traffic)
        )
        if not (chosen.model_dir / "MLmodel").is_file():
            raise NotFound(
                f"the files of {chosen.registered_model} v{chosen.version} (deployment "
                f"{chosen.name!r}) could not be downloaded from {self.workspace.name!r}"
            )
        return azure_scoring_body(input_example(chosen.model_dir))

    def invoke(
        self, name: str, payload: Any = None, *, deployment: str | None = None, **_: Any
    ) -> InvocationResult:
        """Score through the endpoint's scoring URI; error answers are returned, not raised."""
        if payload is None:
            body = self.input_example(name, deployment)
        elif isinstance(payload, bytes):
            body = azure_scoring_body(payload)
        elif isinstance(payload, str):
            body = azure_scoring_body(payload.encode("utf-8"))
        else:
            body = azure_scoring_body(json.dumps(payload).encode())
        answer = self.backend.score(name, body, deployment=deployment)
        return InvocationResult(
            status=answer.status,
            deployment=answer.deployment,
            request_id=answer.request_id,
            body=answer.body,
            content_type=answer.content_type,
            latency_ms=answer.latency_ms,
        )

    def collected_requests(
        self, name: str, since: datetime | None = None, until: datetime | None = None
    ) -> pd.DataFrame:
        """None collected here: an empty frame (see the module docstring)."""
        return pd.DataFrame(
            columns=["deployment", "mirrored", "status", "latency_ms", "request_id"]
        )
