"""The loopback ARM server itself: routes it refuses loudly, token checks, standalone start."""

from __future__ import annotations

import json
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from arm_server import ArmTestServer, CertificateFiles
from arm_server.tokens import make_token
from standalone_server import standalone_server

ROOT = Path(__file__).resolve().parents[2]
WS_PATH = (
    "/subscriptions/7d1c3f9e-2b4a-4c8e-9f1a-5e6d7c8b9a01/resourceGroups/rg-churn-dev/providers/"
    "Microsoft.MachineLearningServices/workspaces/mlw-churn-dev"
)


def _get(url: str, cafile: Path, token: str | None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    context = ssl.create_default_context(cafile=str(cafile))
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_unknown_routes_and_bad_tokens_are_refused_as_arm_does(
    arm_cert: CertificateFiles, capsys: pytest.CaptureFixture[str]
) -> None:
    with ArmTestServer(arm_cert) as server:
        data = server.dataset
        claims = {**data.principal("ml-lead"), "aud": server.base_url, "tid": data.tenant_id}
        token = make_token(claims)
        base = server.base_url + WS_PATH
        status, body = _get(f"{base}/environments?api-version=2024-04-01", arm_cert.cert, token)
        assert (status, body["error"]["code"]) == (400, "NoRegisteredProviderFound")
        status, body = _get(f"{base}/models?api-version=2099-01-01", arm_cert.cert, token)
        assert status == 400 and "2023-08-01-preview" in body["error"]["message"]
        assert len(server.unknown_routes) == 2
        assert "UNKNOWN ROUTE" in capsys.readouterr().err
        status, body = _get(f"{base}/models?api-version=2024-04-01", arm_cert.cert, None)
        assert (status, body["error"]["code"]) == (401, "AuthenticationFailed")
        forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
        status, body = _get(f"{base}/models?api-version=2024-04-01", arm_cert.cert, forged)
        assert (status, body["error"]["code"]) == (401, "InvalidAuthenticationToken")
        status, body = _get(f"{base}/models?api-version=2024-04-01", arm_cert.cert, token)
        assert status == 200 and [m["name"] for m in body["value"]] == ["churn", "fraud"]
        assert body["value"][0]["id"] == f"{WS_PATH}/models/churn"


def test_standalone_server_serves_the_data_set_to_the_stand_in_az(tmp_path: Path) -> None:
    args = ("--state-dir", str(tmp_path / "state"), "--configure-home", str(tmp_path / "home"))
    with standalone_server(*args, "--principal", "auditor") as server:
        base_url, state = server.base_url, server.state
        az = state / "bin" / "az"
        answer = subprocess.run(
            [str(az), "account", "get-access-token", "--output", "json", "--resource", base_url],
            capture_output=True,
            text=True,
            check=True,
        )
        token = json.loads(answer.stdout)["accessToken"]
        bundle = state / "ca-bundle.pem"
        status, body = _get(f"{base_url}{WS_PATH}?api-version=2024-04-01", bundle, token)
        assert status == 200 and body["location"] == "westeurope"
        config = (tmp_path / "home" / "config" / "config.toml").read_text()
        assert config.count("[workspaces.azure.cloud_metadata]") == 3
        assert base_url in config
        env_sh = (state / "env.sh").read_text()
        assert "REQUESTS_CA_BUNDLE" in env_sh and "MLOPS_DESKTOP_HOME" in env_sh
