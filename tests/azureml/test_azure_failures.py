"""403/404/429/5xx, timeouts and no network: core errors, retries, and the last-known cache."""

from __future__ import annotations

import re
import time

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, closed_port_metadata, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.errors import Offline
from mlops_desktop.core import paths
from mlops_desktop.core.entities import ConnectionState
from mlops_desktop.core.errors import AuthError, NotFound, PermissionDenied
from mlops_desktop.core.stages import Stage

VERSIONS = r"/models/churn/versions$"


def _backend(server: ArmTestServer, stage: Stage, **settings: object) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings(**settings))


def test_no_role_on_prod_names_the_missing_permission(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    data = arm_server.dataset
    az.login(data.principal("data-scientist"), data.tenant_id)
    prod = _backend(arm_server, Stage.PROD)
    with pytest.raises(PermissionDenied) as caught:
        prod.list_model_versions()
    message = str(caught.value)
    assert "sam.patel@contoso.example may not do " in message
    assert "Microsoft.MachineLearningServices/workspaces/models/read" in message
    assert "/resourceGroups/rg-churn-prod/" in message
    info = prod.check_connection()
    assert info.state is ConnectionState.ERROR
    assert "Microsoft.MachineLearningServices/workspaces/read" in info.detail
    assert info.identity == "sam.patel@contoso.example"


def test_missing_resource_group_is_not_found(arm_server: ArmTestServer, az: AzStandIn) -> None:
    workspace = azure_workspace(arm_server, Stage.DEV)
    assert workspace.azure is not None
    moved = workspace.model_copy(
        update={"azure": workspace.azure.model_copy(update={"resource_group": "rg-old"})}
    )
    with pytest.raises(NotFound, match="Resource group 'rg-old' could not be found"):
        AzureMlBackend(moved, settings=quick_settings()).list_model_versions()


def test_throttling_is_retried_after_the_time_azure_asks_for(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    dev = _backend(arm_server, Stage.DEV)
    arm_server.clear_requests()
    arm_server.add_fault(VERSIONS, status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    versions = dev.list_model_versions(with_runs=False)
    elapsed = time.monotonic() - started
    assert len(versions) == 9
    statuses = [r.status for r in arm_server.requests if r.path.endswith("/churn/versions")]
    assert statuses[:2] == [429, 200]
    assert elapsed >= 1.0  # Retry-After honoured (the backoff alone would be ~0.01 s)


def test_server_errors_are_retried_then_unavailable(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    dev = _backend(arm_server, Stage.DEV, retry_total=2)
    arm_server.clear_requests()
    arm_server.add_fault(VERSIONS, status=503, times=3)
    # One model's versions: retried, then named as unreadable; the other model is listed.
    versions = dev.list_model_versions(with_runs=False)
    assert {v.model for v in versions} == {"fraud"}
    (problem,) = dev.read_problems
    assert re.search(r"list versions of churn: .*HTTP 503 .* after retries", problem), problem
    attempts = [r for r in arm_server.requests if r.path.endswith("/churn/versions")]
    assert [r.status for r in attempts] == [503, 503, 503]  # first try + 2 retries
    arm_server.clear_faults()


def test_a_slow_answer_times_out(arm_server: ArmTestServer, az: AzStandIn) -> None:
    dev = _backend(arm_server, Stage.DEV, read_timeout=0.3, retry_total=0)
    arm_server.add_fault(r"/workspaces/mlw-churn-dev/models$", delay=1.5)
    started = time.monotonic()
    with pytest.raises(Offline, match="did not answer in time"):
        dev.list_model_versions(with_runs=False)
    assert time.monotonic() - started < 1.4
    arm_server.clear_faults()


def test_offline_answers_from_the_last_known_versions(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    online = _backend(arm_server, Stage.STAGING)
    assert online.last_known() is None
    fresh = online.list_model_versions()
    assert online.served_from_cache is None
    cache = paths.cache_dir() / "azureml" / "staging.json"
    assert cache.exists()
    # The same Azure workspace, but the network is gone.
    cut_off = AzureMlBackend(
        azure_workspace(arm_server, Stage.STAGING, metadata=closed_port_metadata()),
        settings=quick_settings(),
    )
    assert cut_off.check_connection().state is ConnectionState.OFFLINE
    cached = cut_off.list_model_versions()
    assert cached == fresh
    assert cut_off.served_from_cache is not None
    assert "cannot reach Azure" in cut_off.served_from_cache.reason
    last = cut_off.last_known()
    assert last is not None and last.versions == tuple(fresh) and last.reason == ""


def test_offline_without_a_cache_raises(arm_server: ArmTestServer, az: AzStandIn) -> None:
    cut_off = AzureMlBackend(
        azure_workspace(arm_server, Stage.PROD, metadata=closed_port_metadata()),
        settings=quick_settings(),
    )
    with pytest.raises(Offline, match="cannot reach Azure"):
        cut_off.list_model_versions()
    assert cut_off.served_from_cache is None


def test_a_failing_service_also_falls_back_but_permissions_do_not(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    dev = _backend(arm_server, Stage.DEV)
    fresh = dev.list_model_versions()
    arm_server.add_fault(r"/workspaces/mlw-churn-dev/models$", status=500, times=2)
    assert dev.list_model_versions() == fresh
    assert dev.served_from_cache is not None
    assert "HTTP 500" in dev.served_from_cache.reason
    data = arm_server.dataset
    az.login(data.principal("auditor"), "11111111-2222-3333-4444-555555555555")
    with pytest.raises(AuthError):  # sign-in problems are never hidden behind the cache
        _backend(arm_server, Stage.DEV).list_model_versions()
