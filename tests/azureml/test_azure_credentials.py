"""Interactive sign-in plumbing and credential error messages (no Entra ID needed)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from arm_server import ArmTestServer
from azure_helpers import azure_workspace, closed_port_metadata, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.credentials import (
    authentication_record_path,
    load_authentication_record,
    save_authentication_record,
)
from mlops_desktop.backends.azureml.errors import translated_errors
from mlops_desktop.core.azure_clouds import resolve_cloud
from mlops_desktop.core.azure_settings import CredentialKind
from mlops_desktop.core.entities import ConnectionState
from mlops_desktop.core.errors import AuthError, InvalidInput
from mlops_desktop.core.stages import Stage


def test_authentication_record_holds_no_secret_and_round_trips(arm_server: ArmTestServer) -> None:
    from azure.identity import AuthenticationRecord

    workspace = azure_workspace(arm_server, Stage.DEV)
    assert workspace.azure is not None
    cloud = resolve_cloud(workspace.azure)
    kind = CredentialKind.DEVICE_CODE
    assert load_authentication_record(kind, workspace.azure, cloud) is None
    record = AuthenticationRecord(
        "tenant-id", "client-id", "127.0.0.1", "home-account-id", "lee@contoso.com"
    )
    path = save_authentication_record(record, kind, workspace.azure, cloud)
    assert path == authentication_record_path(kind, workspace.azure, cloud)
    stored = json.loads(path.read_text())
    assert set(stored) <= {
        "authority",
        "clientId",
        "homeAccountId",
        "tenantId",
        "username",
        "version",
    }
    loaded = load_authentication_record(kind, workspace.azure, cloud)
    assert loaded is not None and loaded.username == "lee@contoso.com"


def test_a_saved_sign_in_is_used_silently_and_never_prompts(arm_server: ArmTestServer) -> None:
    """With a record, the credential tries its encrypted cache; no keyring or no cached token
    both mean "sign in", never a prompt, a crash or a call to the public cloud."""
    from azure.identity import AuthenticationRecord

    workspace = azure_workspace(
        arm_server, Stage.DEV, metadata=closed_port_metadata(), name="offline-dev"
    )
    assert workspace.azure is not None
    cloud = resolve_cloud(workspace.azure)
    kind = CredentialKind.DEVICE_CODE
    record = AuthenticationRecord(
        "tenant-id", "client-id", cloud.authority, "home-account-id", "lee@contoso.com"
    )
    save_authentication_record(record, kind, workspace.azure, cloud)
    settings = dataclasses.replace(quick_settings(), credential=kind)
    info = AzureMlBackend(workspace, settings=settings).check_connection()
    assert info.state is ConnectionState.AUTH_REQUIRED
    assert "token cache is unavailable" in info.detail or "sign-in required" in info.detail


def test_sign_in_is_only_for_interactive_kinds(arm_server: ArmTestServer) -> None:
    backend = AzureMlBackend(azure_workspace(arm_server, Stage.DEV), settings=quick_settings())
    with pytest.raises(InvalidInput, match="signs in outside the app"):
        backend.sign_in()


def test_credential_failures_become_auth_errors_with_useful_hints(
    arm_server: ArmTestServer,
) -> None:
    from azure.core.exceptions import ClientAuthenticationError
    from azure.identity import CredentialUnavailableError

    workspace = azure_workspace(arm_server, Stage.DEV)
    with (
        pytest.raises(AuthError, match="keyring") as caught,
        translated_errors(workspace, "sign in"),
    ):
        raise ClientAuthenticationError(
            "Authentication failed: Cache encryption is impossible because libsecret "
            "dependencies are not installed or are unusable"
        )
    assert caught.value.hint and "never stored unencrypted" in caught.value.hint
    chain_message = "DefaultAzureCredential failed.\nAttempted:\n\tEnvironmentCredential: gone"
    with (
        pytest.raises(AuthError, match="EnvironmentCredential: gone") as chain,
        translated_errors(workspace, "sign in"),
    ):
        raise CredentialUnavailableError(chain_message)
    assert chain.value.hint and "az login" in chain.value.hint
