"""Compare one numeric column: sort each sample once, then every metric, quality rate and window."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mlops_desktop.drift import stats_numeric as sn
from mlops_desktop.drift.columns import NumericValues
from mlops_desktop.drift.config import DriftConfig, MetricRule, QualityThresholds
from mlops_desktop.drift.kinds import ColumnKind, is_drift
from mlops_desktop.drift.quality import quality_rates
from mlops_desktop.drift.result import Distribution, FeatureDrift
from mlops_desktop.drift.windows import WindowRows


class NumericWorkspace:
    """Sort and merge buffers reused from column to column (and released at the end)."""

    def __init__(self) -> None:
        self.merge = sn.MergeWorkspace()
        self._ref = np.empty(0)
        self._cur = np.empty(0)

    def reference_buffer(self, size: int) -> np.ndarray:
        """A float64 buffer of at least ``size`` for the sorted reference."""
        if self._ref.shape[0] < size:
            self._ref = np.empty(size)
        return self._ref

    def current_buffer(self, size: int) -> np.ndarray:
        """A float64 buffer of at least ``size`` for the sorted current sample."""
        if self._cur.shape[0] < size:
            self._cur = np.empty(size)
        return self._cur


class _ReferenceProfile:
    """What windows need from the sorted reference: statistics computed once per column."""

    def __init__(self, ref: np.ndarray, config: DriftConfig, hist_edges: np.ndarray) -> None:
        self.ref = ref
        self.std = float(np.std(ref))
        self.epsilon = config.binning.psi_epsilon
        self.psi_edges = sn.quantile_edges(ref, config.binning.psi_bins)
        self.psi_counts = sn.right_closed_counts(ref, self.psi_edges)
        self.hist_edges = hist_edges
        self.hist_counts = sn.histogram_counts(ref, hist_edges)
        self._prefix: np.ndarray | None = None

    def metric_vs(self, sample: np.ndarray, metric: str) -> float:
        """``metric`` of a sorted, finite, non-empty sample against the reference."""
        if metric == "normalized_wasserstein":
            if self._prefix is None:
                self._prefix = sn.prefix_sums(self.ref)
            w1 = sn.wasserstein_vs_sample(self.ref, self._prefix, sample)
            return sn.normalized_wasserstein(w1, self.ref, sample, self.std)
        if metric == "ks_statistic":
            return sn.ks_statistic_vs_sample(self.ref, sample)
        if metric == "ks_pvalue":
            statistic = sn.ks_statistic_vs_sample(self.ref, sample)
            return sn.ks_pvalue(statistic, self.ref, sample)[1]
        if metric == "psi":
            counts = sn.right_closed_counts(sample, self.psi_edges)
            return sn.psi(self.psi_counts, counts, self.epsilon)
        if metric == "jensen_shannon":
            counts = sn.histogram_counts(sample, self.hist_edges)
            if counts.sum() == 0:
                return float("nan")
            return sn.jensen_shannon(self.hist_counts, counts)
        raise ValueError(f"unknown numeric metric {metric!r}")


def compare_numeric(
    name: str,
    reference: NumericValues,
    current: NumericValues,
    *,
    rule: MetricRule,
    thresholds: QualityThresholds,
    config: DriftConfig,
    workspace: NumericWorkspace,
    windows: Sequence[WindowRows] = (),
    role: str = "feature",
) -> tuple[FeatureDrift, list[float | None]]:
    """Drift, quality and chart data of a numeric column, and its metric in each window."""
    n_ref_rows, n_cur_rows = reference.values.shape[0], current.values.shape[0]
    ref_sorted = sn.sort_finite(reference.values, workspace.reference_buffer(n_ref_rows))
    cur_sorted = sn.sort_finite(current.values, workspace.current_buffer(n_cur_rows))
    ref, cur = ref_sorted.values, cur_sorted.values
    n_ref_errors = reference.n_type_error + ref_sorted.n_inf
    n_cur_errors = current.n_type_error + cur_sorted.n_inf
    out_of_bounds = None
    if ref.size:
        below = int(np.searchsorted(cur, ref[0], side="left"))
        above = cur.size - int(np.searchsorted(cur, ref[-1], side="right"))
        out_of_bounds = below + above
    quality = quality_rates(
        n_rows=n_cur_rows,
        n_null=current.n_null,
        n_type_error=n_cur_errors,
        n_out_of_bounds=out_of_bounds,
        n_reference_rows=n_ref_rows,
        n_reference_null=reference.n_null,
        n_reference_type_error=n_ref_errors,
        thresholds=thresholds,
    )
    if ref.size == 0 or cur.size == 0:
        table = "reference" if ref.size == 0 else "current"
        feature = FeatureDrift(
            name=name,
            kind=ColumnKind.NUMERIC,
            metric=rule.metric,
            value=None,
            threshold=rule.threshold,
            drifted=False,
            metrics={},
            quality=quality,
            distribution=None,
            n_reference=int(ref.size),
            n_current=int(cur.size),
            role=role,
            note=f"not compared: no numeric values in the {table} data",
            reference_summary=sn.summary(ref) if ref.size else {},
            current_summary=sn.summary(cur) if cur.size else {},
        )
        return feature, [None] * len(windows)

    statistic, wasserstein = sn.ks_wasserstein(ref, cur, workspace.merge)
    ks_statistic, ks_p, _method = sn.ks_pvalue(statistic, ref, cur)
    hist_edges = sn.histogram_edges(ref, cur, config.binning.histogram_bins)
    profile = _ReferenceProfile(ref, config, hist_edges)
    cur_psi_counts = sn.right_closed_counts(cur, profile.psi_edges)
    cur_hist_counts = sn.histogram_counts(cur, hist_edges)
    metrics: dict[str, float | None] = {
        "normalized_wasserstein": sn.normalized_wasserstein(wasserstein, ref, cur, profile.std),
        "wasserstein": wasserstein,
        "ks_statistic": ks_statistic,
        "ks_pvalue": ks_p,
        "psi": sn.psi(profile.psi_counts, cur_psi_counts, profile.epsilon),
        "jensen_shannon": sn.jensen_shannon(profile.hist_counts, cur_hist_counts),
    }
    value = metrics[rule.metric]
    assert value is not None
    widths = np.diff(hist_edges)
    distribution = Distribution(
        kind=ColumnKind.NUMERIC,
        edges=[float(e) for e in hist_edges],
        reference=(profile.hist_counts / (ref.size * widths)).tolist(),
        current=(cur_hist_counts / (cur.size * widths)).tolist(),
    )
    window_values: list[float | None] = []
    for window in windows:
        sample = sn.sort_finite(current.values[window.rows]).values
        window_values.append(profile.metric_vs(sample, rule.metric) if sample.size else None)
    feature = FeatureDrift(
        name=name,
        kind=ColumnKind.NUMERIC,
        metric=rule.metric,
        value=value,
        threshold=rule.threshold,
        drifted=is_drift(rule.metric, value, rule.threshold),
        metrics=metrics,
        quality=quality,
        distribution=distribution,
        n_reference=int(ref.size),
        n_current=int(cur.size),
        role=role,
        reference_summary=sn.summary(ref),
        current_summary=sn.summary(cur),
    )
    return feature, window_values
