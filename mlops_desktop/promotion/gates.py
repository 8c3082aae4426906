"""The promotion gates: key metric vs the target's champion, fairness, signature.

Candidate and champion are scored on the *same* held-out data (the candidate's). Every gate is
evaluated and reported even when an earlier one failed, so a person sees all reasons at once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mlops_desktop.core.policy import GatePolicy
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.endpoint_ops import find_endpoint
from mlops_desktop.promotion.entities import CHAMPION_ALIAS, GateResult
from mlops_desktop.promotion.evaluation import (
    Holdout,
    KeyMetric,
    PyfuncScorer,
    key_metric_of,
    load_scorer,
    read_holdout,
    score,
    worse_by,
)
from mlops_desktop.promotion.fairness import fairness_gap
from mlops_desktop.promotion.signature import Signature, read_signature, signature_differences


def allowed_slack(policy: GatePolicy, champion: float) -> float:
    """How much worse than the champion the candidate may be."""
    return max(policy.metric_tolerance, policy.relative_tolerance * abs(champion))


def metric_gate(
    metric: KeyMetric, candidate: float, champion: float | None, policy: GatePolicy, version: str
) -> GateResult:
    """The candidate must not be worse than the champion beyond the tolerance."""
    values: dict[str, object] = {
        "metric": metric.name,
        "goal": metric.goal.value,
        "candidate": candidate,
        "champion": champion,
        "champion_version": version or None,
    }
    if champion is None:
        return GateResult(
            "metric", True, f"{metric.name} {candidate:.4g}; no champion in the target", values
        )
    slack = allowed_slack(policy, champion)
    gap = worse_by(metric, candidate, champion)
    values.update({"worse_by": gap, "tolerance": slack})
    passed = gap <= slack
    relation = "worse" if gap > 0 else "not worse"
    detail = f"{metric.name} {candidate:.4g} vs champion v{version} {champion:.4g}: {relation}" + (
        f" by {gap:.4g} (tolerance {slack:.4g})" if gap > 0 else ""
    )
    return GateResult("metric", passed, detail, values)


def _fairness_gate(
    policy: GatePolicy,
    metric: KeyMetric,
    holdout: Holdout,
    candidate: PyfuncScorer,
    champion: PyfuncScorer | None,
) -> GateResult:
    config = policy.fairness
    assert config is not None
    values: dict[str, object] = {
        "metric": config.metric.value,
        "sensitive_column": config.sensitive_column,
        "bound": config.bound,
    }
    if config.sensitive_column not in holdout.frame.columns:
        return GateResult(
            "fairness",
            False,
            f"the held-out data has no column {config.sensitive_column!r}",
            values,
        )
    sensitive = holdout.frame[config.sensitive_column]

    def gap(scorer: PyfuncScorer) -> float:
        return fairness_gap(
            config,
            task=metric.task,
            key_metric=metric.name,
            labels=holdout.labels,
            predictions=scorer.predict(holdout.features),
            sensitive=sensitive,
        )

    value = gap(candidate)
    values["candidate"] = value
    if champion is not None:
        try:
            values["champion"] = gap(champion)
        except Exception as exc:  # the champion's gap is shown, never decisive
            values["champion_error"] = str(exc)
    passed = value <= config.bound
    detail = (
        f"{config.metric.value} by {config.sensitive_column!r} {value:.4g} "
        f"{'<=' if passed else '>'} bound {config.bound:.4g}"
    )
    return GateResult("fairness", passed, detail, values)


def _signature_gate(oc: OperationContext, candidate: Signature | None) -> GateResult:
    endpoint = find_endpoint(oc)
    live = [d for d in endpoint.deployments if d.traffic > 0] if endpoint else []
    if not live:
        return GateResult(
            "signature", True, f"no live deployment on endpoint {oc.endpoint!r} to match", {}
        )
    deployment = max(live, key=lambda d: d.traffic)
    deployed = read_signature(deployment.model_dir)
    problems = signature_differences(candidate, deployed)
    values = {"deployment": deployment.name, "differences": problems}
    if not problems:
        return GateResult("signature", True, f"matches deployment {deployment.name!r}", values)
    if not oc.policy.gates.signature_must_match:
        return GateResult(
            "signature", True, f"differs (allowed by policy): {'; '.join(problems)}", values
        )
    return GateResult(
        "signature",
        False,
        f"differs from deployment {deployment.name!r}: {'; '.join(problems)}",
        values,
    )


def evaluate_gates(oc: OperationContext) -> list[GateResult]:
    """Every gate's result for the plan's candidate."""
    plan = oc.promotion
    policy = oc.policy.gates
    source = oc.source_registry
    target = oc.target_registry
    with tempfile.TemporaryDirectory(prefix="mlops-gates-") as tmp:
        folder = Path(tmp)
        candidate_version = source.get_version(plan.source_name, plan.version)
        candidate_dir = source.download_version(plan.source_name, plan.version, folder / "cand")
        signature = read_signature(candidate_dir)
        holdout = read_holdout(
            source, candidate_version, signature, folder / "holdout", model_dir=candidate_dir
        )
        workspace_metric = oc.config.workspace(plan.source_workspace).key_metric
        metric = key_metric_of(candidate_version, holdout.labels, workspace_metric)
        candidate = load_scorer(candidate_dir)
        candidate_value = score(metric, candidate, holdout)

        champion_version = target.version_by_alias(plan.target_name, CHAMPION_ALIAS)
        champion: PyfuncScorer | None = None
        results: list[GateResult] = []
        if champion_version is None:
            results.append(metric_gate(metric, candidate_value, None, policy, ""))
        else:
            try:
                champion_dir = target.download_version(
                    plan.target_name, champion_version.version, folder / "champ"
                )
                champion = load_scorer(champion_dir)
                champion_value = score(metric, champion, holdout)
            except Exception as exc:  # any failure to score the champion fails the gate
                results.append(
                    GateResult(
                        "metric",
                        False,
                        f"the champion v{champion_version.version} cannot be scored on the "
                        f"candidate's held-out data: {exc}",
                        {"metric": metric.name, "candidate": candidate_value},
                    )
                )
                champion = None
            else:
                results.append(
                    metric_gate(
                        metric, candidate_value, champion_value, policy, champion_version.version
                    )
                )
        if policy.fairness is not None:
            results.append(_fairness_gate(policy, metric, holdout, candidate, champion))
        results.append(_signature_gate(oc, signature))
    return results
