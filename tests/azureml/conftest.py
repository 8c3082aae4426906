"""The real azure-ai-ml and azure-identity against a loopback HTTPS Azure Resource Manager.

Nothing is faked inside the SDK: ``DefaultAzureCredential`` (managed identity and every other
network- or machine-dependent member excluded) reaches ``AzureCliCredential``, which runs a
stand-in ``az`` first on PATH; ``MLClient`` reaches the loopback server through custom cloud
metadata; TLS trust comes from ``REQUESTS_CA_BUNDLE`` as behind a corporate proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import azure_blob_fixtures
import pytest
from arm_server import ArmTestServer, AzStandIn, CertificateFiles
from azure_blob_fixtures import start_arm_server
from azure_helpers import sign_in_az, use_loopback_arm

_HERE = Path(__file__).parent

# Defined once in azure_blob_fixtures (tests/ui binds the same ones).
arm_cert = azure_blob_fixtures.arm_cert
azurite = azure_blob_fixtures.azurite
azure_blob_env = azure_blob_fixtures.azure_blob_env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """azure-ai-ml's marshmallow schemas and storage calls warn by the hundred; not ours to fix."""
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(
                pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")
            )
            # azure-ai-ml's blob transfers call azure-storage-blob APIs it deprecated.
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:azure.storage"))


@pytest.fixture(scope="session")
def arm_server(arm_cert: CertificateFiles) -> Iterator[ArmTestServer]:
    """One shared server with the dev/staging/prod data set; tests only read from it."""
    server = start_arm_server(arm_cert)
    yield server
    server.stop()


@pytest.fixture
def fresh_arm_server(arm_cert: CertificateFiles) -> Iterator[ArmTestServer]:
    """A server of the test's own, for tests that write."""
    server = start_arm_server(arm_cert)
    yield server
    server.stop()
    assert server.unknown_routes == [], "the SDK called routes the server does not model"


@pytest.fixture(autouse=True)
def azure_environment(
    arm_server: ArmTestServer, arm_cert: CertificateFiles, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Trust the loopback CA, pin the credential chain and make retries quick, every test.

    Also fails a test during which the shared server saw a route it does not model.
    """
    use_loopback_arm(monkeypatch, arm_cert)
    before = len(arm_server.unknown_routes)
    yield
    assert arm_server.unknown_routes[before:] == [], "the SDK called unmodelled routes"


@pytest.fixture
def az(tmp_path: Path, arm_server: ArmTestServer, monkeypatch: pytest.MonkeyPatch) -> AzStandIn:
    """The stand-in ``az`` first on PATH, signed in as the ML lead (Contributor everywhere)."""
    return sign_in_az(arm_server, tmp_path, monkeypatch)
