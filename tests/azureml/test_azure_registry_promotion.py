"""Promotion dev -> staging through an Azure ML registry with the real SDK: the version is
shared into the registry (``models.share``: discovery, the registry's import operation and its
polling), staging registers a version referencing the registry asset and deploys it, and no
files enter staging's storage; a registry that refuses the share rolls the target back."""

from __future__ import annotations

from pathlib import Path

import pytest
from arm_server import ArmTestServer
from azure_blob_helpers import (
    BlobEnvironment,
    model_with_holdout,
    promotion_policies,
    register_model_folder,
)

from mlops_desktop.backends.azureml.registry_share import REGISTRY_ASSET_TAG, share_into_registry
from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.policy import PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.entities import OperationState
from mlops_desktop.promotion.promote import promote_model_version

MODEL = "churn-files"
REGISTRY = "mlr-churn-shared"
ASSET = f"azureml://registries/{REGISTRY}/models/{MODEL}/versions/1"


def _with_registry(workspace: WorkspaceConfig) -> WorkspaceConfig:
    assert workspace.azure is not None
    azure = workspace.azure.model_copy(update={"registry_name": REGISTRY})
    return workspace.model_copy(update={"azure": azure})


@pytest.fixture
def registry_stages(azure_blob_env: BlobEnvironment) -> tuple[AppConfig, PolicyConfig]:
    workspaces = tuple(
        _with_registry(azure_blob_env.backend(stage).workspace)
        for stage in (Stage.DEV, Stage.STAGING, Stage.PROD)
    )
    return AppConfig(workspaces=workspaces), promotion_policies()


def test_promote_through_the_registry(
    azure_blob_env: BlobEnvironment,
    registry_stages: tuple[AppConfig, PolicyConfig],
    tmp_path: Path,
) -> None:
    config, policies = registry_stages
    dev = azure_blob_env.backend(Stage.DEV)
    register_model_folder(dev, MODEL, model_with_holdout(tmp_path / "m1", seed=0))
    staging_blobs = azure_blob_env.blob_names(Stage.STAGING)

    result = promote_model_version(
        MODEL, "1", source="dev", config=config, policies=policies, actor="ml-lead"
    )

    assert result.state is OperationState.COMPLETED, result
    server = azure_blob_env.server
    shared = server.registries.model_version(MODEL, "1")
    assert shared is not None and shared["type"].endswith("registries/models/versions")
    requests = [(r.method, r.path.rsplit("/", 1)[-1]) for r in server.requests]
    assert ("GET", "discovery") in requests and ("POST", "import") in requests
    staging = azure_blob_env.backend(Stage.STAGING)
    copied = staging.get_model_version(MODEL, "1")
    assert copied.tags[REGISTRY_ASSET_TAG] == ASSET
    assert copied.tags["mlops.source_workspace"] == "dev"
    with staging._call("read"):
        assert staging.client.models.get(MODEL, "1").path == ASSET
    # The staging deployment serves it; no model files were copied into staging's storage.
    assert staging.get_online_endpoint(MODEL).traffic == {"version-1": 100}
    assert ("mlw-churn-staging", MODEL, "version-1") in server.endpoints.scored
    assert azure_blob_env.blob_names(Stage.STAGING) == staging_blobs

    # Shared once: the registry already holds dev's v1, and staging's v1 references it.
    server.clear_requests()
    with dev._call("read"):
        dev_path = str(dev.client.models.get(MODEL, "1").path)
    assert share_into_registry(dev, REGISTRY, MODEL, "1", dev_path) == ASSET
    assert share_into_registry(staging, REGISTRY, MODEL, "1", ASSET) == ASSET
    assert [r for r in server.requests if r.path.endswith("/import")] == []


def test_registry_refusing_the_share_rolls_the_target_back(
    azure_blob_env: BlobEnvironment,
    registry_stages: tuple[AppConfig, PolicyConfig],
    tmp_path: Path,
) -> None:
    config, policies = registry_stages
    dev = azure_blob_env.backend(Stage.DEV)
    register_model_folder(dev, MODEL, model_with_holdout(tmp_path / "m1", seed=0))
    server = azure_blob_env.server
    server.registries.deny_writes(server.dataset.principal("ml-lead")["oid"])

    result = promote_model_version(
        MODEL, "1", source="dev", config=config, policies=policies, actor="ml-lead"
    )

    assert result.state is OperationState.ROLLED_BACK, result
    error = result.error or ""
    assert REGISTRY in error and "registries/assets/write" in error, error
    assert f"Owner of registry {REGISTRY!r}" in error and "AzureML Registry User" in error, error
    assert server.registries.model_version(MODEL, "1") is None
    staging = azure_blob_env.backend(Stage.STAGING)
    assert [
        v.version
        for v in staging.list_model_versions(with_runs=False)
        if v.registered_name == MODEL
    ] == []


def test_workspaces_add_names_the_registry(
    arm_server: ArmTestServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """``workspaces add … --azure … --registry NAME`` keeps the name in config.toml."""
    from mlops_desktop.cli import main
    from mlops_desktop.core.config import load_config

    subscription = arm_server.dataset.subscription_id
    argv = ["workspaces", "add", "dev", "--stage", "dev", "--azure", subscription]
    assert main([*argv, "rg-churn-dev", "mlw-churn-dev", "--registry", REGISTRY]) == 0
    azure = load_config().workspace("dev").azure
    assert azure is not None and azure.registry_name == REGISTRY
    assert main(["workspaces", "add", "x", "--stage", "dev", "--local", "--registry", "r"]) != 0
    capsys.readouterr()
