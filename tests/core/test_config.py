"""Workspace configuration: typing, versioning, stages, Azure config.json import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_desktop.core import paths
from mlops_desktop.core.config import (
    SCHEMA_VERSION,
    AppConfig,
    BackendKind,
    MlflowConnection,
    StageLayout,
    WorkspaceConfig,
    load_config,
    local_mlflow_workspace,
    save_config,
    workspace_from_azure_config,
)
from mlops_desktop.core.errors import Conflict, InvalidInput, NotFound
from mlops_desktop.core.stages import Stage


def test_home_override_places_config_and_data_under_it(app_home: Path) -> None:
    assert paths.config_file() == app_home / "config" / "config.toml"
    assert paths.data_dir() == app_home / "data"
    ws = local_mlflow_workspace("dev", Stage.DEV)
    assert ws.mlflow is not None
    assert str(app_home / "data" / "workspaces" / "dev" / "mlflow.db") in ws.mlflow.tracking_uri


def test_round_trip_keeps_every_field(app_home: Path) -> None:
    config = AppConfig().with_workspace(local_mlflow_workspace("dev", Stage.DEV))
    config = config.with_workspace(
        WorkspaceConfig(
            name="shared",
            layout=StageLayout.NAME_PREFIX,
            stages=(Stage.DEV, Stage.PROD),
            mlflow=MlflowConnection(tracking_uri="http://127.0.0.1:5000", server_workspace="team"),
            key_metric="rmse",
        )
    )
    save_config(config)
    text = paths.config_file().read_text()
    assert f"schema_version = {SCHEMA_VERSION}" in text
    assert load_config() == config


def test_missing_file_is_empty_config(app_home: Path) -> None:
    assert load_config().workspaces == ()


def test_invalid_file_names_file_and_field(app_home: Path) -> None:
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text('[[workspaces]]\nname = "dev"\nbackend = "mlflow"\n')
    with pytest.raises(InvalidInput) as err:
        load_config()
    assert str(paths.config_file()) in str(err.value)
    assert "stage" in str(err.value) or "mlflow" in str(err.value)


def test_newer_schema_is_refused_with_hint(app_home: Path) -> None:
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text("schema_version = 99\n")
    with pytest.raises(InvalidInput, match="newer MLOps Desktop"):
        load_config()


def test_broken_toml_is_a_clear_error(app_home: Path) -> None:
    paths.config_file().parent.mkdir(parents=True)
    paths.config_file().write_text("this is = = not toml")
    with pytest.raises(InvalidInput, match="cannot read"):
        load_config()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name!", "stage": "dev"}, "workspace name"),
        ({"name": "dev"}, "which stage"),
        ({"name": "dev", "stage": "dev", "mlflow": {"tracking_uri": "ftp://x"}}, "tracking URI"),
    ],
)
def test_workspace_validation_messages(kwargs: dict, message: str) -> None:
    kwargs.setdefault("mlflow", {"tracking_uri": "sqlite:///x.db"})
    with pytest.raises(ValueError, match=message):
        WorkspaceConfig.model_validate(kwargs)


def test_duplicate_and_unknown_workspaces() -> None:
    config = AppConfig().with_workspace(local_mlflow_workspace("dev", Stage.DEV))
    with pytest.raises(Conflict):
        config.with_workspace(local_mlflow_workspace("dev", Stage.DEV))
    with pytest.raises(NotFound, match="known: dev"):
        config.workspace("nope")
    assert config.without_workspace("dev").workspaces == ()


def test_name_prefix_layout_maps_names_to_stages() -> None:
    ws = WorkspaceConfig(
        name="shared",
        layout=StageLayout.NAME_PREFIX,
        mlflow=MlflowConnection(tracking_uri="sqlite:///x.db"),
    )
    assert ws.hosted_stages == (Stage.DEV, Stage.STAGING, Stage.PROD)
    assert ws.split_model_name("prod.churn") == (Stage.PROD, "churn")
    assert ws.split_model_name("staging.fraud.v2") == (Stage.STAGING, "fraud.v2")
    assert ws.split_model_name("churn") == (None, "churn")
    assert ws.split_model_name("qa.churn") == (None, "qa.churn")
    assert ws.registered_model_name("churn", Stage.DEV) == "dev.churn"
    per_stage = local_mlflow_workspace("prod", Stage.PROD)
    assert per_stage.split_model_name("churn") == (Stage.PROD, "churn")
    with pytest.raises(InvalidInput):
        per_stage.registered_model_name("churn", Stage.DEV)


def test_workspaces_by_stage_lists_shared_workspace_under_each_stage() -> None:
    shared = WorkspaceConfig(
        name="shared",
        layout=StageLayout.NAME_PREFIX,
        stages=(Stage.STAGING, Stage.PROD),
        mlflow=MlflowConnection(tracking_uri="sqlite:///x.db"),
    )
    config = (
        AppConfig().with_workspace(shared).with_workspace(local_mlflow_workspace("dev", Stage.DEV))
    )
    grouped = {stage: [w.name for w in items] for stage, items in config.workspaces_by_stage()}
    assert grouped == {Stage.DEV: ["dev"], Stage.STAGING: ["shared"], Stage.PROD: ["shared"]}


def test_import_azure_config_json(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(
        json.dumps(
            {
                "subscription_id": "00000000-0000-0000-0000-000000000001",
                "resource_group": "rg-ml",
                "workspace_name": "mlw-churn-prod",
            }
        )
    )
    ws = workspace_from_azure_config(path)
    assert ws.backend is BackendKind.AZUREML
    assert ws.stage is Stage.PROD  # guessed from the name
    assert ws.azure is not None and ws.azure.resource_group == "rg-ml"
    named = workspace_from_azure_config(path, name="p", stage=Stage.STAGING)
    assert (named.name, named.stage) == ("p", Stage.STAGING)


def test_import_azure_config_errors(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        workspace_from_azure_config(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"subscription_id": "x"}')
    with pytest.raises(InvalidInput, match="resource_group"):
        workspace_from_azure_config(bad)
    nostage = tmp_path / "nostage.json"
    nostage.write_text(
        json.dumps({"subscription_id": "s", "resource_group": "r", "workspace_name": "mlw"})
    )
    with pytest.raises(InvalidInput, match="--stage"):
        workspace_from_azure_config(nostage)


def test_stage_order_and_parsing() -> None:
    assert Stage.DEV.next() is Stage.STAGING
    assert Stage.STAGING.next() is Stage.PROD
    assert Stage.PROD.next() is None
    assert Stage.parse("Production") is Stage.PROD
    with pytest.raises(ValueError, match="expected one of"):
        Stage.parse("qa")
