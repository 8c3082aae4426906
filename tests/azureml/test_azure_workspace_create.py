"""Create a missing stage workspace with ``workspaces.begin_create`` (ARM template deployment)."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import quick_settings
from test_azure_cli import _add_workspaces

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.workspace_admin import create_azure_workspace
from mlops_desktop.cli import main
from mlops_desktop.core.config import AzureConnection, BackendKind, WorkspaceConfig, load_config
from mlops_desktop.core.errors import InvalidInput, PermissionDenied
from mlops_desktop.core.stages import Stage


def _qa(server: ArmTestServer, name: str = "mlw-churn-qa") -> WorkspaceConfig:
    return WorkspaceConfig(
        name="qa",
        backend=BackendKind.AZUREML,
        stage=Stage.STAGING,
        azure=AzureConnection(
            subscription_id=server.dataset.subscription_id,
            resource_group="rg-churn-staging",
            workspace_name=name,
            cloud_metadata=server.cloud_metadata(),
        ),
    )


def test_create_a_workspace_and_use_it(fresh_arm_server: ArmTestServer, az: AzStandIn) -> None:
    info = create_azure_workspace(
        _qa(fresh_arm_server),
        location="westeurope",
        display_name="Churn (qa)",
        settings=quick_settings(),
    )
    assert (info.name, info.location, info.friendly_name) == (
        "mlw-churn-qa",
        "westeurope",
        "Churn (qa)",
    )
    assert info.resource_id.endswith(
        "/resourceGroups/rg-churn-staging/providers/"
        "Microsoft.MachineLearningServices/workspaces/mlw-churn-qa"
    )
    backend = AzureMlBackend(_qa(fresh_arm_server), settings=quick_settings())
    assert backend.check_connection().state.value == "online"
    assert backend.list_model_versions() == []


def test_creating_needs_rights_and_a_valid_name(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    with pytest.raises(InvalidInput, match="not a valid Azure ML workspace name"):
        create_azure_workspace(_qa(fresh_arm_server, "x"), location="westeurope")
    data = fresh_arm_server.dataset
    az.login(data.principal("data-scientist"), data.tenant_id, subscription=data.subscription_id)
    with pytest.raises(PermissionDenied, match=r"deployments/write|workspaces/write"):
        create_azure_workspace(
            _qa(fresh_arm_server), location="westeurope", settings=quick_settings()
        )


def test_workspaces_create_azure_command(
    fresh_arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(fresh_arm_server, capsys)
    subscription = fresh_arm_server.dataset.subscription_id
    argv = ["workspaces", "create-azure", "qa", "--stage", "staging", "--location", "westeurope"]
    argv += ["--azure", subscription, "rg-churn-staging", "mlw-churn-qa"]
    # Point the new entry at the loopback cloud, as the other three.
    argv += ["--cloud-from", "staging"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "created Azure ML workspace mlw-churn-qa" in out
    qa = load_config().workspace("qa")
    assert qa.azure is not None and qa.azure.cloud_metadata == fresh_arm_server.cloud_metadata()
    assert main(["workspaces", "list", "--check", "--json"]) == 0
    listed = {w["name"]: w["connection"] for w in json.loads(capsys.readouterr().out)}
    assert listed["qa"] == "online"
