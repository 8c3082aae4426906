"""The real azure-ai-ml and azure-identity against a loopback HTTPS Azure Resource Manager.

Nothing is faked inside the SDK: ``DefaultAzureCredential`` (managed identity and every other
network- or machine-dependent member excluded) reaches ``AzureCliCredential``, which runs a
stand-in ``az`` first on PATH; ``MLClient`` reaches the loopback server through custom cloud
metadata; TLS trust comes from ``REQUESTS_CA_BUNDLE`` as behind a corporate proxy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from arm_server import ArmTestServer, AzStandIn, CertificateFiles, make_self_signed_certificate
from arm_server.tls import STORAGE_SUFFIX
from azure_blob_helpers import BlobEnvironment, create_containers, use_blob_proxy
from azure_helpers import sign_in_az, use_loopback_arm
from azurite import Azurite, require_azurite
from connect_proxy import BlobConnectProxy

_HERE = Path(__file__).parent


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
def arm_cert(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """The loopback server's self-signed certificate (also the CA bundle to trust)."""
    return make_self_signed_certificate(tmp_path_factory.mktemp("arm-tls"))


def _serve(cert: CertificateFiles) -> ArmTestServer:
    return ArmTestServer(cert, page_size=2, lro_polls=2, lro_retry_after=0).start()


@pytest.fixture(scope="session")
def arm_server(arm_cert: CertificateFiles) -> Iterator[ArmTestServer]:
    """One shared server with the dev/staging/prod data set; tests only read from it."""
    server = _serve(arm_cert)
    yield server
    server.stop()


@pytest.fixture
def fresh_arm_server(arm_cert: CertificateFiles) -> Iterator[ArmTestServer]:
    """A server of the test's own, for tests that write."""
    server = _serve(arm_cert)
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


@pytest.fixture
def azurite(arm_cert: CertificateFiles, tmp_path: Path) -> Iterator[Azurite]:
    """A fresh Azurite blob service over HTTPS (skipped, or failed on CI, when not installed)."""
    with Azurite(arm_cert, tmp_path / "azurite", executable=require_azurite()) as running:
        yield running


@pytest.fixture
def azure_blob_env(
    arm_cert: CertificateFiles,
    azurite: Azurite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[BlobEnvironment]:
    """A fresh ARM server + Azurite + CONNECT proxy; ``az`` signed in as the ML lead.

    Each workspace's datastore containers exist; see :mod:`azure_blob_helpers`.
    """
    server = _serve(arm_cert)
    proxy = BlobConnectProxy(STORAGE_SUFFIX, azurite.port).start()
    use_blob_proxy(monkeypatch, proxy)
    env = BlobEnvironment(server, azurite, proxy, sign_in_az(server, tmp_path, monkeypatch))
    try:
        create_containers(server)
        yield env
    finally:
        env.close()
        proxy.stop()
        server.stop()
    assert server.unknown_routes == [], "the SDK called routes the server does not model"
    assert proxy.refused == [], "something tried to leave the machine through the proxy"
