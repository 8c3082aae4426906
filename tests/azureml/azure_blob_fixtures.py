"""The Azure fixtures shared by tests/azureml and tests/ui, defined once.

Both folders' conftests bind them by name (pytest collects fixtures from a conftest's
namespace). A test module may override ``arm_cert`` with a narrower scope.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from arm_server import ArmTestServer, CertificateFiles, make_self_signed_certificate
from arm_server.tls import STORAGE_SUFFIX
from azure_blob_helpers import BlobEnvironment, create_containers, use_blob_proxy
from azure_helpers import APP_AZURE_ENV, sign_in_az, use_loopback_arm
from azurite import Azurite, require_azurite
from connect_proxy import BlobConnectProxy


def start_arm_server(cert: CertificateFiles) -> ArmTestServer:
    """A loopback ARM with the dev/staging/prod data set: small pages and quick LROs."""
    return ArmTestServer(cert, page_size=2, lro_polls=2, lro_retry_after=0).start()


@pytest.fixture(scope="session")
def arm_cert(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """The loopback server's self-signed certificate (also the CA bundle to trust)."""
    return make_self_signed_certificate(tmp_path_factory.mktemp("arm-tls"))


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

    Each workspace's datastore containers exist; see :mod:`azure_blob_helpers`. The loopback
    environment is set here too (the GUI tests have no autouse fixture doing it), with the
    app's own credential choice cleared so the pinned default chain applies.
    """
    use_loopback_arm(monkeypatch, arm_cert, cleared=APP_AZURE_ENV)
    server = start_arm_server(arm_cert)
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
