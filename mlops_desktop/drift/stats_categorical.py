"""Categorical drift statistics from per-category count vectors (aligned on the same categories)."""

from __future__ import annotations

import numpy as np

from mlops_desktop.drift.stats_numeric import jensen_shannon, psi

__all__ = ["chi2_homogeneity", "jensen_shannon", "psi"]


def chi2_homogeneity(
    ref_counts: np.ndarray, cur_counts: np.ndarray, *, correction: bool = True
) -> tuple[float, float, int]:
    """Pearson chi-squared test that both samples share one categorical distribution.

    The 2×k contingency table of reference and current counts, with the semantics of
    ``scipy.stats.chi2_contingency(table)`` (Yates' correction when there is one degree of
    freedom). Categories empty in both samples are dropped first. Returns
    ``(statistic, p-value, degrees of freedom)``; one category gives ``(0.0, 1.0, 0)``.
    """
    from scipy.special import chdtrc

    keep = (ref_counts + cur_counts) > 0
    observed = np.vstack((ref_counts[keep], cur_counts[keep])).astype(np.float64)
    k = observed.shape[1]
    dof = k - 1
    if dof <= 0:
        return 0.0, 1.0, 0
    total = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / total
    if dof == 1 and correction:
        diff = expected - observed
        observed = observed + np.minimum(0.5, np.abs(diff)) * np.sign(diff)
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    return statistic, float(chdtrc(dof, statistic)), dof
