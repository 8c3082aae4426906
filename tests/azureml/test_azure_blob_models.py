"""Model files across Azure ML workspaces: real uploads and downloads through azure-ai-ml into
Azurite, reached through an HTTPS proxy as behind a corporate network."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from azure_blob_helpers import BlobEnvironment, register_model_folder, save_sklearn_model
from azure_helpers import quick_settings
from azurite import require_azurite
from standalone_server import standalone_server

from mlops_desktop.backends.azureml.errors import Offline
from mlops_desktop.core.errors import Cancelled, NotFound, PermissionDenied
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext

STORAGE_URL = "https://devstoreaccount1.blob.core.loopback.test"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _puts(env: BlobEnvironment, workspace: str) -> list[str]:
    return [
        r.path
        for r in env.server.requests
        if r.method == "PUT" and f"/workspaces/{workspace}/models/" in r.path
    ]


def test_a_version_copied_across_workspaces_arrives_byte_for_byte(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    folder = save_sklearn_model(tmp_path / "model")
    dev, staging = env.backend(Stage.DEV), env.backend(Stage.STAGING)
    version = register_model_folder(
        dev, "churn-files", folder, tags={"team": "ml"}, properties={"mlops.metric.rmse": "0.25"}
    )
    assert any(n.endswith("/model/MLmodel") for n in env.blob_names(Stage.DEV))
    assert env.blob_names(Stage.STAGING) == []

    steps: list[str] = []
    copied = staging.copy_model_version_from(
        dev,
        "churn-files",
        version,
        promoted_by="morgan",
        extra_tags={"mlops.promotion_id": "p-1"},
        ctx=TaskContext(lambda done, total, message: steps.append(message)),
    )
    assert (copied.registered_name, copied.version) == ("churn-files", "1")
    assert copied.tags["team"] == "ml"
    assert copied.lineage["mlops.source_workspace"] == "dev"
    assert copied.tags["mlops.source_version"] == version
    assert copied.tags["mlops.promoted_by"] == "morgan"
    assert copied.tags["mlops.promotion_id"] == "p-1"
    assert copied.run is not None and copied.run.metrics["rmse"] == 0.25
    assert any("downloading" in s for s in steps) and steps[-1].startswith("registered")

    # The copy names staging's own datastore, and the files are in staging's container.
    raw = staging.client.models.get("churn-files", "1")
    assert "/workspaces/mlw-churn-staging/datastores/workspaceblobstore/paths/" in raw.path
    staged = [n for n in env.blob_names(Stage.STAGING) if n.endswith("/model/MLmodel")]
    assert len(staged) == 1
    blob = env.container_client(Stage.STAGING).download_blob(staged[0]).readall()
    assert blob == (folder / "MLmodel").read_bytes()

    downloaded = staging.download_model_version("churn-files", "1", tmp_path / "download")
    assert (downloaded / "MLmodel").is_file()
    assert _files(downloaded) == _files(folder)
    assert env.server.unknown_routes == []
    assert env.proxy.refused == [] and env.proxy.tunnelled


def test_a_copy_inside_one_workspace_stays_by_reference(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    dev = env.backend(Stage.DEV)
    version = register_model_folder(dev, "churn-files", save_sklearn_model(tmp_path / "m"))
    before = env.blob_names(Stage.DEV)
    copied = dev.copy_model_version_from(dev, "churn-files", version, target_name="staging.churn")
    assert copied.source == dev.get_model_version("churn-files", version).source
    assert env.blob_names(Stage.DEV) == before  # nothing uploaded again


def test_download_of_a_missing_version_or_missing_files_is_not_found(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    dev, staging = env.backend(Stage.DEV), env.backend(Stage.STAGING)
    with pytest.raises(NotFound, match="churn-files"):
        dev.download_model_version("churn-files", "7", tmp_path / "a")
    register_model_folder(dev, "churn-files", save_sklearn_model(tmp_path / "m"))
    with pytest.raises(NotFound):
        dev.download_model_version("churn-files", "7", tmp_path / "b")
    # The data set's "churn" v6 names files in workspaceartifactstore that storage lacks.
    with pytest.raises(NotFound, match="missing from datastore workspaceartifactstore"):
        staging.copy_model_version_from(dev, "churn", "6")
    assert _puts(env, "mlw-churn-staging") == []


def test_unreachable_storage_fails_fast_naming_the_storage_account(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    dev, staging = env.backend(Stage.DEV), env.backend(Stage.STAGING)
    version = register_model_folder(dev, "churn-files", save_sklearn_model(tmp_path / "m"))
    env.azurite.stop()
    started = time.monotonic()
    with pytest.raises(Offline, match="cannot reach the storage account") as down:
        dev.download_model_version("churn-files", version, tmp_path / "download")
    assert STORAGE_URL in str(down.value) and "HTTPS_PROXY" in (down.value.hint or "")
    with pytest.raises(Offline, match=f"storage account {STORAGE_URL}"):
        staging.copy_model_version_from(dev, "churn-files", version)
    # The SDK alone retries for over a minute per call; the check answers in seconds.
    assert time.monotonic() - started < 30
    assert _puts(env, "mlw-churn-staging") == []


def test_no_permission_on_the_target_datastore_secrets(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    version = register_model_folder(
        env.backend(Stage.DEV), "churn-files", save_sklearn_model(tmp_path / "m")
    )
    env.sign_in("data-scientist")  # Data Scientist in dev, Reader in staging
    dev, staging = env.backend(Stage.DEV), env.backend(Stage.STAGING)
    with pytest.raises(PermissionDenied, match="datastores/listSecrets/action") as denied:
        staging.copy_model_version_from(dev, "churn-files", version)
    assert "AzureML Data Scientist" in (denied.value.hint or "")
    assert _puts(env, "mlw-churn-staging") == []


def test_a_cancelled_copy_registers_nothing(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    dev, staging = env.backend(Stage.DEV), env.backend(Stage.STAGING)
    version = register_model_folder(dev, "churn-files", save_sklearn_model(tmp_path / "m"))
    contexts: list[TaskContext] = []

    def cancel_after_download(done: int, total: int, message: str) -> None:
        if message.startswith("checking the storage"):  # the next step sees it
            contexts[0].cancel()

    ctx = TaskContext(cancel_after_download)
    contexts.append(ctx)
    with pytest.raises(Cancelled):
        staging.copy_model_version_from(dev, "churn-files", version, ctx=ctx)
    assert _puts(env, "mlw-churn-staging") == []


def test_the_data_set_versions_with_seeded_files_promote_dev_staging_prod(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    folder = save_sklearn_model(tmp_path / "seed")
    assert (
        "mlw-churn-dev:workspaceartifactstore/ExperimentRun/dcid.churn-train-20250616-06/model"
        in (env.seed_model_files(folder))
    )
    dev, staging, prod = (env.backend(s) for s in (Stage.DEV, Stage.STAGING, Stage.PROD))
    in_staging = staging.copy_model_version_from(dev, "churn", "6", promoted_by="morgan")
    in_prod = prod.copy_model_version_from(staging, "churn", in_staging.version)
    assert (in_staging.version, in_prod.version) == ("3", "3")
    assert in_prod.tags["mlops.source_workspace"] == "staging"
    downloaded = prod.download_model_version("churn", in_prod.version, tmp_path / "prod")
    assert _files(downloaded) == _files(folder)


def test_the_standalone_server_serves_seeded_model_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_azurite()
    home, state = tmp_path / "home", tmp_path / "state"
    with standalone_server("--state-dir", str(state), "--configure-home", str(home)) as server:
        assert any("14 model folders" in line for line in server.lines), server.lines
        for line in (state / "env.sh").read_text().splitlines():
            name, value = line.removeprefix("export ").split("=", 1)
            monkeypatch.setenv(name, value.replace("$PATH", os.environ["PATH"]))
        monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(home))
        from mlops_desktop.backends.azureml.backend import AzureMlBackend
        from mlops_desktop.core.config import load_config

        backend = AzureMlBackend(load_config().workspace("azure-dev"), settings=quick_settings())
        downloaded = backend.download_model_version("churn", "6", tmp_path / "download")
        assert (downloaded / "MLmodel").read_bytes() == (
            state / "seed-model" / "MLmodel"
        ).read_bytes()
        backend.close()
