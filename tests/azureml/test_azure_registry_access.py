"""A registry's 403 names the registry and the role to ask for on it (not a workspace role)."""

from __future__ import annotations

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.registry_share import share_into_registry
from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.core.stages import Stage

REGISTRY = "mlr-churn-shared"


def _share(server: ArmTestServer) -> PermissionDenied:
    backend = AzureMlBackend(azure_workspace(server, Stage.DEV), settings=quick_settings())
    try:
        with backend._call("read"):
            path = str(backend.client.models.get("churn", "1").path)
        with pytest.raises(PermissionDenied) as raised:
            share_into_registry(backend, REGISTRY, "churn", "1", path)
    finally:
        backend.close()
    return raised.value


def test_a_refused_registry_write_names_the_registry_and_its_role(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    data = fresh_arm_server.dataset
    fresh_arm_server.registries.deny_writes(data.principal("ml-lead")["oid"])
    error = _share(fresh_arm_server)
    assert "registries/assets/write on registry 'mlr-churn-shared'" in error.message
    assert "(resource group rg-churn-shared)" in error.message
    assert error.hint is not None
    assert f"Owner of registry {REGISTRY!r}" in error.hint
    assert "AzureML Registry User role" in error.hint
    assert "workspace" not in error.hint and "Data Scientist" not in error.hint


def test_a_registry_the_identity_cannot_see_names_the_registry_and_its_role(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    # The data scientist has roles on the dev and staging resource groups, none on the registry.
    data = arm_server.dataset
    az.login(data.principal("data-scientist"), data.tenant_id, subscription=data.subscription_id)
    error = _share(arm_server)
    assert error.message.startswith(f"reach registry {REGISTRY}: sam.patel@contoso.example")
    assert "registries/read on registry 'mlr-churn-shared'" in error.message
    assert error.hint is not None and "AzureML Registry User role" in error.hint
