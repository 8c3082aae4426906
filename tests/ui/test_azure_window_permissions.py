"""A window start asks ARM for the identity's permissions once per Azure ML workspace (every
page and worker shares the answer); F5 reads them again. The real window, the real SDK, the
loopback ARM server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlops_desktop.core.config import AppConfig, save_config
from mlops_desktop.core.stages import Stage

_AZURE_TESTS = str(Path(__file__).resolve().parents[1] / "azureml")
if _AZURE_TESTS not in sys.path:
    sys.path.insert(0, _AZURE_TESTS)

from arm_server import ArmTestServer, CertificateFiles, make_self_signed_certificate  # noqa: E402
from azure_helpers import (  # noqa: E402
    APP_AZURE_ENV,
    azure_workspace,
    permission_reads,
    sign_in_az,
    use_loopback_arm,
)

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

WAIT_MS = 60_000


@pytest.fixture
def arm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmTestServer]:
    cert: CertificateFiles = make_self_signed_certificate(tmp_path_factory.mktemp("arm-tls"))
    server = ArmTestServer(cert, lro_polls=1, lro_retry_after=0).start()
    yield server
    server.stop()


def test_a_window_start_reads_permissions_once_per_workspace(
    qtbot: Any,
    make_window: Any,
    arm_server: ArmTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_loopback_arm(monkeypatch, arm_server.cert, cleared=APP_AZURE_ENV)
    sign_in_az(arm_server, tmp_path, monkeypatch, "ml-lead")
    stages = (Stage.DEV, Stage.STAGING, Stage.PROD)
    save_config(AppConfig(workspaces=tuple(azure_workspace(arm_server, s) for s in stages)))
    window = make_window(start=False)
    with qtbot.waitSignal(window.dataLoaded, timeout=WAIT_MS):
        window.start()
    names = {"mlw-churn-dev", "mlw-churn-staging", "mlw-churn-prod"}
    expected = dict.fromkeys(names, 1)
    # Once every workspace was asked about and no worker runs, every page has asked.
    qtbot.waitUntil(lambda: set(permission_reads(arm_server)) == names, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.pool.active_count() == 0, timeout=WAIT_MS)
    assert permission_reads(arm_server) == expected

    arm_server.clear_requests()
    window.refresh()  # F5: a role may have changed
    qtbot.waitUntil(lambda: set(permission_reads(arm_server)) == names, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.pool.active_count() == 0, timeout=WAIT_MS)
    assert permission_reads(arm_server) == expected
