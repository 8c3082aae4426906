"""Helpers of the Azure ML tests: workspaces of the loopback data set, settings, offline clouds."""

from __future__ import annotations

import socket

from arm_server import ArmTestServer

from mlops_desktop.backends.azureml.settings import AzureSettings
from mlops_desktop.core.config import AzureConnection, BackendKind, WorkspaceConfig
from mlops_desktop.core.stages import Stage

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
        "storage_endpoint": "core.windows.net",
        "registry_discovery_endpoint": base,
    }
