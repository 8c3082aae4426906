"""Create a deployment of a model version, invoke an endpoint or one deployment, read logs."""

from __future__ import annotations

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.errors import InvalidInput, NotFound, PermissionDenied
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_create_deployment_of_a_model_version(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    progress: list[str] = []
    ctx = TaskContext(lambda done, total, message: progress.append(message))
    backend = _backend(fresh_arm_server, Stage.STAGING)
    created = backend.create_deployment("churn-staging-ep", "canary", "churn", "2", ctx=ctx)
    assert (created.name, created.registered_model, created.version) == ("canary", "churn", "2")
    assert created.provisioning_state == "Succeeded" and created.traffic == 0
    assert any("poll" in m for m in progress)
    names = {d.name for d in backend.get_online_endpoint("churn-staging-ep").deployments}
    assert names == {"blue", "green", "canary"}


def test_invoke_the_endpoint_or_one_deployment_and_read_its_logs(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.PROD)
    payload = {"input_data": {"columns": ["a", "b"], "data": [[1, 0.25], [2, 0.5]]}}
    assert backend.invoke_endpoint("churn-prod-ep", payload, deployment="green") == [0.25, 0.5]
    assert backend.invoke_endpoint("churn-prod-ep", payload) == [0.25, 0.5]
    # The targeted call must not pin later calls to green (the SDK's shared header dict).
    assert fresh_arm_server.endpoints.scored == [
        ("mlw-churn-prod", "churn-prod-ep", "green"),
        ("mlw-churn-prod", "churn-prod-ep", "blue"),
    ]
    logs = backend.deployment_logs("churn-prod-ep", "green", lines=3)
    assert logs.splitlines()[-1].startswith("POST /score 200")
    assert len(logs.splitlines()) == 3
    storage = backend.deployment_logs("churn-prod-ep", "blue", container="storage-initializer")
    assert "Downloading model" in storage and "/models/churn/versions/1" in storage


def test_deployment_errors_name_what_is_wrong(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.STAGING)
    with pytest.raises(InvalidInput, match=r"churn:99.*not found|Model .*churn/versions/99"):
        backend.create_deployment("churn-staging-ep", "bad", "churn", "99")
    with pytest.raises(NotFound, match="no-such-ep"):
        backend.create_deployment("no-such-ep", "x", "churn", "2")
    with pytest.raises(InvalidInput, match="unknown container"):
        backend.deployment_logs("churn-staging-ep", "blue", container="sidecar")
    with pytest.raises(NotFound, match="nope"):
        backend.deployment_logs("churn-staging-ep", "nope")
    data = fresh_arm_server.dataset
    az.login(data.principal("data-scientist"), data.tenant_id, subscription=data.subscription_id)
    reader = _backend(fresh_arm_server, Stage.STAGING)
    with pytest.raises(PermissionDenied, match="listKeys/action"):
        reader.invoke_endpoint("churn-staging-ep", {"input_data": {"data": [[1]]}})


def test_delete_a_deployment_without_traffic(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.STAGING)
    backend.create_deployment("churn-staging-ep", "canary", "churn", "2")
    backend.delete_deployment("churn-staging-ep", "canary")
    names = {d.name for d in backend.get_online_endpoint("churn-staging-ep").deployments}
    assert names == {"blue", "green"}
    with pytest.raises(InvalidInput, match="still takes 10 % mirrored traffic"):
        backend.delete_deployment("churn-staging-ep", "green")
