"""Signing in through the real azure-identity chain, and what ``check_connection`` reports."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, closed_port_metadata, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.base import Backend
from mlops_desktop.backends.registry import open_backend
from mlops_desktop.core.azure_settings import CredentialKind
from mlops_desktop.core.entities import ConnectionState
from mlops_desktop.core.errors import AuthError
from mlops_desktop.core.stages import Stage


def test_default_credential_reaches_the_cli_and_the_workspace(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = open_backend(azure_workspace(arm_server, Stage.PROD))
    assert isinstance(backend, AzureMlBackend) and isinstance(backend, Backend)
    capabilities = backend.capabilities()
    assert capabilities.read_models and capabilities.compute
    assert capabilities.write_registry and not capabilities.endpoints
    chain = [type(c).__name__ for c in backend.credential.inner.credentials]
    assert chain == ["AzureCliCredential"]  # no managed identity: no 169.254.169.254 probe
    info = backend.check_connection()
    assert info.state is ConnectionState.ONLINE, info.detail
    assert info.identity == "morgan.lee@contoso.example"
    assert info.detail == "mlw-churn-prod in westeurope"
    assert info.server_version.startswith("azure-ai-ml ")
    (call,) = az.calls()
    assert call[:2] == ["account", "get-access-token"]
    assert call[call.index("--resource") + 1] == arm_server.base_url
    backend.list_model_versions(with_runs=False)
    assert len(az.calls()) == 1  # one token for all of the SDK's internal clients
    assert {r.principal for r in arm_server.requests[-3:]} == {"morgan.lee@contoso.example"}


def test_signed_out_cli_means_sign_in_required(arm_server: ArmTestServer, az: AzStandIn) -> None:
    az.logout()
    before = len(arm_server.requests)
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.DEV), settings=quick_settings())
    info = backend.check_connection()
    assert info.state is ConnectionState.AUTH_REQUIRED
    assert "az login" in info.detail
    with pytest.raises(AuthError) as caught:
        backend.list_model_versions()
    assert caught.value.hint and "sign in again" in caught.value.hint
    assert len(arm_server.requests) == before  # nothing was sent without a token


def test_no_cli_installed_means_sign_in_required(
    arm_server: ArmTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.DEV), settings=quick_settings())
    info = backend.check_connection()
    assert info.state is ConnectionState.AUTH_REQUIRED
    assert "Azure CLI not found" in info.detail


def test_token_for_another_tenant_is_refused_with_a_sign_in_hint(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    az.login(arm_server.dataset.principal("ml-lead"), "11111111-2222-3333-4444-555555555555")
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.DEV), settings=quick_settings())
    info = backend.check_connection()
    assert info.state is ConnectionState.AUTH_REQUIRED
    assert "InvalidAuthenticationTokenTenant" in info.detail
    assert info.identity == "morgan.lee@contoso.example"
    assert arm_server.requests[-1].status == 401


def test_expired_token_raises_auth_error(arm_server: ArmTestServer, az: AzStandIn) -> None:
    data = arm_server.dataset
    az.login(data.principal("ml-lead"), data.tenant_id, token_exp_offset=-600)
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.DEV), settings=quick_settings())
    with pytest.raises(AuthError, match="ExpiredAuthenticationToken") as caught:
        backend.list_model_versions()
    assert "sign in again" in str(caught.value)


def test_service_principal_identity(arm_server: ArmTestServer, az: AzStandIn) -> None:
    data = arm_server.dataset
    az.login(data.principal("ci-deployer"), data.tenant_id)
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.STAGING), settings=quick_settings())
    info = backend.check_connection()
    assert info.state is ConnectionState.ONLINE
    assert info.identity == "application 5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


def test_unreachable_azure_is_offline(arm_server: ArmTestServer, az: AzStandIn) -> None:
    workspace = azure_workspace(arm_server, Stage.DEV, metadata=closed_port_metadata())
    info = AzureMlBackend(workspace, settings=quick_settings()).check_connection()
    assert info.state is ConnectionState.OFFLINE
    assert "cannot reach Azure" in info.detail


def test_missing_workspace_is_an_error_naming_it(arm_server: ArmTestServer, az: AzStandIn) -> None:
    workspace = azure_workspace(arm_server, Stage.DEV)
    assert workspace.azure is not None
    gone = workspace.model_copy(
        update={"azure": workspace.azure.model_copy(update={"workspace_name": "mlw-gone"})}
    )
    info = AzureMlBackend(gone, settings=quick_settings()).check_connection()
    assert info.state is ConnectionState.ERROR
    assert "mlw-gone" in info.detail and "was not found" in info.detail


@pytest.mark.parametrize("kind", [CredentialKind.DEVICE_CODE, CredentialKind.BROWSER])
def test_interactive_kinds_ask_for_sign_in_instead_of_prompting(
    arm_server: ArmTestServer, kind: CredentialKind
) -> None:
    settings = dataclasses.replace(quick_settings(), credential=kind)
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.DEV), settings=settings)
    info = backend.check_connection()
    assert info.state is ConnectionState.AUTH_REQUIRED
    assert "interactive sign-in required" in info.detail
