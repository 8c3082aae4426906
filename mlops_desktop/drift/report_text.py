"""A short plain-text summary of a drift result (the CLI prints it)."""

from __future__ import annotations

from mlops_desktop.drift.report_format import (
    feature_sort_key,
    headline,
    metric_label,
    number,
    rate,
    verdict_rule,
)
from mlops_desktop.drift.result import DriftResult


def summary_text(result: DriftResult, max_features: int = 10) -> str:
    """Headline, the most drifted features, quality violations, schema issues, performance."""
    lines = [
        headline(result),
        f"rule: {verdict_rule(result)}",
        f"reference: {result.reference_name} ({result.n_reference_rows:,} rows); "
        f"current: {result.current_name} ({result.n_current_rows:,} rows)",
    ]
    if result.approximation is not None:
        lines.append(f"approximate: {result.approximation.description}")
    drifted = sorted(result.drifted_features, key=feature_sort_key)
    if drifted:
        lines.append("drifted features:")
        for feature in drifted[:max_features]:
            lines.append(
                f"  {feature.name} ({feature.kind.value}): {metric_label(feature.metric)} "
                f"{number(feature.value)} (threshold {number(feature.threshold)})"
            )
        if len(drifted) > max_features:
            lines.append(f"  … and {len(drifted) - max_features} more")
    for column in (result.prediction, result.target):
        if column is not None and column.evaluated:
            state = "drift" if column.drifted else "no drift"
            lines.append(
                f"{column.role} {column.name}: {state} ({metric_label(column.metric)} "
                f"{number(column.value)})"
            )
    violations = result.quality_violations
    if violations:
        lines.append(f"data quality: {len(violations)} column(s) over threshold")
        for column in violations[:max_features]:
            rates = ", ".join(
                f"{name.replace('_', ' ')} {rate(getattr(column.quality, name))}"
                for name in column.quality.violations
            )
            lines.append(f"  {column.name}: {rates}")
    if result.schema_issues:
        lines.append(f"schema: {len(result.schema_issues)} issue(s)")
        for issue in result.schema_issues[:max_features]:
            lines.append(f"  {issue.message}")
    performance = result.performance
    if performance is not None:
        parts = []
        for name, value in performance.current.items():
            ref = performance.reference.get(name) if performance.reference else None
            parts.append(
                f"{name} {number(value)}" + (f" (ref {number(ref)})" if ref is not None else "")
            )
        suffix = f"; degraded: {', '.join(performance.degraded)}" if performance.degraded else ""
        lines.append(f"performance ({performance.task}): " + ", ".join(parts) + suffix)
    if result.windows:
        drifting = sum(1 for w in result.windows if w.dataset_drift)
        lines.append(
            f"windows: {len(result.windows)} × {result.window}, {drifting} with dataset drift"
        )
    return "\n".join(lines)
