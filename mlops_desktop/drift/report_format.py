"""Formatting shared by the report writers (HTML, PDF, text): numbers, rates, statuses."""

from __future__ import annotations

import math

from mlops_desktop.drift.result import DriftResult, FeatureDrift

#: Labels for metric names.
METRIC_LABELS = {
    "normalized_wasserstein": "normalized Wasserstein",
    "wasserstein": "Wasserstein",
    "jensen_shannon": "Jensen–Shannon",
    "psi": "PSI",
    "ks_statistic": "KS statistic",
    "ks_pvalue": "KS p-value",
    "chi2_pvalue": "χ² p-value",
    "chi2_statistic": "χ² statistic",
    "chi2_dof": "χ² degrees of freedom",
}

STATUS_LABELS = {
    "drift": "drift",
    "quality": "quality issue",
    "ok": "no drift",
    "not evaluated": "not compared",
}


def metric_label(metric: str | None) -> str:
    """A person-readable metric name."""
    if metric is None:
        return "—"
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


def number(value: float | None, digits: int = 4) -> str:
    """A metric value: ``digits`` significant digits, ``—`` for missing."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if value != 0 and abs(value) < 10 ** -(digits - 1):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}g}"


def rate(value: float | None) -> str:
    """A rate as a percentage; ``—`` where it does not apply."""
    if value is None:
        return "—"
    if value == 0:
        return "0%"
    if value < 0.001:
        return "<0.1%"
    return f"{value:.1%}"


def headline(result: DriftResult) -> str:
    """One line: dataset drift or not, how many features drifted, and the window-based reasons
    (the latest windows, rising metrics) that made it drift."""
    verdict = "DATASET DRIFT" if result.dataset_drift else "no dataset drift"
    reasons = result.verdict.reasons if result.verdict else ()
    return (
        f"{verdict}: {result.n_drifted} of {result.n_features} features drifted "
        f"({result.drift_share:.0%}; threshold {result.drift_share_threshold:.0%})"
        + "".join(f"; {reason}" for reason in reasons)
    )


def verdict_rule(result: DriftResult) -> str:
    """The rule the verdict followed, in one sentence (shown under every banner)."""
    rule = f"Dataset drift when at least {result.drift_share_threshold:.0%} of the features drift"
    verdict = result.config.get("verdict") or {}
    if not result.windows:
        return rule + " (no timestamp column: the recent windows and the trend were not checked)."
    unit = f"{result.window} " if result.window else ""
    parts = [rule + " in the whole current data"]
    recent = int(verdict.get("recent_windows", 0) or 0)
    if recent:
        checked = result.verdict is None or result.verdict.n_recent_rows > 0
        parts.append(
            f"or in the last {recent} {unit}windows taken together"
            + ("" if checked else f" (not checked: fewer than {recent + 1} judged windows)")
        )
    if verdict.get("trend"):
        parts.append(
            "or when a feature drifting now has drifted more and more from window to window "
            f"(Mann–Kendall trend, p < {verdict.get('trend_pvalue', 0.05):g} / features, "
            f"≥ {verdict.get('trend_min_windows', 5)} windows)"
        )
    return ", ".join(parts) + "."


def feature_sort_key(feature: FeatureDrift) -> tuple[int, float, str]:
    """Drifted first, then quality issues, then by how far past the threshold, then name."""
    order = {"drift": 0, "quality": 1, "ok": 2, "not evaluated": 3}[feature.status]
    return order, -severity(feature), feature.name


def severity(feature: FeatureDrift) -> float:
    """How far the deciding metric is past (or below) its threshold, as a ratio (≥ 1: drift)."""
    if feature.value is None or feature.threshold is None:
        return 0.0
    if feature.metric in ("ks_pvalue", "chi2_pvalue"):
        return feature.threshold / max(feature.value, 1e-300)
    return feature.value / feature.threshold if feature.threshold > 0 else math.inf
