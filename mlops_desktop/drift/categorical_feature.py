"""Compare one categorical column: count categories once, then every metric, rate and window."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlops_desktop.drift import stats_categorical as sc
from mlops_desktop.drift.columns import CategoricalValues
from mlops_desktop.drift.config import DriftConfig, MetricRule, QualityThresholds
from mlops_desktop.drift.kinds import ColumnKind, is_drift
from mlops_desktop.drift.quality import quality_rates
from mlops_desktop.drift.result import Distribution, FeatureDrift
from mlops_desktop.drift.windows import WindowRows

OTHER_LABEL = "(other)"
#: Category labels in charts and reports are cut to this many characters: a cell may hold
#: megabytes, and every report (and the JSON) would carry it whole.
MAX_LABEL_CHARS = 60


def chart_labels(labels: Sequence[str], limit: int = MAX_LABEL_CHARS) -> list[str]:
    """``labels`` cut to ``limit`` characters (saying how long they were), kept distinct."""
    shortened: list[str] = []
    seen: set[str] = set()
    for label in labels:
        short = label
        if len(label) > limit:
            short = f"{label[: limit - 1]}… ({len(label):,} chars)"
        base, n = short, 1
        while short in seen:  # two long labels may share their beginning
            n += 1
            short = f"{base} #{n}"
        seen.add(short)
        shortened.append(short)
    return shortened


def category_counts(codes: np.ndarray, n_labels: int) -> np.ndarray:
    """Count of each code ``0 … n_labels-1`` (code -1, null or type error, is skipped)."""
    return np.bincount(codes + 1, minlength=n_labels + 1)[1:]


def _align(
    reference: CategoricalValues, current: CategoricalValues
) -> tuple[list[str], np.ndarray]:
    """Union of the labels (reference first) and the current codes mapped onto it."""
    labels = list(reference.labels)
    index = {label: i for i, label in enumerate(labels)}
    remap = np.empty(len(current.labels) + 1, dtype=np.int64)
    remap[-1] = -1
    for i, label in enumerate(current.labels):
        if label not in index:
            index[label] = len(labels)
            labels.append(label)
        remap[i] = index[label]
    return labels, remap[current.codes]


def categorical_metrics(
    ref_counts: np.ndarray, cur_counts: np.ndarray, epsilon: float
) -> dict[str, float | None]:
    """Chi-squared, Jensen–Shannon and PSI of two aligned count vectors."""
    chi2, p_value, dof = sc.chi2_homogeneity(ref_counts, cur_counts)
    return {
        "jensen_shannon": sc.jensen_shannon(ref_counts, cur_counts),
        "psi": sc.psi(ref_counts, cur_counts, epsilon),
        "chi2_pvalue": p_value,
        "chi2_statistic": chi2,
        "chi2_dof": float(dof),
    }


def _chart(
    labels: list[str], ref_counts: np.ndarray, cur_counts: np.ndarray, limit: int
) -> Distribution:
    labels = chart_labels(labels)
    ref_share = ref_counts / max(int(ref_counts.sum()), 1)
    cur_share = cur_counts / max(int(cur_counts.sum()), 1)
    order = np.argsort(-(ref_share + cur_share), kind="stable")
    if len(labels) > limit:
        keep, rest = order[: limit - 1], order[limit - 1 :]
        return Distribution(
            kind=ColumnKind.CATEGORICAL,
            categories=[labels[i] for i in keep] + [OTHER_LABEL],
            reference=[*ref_share[keep].tolist(), float(ref_share[rest].sum())],
            current=[*cur_share[keep].tolist(), float(cur_share[rest].sum())],
        )
    return Distribution(
        kind=ColumnKind.CATEGORICAL,
        categories=[labels[i] for i in order],
        reference=ref_share[order].tolist(),
        current=cur_share[order].tolist(),
    )


def compare_categorical(
    name: str,
    reference: CategoricalValues,
    current: CategoricalValues,
    *,
    rule: MetricRule,
    thresholds: QualityThresholds,
    config: DriftConfig,
    windows: Sequence[WindowRows] = (),
    role: str = "feature",
) -> tuple[FeatureDrift, list[float | None]]:
    """Drift, quality and chart data of a categorical column, and its metric in each window."""
    labels, cur_codes = _align(reference, current)
    ref_counts = category_counts(reference.codes, len(labels))
    cur_counts = category_counts(cur_codes, len(labels))
    n_ref, n_cur = int(ref_counts.sum()), int(cur_counts.sum())
    n_ref_rows, n_cur_rows = reference.codes.shape[0], current.codes.shape[0]
    quality = quality_rates(
        n_rows=n_cur_rows,
        n_null=current.n_null,
        n_type_error=current.n_type_error,
        n_out_of_bounds=int(cur_counts[len(reference.labels) :].sum()) if n_ref else None,
        n_reference_rows=n_ref_rows,
        n_reference_null=reference.n_null,
        n_reference_type_error=reference.n_type_error,
        thresholds=thresholds,
    )
    summaries = (
        {"n_categories": int(np.count_nonzero(ref_counts))},
        {"n_categories": int(np.count_nonzero(cur_counts))},
    )
    if n_ref == 0 or n_cur == 0:
        table = "reference" if n_ref == 0 else "current"
        feature = FeatureDrift(
            name=name,
            kind=ColumnKind.CATEGORICAL,
            metric=rule.metric,
            value=None,
            threshold=rule.threshold,
            drifted=False,
            metrics={},
            quality=quality,
            distribution=None,
            n_reference=n_ref,
            n_current=n_cur,
            role=role,
            note=f"not compared: no valid values in the {table} data",
            reference_summary=summaries[0],
            current_summary=summaries[1],
        )
        return feature, [None] * len(windows)
    epsilon = config.binning.psi_epsilon
    metrics = categorical_metrics(ref_counts, cur_counts, epsilon)
    value = metrics[rule.metric]
    assert value is not None
    window_values: list[float | None] = []
    for window in windows:
        counts = category_counts(cur_codes[window.rows], len(labels))
        if counts.sum() == 0:
            window_values.append(None)
        else:
            window_values.append(categorical_metrics(ref_counts, counts, epsilon)[rule.metric])
    feature = FeatureDrift(
        name=name,
        kind=ColumnKind.CATEGORICAL,
        metric=rule.metric,
        value=value,
        threshold=rule.threshold,
        drifted=is_drift(rule.metric, value, rule.threshold),
        metrics=metrics,
        quality=quality,
        distribution=_chart(labels, ref_counts, cur_counts, config.binning.chart_max_categories),
        n_reference=n_ref,
        n_current=n_cur,
        role=role,
        reference_summary=summaries[0],
        current_summary=summaries[1],
    )
    return feature, window_values
