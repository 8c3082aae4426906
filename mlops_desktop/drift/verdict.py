"""The dataset-drift verdict: the whole current table, its most recent windows and the trend.

A current table that spans days can look fine as a whole while its last days drift: the older,
healthy rows outvote them. So, with a timestamp column, the dataset also drifts when

- **recent**: the rows of the last ``verdict.recent_windows`` judged windows, pooled and compared
  with the reference like the whole table, have dataset drift (pooled, because one window's
  few rows inflate distances such as Wasserstein's), or
- **trend**: a feature's deciding metric moves steadily towards drift across the judged windows
  (Mann–Kendall test: Kendall's tau of the metric against the window order, one-sided p-value
  below ``verdict.trend_pvalue`` divided by the number of features (Bonferroni), over at least
  ``verdict.trend_min_windows`` windows) and the feature drifts in the recent rows.

See ``docs/drift.md`` ("Verdict").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mlops_desktop.drift.config import VerdictConfig
from mlops_desktop.drift.kinds import LOWER_MEANS_DRIFT
from mlops_desktop.drift.result import FeatureDrift, Verdict, WindowDrift


def judge(
    overall: bool,
    features: Sequence[FeatureDrift],
    windows: Sequence[WindowDrift],
    recent: WindowDrift | None,
    config: VerdictConfig,
    window: str | None = None,
) -> Verdict:
    """Combine the whole-table verdict with the recent rows and the per-feature trends.

    ``recent`` is the comparison of the pooled rows of the last judged windows (None when
    there were too few windows)."""
    judged = [w for w in windows if w.judged]
    recent_drift = recent is not None and recent.dataset_drift
    now_drifting = recent.drifted if recent is not None else (judged[-1].drifted if judged else {})
    trending = _trending(features, judged, now_drifting, config) if config.trend else ()
    reasons: list[str] = []
    if recent is not None and recent_drift:
        unit = f"{window} " if window else ""
        names = [name for name, drifted in recent.drifted.items() if drifted]
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        reasons.append(
            f"the last {config.recent_windows} {unit}windows ({recent.n_rows:,} rows) drifted: "
            f"{len(names)} of {len(recent.drifted)} features ({recent.drift_share:.0%}: {shown})"
        )
    if trending:
        rising = ", ".join(
            f"{name} {_short(first)} → {_short(last)}" for name, first, last in trending
        )
        reasons.append(f"drifting more and more: {rising}")
    return Verdict(
        dataset_drift=overall or recent_drift or bool(trending),
        overall=overall,
        recent=recent_drift,
        recent_share=recent.drift_share if recent is not None else None,
        n_recent_rows=recent.n_rows if recent is not None else 0,
        trending=tuple(name for name, _, _ in trending),
        reasons=tuple(reasons),
    )


def _trending(
    features: Sequence[FeatureDrift],
    judged: Sequence[WindowDrift],
    now_drifting: dict[str, bool],
    config: VerdictConfig,
) -> tuple[tuple[str, float, float], ...]:
    """(feature, first value, last value) of features with a significant trend towards drift."""
    found = []
    level = config.trend_pvalue / max(len(features), 1)  # Bonferroni: one test per feature
    for feature in features:
        if not feature.evaluated or feature.metric is None:
            continue
        points = [
            (i, w.values.get(feature.name))
            for i, w in enumerate(judged)
            if _finite(w.values.get(feature.name))
        ]
        if len(points) < config.trend_min_windows:
            continue
        if not now_drifting.get(feature.name, False):
            continue  # a trend that has not reached the threshold yet is not drift
        xs = [p[0] for p in points]
        ys = [float(p[1]) for p in points]  # type: ignore[arg-type]
        lower_means_drift = feature.metric in LOWER_MEANS_DRIFT
        alternative = "less" if lower_means_drift else "greater"
        from scipy.stats import kendalltau  # only with a trend to test: costs ~0.5 s cold

        test = kendalltau(xs, ys, alternative=alternative)
        if _finite(test.pvalue) and test.pvalue < level:
            found.append((feature.name, ys[0], ys[-1]))
    return tuple(found)


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _short(value: float) -> str:
    return f"{value:.2g}"
