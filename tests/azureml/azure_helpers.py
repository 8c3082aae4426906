"""Helpers of the Azure ML tests: workspaces of the loopback data set, settings, offline clouds."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from arm_server import ArmTestServer, AzStandIn, CertificateFiles
from arm_server.tls import STORAGE_SUFFIX

from mlops_desktop.core.azure_settings import AzureSettings
from mlops_desktop.core.config import AzureConnection, BackendKind, WorkspaceConfig
from mlops_desktop.core.stages import Stage

#: Variables that would point azure-identity at this machine's real Azure setup.
AZURE_ENV = (
    "AZURE_TOKEN_CREDENTIALS",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_USERNAME",
    "AZURE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "MSI_ENDPOINT",
)
#: :data:`AZURE_ENV` and the app's own credential choice (the GUI tests clear it too).
APP_AZURE_ENV = (*AZURE_ENV, "MLOPS_DESKTOP_AZURE_CREDENTIAL")
#: Default-chain members that could read this machine's environment or touch the network.
EXCLUDED_CHAIN = (
    "environment",
    "workload_identity",
    "shared_token_cache",
    "visual_studio_code",
    "powershell",
    "developer_cli",
    "interactive_browser",
    "broker",
)
WORKSPACES = {
    Stage.DEV: ("rg-churn-dev", "mlw-churn-dev"),
    Stage.STAGING: ("rg-churn-staging", "mlw-churn-staging"),
    Stage.PROD: ("rg-churn-prod", "mlw-churn-prod"),
}


def quick_settings(**changes: object) -> AzureSettings:
    """Settings as the tests use them: the pinned chain, one quick retry."""
    values: dict[str, object] = {
        "exclude": frozenset(EXCLUDED_CHAIN),
        "retry_total": 1,
        "retry_backoff_factor": 0.01,
        "connection_timeout": 3.0,
        "read_timeout": 10.0,
        "polling_interval": 0.1,
    }
    values.update(changes)
    return AzureSettings(**values)  # type: ignore[arg-type]


def azure_workspace(
    server: ArmTestServer,
    stage: Stage,
    *,
    metadata: dict[str, str] | None = None,
    name: str | None = None,
) -> WorkspaceConfig:
    """The app workspace of one stage of the data set, reached through ``server``."""
    group, workspace = WORKSPACES[stage]
    return WorkspaceConfig(
        name=name or stage.value,
        backend=BackendKind.AZUREML,
        stage=stage,
        azure=AzureConnection(
            subscription_id=server.dataset.subscription_id,
            resource_group=group,
            workspace_name=workspace,
            cloud_metadata=metadata or server.cloud_metadata(),
        ),
    )


def closed_port_metadata() -> dict[str, str]:
    """Cloud metadata of an https endpoint on a port nothing listens on (offline)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"https://127.0.0.1:{port}"
    return {
        "azure_portal": base,
        "resource_manager": base + "/",
        "active_directory": base,
        "aml_resource_id": base,
        "storage_endpoint": STORAGE_SUFFIX,
        "registry_discovery_endpoint": base,
    }


def use_loopback_arm(
    monkeypatch: pytest.MonkeyPatch,
    cert: CertificateFiles,
    *,
    cleared: tuple[str, ...] = AZURE_ENV,
) -> None:
    """Trust the loopback CA, pin the credential chain (``cleared`` unset) and make retries
    quick: the environment every test against the loopback ARM runs in. Each test starts a
    new session: no permissions are remembered from an earlier one."""
    from mlops_desktop.backends.azureml import permission_cache

    permission_cache.invalidate()
    for name in cleared:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert.cert))
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_EXCLUDE", ",".join(EXCLUDED_CHAIN))
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_RETRIES", "1")
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_BACKOFF", "0.01")
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_CONNECT_TIMEOUT", "3")
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_READ_TIMEOUT", "10")
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_POLL_INTERVAL", "0.1")


def sign_in_az(
    server: ArmTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, who: str = "ml-lead"
) -> AzStandIn:
    """The stand-in ``az`` installed under ``tmp_path``, first on PATH, signed in as ``who``."""
    standin = AzStandIn.install(tmp_path / "az-bin")
    data = server.dataset
    standin.login(data.principal(who), data.tenant_id, subscription=data.subscription_id)
    monkeypatch.setenv("PATH", standin.path_with_standin())
    return standin


def permission_reads(server: ArmTestServer) -> dict[str, int]:
    """How many ``Microsoft.Authorization/permissions`` reads the server saw, per workspace."""
    counts: dict[str, int] = {}
    for request in server.requests:
        if request.path.lower().endswith("/providers/microsoft.authorization/permissions"):
            workspace = request.path.split("/workspaces/")[1].split("/")[0]
            counts[workspace] = counts.get(workspace, 0) + 1
    return counts
