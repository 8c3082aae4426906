"""Settings, cloud resolution and token claims: the pieces that need no server."""

from __future__ import annotations

import base64
import json

import pytest

from mlops_desktop.backends.azureml.credentials import identity_from_claims, token_claims
from mlops_desktop.core.azure_clouds import KNOWN_CLOUDS, resolve_cloud
from mlops_desktop.core.azure_settings import AzureSettings, CredentialKind
from mlops_desktop.core.config import AzureConnection
from mlops_desktop.core.errors import InvalidInput

METADATA = {
    "azure_portal": "https://portal.example",
    "resource_manager": "https://arm.example/",
    "active_directory": "https://login.example",
    "aml_resource_id": "https://ml.example",
    "storage_endpoint": "core.example",
    "registry_discovery_endpoint": "https://registry.example",
}


def _connection(**changes: object) -> AzureConnection:
    return AzureConnection(
        subscription_id="sub", resource_group="rg", workspace_name="ws", **changes
    )


def test_default_chain_never_probes_managed_identity_and_never_adds_members() -> None:
    exclusions = AzureSettings().default_chain_exclusions()
    assert exclusions == {"exclude_managed_identity_credential": True}
    assert AzureSettings(managed_identity=True).default_chain_exclusions() == {}
    # Only exclusions are ever passed: False would switch the interactive browser on.
    pinned = AzureSettings(exclude=frozenset({"environment", "cli"}))
    assert set(pinned.default_chain_exclusions().values()) == {True}
    assert "exclude_cli_credential" in pinned.default_chain_exclusions()


def test_settings_from_environment() -> None:
    settings = AzureSettings.from_env(
        {
            "MLOPS_DESKTOP_AZURE_CREDENTIAL": "Device-Code",
            "MLOPS_DESKTOP_AZURE_MANAGED_IDENTITY": "1",
            "MLOPS_DESKTOP_AZURE_EXCLUDE": "environment, shared-token-cache",
            "MLOPS_DESKTOP_AZURE_RETRIES": "2",
            "MLOPS_DESKTOP_AZURE_READ_TIMEOUT": "7.5",
            "MLOPS_DESKTOP_AZURE_CA_BUNDLE": "/etc/ssl/corp.pem",
        }
    )
    assert settings.credential is CredentialKind.DEVICE_CODE
    assert settings.managed_identity is True
    assert settings.exclude == {"environment", "shared_token_cache"}
    assert settings.retry_total == 2 and settings.read_timeout == 7.5
    assert settings.ca_bundle == "/etc/ssl/corp.pem"
    assert AzureSettings.from_env({}) == AzureSettings()
    with pytest.raises(InvalidInput, match="credential kind"):
        AzureSettings.from_env({"MLOPS_DESKTOP_AZURE_CREDENTIAL": "password"})
    with pytest.raises(InvalidInput, match="chain member"):
        AzureSettings.from_env({"MLOPS_DESKTOP_AZURE_EXCLUDE": "keyring"})


def test_known_clouds_resolve_to_their_authorities() -> None:
    china = resolve_cloud(_connection(cloud="AzureChinaCloud"))
    assert china.metadata is None
    assert china.authority == KNOWN_CLOUDS["AzureChinaCloud"][0]
    assert china.scope == "https://management.chinacloudapi.cn/.default"
    with pytest.raises(InvalidInput, match="unknown Azure cloud"):
        resolve_cloud(_connection(cloud="AzureGermanCloud"))


def test_custom_cloud_names_are_stable_and_unique_per_metadata() -> None:
    first = resolve_cloud(_connection(cloud_metadata=METADATA))
    again = resolve_cloud(_connection(cloud_metadata=dict(reversed(METADATA.items()))))
    other = resolve_cloud(
        _connection(cloud_metadata={**METADATA, "resource_manager": "https://arm2.example/"})
    )
    assert first.name == again.name
    assert first.name != other.name
    assert first.name.startswith("Custom-")
    assert first.name not in KNOWN_CLOUDS
    assert first.authority == "https://login.example"
    assert first.client_kwargs()["cloud_metadata"] == METADATA
    named = resolve_cloud(_connection(cloud="AzureStackHub", cloud_metadata=METADATA))
    assert named.name.startswith("AzureStackHub-")


def test_custom_cloud_metadata_is_checked() -> None:
    with pytest.raises(InvalidInput, match="lacks registry_discovery_endpoint"):
        resolve_cloud(
            _connection(
                cloud_metadata={
                    k: v for k, v in METADATA.items() if k != "registry_discovery_endpoint"
                }
            )
        )
    with pytest.raises(InvalidInput, match="https"):
        resolve_cloud(
            _connection(cloud_metadata={**METADATA, "resource_manager": "http://arm.example/"})
        )


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"


def test_identity_comes_from_unverified_token_claims() -> None:
    person = token_claims(_jwt({"upn": "lee@contoso.com", "oid": "1"}))
    assert identity_from_claims(person) == "lee@contoso.com"
    guest = token_claims(_jwt({"unique_name": "live.com#guest@outlook.com"}))
    assert identity_from_claims(guest) == "live.com#guest@outlook.com"
    app = token_claims(_jwt({"appid": "5a6b", "oid": "2"}))
    assert identity_from_claims(app) == "application 5a6b"
    assert token_claims("not-a-token") == {}
    assert token_claims("a.%%%.c") == {}
