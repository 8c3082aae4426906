"""What differs between kinds of workspace reaches callers as data their ports declare."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    WorkspaceConfig,
    local_mlflow_workspace,
)
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.monitoring.sources import load_source
from mlops_desktop.ports.collected_data import (
    AzureCollectedData,
    LocalCollectedData,
    open_collected_data,
)
from mlops_desktop.ports.identity import NoRoles
from mlops_desktop.ports.provider import ports_of


def _azure() -> WorkspaceConfig:
    return WorkspaceConfig(
        name="prod-azure",
        backend=BackendKind.AZUREML,
        stage=Stage.PROD,
        azure=AzureConnection(
            subscription_id="00000000-0000-0000-0000-000000000000",
            resource_group="rg",
            workspace_name="ws",
        ),
    )


def test_kinds_declare_how_they_name_and_check_the_acting_identity() -> None:
    local, azure = ports_of(local_mlflow_workspace("dev", Stage.DEV)), ports_of(_azure())
    assert (local.kind_label, azure.kind_label) == ("MLflow", "Azure ML")
    assert (local.identity_verb, azure.identity_verb) == ("Acting as", "Signed in as")
    assert (local.has_rbac, azure.has_rbac) == (False, True)
    assert (local.has_sign_in, azure.has_sign_in) == (False, True)
    assert not local.sign_in and local.sign_in.reason
    assert not local.create_workspace and azure.create_workspace
    assert isinstance(local.identity(), NoRoles)
    with pytest.raises(InvalidInput, match="not an Azure ML workspace"):
        local.identity().permissions()
    with pytest.raises(InvalidInput, match="not an Azure ML workspace"):
        local.workspace_admin()


@pytest.mark.parametrize(
    ("credential", "offered"),
    [("browser", True), ("device-code", True), ("default", False), ("cli", False)],
)
def test_sign_in_is_offered_for_interactive_credentials_only(
    monkeypatch: pytest.MonkeyPatch, credential: str, offered: bool
) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_CREDENTIAL", credential)
    sign_in = ports_of(_azure()).sign_in
    assert bool(sign_in) is offered
    assert offered or "outside the app" in sign_in.reason


def test_a_credential_setting_that_cannot_be_read_offers_no_sign_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_CREDENTIAL", "carrier-pigeon")
    sign_in = ports_of(_azure()).sign_in
    assert not sign_in and sign_in.reason


def test_collected_data_declares_its_windows_and_downloads(tmp_path: Path) -> None:
    local = open_collected_data(local_mlflow_workspace("dev", Stage.DEV))
    azure = open_collected_data(_azure())
    assert isinstance(local, LocalCollectedData) and isinstance(azure, AzureCollectedData)
    # Azure ML data is fetched by the hour: "everything collected" would be unbounded.
    assert local.whole_history and not azure.whole_history
    assert azure.fetch and not local.fetch and local.fetch.reason
    with pytest.raises(InvalidInput, match="not an Azure ML workspace"):
        local.download("churn", tmp_path)


def test_an_endpoint_source_needs_a_reader_from_the_ports() -> None:
    config = AppConfig(workspaces=(local_mlflow_workspace("prod", Stage.PROD),))
    with pytest.raises(TypeError, match="open_collected"):
        load_source(config, "endpoint:prod/churn")
