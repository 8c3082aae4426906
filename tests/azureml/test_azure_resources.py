"""Endpoints, computes, quotas and schedules; the traffic write as a long-running operation."""

from __future__ import annotations

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.errors import InvalidInput, PermissionDenied
from mlops_desktop.core.stages import Stage


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_endpoints_with_traffic_and_mirror_traffic(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    (staging,) = _backend(arm_server, Stage.STAGING).list_online_endpoints()
    assert staging.name == "churn-staging-ep" and staging.workspace == "staging"
    assert staging.traffic == {"blue": 100}
    assert staging.mirror_traffic == {"green": 10}
    assert staging.provisioning_state == "Succeeded" and staging.auth_mode == "key"
    assert staging.scoring_uri.endswith("/score")
    green = {d.name: d for d in staging.deployments}["green"]
    assert (green.traffic, green.mirror_traffic) == (0, 10)
    assert (green.registered_model, green.version) == ("churn", "2")
    assert green.instance_type == "Standard_DS3_v2" and green.instance_count == 1
    prod = _backend(arm_server, Stage.PROD).get_online_endpoint("churn-prod-ep")
    assert {d.name: (d.traffic, d.instance_count) for d in prod.deployments} == {
        "blue": (90, 3),
        "green": (10, 1),
    }
    assert prod.created_at is not None


def test_computes_with_node_counts_quotas_and_schedules(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    prod = _backend(arm_server, Stage.PROD)
    computes = {c.name: c for c in prod.list_computes()}
    cpu = computes["cpu-cluster"]
    assert (cpu.compute_type, cpu.size, cpu.min_nodes, cpu.max_nodes) == (
        "amlcompute",
        "STANDARD_DS4_V2",
        1,
        6,
    )
    assert cpu.current_nodes == 2 and cpu.node_states == {"running": 1, "idle": 1}
    assert computes["gpu-cluster"].tier == "low_priority"
    assert computes["gpu-cluster"].current_nodes == 0
    dev = {c.name: c for c in _backend(arm_server, Stage.DEV).list_computes()}
    instance = dev["ci-sam-patel"]
    assert (instance.compute_type, instance.state) == ("computeinstance", "Running")
    assert instance.current_nodes is None
    quotas = {q.name: q for q in prod.list_quota_usages()}
    dedicated = quotas["Total Cluster Dedicated Regional vCPUs"]
    assert (dedicated.current, dedicated.limit, dedicated.fraction) == (20, 100, 0.2)
    assert quotas["Standard NCSv3 Family Cluster LowPriority vCPUs"].fraction is None
    schedules = _backend(arm_server, Stage.STAGING).list_schedules()
    (nightly,) = schedules
    assert nightly.enabled is False  # disabled schedules are listed too
    assert nightly.trigger_type == "recurrence"
    assert nightly.expression == "every 1 day at 02:30"
    assert _backend(arm_server, Stage.STAGING).list_schedules(include_disabled=False) == []
    (weekly,) = _backend(arm_server, Stage.DEV).list_schedules()
    assert (weekly.trigger_type, weekly.expression) == ("cron", "0 3 * * 1")
    assert weekly.job_experiment == "churn-training"


def test_reader_sees_computes_without_node_counts(arm_server: ArmTestServer, az: AzStandIn) -> None:
    data = arm_server.dataset
    az.login(data.principal("auditor"), data.tenant_id)
    computes = _backend(arm_server, Stage.PROD).list_computes()
    cpu = {c.name: c for c in computes}["cpu-cluster"]
    assert cpu.current_nodes is None
    assert "computes/listNodes/action" in cpu.nodes_unavailable_reason


def test_workspace_scoped_role_cannot_read_subscription_quotas(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    data = arm_server.dataset
    az.login(data.principal("data-scientist"), data.tenant_id)
    dev = _backend(arm_server, Stage.DEV)
    assert dev.list_computes()  # the workspace itself is readable
    with pytest.raises(PermissionDenied) as caught:
        dev.list_quota_usages()
    message = str(caught.value)
    assert "sam.patel@contoso.example" in message
    assert "Microsoft.MachineLearningServices/locations/usages/read" in message


def test_set_traffic_waits_for_the_long_running_operation(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    prod = _backend(fresh_arm_server, Stage.PROD)
    fresh_arm_server.clear_requests()
    endpoint = prod.set_endpoint_traffic("churn-prod-ep", {"blue": 0, "green": 100})
    assert endpoint.traffic == {"green": 100}  # Azure drops zero shares
    assert endpoint.provisioning_state == "Succeeded"
    assert {d.name: d.traffic for d in endpoint.deployments} == {"blue": 0, "green": 100}
    methods = [(r.method, r.path.rsplit("/", 2)[-2]) for r in fresh_arm_server.requests]
    put = methods.index(("PUT", "onlineEndpoints"))
    polls = [m for m in methods[put:] if m[1] == "mfeOperationsStatus"]
    assert len(polls) == 3  # InProgress, InProgress, Succeeded
    assert _backend(fresh_arm_server, Stage.PROD).get_online_endpoint("churn-prod-ep").traffic == {
        "green": 100
    }


def test_set_traffic_is_checked_before_anything_is_sent(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    prod = _backend(arm_server, Stage.PROD)
    with pytest.raises(InvalidInput, match="sum to 100"):
        prod.set_endpoint_traffic("churn-prod-ep", {"blue": 50, "green": 40})
    with pytest.raises(InvalidInput, match="no deployment red"):
        prod.set_endpoint_traffic("churn-prod-ep", {"red": 100})
    with pytest.raises(InvalidInput, match="both live and mirrored"):
        prod.set_endpoint_traffic("churn-prod-ep", {"blue": 90, "green": 10}, {"green": 10})
    assert not any(r.method == "PUT" for r in arm_server.requests)


def test_reader_cannot_shift_traffic(arm_server: ArmTestServer, az: AzStandIn) -> None:
    data = arm_server.dataset
    az.login(data.principal("data-scientist"), data.tenant_id)  # Reader on staging
    staging = _backend(arm_server, Stage.STAGING)
    with pytest.raises(PermissionDenied) as caught:
        staging.set_endpoint_traffic("churn-staging-ep", {"blue": 100}, {"green": 20})
    assert "onlineEndpoints/write" in str(caught.value)
    assert caught.value.hint and "AzureML Data Scientist" in caught.value.hint
