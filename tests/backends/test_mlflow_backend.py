"""The MLflow backend against real stores: a SQLite file and a running ``mlflow server``."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.backends.mlflow.backend import MlflowBackend, copy_model_version
from mlops_desktop.backends.registry import open_backend
from mlops_desktop.core.config import (
    MlflowConnection,
    StageLayout,
    WorkspaceConfig,
    load_config,
    local_mlflow_workspace,
)
from mlops_desktop.core.entities import LINEAGE_SOURCE_RUN, ConnectionState
from mlops_desktop.core.errors import NotFound, Unavailable
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.pipelines.train import TrainConfig, train


def _train(ws: WorkspaceConfig, model: str, **kwargs: object) -> str:
    assert ws.mlflow is not None
    result = train(
        TrainConfig(
            tracking_uri=ws.mlflow.tracking_uri,
            artifact_root=ws.mlflow.artifact_root,
            registered_model=model,
            **kwargs,  # type: ignore[arg-type]
        )
    )
    assert result.version is not None
    return result.version


def test_demo_versions_carry_aliases_runs_and_datasets(demo_home: Path) -> None:
    config = load_config()
    dev = open_backend(config.workspace("dev"))
    versions = dev.list_model_versions()
    assert len(versions) == 4
    champions = [v for v in versions if "champion" in v.aliases]
    assert len(champions) == 1
    champion = champions[0]
    assert champion.run is not None
    assert champion.run.params["model_type"]
    assert set(champion.run.metrics) >= {"rmse", "mae", "r2"}
    contexts = {d.context for d in champion.run.datasets}
    assert contexts == {"training", "evaluation"}
    assert all(d.digest for d in champion.run.datasets)
    best = min(versions, key=lambda v: v.key_metric_value or 1e9)
    assert best.version == champion.version

    prod = open_backend(config.workspace("prod"))
    (prod_version,) = prod.list_model_versions()
    assert prod_version.aliases == ("champion",)
    assert prod_version.origin == champion.origin
    assert prod_version.tags[LINEAGE_SOURCE_RUN] == champion.run_id
    assert prod_version.key_metric_value == pytest.approx(champion.key_metric_value)


def test_get_model_version_and_not_found(demo_home: Path) -> None:
    prod = open_backend(load_config().workspace("prod"))
    version = prod.get_model_version(DEMO_MODEL, "1")
    assert version.aliases == ("champion",)
    assert version.run is not None and version.run.metrics
    with pytest.raises(NotFound, match="prod"):
        prod.get_model_version(DEMO_MODEL, "99")
    with pytest.raises(NotFound):
        prod.get_model_version("no-such-model", "1")


def test_paging_reads_every_page(app_home: Path) -> None:
    ws = local_mlflow_workspace("dev", Stage.DEV)
    backend = MlflowBackend(ws, page_size=2)
    for name in ("a", "b", "c"):
        backend.client.create_registered_model(name)
        for _ in range(3):
            backend.client.create_model_version(name, source="file:///tmp/none")
    backend.set_model_version_alias("b", "champion", "2")
    backend.set_model_version_alias("c", "challenger", "3")
    assert len(backend.list_registered_models()) == 3
    versions = backend.list_model_versions()
    assert len(versions) == 9
    aliased = {(v.registered_name, v.version): v.aliases for v in versions if v.aliases}
    assert aliased == {("b", "2"): ("champion",), ("c", "3"): ("challenger",)}


def test_progress_and_cancel(app_home: Path) -> None:
    backend = MlflowBackend(local_mlflow_workspace("dev", Stage.DEV))
    seen: list[str] = []
    backend.list_model_versions(TaskContext(lambda d, t, m: seen.append(m)))
    assert seen[-1] == "0 versions"
    ctx = TaskContext()
    ctx.cancel()
    from mlops_desktop.core.errors import Cancelled

    with pytest.raises(Cancelled):
        backend.list_model_versions(ctx)


def test_name_prefix_layout_end_to_end(app_home: Path) -> None:
    ws = local_mlflow_workspace("shared", None, layout=StageLayout.NAME_PREFIX)
    _train(ws, "dev.churn", data="breast_cancer", model_type="logistic_regression")
    backend = MlflowBackend(ws)
    copy_model_version(backend, "dev.churn", "1", backend, "prod.churn")
    backend.set_model_version_alias("prod.churn", "champion", "1")
    versions = {v.stage: v for v in backend.list_model_versions()}
    assert set(versions) == {Stage.DEV, Stage.PROD}
    assert versions[Stage.DEV].model == versions[Stage.PROD].model == "churn"
    assert versions[Stage.PROD].origin == versions[Stage.DEV].origin
    assert versions[Stage.PROD].key_metric_name == "roc_auc"


def test_unreachable_server_is_offline_not_a_hang(app_home: Path) -> None:
    ws = WorkspaceConfig(
        name="gone",
        stage=Stage.DEV,
        mlflow=MlflowConnection(tracking_uri="http://127.0.0.1:9"),
    )
    backend = open_backend(ws)
    info = backend.check_connection()
    assert info.state is ConnectionState.OFFLINE
    with pytest.raises(Unavailable, match="gone"):
        backend.list_model_versions()


@pytest.mark.slow
def test_tracking_server_workspace(mlflow_server: str, app_home: Path) -> None:
    ws = WorkspaceConfig(
        name="team-dev", stage=Stage.DEV, mlflow=MlflowConnection(tracking_uri=mlflow_server)
    )
    version = _train(ws, "server-model", model_type="ridge")
    backend = open_backend(ws)
    info = backend.check_connection()
    assert info.state is ConnectionState.ONLINE
    assert info.server_version
    backend.set_model_version_alias("server-model", "champion", version)  # type: ignore[attr-defined]
    found = [v for v in backend.list_model_versions() if v.registered_name == "server-model"]
    assert [v.aliases for v in found] == [("champion",)]
    assert found[0].run is not None and "rmse" in found[0].run.metrics
    assert {d.context for d in found[0].run.datasets} == {"training", "evaluation"}

    # Copy from the server into a separate local store: artifacts really move.
    local = MlflowBackend(local_mlflow_workspace("staging", Stage.STAGING))
    copied = copy_model_version(backend, "server-model", version, local, "server-model")  # type: ignore[arg-type]
    assert copied.tags[LINEAGE_SOURCE_RUN] == found[0].run_id
    assert copied.source.startswith("file://")
    model_file = Path(copied.source.removeprefix("file://")) / "MLmodel"
    assert model_file.exists()
