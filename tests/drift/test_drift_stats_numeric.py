"""Numeric statistics against scipy and numpy, on randomized samples with ties, constants, NaNs
and tiny sizes (hypothesis)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlops_desktop.drift import stats_numeric as sn

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's, on tiny samples

TOL = 1e-9
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def close(a: float, b: float) -> bool:
    """Equal to 1e-9 (relative or absolute); NaN equals NaN (scipy's asymptotic p for n=1)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


value = st.one_of(
    st.integers(-4, 4).map(float),  # ties
    st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
    st.just(math.nan),
    st.just(2.5),  # the same constant in both samples
)
sample = st.lists(value, min_size=1, max_size=80).filter(
    lambda xs: any(not math.isnan(x) for x in xs)
)


def finite(xs: list[float]) -> np.ndarray:
    array = np.asarray(xs, dtype=np.float64)
    return array[np.isfinite(array)]


def sorted_finite(xs: list[float]) -> np.ndarray:
    return sn.sort_finite(np.asarray(xs, dtype=np.float64)).values


@SETTINGS
@given(sample, sample)
def test_ks_matches_scipy(a: list[float], b: list[float]) -> None:
    ref, cur = sorted_finite(a), sorted_finite(b)
    statistic, _w = sn.ks_wasserstein(ref, cur)
    expected = stats.ks_2samp(finite(a), finite(b))
    ks_stat, p_value, _method = sn.ks_pvalue(statistic, ref, cur)
    assert close(ks_stat, expected.statistic)
    assert close(p_value, expected.pvalue)
    asymp = stats.ks_2samp(finite(a), finite(b), method="asymp")
    assert close(statistic, asymp.statistic)
    assert close(sn.ks_asymptotic_pvalue(statistic, ref.size, cur.size), asymp.pvalue)


@SETTINGS
@given(sample, sample)
def test_wasserstein_matches_scipy(a: list[float], b: list[float]) -> None:
    ref, cur = sorted_finite(a), sorted_finite(b)
    _d, w1 = sn.ks_wasserstein(ref, cur)
    expected = stats.wasserstein_distance(finite(a), finite(b))
    assert close(w1, expected)
    std = float(np.std(ref)) if ref.min() < ref.max() else 0.0
    normalized = sn.normalized_wasserstein(w1, ref, cur)
    if std > 0:
        assert close(normalized, expected / std)
    elif expected == 0:
        assert normalized == 0.0
    elif np.std(np.concatenate([ref, cur])) > 0:
        assert close(normalized, expected / float(np.std(np.concatenate([ref, cur]))))
    else:  # the spread underflows float64 (values near 1e-300): finite, positive
        assert math.isfinite(normalized) and normalized > 0


@SETTINGS
@given(sample, sample)
def test_small_sample_variants_match_scipy(a: list[float], b: list[float]) -> None:
    """The O(m log n) window versions give the same KS and W1 as the merge."""
    ref, cur = sorted_finite(a), sorted_finite(b)
    assert close(
        sn.ks_statistic_vs_sample(ref, cur), stats.ks_2samp(ref, cur, method="asymp").statistic
    )
    w1 = sn.wasserstein_vs_sample(ref, sn.prefix_sums(ref), cur)
    assert math.isclose(w1, stats.wasserstein_distance(ref, cur), rel_tol=1e-9, abs_tol=1e-7)


def psi_reference(ref: np.ndarray, cur: np.ndarray, bins: int, epsilon: float) -> float:
    """PSI the plain way: quantile edges with numpy, counts with comparisons."""
    edges = np.unique(np.quantile(ref, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    bounds = np.concatenate(([-np.inf], edges, [np.inf]))
    r = np.array([np.sum((ref > lo) & (ref <= hi)) for lo, hi in itertools.pairwise(bounds)])
    c = np.array([np.sum((cur > lo) & (cur <= hi)) for lo, hi in itertools.pairwise(bounds)])
    r = np.maximum(r / ref.size, epsilon)
    c = np.maximum(c / cur.size, epsilon)
    return float(np.sum((c - r) * np.log(c / r)))


@SETTINGS
@given(sample, sample, st.integers(2, 12))
def test_psi_matches_numpy_reference(a: list[float], b: list[float], bins: int) -> None:
    ref, cur = sorted_finite(a), sorted_finite(b)
    edges = sn.quantile_edges(ref, bins)
    np.testing.assert_array_equal(
        edges, np.unique(np.quantile(finite(a), np.linspace(0, 1, bins + 1)[1:-1]))
    )
    value = sn.psi(sn.right_closed_counts(ref, edges), sn.right_closed_counts(cur, edges), 1e-4)
    assert close(value, psi_reference(finite(a), finite(b), bins, 1e-4))


@SETTINGS
@given(sample, sample, st.integers(2, 30))
def test_histogram_and_jensen_shannon_match(a: list[float], b: list[float], bins: int) -> None:
    ref, cur = sorted_finite(a), sorted_finite(b)
    edges = sn.histogram_edges(ref, cur, bins)
    both = np.concatenate([ref, cur])
    np.testing.assert_array_equal(edges, np.histogram_bin_edges(both, bins=bins))
    ref_counts, cur_counts = sn.histogram_counts(ref, edges), sn.histogram_counts(cur, edges)
    np.testing.assert_array_equal(ref_counts, np.histogram(finite(a), bins=edges)[0])
    np.testing.assert_array_equal(cur_counts, np.histogram(finite(b), bins=edges)[0])
    assert close(
        sn.jensen_shannon(ref_counts, cur_counts), jensenshannon(ref_counts, cur_counts, base=2)
    )


def test_sort_finite_drops_nan_and_inf_without_touching_input() -> None:
    values = np.array([3.0, np.nan, -np.inf, 1.0, np.inf, np.nan, 2.0])
    original = values.copy()
    result = sn.sort_finite(values)
    np.testing.assert_array_equal(result.values, [1.0, 2.0, 3.0])
    assert (result.n_nan, result.n_inf) == (2, 2)
    np.testing.assert_array_equal(values, original)


@pytest.mark.parametrize(("n1", "n2"), [(12000, 15000), (20000, 20000), (10001, 30)])
def test_large_samples_use_asymptotic_pvalue_like_scipy(n1: int, n2: int) -> None:
    rng = np.random.default_rng(n1 + n2)
    a = np.round(rng.normal(0, 1, n1), 2)  # ties
    b = np.round(rng.normal(0.02, 1, n2), 2)
    ref, cur = np.sort(a), np.sort(b)
    workspace = sn.MergeWorkspace()
    statistic, w1 = sn.ks_wasserstein(ref, cur, workspace)
    stat, p_value, method = sn.ks_pvalue(statistic, ref, cur)
    expected = stats.ks_2samp(a, b)
    assert method == "asymp"
    assert close(stat, expected.statistic) and close(p_value, expected.pvalue)
    assert close(w1, stats.wasserstein_distance(a, b))
    # the workspace is reused for a smaller pair without stale data
    statistic2, w2 = sn.ks_wasserstein(ref[:500], cur[:700], workspace)
    assert close(statistic2, stats.ks_2samp(ref[:500], cur[:700]).statistic)
    assert close(w2, stats.wasserstein_distance(ref[:500], cur[:700]))


def test_constant_reference_normalization() -> None:
    ref = np.array([5.0, 5.0, 5.0])
    assert sn.normalized_wasserstein(0.0, ref, ref) == 0.0
    cur = np.array([6.0, 6.0])
    _d, w1 = sn.ks_wasserstein(ref, cur)
    assert w1 == 1.0
    assert close(sn.normalized_wasserstein(w1, ref, cur), 1.0 / np.std([5, 5, 5, 6, 6]))


@SETTINGS
@given(sample, sample)
def test_ks_and_wasserstein_are_bit_identical_to_scipy(a: list[float], b: list[float]) -> None:
    """Not merely close: the same CDF values, gaps and dot product as scipy forms them."""
    ref, cur = sorted_finite(a), sorted_finite(b)
    statistic, w1 = sn.ks_wasserstein(ref, cur)
    assert statistic == stats.ks_2samp(finite(a), finite(b), method="asymp").statistic
    assert w1 == stats.wasserstein_distance(finite(a), finite(b))
    ks_stat, p_value, _method = sn.ks_pvalue(statistic, ref, cur)
    expected = stats.ks_2samp(finite(a), finite(b))
    assert (ks_stat, p_value) == (expected.statistic, expected.pvalue) or (
        math.isnan(p_value) and math.isnan(expected.pvalue)
    )
