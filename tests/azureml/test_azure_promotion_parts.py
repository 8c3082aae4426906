"""The Azure ML pieces promotion stands on: model container tags (approval requests), endpoint
create/delete, timed scoring, and the endpoint manager promotion drives."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.azure_endpoints import AzureEndpointManager, azure_scoring_body
from mlops_desktop.promotion.azure_registry import AzureRegistryAccess


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_model_container_tags_round_trip_and_list(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    registry = AzureRegistryAccess(_backend(fresh_arm_server, Stage.PROD))
    assert registry.registered_model("no-such-model") is None
    registry.set_registered_model_tag("churn", "mlops.approval.abc", '{"id": "abc"}')
    registry.set_registered_model_tag("churn", "owner", "risk-team")
    registry.ensure_registered_model("brand-new")  # created without versions
    assert registry.registered_model("brand-new") is not None
    tags = (registry.registered_model("churn") or {})["properties"]["tags"]
    # The data set's own tag is kept.
    assert tags == {
        "team": "retention",
        "mlops.approval.abc": '{"id": "abc"}',
        "owner": "risk-team",
    }
    assert registry.registered_models_with_tags("mlops.approval.") == [
        ("churn", {"mlops.approval.abc": '{"id": "abc"}'})
    ]
    writes = [r for r in fresh_arm_server.requests if r.method == "PUT"]
    assert {r.query["api-version"] for r in writes} == {"2024-04-01"}


def test_aliases_come_from_version_tags_and_archiving_drops_them(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.PROD)
    registry = AzureRegistryAccess(backend)
    registry.set_alias("churn", "champion", "1")
    assert registry.aliases("churn")["champion"] == "1"
    registry.delete_version("churn", "1")
    assert "champion" not in registry.aliases("churn")
    assert "1" not in {v.version for v in backend.list_model_versions(with_runs=False)}
    registry.delete_version("churn", "99")  # absent: no error


def test_create_score_and_delete_an_endpoint(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.STAGING)
    created = backend.create_online_endpoint("churn-new", tags={"mlops.model": "churn"})
    assert created.name == "churn-new" and created.deployments == ()
    backend.create_deployment("churn-new", "version-2", "churn", "2")
    body = json.dumps({"input_data": {"columns": ["a"], "data": [[0.5], [1.25]]}}).encode()
    answer = backend.score("churn-new", body, deployment="version-2")
    assert (answer.status, answer.deployment) == (200, "version-2")
    assert json.loads(answer.body) == [0.5, 0.25] and answer.latency_ms > 0
    refused = backend.score("churn-new", body)  # no deployment has traffic yet
    assert refused.status == 424
    backend.delete_online_endpoint("churn-new")
    with pytest.raises(NotFound):
        backend.get_online_endpoint("churn-new")
    with pytest.raises(InvalidInput, match="not valid"):
        backend.create_online_endpoint("9-bad")
    assert fresh_arm_server.unknown_routes == []


def test_endpoint_manager_maps_traffic_and_deployments(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    workspace = azure_workspace(fresh_arm_server, Stage.PROD)
    manager = AzureEndpointManager(workspace, AzureMlBackend(workspace, settings=quick_settings()))
    endpoint = manager.get_endpoint("churn-prod-ep", probe=False)
    assert endpoint.traffic == {"blue": 90, "green": 10}
    assert {d.registered_model for d in endpoint.deployments} == {"churn"}
    manager.set_traffic("churn-prod-ep", {"blue": 50, "green": 50})
    assert manager.get_endpoint("churn-prod-ep").traffic == {"blue": 50, "green": 50}
    result = manager.invoke(
        "churn-prod-ep",
        {"dataframe_split": {"columns": ["a"], "data": [[0.5]]}},
        deployment="green",
    )
    assert result.ok and result.deployment == "green" and result.predictions == [0.5]


def test_scoring_body_takes_azure_ml_form() -> None:
    split = {"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}}
    assert json.loads(azure_scoring_body(json.dumps(split).encode())) == {
        "input_data": {"columns": ["a", "b"], "data": [[1, 2]]}
    }
    records = {"dataframe_records": [{"a": 1, "b": 2}]}
    assert json.loads(azure_scoring_body(json.dumps(records).encode())) == {
        "input_data": {"columns": ["a", "b"], "data": [[1, 2]]}
    }
    assert azure_scoring_body(b"not json") == b"not json"
