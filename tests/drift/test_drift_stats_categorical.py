"""Categorical statistics against scipy's chi2_contingency and jensenshannon."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlops_desktop.drift import stats_categorical as sc

counts = st.lists(st.integers(0, 50), min_size=1, max_size=12)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_chi2_and_js_match_scipy(data: st.DataObject) -> None:
    k = data.draw(st.integers(1, 10))
    ref = np.array(data.draw(st.lists(st.integers(0, 40), min_size=k, max_size=k)))
    cur = np.array(data.draw(st.lists(st.integers(0, 40), min_size=k, max_size=k)))
    ref[data.draw(st.integers(0, k - 1))] += 1  # both samples non-empty
    cur[data.draw(st.integers(0, k - 1))] += 1
    statistic, p_value, dof = sc.chi2_homogeneity(ref, cur)
    keep = (ref + cur) > 0
    table = np.vstack([ref[keep], cur[keep]])
    expected = stats.chi2_contingency(table)
    assert dof == expected.dof
    assert close(statistic, expected.statistic)
    assert close(p_value, expected.pvalue)
    assert close(sc.jensen_shannon(ref, cur), jensenshannon(ref, cur, base=2))


def test_identical_distributions_have_zero_distance() -> None:
    ref = np.array([10, 20, 30])
    assert sc.jensen_shannon(ref, ref * 3) == 0.0
    assert sc.psi(ref, ref * 3, 1e-4) == 0.0
    assert sc.chi2_homogeneity(ref, ref)[1] == 1.0


def test_single_category_is_degenerate() -> None:
    assert sc.chi2_homogeneity(np.array([5, 0]), np.array([7, 0])) == (0.0, 1.0, 0)


def test_psi_smooths_empty_categories() -> None:
    value = sc.psi(np.array([100, 0]), np.array([50, 50]), 1e-4)
    r, c = np.array([1.0, 1e-4]), np.array([0.5, 0.5])
    assert close(value, float(np.sum((c - r) * np.log(c / r))))
