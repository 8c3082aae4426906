"""Entities: key metrics, lineage identity, JSON export."""

from __future__ import annotations

import json
import math

from mlops_desktop.core.entities import (
    KEY_METRIC_TAG,
    LINEAGE_SOURCE_RUN,
    MetricGoal,
    ModelVersion,
    Run,
)
from mlops_desktop.core.serialize import model_version_detail, to_jsonable
from mlops_desktop.core.stages import Stage


def _version(**kwargs: object) -> ModelVersion:
    defaults: dict = dict(
        workspace="dev", stage=Stage.DEV, model="m", registered_name="m", version="1"
    )
    defaults.update(kwargs)
    return ModelVersion(**defaults)


def test_key_metric_prefers_declared_tag() -> None:
    run = Run("r1", "0", metrics={"rmse": 3.0, "r2": 0.5}, tags={KEY_METRIC_TAG: "r2"})
    version = _version(run_id="r1", run=run)
    assert (version.key_metric_name, version.key_metric_value) == ("r2", 0.5)
    fallback = _version(run=Run("r1", "0", metrics={"rmse": 3.0}))
    assert fallback.key_metric_name == "rmse"
    assert _version().key_metric_value is None


def test_copies_share_origin_with_their_source() -> None:
    source = _version(run_id="train-run")
    copy = _version(
        workspace="prod",
        stage=Stage.PROD,
        run_id="import-run",
        tags={LINEAGE_SOURCE_RUN: "train-run"},
    )
    assert source.origin == copy.origin
    assert copy.lineage == {LINEAGE_SOURCE_RUN: "train-run"}
    assert _version(run_id="other").origin != source.origin


def test_metric_goals() -> None:
    assert MetricGoal.for_metric("rmse") is MetricGoal.MINIMIZE
    assert MetricGoal.for_metric("val_loss") is MetricGoal.MINIMIZE
    assert MetricGoal.for_metric("log_loss") is MetricGoal.MINIMIZE
    assert MetricGoal.for_metric("roc_auc") is MetricGoal.MAXIMIZE


def test_json_export_is_strict_json() -> None:
    run = Run("r1", "0", metrics={"rmse": math.nan, "mae": 1.5})
    detail = model_version_detail(_version(run=run, run_id="r1"))
    text = json.dumps(detail, allow_nan=False)
    assert '"mae": 1.5' in text
    assert to_jsonable({"x": math.inf}) == {"x": None}
