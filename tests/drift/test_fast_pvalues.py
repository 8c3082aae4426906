"""KS p-values without ``scipy.stats`` are bit-identical to ``scipy.stats.ks_2samp``."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats
from scipy.stats import distributions

from mlops_desktop.drift import fast_pvalues, stats_numeric
from mlops_desktop.drift.kolmogorov_sf import kstwo_sf


def _scipy(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    result = stats.ks_2samp(a, b, method="auto")
    return float(result.statistic), float(result.pvalue)


def _ours(a: np.ndarray, b: np.ndarray) -> tuple[float, float, str]:
    ref, cur = np.sort(a), np.sort(b)
    statistic, _w1 = stats_numeric.ks_wasserstein(ref, cur, stats_numeric.MergeWorkspace())
    return stats_numeric.ks_pvalue(statistic, ref, cur)


def _pairs(seed: int, count: int, max_n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(count):
        n1, n2 = (int(v) for v in rng.integers(1, max_n, size=2))
        if rng.random() < 0.2:
            n2 = n1  # the equal-size series
        shift = rng.choice([0.0, 0.02, 0.1, 0.5, 3.0])
        a, b = rng.normal(0, 1, n1), rng.normal(shift, 1, n2)
        if rng.random() < 0.4:
            a, b = np.round(a, 1), np.round(b, 1)  # ties
        pairs.append((a, b))
    return pairs


@pytest.mark.parametrize("seed", range(4))
def test_exact_regime_small_samples_identical(seed: int) -> None:
    for a, b in _pairs(seed, 60, 300):
        statistic, pvalue, method = _ours(a, b)
        assert method == "exact"
        assert (statistic, pvalue) == _scipy(a, b), (len(a), len(b))


@pytest.mark.parametrize(
    ("n1", "n2", "shift"),
    [
        (10_000, 10_000, 0.0),  # the largest exact equal-size case
        (10_000, 10_000, 0.05),
        (10_000, 9_999, 0.02),  # the largest exact unequal case (compiled lattice kernel)
        (9_000, 10_000, 0.0),
        (3_000, 7_000, 0.1),
        (10_000, 37, 0.3),
        (10_001, 10_000, 0.02),  # just over the switch: asymptotic
        (10_001, 30, 0.2),
        (12_000, 15_000, 0.0),
        (20_000, 20_000, 0.03),
        (50_000, 1, 0.0),
        (200_000, 150_000, 0.01),
    ],
)
def test_both_sides_of_the_exact_asymptotic_switch_identical(
    n1: int, n2: int, shift: float
) -> None:
    rng = np.random.default_rng(n1 * 7 + n2)
    a, b = rng.normal(0, 1, n1), rng.normal(shift, 1, n2)
    statistic, pvalue, method = _ours(a, b)
    assert method == ("exact" if max(n1, n2) <= fast_pvalues.KS_EXACT_MAX_N else "asymp")
    assert (statistic, pvalue) == _scipy(a, b)


def test_kstwo_sf_identical_over_every_algorithm_branch() -> None:
    """Ruben–Gambino ends, Durbin matrix, Pomeranz, Pelz–Good and Smirnov, n small and large."""
    rng = np.random.default_rng(13)
    ns = [1, 2, 5, 17, 80, 140, 141, 500, 5_000, 60_000, 100_000, 100_001, 1_000_000]
    for n in ns:
        xs = np.concatenate(
            [
                rng.uniform(0, 1, 40),
                rng.uniform(0, 3 / np.sqrt(n), 40),  # where D_n usually falls
                [0.0, 0.5 / n, 1.0 / n, 0.5, 1.0 - 1.0 / n, 1.0, 1.5, -0.1, np.nan],
            ]
        )
        for x in xs:
            expected = float(distributions.kstwo.sf(x, float(n)))
            got = kstwo_sf(float(x), float(n))
            assert got == expected or (np.isnan(got) and np.isnan(expected)), (n, x)


def test_asymptotic_pvalue_identical_to_scipy_asymp() -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        n1, n2 = (int(v) for v in rng.integers(1, 400_000, size=2))
        statistic = float(rng.uniform(0, 0.05) if rng.random() < 0.8 else rng.uniform(0, 1))
        m, n = sorted([float(n1), float(n2)], reverse=True)
        expected = float(
            np.clip(distributions.kstwo.sf(statistic, np.round(m * n / (m + n))), 0, 1)
        )
        assert fast_pvalues.ks_asymptotic_pvalue(statistic, n1, n2) == expected


def test_identical_statistic_no_gap_gives_one() -> None:
    a = np.arange(50.0)
    assert _ours(a, a.copy())[:2] == _scipy(a, a.copy()) == (0.0, 1.0)


def test_the_kernel_is_loaded_without_importing_scipy_stats() -> None:
    code = (
        "import sys\n"
        "from mlops_desktop.drift.fast_pvalues import ks_2samp_pvalue\n"
        "print(ks_2samp_pvalue(0.01, 10_000, 9_999), ks_2samp_pvalue(0.01, 20_000, 30_000))\n"
        "loaded = sorted(m for m in sys.modules if m == 'scipy.stats' or m.startswith("
        "'scipy.stats.') and m != 'scipy.stats._stats_pythran')\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "True" in done.stdout and "False" in done.stdout
