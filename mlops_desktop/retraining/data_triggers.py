"""Metric triggers: drift, data quality and performance of current data against a reference.

The comparison is :func:`mlops_desktop.drift.engine.compute_drift` on the policy's reference
(default ``model:WORKSPACE/MODEL/champion``: the champion's training data) and current data
(a file, ``endpoint:…`` or ``model:…`` source, usually sliced to the latest window such as
``#since=-24h``). Each trigger reads its numbers from the one result.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.config import AppConfig
from mlops_desktop.retraining.decisions import TriggerVerdict
from mlops_desktop.retraining.jobs import Trigger
from mlops_desktop.retraining.policies import (
    DatasetDriftTrigger,
    FeatureDriftTrigger,
    PerformanceTrigger,
    QualityTrigger,
    RetrainingPolicy,
    TriggerRule,
)

if TYPE_CHECKING:
    from mlops_desktop.drift.result import DriftResult
    from mlops_desktop.monitoring.sources import OpenCollectedData

CATEGORY = {
    "schedule": Trigger.SCHEDULE,
    "dataset_drift": Trigger.DRIFT,
    "feature_drift": Trigger.DRIFT,
    "quality": Trigger.METRIC,
    "performance": Trigger.METRIC,
}


def compare_policy_data(
    config: AppConfig, policy: RetrainingPolicy, open_collected: OpenCollectedData | None = None
) -> DriftResult:
    """Load the policy's reference and current data and compare them (``open_collected``
    reads ``endpoint:`` sources)."""
    from mlops_desktop.drift.config import DriftConfig, load_drift_config
    from mlops_desktop.drift.engine import compute_drift
    from mlops_desktop.monitoring.sources import load_source

    data = policy.data
    assert data is not None
    drift_config = load_drift_config(data.drift_config) if data.drift_config else DriftConfig()
    with tempfile.TemporaryDirectory(prefix="mlops-retrain-") as workdir:
        reference, ref_name = load_source(
            config,
            policy.reference_source,
            timestamp=data.timestamp,
            workdir=Path(workdir),
            open_collected=open_collected,
        )
        current, cur_name = load_source(
            config,
            data.current,
            timestamp=data.timestamp,
            workdir=Path(workdir),
            open_collected=open_collected,
        )
        result = compute_drift(
            reference,
            current,
            config=drift_config,
            target=data.target,
            prediction=data.prediction,
        )
    return dataclasses.replace(result, reference_name=ref_name, current_name=cur_name)


def data_verdict(rule: TriggerRule, result: DriftResult) -> TriggerVerdict:
    """The verdict of one metric trigger on a drift result."""
    if isinstance(rule, DatasetDriftTrigger):
        return _dataset_drift(result)
    if isinstance(rule, FeatureDriftTrigger):
        return _feature_drift(rule, result)
    if isinstance(rule, QualityTrigger):
        return _quality(rule, result)
    if isinstance(rule, PerformanceTrigger):
        return _performance(rule, result)
    raise TypeError(f"not a metric trigger: {rule.kind}")


def _dataset_drift(result: DriftResult) -> TriggerVerdict:
    values: dict[str, Any] = {
        "drift_share": round(result.drift_share, 4),
        "threshold": result.drift_share_threshold,
        "n_drifted": result.n_drifted,
        "n_features": result.n_features,
        "drifted": [f.name for f in result.drifted_features],
    }
    share = (
        f"{result.n_drifted} of {result.n_features} features drifted "
        f"(share {result.drift_share:.2f}, threshold {result.drift_share_threshold:.2f})"
    )
    if result.dataset_drift:
        # The latest windows or a trend may make the dataset drift below the share threshold.
        reasons = result.verdict.reasons if result.verdict else ()
        values["reasons"] = list(reasons)
        detail = "".join(f"; {reason}" for reason in reasons)
        return TriggerVerdict(
            "dataset_drift", Trigger.DRIFT, True, f"dataset drift: {share}{detail}", values
        )
    return TriggerVerdict(
        "dataset_drift", Trigger.DRIFT, False, f"no dataset drift: {share}", values
    )


def _feature_drift(rule: FeatureDriftTrigger, result: DriftResult) -> TriggerVerdict:
    names = list(rule.features) or [f.name for f in result.features if f.evaluated]
    rows: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name in names:
        try:
            feature = result.feature(name)
        except KeyError:
            missing.append(name)
            continue
        if feature.value is None or feature.threshold is None:
            missing.append(name)
            continue
        threshold = rule.threshold if rule.threshold is not None else feature.threshold
        rows[name] = {
            "metric": feature.metric,
            "value": round(float(feature.value), 4),
            "threshold": threshold,
            "drifted": float(feature.value) > threshold,
        }
    drifted = [n for n, r in rows.items() if r["drifted"]]
    fired = len(drifted) >= rule.min_features
    values: dict[str, Any] = {"features": rows, "drifted": drifted}
    if missing:
        values["not_compared"] = missing
    ranked = sorted(rows, key=lambda n: rows[n]["value"] / max(rows[n]["threshold"], 1e-12))
    shown = drifted or ranked[-1:]
    detail = ", ".join(
        f"{n} {rows[n]['metric']} {rows[n]['value']:.3f} "
        f"{'>' if rows[n]['drifted'] else '<='} {rows[n]['threshold']:.3f}"
        for n in sorted(shown, key=lambda n: -rows[n]["value"])
    )
    gone = f"; not compared: {', '.join(missing)}" if missing else ""
    if fired:
        reason = f"feature drift in {len(drifted)} feature(s): {detail}{gone}"
    elif rows and rule.min_features > 1:
        reason = (
            f"{len(drifted)} feature(s) drifted, {rule.min_features} needed "
            f"(closest: {detail}){gone}"
        )
    elif rows:
        reason = f"no feature drift (closest: {detail}){gone}"
    else:
        reason = f"no listed feature could be compared{gone}"
    return TriggerVerdict("feature_drift", Trigger.DRIFT, fired, reason, values, error=not rows)


def _quality(rule: QualityTrigger, result: DriftResult) -> TriggerVerdict:
    columns = [c for c in result.all_columns if not rule.features or c.name in rule.features]
    rates = {
        c.name: getattr(c.quality, rule.rate)
        for c in columns
        if getattr(c.quality, rule.rate) is not None
    }
    over = {n: r for n, r in rates.items() if r > rule.bound}
    values = {
        "rate": rule.rate,
        "bound": rule.bound,
        "rates": {n: round(r, 4) for n, r in rates.items()},
        "over": sorted(over),
    }
    if over:
        worst = ", ".join(f"{n} {r:.3f}" for n, r in sorted(over.items(), key=lambda kv: -kv[1]))
        reason = f"{rule.rate} above {rule.bound:g}: {worst}"
        return TriggerVerdict("quality", Trigger.METRIC, True, reason, values)
    top = max(rates.items(), key=lambda kv: kv[1], default=None)
    closest = f" (highest: {top[0]} {top[1]:.3f})" if top else ""
    reason = f"{rule.rate} within {rule.bound:g} in every column{closest}"
    return TriggerVerdict("quality", Trigger.METRIC, False, reason, values, error=not rates)


def _performance(rule: PerformanceTrigger, result: DriftResult) -> TriggerVerdict:
    perf = result.performance
    value = perf.current.get(rule.metric) if perf is not None else None
    values: dict[str, Any] = {"metric": rule.metric, "min": rule.min, "max": rule.max}
    if perf is None or value is None:
        reason = (
            f"{rule.metric}: no labelled current data yet (needs the target and prediction columns)"
        )
        return TriggerVerdict("performance", Trigger.METRIC, False, reason, values)
    values.update(value=round(value, 4), n_labelled=perf.n_current)
    if perf.reference is not None and rule.metric in perf.reference:
        values["reference"] = round(perf.reference[rule.metric], 4)
    if rule.min is not None and value < rule.min:
        reason = f"{rule.metric} {value:.4g} below {rule.min:g} on {perf.n_current} labelled rows"
        return TriggerVerdict("performance", Trigger.METRIC, True, reason, values)
    if rule.max is not None and value > rule.max:
        reason = f"{rule.metric} {value:.4g} above {rule.max:g} on {perf.n_current} labelled rows"
        return TriggerVerdict("performance", Trigger.METRIC, True, reason, values)
    reason = f"{rule.metric} {value:.4g} within bounds on {perf.n_current} labelled rows"
    return TriggerVerdict("performance", Trigger.METRIC, False, reason, values)
