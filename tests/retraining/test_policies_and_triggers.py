"""retraining.toml (typed, versioned) and the trigger verdicts with their numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.core.errors import Conflict, InvalidInput, NotFound
from mlops_desktop.drift.engine import compute_drift
from mlops_desktop.retraining.data_triggers import data_verdict
from mlops_desktop.retraining.durations import format_duration, parse_duration
from mlops_desktop.retraining.jobs import Trigger
from mlops_desktop.retraining.policies import (
    DatasetDriftTrigger,
    FeatureDriftTrigger,
    PerformanceTrigger,
    QualityTrigger,
    RetrainingConfig,
    ScheduleTrigger,
    load_policies,
    policies_file,
    policy_from_dict,
    save_policies,
)
from mlops_desktop.retraining.schedule import schedule_verdict

POLICY = {
    "name": "churn-drift",
    "model": "churn",
    "workspace": "dev",
    "cooldown": "12h",
    "promote_to": "staging",
    "pipeline": {"data": "diabetes", "params": {"n_estimators": 20, "max_depth": 3}},
    "data": {"current": "endpoint:prod/churn#since=-24h", "target": "y", "prediction": "p"},
    "triggers": [
        {"kind": "schedule", "cron": "0 3 * * 1"},
        {"kind": "feature_drift", "features": ["a", "b"], "threshold": 0.2},
        {"kind": "quality", "rate": "null_rate", "bound": 0.05},
        {"kind": "performance", "metric": "rmse", "max": 60.0},
    ],
}


def test_policies_round_trip_through_toml() -> None:
    policy = policy_from_dict(POLICY)
    path = save_policies(RetrainingConfig().with_policy(policy))
    assert path == policies_file() and path.name == "retraining.toml"
    assert 'kind = "feature_drift"' in path.read_text()
    loaded = load_policies()
    assert loaded.schema_version == 1
    assert loaded.policy("churn-drift") == policy
    assert policy.reference_source == "model:dev/churn/champion"
    assert policy.cooldown_delta == timedelta(hours=12)
    spec = policy.job_spec()
    assert (spec.model, spec.params, spec.promote_to) == (
        "churn",
        POLICY["pipeline"]["params"],
        "staging",
    )
    assert [type(t) for t in policy.triggers] == [
        ScheduleTrigger,
        FeatureDriftTrigger,
        QualityTrigger,
        PerformanceTrigger,
    ]
    with pytest.raises(Conflict):
        loaded.with_policy(policy)
    assert load_policies().without_policy("churn-drift").policies == ()
    with pytest.raises(NotFound, match="known: churn-drift"):
        loaded.policy("other")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"triggers": []}, "has no trigger"),
        ({"data": None}, "need a \\[data\\] section"),
        ({"cooldown": "soon"}, "cannot read duration"),
        ({"triggers": [{"kind": "schedule", "cron": "every monday"}]}, "not valid"),
        ({"triggers": [{"kind": "schedule"}]}, "either cron or every_days"),
        ({"triggers": [{"kind": "performance", "metric": "r2"}]}, "give min or max"),
        ({"triggers": [{"kind": "drift"}]}, "triggers.0"),
        ({"name": "bad name!"}, "policy name"),
    ],
)
def test_invalid_policies_say_what_is_wrong(change: dict, message: str) -> None:
    raw = {**POLICY, **change}
    if raw.get("data") is None:
        raw.pop("data")
    with pytest.raises(InvalidInput, match=message):
        policy_from_dict(raw)


def test_newer_schema_is_refused() -> None:
    policies_file().parent.mkdir(parents=True)
    policies_file().write_text("schema_version = 9\n")
    with pytest.raises(InvalidInput, match="newer MLOps Desktop"):
        load_policies()


def test_durations() -> None:
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1.5d") == timedelta(hours=36)
    assert parse_duration("0") == timedelta(0)
    assert format_duration(timedelta(hours=26, minutes=5)) == "1d 2h"
    with pytest.raises(ValueError, match="unit"):
        parse_duration("10")


def test_schedule_is_due_after_its_next_time() -> None:
    anchor = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday, after 03:00
    weekly = ScheduleTrigger(cron="0 3 * * 1")
    before = schedule_verdict(weekly, anchor, datetime(2026, 11, 30, 2, 59, tzinfo=UTC), "x")
    after = schedule_verdict(weekly, anchor, datetime(2026, 11, 30, 3, 0, tzinfo=UTC), "x")
    assert not before.fired and after.fired
    assert after.category is Trigger.SCHEDULE
    assert after.values["due_at"] == "2026-11-30T03:00:00+00:00"
    every = ScheduleTrigger(every_days=2)
    assert not schedule_verdict(every, anchor, anchor + timedelta(days=1.9), "x").fired
    assert schedule_verdict(every, anchor, anchor + timedelta(days=2), "x").fired


@pytest.fixture(scope="module")
def drifted() -> object:
    rng = np.random.default_rng(0)
    n = 3000
    reference = pd.DataFrame(
        {"a": rng.normal(0, 1, n), "b": rng.normal(0, 1, n), "c": rng.normal(0, 1, n)}
    )
    reference["y"] = reference["a"] * 3 + rng.normal(0, 0.1, n)
    reference["p"] = reference["a"] * 3
    current = pd.DataFrame(
        {"a": rng.normal(0.8, 1, n), "b": rng.normal(0, 1, n), "c": rng.normal(0, 1, n)}
    )
    current.loc[: n // 10, "c"] = np.nan  # a broken feed: 10 % nulls
    current["y"] = current["a"] * 3 + rng.normal(0, 0.1, n)
    current["p"] = current["a"] * 2  # the model got worse
    return compute_drift(reference, current, target="y", prediction="p")


def test_feature_drift_verdict_names_features_and_numbers(drifted) -> None:
    verdict = data_verdict(FeatureDriftTrigger(features=("a", "b")), drifted)
    assert verdict.fired and verdict.category is Trigger.DRIFT
    assert verdict.values["drifted"] == ["a"]
    a = verdict.values["features"]["a"]
    assert a["metric"] == "normalized_wasserstein" and a["value"] > a["threshold"] == 0.1
    assert "a normalized_wasserstein" in verdict.reason
    quiet = data_verdict(FeatureDriftTrigger(features=("b",)), drifted)
    assert not quiet.fired and "no feature drift (closest: b" in quiet.reason
    strict = data_verdict(FeatureDriftTrigger(features=("a",), threshold=5.0), drifted)
    assert not strict.fired
    missing = data_verdict(FeatureDriftTrigger(features=("zz",)), drifted)
    assert not missing.fired and missing.error and missing.values["not_compared"] == ["zz"]


def test_dataset_quality_and_performance_verdicts(drifted) -> None:
    dataset = data_verdict(DatasetDriftTrigger(), drifted)
    assert not dataset.fired  # one of three features: below the 0.5 share
    assert dataset.values["n_drifted"] == 1 and dataset.values["n_features"] == 3

    nulls = data_verdict(QualityTrigger(rate="null_rate", bound=0.05), drifted)
    assert nulls.fired and nulls.values["over"] == ["c"]
    assert nulls.category is Trigger.METRIC
    assert not data_verdict(QualityTrigger(rate="null_rate", bound=0.2), drifted).fired

    rmse = data_verdict(PerformanceTrigger(metric="rmse", max=1.0), drifted)
    assert rmse.fired and rmse.values["value"] > 1.0 and rmse.values["reference"] < 1.0
    assert not data_verdict(PerformanceTrigger(metric="rmse", max=100.0), drifted).fired
    r2 = data_verdict(PerformanceTrigger(metric="r2", min=0.99), drifted)
    assert r2.fired and "below" in r2.reason


def test_performance_without_labels_does_not_fire() -> None:
    frame = pd.DataFrame({"a": np.arange(50.0)})
    result = compute_drift(frame, frame)
    verdict = data_verdict(PerformanceTrigger(metric="f1", min=0.7), result)
    assert not verdict.fired and not verdict.error
    assert "no labelled current data yet" in verdict.reason
