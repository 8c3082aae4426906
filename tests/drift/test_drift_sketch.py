"""The grid sketch's KS and Wasserstein intervals hold scipy's exact values, and stay narrow."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from mlops_desktop.drift.sketch import GridSketch, Moments, ks_bounds, wasserstein_bounds


def _samples(case: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    n, m = 40_000, 25_000
    if case == "same":
        return rng.normal(0, 1, n), rng.normal(0, 1, m)
    if case == "shifted":
        return rng.normal(0, 1, n), rng.normal(0.3, 1.2, m)
    if case == "lognormal":
        return rng.lognormal(0, 1, n), rng.lognormal(0.1, 1, m)
    if case == "discrete":  # atoms: many ties inside one grid bin
        return np.round(rng.normal(0, 1, n), 1), np.round(rng.normal(0.1, 1, m), 1)
    if case == "heavy_tail":  # a wide range makes wide bins: the bound must still hold
        return rng.standard_cauchy(n), rng.standard_cauchy(m) + 0.5
    if case == "constant":
        return np.full(n, 3.0), np.full(m, 3.0)
    raise AssertionError(case)


def _sketches(a: np.ndarray, b: np.ndarray, bins: int) -> tuple[GridSketch, GridSketch]:
    low, high = min(a.min(), b.min()), max(a.max(), b.max())
    ref, cur = GridSketch(low, high, bins), GridSketch(low, high, bins)
    for chunk in np.array_split(a, 7):  # built batch by batch, as when streaming
        ref.add(chunk)
    for chunk in np.array_split(b, 3):
        cur.add(chunk)
    return ref, cur


CASES = ["same", "shifted", "lognormal", "discrete", "heavy_tail", "constant"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("bins", [64, 4096, 1 << 16])
def test_intervals_hold_scipys_exact_statistics(case: str, bins: int) -> None:
    a, b = _samples(case, np.random.default_rng(CASES.index(case)))
    ref, cur = _sketches(a, b, bins)
    ks, w1 = ks_bounds(ref, cur), wasserstein_bounds(ref, cur)
    exact_ks = stats.ks_2samp(a, b, method="asymp").statistic
    exact_w1 = stats.wasserstein_distance(a, b)
    slack = 1e-9 * max(1.0, abs(exact_w1))  # floating-point rounding only
    assert ks.low - 1e-12 <= exact_ks <= ks.high + 1e-12
    assert w1.low - slack <= exact_w1 <= w1.high + slack
    # The stated worst cases: KS within the largest bin share, W1 within one bin width.
    largest_share = max(ref.counts.max() / ref.n, cur.counts.max() / cur.n)
    assert ks.bound <= largest_share / 2 + 1e-12
    assert w1.bound <= ref.width + 1e-12


def test_fine_grid_is_close_on_smooth_data() -> None:
    a, b = _samples("shifted", np.random.default_rng(7))
    ref, cur = _sketches(a, b, 1 << 16)
    assert ks_bounds(ref, cur).bound < 1e-3
    w1 = wasserstein_bounds(ref, cur)
    assert w1.bound < 1e-5 * stats.wasserstein_distance(a, b) + 1e-6


def test_a_coarse_grid_says_its_bound_is_wide() -> None:
    a, b = _samples("shifted", np.random.default_rng(8))
    coarse, fine = _sketches(a, b, 8), _sketches(a, b, 1 << 14)
    assert ks_bounds(*coarse).bound > 10 * ks_bounds(*fine).bound


def test_sketches_merge_to_the_sketch_of_the_whole() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(size=10_000)
    whole = GridSketch(values.min(), values.max(), 1000)
    whole.add(values)
    parts = [GridSketch(values.min(), values.max(), 1000) for _ in range(4)]
    for part, chunk in zip(parts, np.array_split(values, 4), strict=True):
        part.add(chunk)
    for part in parts[1:]:
        parts[0].merge(part)
    np.testing.assert_array_equal(parts[0].counts, whole.counts)
    np.testing.assert_allclose(parts[0].sums, whole.sums)
    with pytest.raises(ValueError, match="different grids"):
        parts[0].merge(GridSketch(0.0, 1.0, 1000))


def test_quantile_interval_holds_numpys_quantile() -> None:
    values = np.random.default_rng(4).exponential(size=9_999)
    grid = GridSketch(values.min(), values.max(), 2048)
    grid.add(values)
    for q in (0.1, 0.5, 0.9):
        interval = grid.quantile(q)
        assert interval.low <= np.quantile(values, q) <= interval.high
        assert interval.bound <= grid.width + 1e-12


def test_moments_merge_exactly_in_any_order() -> None:
    values = np.random.default_rng(5).normal(1e6, 3.0, 100_000)  # large mean: needs Chan
    chunks = np.array_split(values, 9)
    forward, backward = Moments(), Moments()
    for chunk in chunks:
        forward.add(chunk)
    for chunk in reversed(chunks):
        part = Moments()
        part.add(chunk)
        backward.merge(part)
    for moments in (forward, backward):
        assert moments.n == values.size
        assert moments.mean == pytest.approx(np.mean(values), rel=1e-14)
        assert moments.std == pytest.approx(np.std(values), rel=1e-9)
