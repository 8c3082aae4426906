"""Models, versions, aliases, lineage and jobs of the three loopback workspaces."""

from __future__ import annotations

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.entities import LINEAGE_SOURCE_RUN
from mlops_desktop.core.errors import NotFound
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_dev_versions_with_aliases_jobs_and_every_page(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    arm_server.clear_requests()
    progress: list[str] = []
    ctx = TaskContext(lambda done, total, message: progress.append(message))
    versions = _backend(arm_server, Stage.DEV).list_model_versions(ctx)
    assert [(v.registered_name, v.version) for v in versions] == [
        *(("churn", str(i)) for i in range(1, 7)),
        *(("fraud", str(i)) for i in range(1, 4)),  # fraud 4 is archived
    ]
    by_key = {(v.registered_name, v.version): v for v in versions}
    champion = by_key[("churn", "6")]
    assert champion.aliases == ("champion",)
    assert by_key[("churn", "5")].aliases == ("challenger",)
    assert champion.stage is Stage.DEV and champion.workspace == "dev"
    assert champion.status == "Development"
    assert champion.run_id == "churn-train-20250616-06"
    assert champion.source.endswith("dcid.churn-train-20250616-06/model")
    assert champion.created_at is not None and champion.created_at.year == 2025
    run = champion.run
    assert run is not None
    assert run.experiment_id == "churn-training" and run.status == "Completed"
    assert run.params == {"learning_rate": "0.02", "max_depth": "6", "n_estimators": "600"}
    assert run.metrics == {"rmse": 0.301, "mae": 0.235, "r2": 0.699}
    assert {d.name: d.source_type for d in run.datasets} == {
        "training_data": "uri_folder",
        "evaluation_data": "uri_file",
    }
    assert champion.key_metric_name == "rmse"
    assert min(versions[:6], key=lambda v: v.key_metric_value or 9).version == "6"
    assert by_key[("fraud", "2")].key_metric_name == "roc_auc"
    # Page size 2: the model lists needed nextLink pages, and the server saw them.
    pages = [r for r in arm_server.requests if "$skipToken" in r.query]
    assert any(r.path.endswith("/models/churn/versions") for r in pages)
    assert any(r.path.endswith("/models/fraud/versions") for r in pages)
    assert "source jobs" in progress and "versions of churn" in progress


def test_promoted_versions_carry_lineage_and_metrics_from_their_properties(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    dev = {v.version: v for v in _backend(arm_server, Stage.DEV).list_model_versions()}
    prod = _backend(arm_server, Stage.PROD).list_model_versions()
    assert [(v.version, v.aliases) for v in prod] == [("1", ("previous",)), ("2", ("champion",))]
    champion = prod[1]
    assert champion.status == "Production"
    assert champion.tags[LINEAGE_SOURCE_RUN] == "churn-train-20250616-06"
    assert champion.lineage["mlops.source_workspace"] == "staging"
    assert champion.origin == dev["6"].origin  # the same weights, promoted
    assert champion.run is not None  # the job lives in dev; the version recorded its metrics
    assert champion.key_metric_value == pytest.approx(dev["6"].key_metric_value)
    assert champion.run.params["max_depth"] == "6"


def test_get_version_by_number_and_alias_and_not_found(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    staging = _backend(arm_server, Stage.STAGING)
    version = staging.get_model_version("churn", "2")
    assert version.aliases == ("champion",)
    assert version.run is not None and version.run.metrics["rmse"] == pytest.approx(0.301)
    assert staging.get_model_version_by_alias("churn", "previous").version == "1"
    with pytest.raises(NotFound, match="churn:99") as caught:
        staging.get_model_version("churn", "99")
    assert "staging" in str(caught.value)
    with pytest.raises(NotFound, match="alias 'stable'"):
        staging.get_model_version_by_alias("churn", "stable")
    with pytest.raises(NotFound, match="nope:1"):
        staging.get_model_version("nope", "1")


def test_registered_models_experiments_and_runs(arm_server: ArmTestServer, az: AzStandIn) -> None:
    dev = _backend(arm_server, Stage.DEV)
    models = {m.name: m for m in dev.list_registered_models()}
    assert models["churn"].aliases == {"champion": "6", "challenger": "5"}
    assert models["fraud"].aliases == {"champion": "2"}
    assert [e.name for e in dev.list_experiments()] == ["churn-training", "fraud-training"]
    newest = dev.list_runs(["churn-training"], max_results=3)
    assert [r.run_id for r in newest] == [
        "churn-train-20250703-08",
        "churn-train-20250702-07",
        "churn-train-20250616-06",
    ]
    assert [r.status for r in newest] == ["Failed", "Running", "Completed"]
    assert dev.get_run("fraud-train-20250502-02").metrics["roc_auc"] == pytest.approx(0.93)
    with pytest.raises(NotFound, match="job 'no-such-job'"):
        dev.get_run("no-such-job")


def test_cancelled_listing_stops(arm_server: ArmTestServer, az: AzStandIn) -> None:
    from mlops_desktop.core.errors import Cancelled

    ctx = TaskContext()
    ctx.cancel()
    with pytest.raises(Cancelled):
        _backend(arm_server, Stage.DEV).list_model_versions(ctx)
