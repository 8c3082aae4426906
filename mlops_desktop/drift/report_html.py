"""The HTML drift report: one self-contained file (inline CSS and SVG charts, no scripts, nothing
loaded from the network), rendered from ``resources/templates/drift_report.html.j2``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlops_desktop import __version__
from mlops_desktop.drift._resources import template_path
from mlops_desktop.drift.report_format import (
    STATUS_LABELS,
    feature_sort_key,
    headline,
    metric_label,
    number,
    rate,
    verdict_rule,
)
from mlops_desktop.drift.result import DriftResult, FeatureDrift
from mlops_desktop.drift.svg_charts import distribution_svg, line_chart_svg

TEMPLATE_NAME = "drift_report.html.j2"

#: The window table lists at most this many windows (the most recent); the chart shows all.
MAX_WINDOW_ROWS = 60


def _window_label(result: DriftResult, index: int) -> str:
    start = result.windows[index].start
    if result.window == "hour":
        return start.strftime("%m-%d %H:00")
    return start.strftime("%Y-%m-%d")


def _feature_view(feature: FeatureDrift, result: DriftResult) -> dict[str, Any]:
    from markupsafe import Markup

    quality = feature.quality
    window_chart = None
    if result.windows and feature.role == "feature" and feature.evaluated:
        labels = [_window_label(result, i) for i in range(len(result.windows))]
        values = [w.values.get(feature.name) for w in result.windows]
        window_chart = Markup(
            line_chart_svg(
                labels,
                {metric_label(feature.metric): values},
                threshold=feature.threshold,
                y_label=metric_label(feature.metric),
                width=420,
                height=200,
            )
        )
    return {
        "name": feature.name,
        "anchor": "f-" + "".join(c if c.isalnum() else "-" for c in feature.name),
        "role": feature.role,
        "kind": feature.kind.value,
        "metric": metric_label(feature.metric),
        "value": number(feature.value),
        "threshold": number(feature.threshold),
        "status": feature.status,
        "status_label": STATUS_LABELS[feature.status],
        "null_rate": rate(quality.null_rate),
        "type_error_rate": rate(quality.type_error_rate),
        "out_of_bounds_rate": rate(quality.out_of_bounds_rate),
        "violations": set(quality.violations),
        "note": feature.note,
        "n_reference": f"{feature.n_reference:,}",
        "n_current": f"{feature.n_current:,}",
        "metrics": [(metric_label(k), number(v)) for k, v in feature.metrics.items()],
        "reference_summary": [(k, _summary_value(v)) for k, v in feature.reference_summary.items()],
        "current_summary": [(k, _summary_value(v)) for k, v in feature.current_summary.items()],
        "chart": Markup(distribution_svg(feature.distribution)) if feature.distribution else None,
        "window_chart": window_chart,
    }


def _summary_value(value: object) -> str:
    return number(value) if isinstance(value, float) else str(value)


def build_context(result: DriftResult) -> dict[str, Any]:
    """Everything the template shows, already formatted."""
    from markupsafe import Markup

    features = sorted(result.features, key=feature_sort_key)
    extra = [c for c in (result.prediction, result.target) if c is not None]
    windows_chart = None
    if result.windows:
        labels = [_window_label(result, i) for i in range(len(result.windows))]
        windows_chart = Markup(
            line_chart_svg(
                labels,
                {"share of drifted features": [w.drift_share for w in result.windows]},
                threshold=result.drift_share_threshold,
                y_label="drifted share",
                width=1100,
                height=260,
                responsive=True,
            )
        )
    performance = None
    if result.performance is not None:
        perf = result.performance
        performance = {
            "task": perf.task,
            "target": perf.target,
            "prediction": perf.prediction,
            "n_current": f"{perf.n_current:,}",
            "n_reference": f"{perf.n_reference:,}",
            "tolerance": f"{perf.tolerance:.0%}",
            "rows": [
                {
                    "metric": name,
                    "reference": number(perf.reference.get(name)) if perf.reference else "—",
                    "current": number(value),
                    "delta": number(perf.delta.get(name)),
                    "degraded": name in perf.degraded,
                }
                for name, value in perf.current.items()
            ],
        }
    return {
        "title": f"Drift report — {result.current_name}",
        "version": __version__,
        "created_at": result.created_at.strftime("%Y-%m-%d %H:%M UTC"),
        "headline": headline(result),
        "dataset_drift": result.dataset_drift,
        "reasons": list(result.verdict.reasons) if result.verdict else [],
        "rule": verdict_rule(result),
        "approximation": result.approximation.description if result.approximation else None,
        "n_drifted": result.n_drifted,
        "n_features": result.n_features,
        "drift_share": f"{result.drift_share:.0%}",
        "drift_share_threshold": f"{result.drift_share_threshold:.0%}",
        "reference_name": result.reference_name,
        "current_name": result.current_name,
        "n_reference_rows": f"{result.n_reference_rows:,}",
        "n_current_rows": f"{result.n_current_rows:,}",
        "n_quality": len(result.quality_violations),
        "features": [_feature_view(f, result) for f in features],
        "extra_columns": [_feature_view(c, result) for c in extra],
        "schema_issues": result.schema_issues,
        "performance": performance,
        "windows_chart": windows_chart,
        "window": result.window,
        "n_windows": len(result.windows),
        "n_window_rows": min(len(result.windows), MAX_WINDOW_ROWS),
        "windows": [
            {
                "label": _window_label(result, i),
                "n_rows": f"{w.n_rows:,}",
                "share": f"{w.drift_share:.0%}",
                "dataset_drift": w.dataset_drift,
                "drifted": ", ".join(name for name, d in w.drifted.items() if d) or "—",
            }
            for i, w in enumerate(result.windows)
            if i >= len(result.windows) - MAX_WINDOW_ROWS
        ],
    }


def render_html(result: DriftResult) -> str:
    """The report as one HTML document."""
    import jinja2

    path = template_path(TEMPLATE_NAME)
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(path.parent)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(path.name).render(**build_context(result))


def write_html(result: DriftResult, path: str | Path) -> Path:
    """Write the HTML report to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_html(result), encoding="utf-8")
    return path
