"""The endpoints port of an Azure ML workspace, through the real azure-ai-ml SDK against the
loopback ARM server: what it lists, the traits it declares, and the changes it refuses."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.ports.endpoints import Endpoints
from mlops_desktop.ports.provider import open_endpoints
from mlops_desktop.serving.entities import LOCAL_TRAITS


def _port(server: ArmTestServer, stage: Stage) -> Endpoints:
    def opener(workspace: WorkspaceConfig) -> AzureMlBackend:
        return AzureMlBackend(workspace, settings=quick_settings())

    return open_endpoints(azure_workspace(server, stage), opener)


def test_the_port_lists_online_endpoints_with_the_traits_of_their_kind(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server, Stage.PROD)
    try:
        assert isinstance(port, Endpoints)
        traits = port.traits
        assert traits != LOCAL_TRAITS
        assert not traits.local_processes and not traits.collects_requests
        assert traits.telemetry_source == "Azure Monitor" and traits.managed_instances
        assert traits.deployment_name_rule.matches("green")
        assert not traits.deployment_name_rule.matches("g")
        assert port.capability()
        (endpoint,) = port.list_endpoints()
    finally:
        port.close()
    assert endpoint.traits is traits
    assert endpoint.workspace == port.workspace.name
    assert endpoint.traffic == {"blue": 90, "green": 10}
    assert endpoint.service_state == "Succeeded" == endpoint.state_text
    assert endpoint.url == endpoint.scoring_uri and endpoint.url.endswith("/score")
    blue = endpoint.deployment("blue")
    assert blue.url is None and " × " in blue.instances and blue.model_text.startswith("churn v")
    assert "Azure ML workspace" in endpoint.summary and "auth" in endpoint.summary
    listed = endpoint.listing_json()
    assert listed["backend"] == "azureml" and listed["traffic"] == {"blue": 90, "green": 10}
    json.dumps(listed)  # JSON-safe


def test_traffic_through_the_port_is_guarded_and_audited_as_azure_ml(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(fresh_arm_server, Stage.PROD)
    try:
        after = port.set_traffic("churn-prod-ep", {"blue": 0, "green": 100}, None, origin="test")
    finally:
        port.close()
    assert after.stated_traffic == {"green": 100}  # as Azure ML states it: no 0 % entries
    (entry,) = AuditLog().find(AuditAction.TRAFFIC, endpoint="churn-prod-ep")
    assert entry.details["to"] == {"green": 100}
    assert "test, Azure ML" in json.dumps(entry.details)


def test_what_the_port_refuses_names_the_way_instead(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server, Stage.PROD)
    try:
        with pytest.raises(InvalidInput, match="no local processes"):
            port.stop_endpoint("churn-prod-ep")
        with pytest.raises(InvalidInput, match="Azure Monitor"):
            port.telemetry("churn-prod-ep")
        with pytest.raises(InvalidInput, match="whole Azure ML endpoint"):
            port.delete_endpoint("churn-prod-ep", origin="test")
        with pytest.raises(InvalidInput, match="start at 0 %"):
            port.deploy_version(
                "churn-prod-ep", "canary", model="churn", version="1", traffic=5, origin="test"
            )
        assert port.collected_requests("churn-prod-ep").empty
        assert port.reattach().endpoints == ()
    finally:
        port.close()
