"""The endpoints port over local serving: the provider's choice for local workspaces, the
traits it declares, and the calls that only managed services answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.core.config import MlflowConnection, WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.ports.endpoints import Endpoints
from mlops_desktop.ports.endpoints_local import LocalEndpoints
from mlops_desktop.ports.provider import open_endpoints
from mlops_desktop.serving.entities import LOCAL_TRAITS
from mlops_desktop.serving.manager import EndpointManager


def test_a_local_workspace_gets_local_serving(tmp_path: Path) -> None:
    store = MlflowConnection(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    workspace = WorkspaceConfig(name="dev", stage=Stage.DEV, mlflow=store)
    port = open_endpoints(workspace)
    assert isinstance(port, LocalEndpoints) and isinstance(port, Endpoints)
    assert port.traits is LOCAL_TRAITS
    assert LOCAL_TRAITS.local_processes and LOCAL_TRAITS.collects_requests
    assert LOCAL_TRAITS.creates_endpoints and not LOCAL_TRAITS.managed_instances
    with pytest.raises(InvalidInput, match="not an Azure ML workspace"):
        port.logs("ep", "blue")
    with pytest.raises(InvalidInput, match="not an Azure ML workspace"):
        port.deploy_version(
            "ep", "green", model="m", version="1", instance_type="Standard_DS3_v2", origin="t"
        )


def test_the_port_reads_local_endpoints_as_the_manager_does(
    shared_endpoint: tuple[EndpointManager, str],
) -> None:
    manager, name = shared_endpoint
    port = LocalEndpoints(manager.workspace, manager_factory=lambda _ws: manager)
    (endpoint,) = port.list_endpoints(probe=False)
    assert endpoint == manager.get_endpoint(name, probe=False)
    assert endpoint.traits is LOCAL_TRAITS and endpoint.service_state == ""
    assert endpoint.state_text == endpoint.status.value
    assert endpoint.stated_traffic == {"blue": 100, "green": 0}
    data = endpoint.to_json()
    assert data["scoring_uri"] == endpoint.scoring_uri
    assert data["deployments"][0]["url"] == endpoint.deployments[0].url
    assert endpoint.listing_json() == data
    assert "2 deployment(s)" in endpoint.summary and "serves" in endpoint.summary
    assert set(port.collected_requests(name).columns) >= {"deployment", "latency_ms"}
    assert "requests" in port.telemetry(name).columns
