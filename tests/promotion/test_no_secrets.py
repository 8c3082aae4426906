"""No secret in any file or output: a real ``mlflow server --app-name basic-auth`` whose
password is planted everywhere a careless app would leak it, then the app home and the
server's registry are searched for it byte by byte."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint_helpers import wait_for
from promotion_helpers import MODEL, Stages, fast_policy, free_port

from mlops_desktop.core import paths
from mlops_desktop.core.policy import PolicyConfig, StagePolicy
from mlops_desktop.core.stages import Stage
from mlops_desktop.launcher import main as app_main

pytestmark = pytest.mark.slow

SECRET = f"SECRETpw-{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A basic-auth MLflow server on 127.0.0.1 (admin / SECRET); its URL and its folder."""
    root = tmp_path_factory.mktemp("auth-server")
    ini = root / "basic_auth.ini"
    ini.write_text(
        "[mlflow]\ndefault_permission = READ\n"
        f"database_uri = sqlite:///{root / 'auth.db'}\nadmin_username = admin\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n",
        encoding="utf-8",
    )
    env = dict(os.environ, MLFLOW_AUTH_CONFIG_PATH=str(ini), MLFLOW_AUTH_ADMIN_PASSWORD=SECRET)
    env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = uuid.uuid4().hex  # CSRF key the auth app needs
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    port = free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow", "server", "--app-name", "basic-auth",
            "--backend-store-uri", f"sqlite:///{root / 'server.db'}",
            "--artifacts-destination", str(root / "artifacts"),
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        ],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _healthy(url, proc), timeout=120)
        yield url, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _healthy(url: str, proc: subprocess.Popen[bytes]) -> bool:
    import urllib.request

    assert proc.poll() is None, f"the server exited with {proc.returncode}"
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = app_main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _files_holding(secret: str, *roots: Path) -> list[Path]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and secret.encode() in path.read_bytes():
                found.append(path)
    return found


def test_a_planted_password_reaches_no_file_output_log_or_registry(
    stages: Stages,
    auth_server: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, server_root = auth_server
    host = url.removeprefix("http://")
    # 1. A password in the URI is refused, and the message does not repeat it.
    code, out, err = _run(
        capsys, "workspaces", "add", "team", "--stage", "staging",
        "--tracking-uri", f"http://admin:{SECRET}@{host}",
    )  # fmt: skip
    assert code == 2 and SECRET not in out + err
    assert "MLFLOW_TRACKING_PASSWORD" in err and "http://admin:***@" in err
    # ... as is one written into config.toml by hand (the error names file and field).
    config_file = paths.config_file()
    saved = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        saved + f'\n[[workspaces]]\nname = "hand"\nstage = "staging"\n'
        f'[workspaces.mlflow]\ntracking_uri = "http://admin:{SECRET}@{host}"\n',
        encoding="utf-8",
    )
    code, out, err = _run(capsys, "workspaces", "list")
    assert code == 2 and SECRET not in out + err
    assert str(config_file) in err and "tracking_uri" in err and "Traceback" not in err
    config_file.write_text(saved, encoding="utf-8")

    # 2. The credentials in MLflow's variables: the app works with the server.
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "admin")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", SECRET)
    code, _, err = _run(capsys, "workspaces", "add", "team", "--stage", "staging",
                        "--tracking-uri", url)  # fmt: skip
    assert code == 0, err
    code, out, err = _run(capsys, "workspaces", "list", "--check")
    assert code == 0 and "online" in next(line for line in out.splitlines() if "team" in line)
    # A promotion into it that needs approval: the request is a tag in the server's registry.
    approval = StagePolicy(requires_approval=True)
    stages.write_policy(
        PolicyConfig(stages={Stage.STAGING: fast_policy()}, workspaces={"team": approval})
    )
    code, out, err = _run(
        capsys, "promote", MODEL, "2", "--from", "dev", "--to", "team", "--yes", "--json"
    )
    assert code == 3, err
    request_id = json.loads(out)["approval_id"]
    code, out, _ = _run(capsys, "approvals", "list", "--json")
    assert [r["id"] for r in json.loads(out)] == [request_id]
    assert _run(capsys, "promotions", "list")[0] == 0
    # 3. Errors and log lines that carry the password (a URI, the variable's value) are masked.
    bad = f"http://admin:{SECRET}@127.0.0.1:9/"
    logging.getLogger("mlops_desktop.test").error("could not reach %s (password %s)", bad, SECRET)
    code, out, err = _run(capsys, "models", "list", "--workspace", "nope")
    assert code == 2 and SECRET not in out + err

    # Nothing the app wrote holds it: the home (config, logs, journal, audit, locks, stores)
    # and the server's registry (approval tags) and artifacts.
    log_text = (paths.data_dir() / "logs" / "mlops-desktop.log").read_text(encoding="utf-8")
    assert "could not reach http://admin:***@127.0.0.1:9/ (password ***)" in log_text
    assert _files_holding(SECRET, stages.home) == []
    assert _files_holding(SECRET, server_root / "artifacts") == []
    server_db = (server_root / "server.db").read_bytes()
    assert f"mlops.approval.{request_id}".encode() in server_db
    assert SECRET.encode() not in server_db
