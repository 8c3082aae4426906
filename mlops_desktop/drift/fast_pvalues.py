"""Two-sample Kolmogorov–Smirnov p-values identical to ``scipy.stats.ks_2samp``, cheaply imported.

``import scipy.stats`` costs about half a second of every cold ``drift report``; the p-value itself
takes milliseconds. This module computes exactly what ``ks_2samp(method="auto")`` (two-sided)
computes from the statistic and the sample sizes:

- at most 10,000 values per sample: the exact null distribution. Equal sizes use scipy's own
  Horner-form series (copied below); unequal sizes call scipy's compiled lattice-path kernel
  ``_compute_outer_prob_inside_method``, loaded straight from its extension file so that the
  ``scipy.stats`` package (and its ``__init__``) is not imported. Should that ever fail (another
  layout, a frozen app without the file), it is imported the ordinary way — slower, same numbers;
- larger samples, or when the exact computation overflows: Smirnov's asymptotic distribution
  ``kstwo.sf(d, round(n1·n2/(n1+n2)))`` (:mod:`mlops_desktop.drift.kolmogorov_sf`).

``tests/drift/test_fast_pvalues.py`` pins bit-identity with scipy on many random inputs,
including both sides of the exact/asymptotic switch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

#: Largest sample size for which ``ks_2samp(method="auto")`` computes exact p-values.
KS_EXACT_MAX_N = 10_000

_outer_prob_kernel: Callable[[int, int, int, int], float] | None = None


def ks_2samp_pvalue(statistic: float, n1: int, n2: int) -> tuple[float, float, bool]:
    """``(statistic, p-value, exact)`` as ``ks_2samp(x, y, method="auto")`` returns them.

    ``statistic`` is the largest ECDF gap of samples of sizes ``n1`` and ``n2`` (both ≥ 1). In the
    exact regime scipy reports the statistic rounded to its lattice ``h / lcm(n1, n2)``; so does
    this. ``exact`` is False where scipy fell back to the asymptotic distribution.
    """
    d = float(statistic)
    if max(n1, n2) <= KS_EXACT_MAX_N:
        success, d, prob = _attempt_exact(n1, n2, math.gcd(n1, n2), d)
        if success:
            return d, float(np.clip(prob, 0, 1)), True
    return d, ks_asymptotic_pvalue(d, n1, n2), False


def ks_asymptotic_pvalue(statistic: float, n1: int, n2: int) -> float:
    """Two-sided asymptotic KS p-value, as ``ks_2samp(method="asymp")`` computes it."""
    from mlops_desktop.drift.kolmogorov_sf import kstwo_sf

    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    prob = kstwo_sf(statistic, float(np.round(en)))
    return float(np.clip(prob, 0.0, 1.0))


def _attempt_exact(n1: int, n2: int, g: int, d: float) -> tuple[bool, float, float]:
    """scipy's ``_attempt_exact_2kssamp`` for the two-sided alternative: (success, d, p)."""
    lcm = (n1 // g) * n2
    h = int(np.round(d * lcm))
    d = h * 1.0 / lcm
    if h == 0:
        return True, d, 1.0
    saw_fp_error, prob = False, np.nan
    try:
        with np.errstate(invalid="raise", over="raise"):
            if n1 == n2:
                prob = _compute_prob_outside_square(n1, h)
            else:
                prob = _outer_prob_inside(n1, n2, g, h)
    except (FloatingPointError, OverflowError):
        saw_fp_error = True
    if saw_fp_error:
        return False, d, np.nan
    if not (0 <= prob <= 1):
        return False, d, prob
    return True, d, prob


def _compute_prob_outside_square(n: int, h: int) -> float:
    """Pr(D_{n,n} >= h/n), scipy's Horner-like evaluation (no subtractive cancellation)."""
    P = 0.0
    k = int(np.floor(n / h))
    while k >= 0:
        p1 = 1.0
        for j in range(h):
            p1 = (n - k * h - j) * p1 / (n + k * h + j + 1)
        P = p1 * (1.0 - P)
        k -= 1
    return 2 * P


def _outer_prob_inside(m: int, n: int, g: int, h: int) -> float:
    global _outer_prob_kernel
    if _outer_prob_kernel is None:
        _outer_prob_kernel = _load_outer_prob_kernel()
    return _outer_prob_kernel(m, n, g, h)


def _load_outer_prob_kernel() -> Callable[[int, int, int, int], float]:
    """scipy's compiled ``_compute_outer_prob_inside_method``, without ``scipy.stats.__init__``."""
    try:
        import importlib.machinery
        import importlib.util
        from pathlib import Path

        spec = importlib.util.find_spec("scipy")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("scipy not found")
        folder = Path(next(iter(spec.submodule_search_locations))) / "stats"
        name = "scipy.stats._stats_pythran"
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = folder / f"_stats_pythran{suffix}"
            if path.is_file():
                loader = importlib.machinery.ExtensionFileLoader(name, str(path))
                module_spec = importlib.util.spec_from_file_location(name, path, loader=loader)
                if module_spec is None:
                    break
                module = importlib.util.module_from_spec(module_spec)
                loader.exec_module(module)
                return module._compute_outer_prob_inside_method
        raise ImportError("scipy's _stats_pythran extension not found")
    except Exception:  # any layout we do not know: the ordinary (slower) import, same function
        from scipy.stats._stats_pythran import _compute_outer_prob_inside_method

        return _compute_outer_prob_inside_method
