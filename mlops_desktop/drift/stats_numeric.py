"""Numeric drift statistics computed from sorted samples.

Each numeric column is sorted once (NaN and ±inf cut off the ends) and every statistic reuses the
sorted arrays:

- Kolmogorov–Smirnov and Wasserstein-1 share one linear merge of the two sorted samples: the merge
  gives both empirical CDFs at every point, the KS statistic is their largest gap at the end of each
  run of ties, W1 the integral of their absolute difference (the same sums ``scipy.stats`` forms).
- PSI and Jensen–Shannon bin counts come from ``searchsorted`` of a few edges into the sorted
  arrays, so no histogram pass over the data is needed.
- Windows (a small current sample against the whole reference) use ``searchsorted`` of the window
  into the reference and prefix sums of the reference, costing O(window · log reference).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlops_desktop.drift.blas_dot import dot_like_default_blas

#: Largest sample size for which ``scipy.stats.ks_2samp(method="auto")`` computes exact p-values.
KS_EXACT_MAX_N = 10_000


@dataclass(frozen=True)
class SortedSample:
    """The finite values of one column, sorted, with the counts of what was dropped."""

    values: np.ndarray
    n_nan: int
    n_inf: int


def sort_finite(values: np.ndarray, out: np.ndarray | None = None) -> SortedSample:
    """Sort ``values`` (float64) into ``out`` (or a new array) and cut off NaN and ±inf.

    NaN sorts last and ±inf to the ends, so the finite values are one contiguous slice; the result
    is a view into ``out``. ``values`` is never modified.
    """
    n = values.shape[0]
    if out is None:
        buffer = np.array(values, dtype=np.float64, copy=True)
    else:
        buffer = out[:n]
        np.copyto(buffer, values, casting="same_kind")
    n_nan = int(np.count_nonzero(np.isnan(buffer)))
    buffer.sort(kind="quicksort")
    end = n - n_nan
    lo = int(np.searchsorted(buffer[:end], -np.inf, side="right"))
    hi = int(np.searchsorted(buffer[:end], np.inf, side="left"))
    return SortedSample(values=buffer[lo:hi], n_nan=n_nan, n_inf=lo + (end - hi))


class MergeWorkspace:
    """Scratch buffers reused across columns, so large merges do not fault in fresh pages."""

    def __init__(self) -> None:
        self._size = 0
        self._joined = np.empty(0)
        self._merged = np.empty(0)
        self._cdf_a = np.empty(0)
        self._cdf_b = np.empty(0)
        self._counts = np.empty(0, dtype=np.int64)
        self._ramp = np.empty(0, dtype=np.int64)
        self._flags = np.empty(0, dtype=bool)

    def reserve(self, size: int) -> None:
        """Make every buffer at least ``size`` long."""
        if size > self._size:
            self._joined = np.empty(size)
            self._merged = np.empty(size)
            self._cdf_a = np.empty(size)
            self._cdf_b = np.empty(size)
            self._counts = np.empty(size, dtype=np.int64)
            self._ramp = np.arange(1, size + 1, dtype=np.int64)
            self._flags = np.empty(size, dtype=bool)
            self._size = size


def ks_wasserstein(
    ref: np.ndarray, cur: np.ndarray, workspace: MergeWorkspace | None = None
) -> tuple[float, float]:
    """The two-sample KS statistic and the Wasserstein-1 distance of two sorted, finite samples.

    Bit for bit ``scipy.stats.ks_2samp(ref, cur, method="asymp").statistic`` and
    ``scipy.stats.wasserstein_distance(ref, cur)``: the same CDF values ``count / n`` at the end
    of every run of equal values, the same gaps, the same dot product.
    """
    n1, n2 = ref.shape[0], cur.shape[0]
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples must be non-empty")
    size = n1 + n2
    ws = workspace or MergeWorkspace()
    ws.reserve(size)
    joined, merged = ws._joined[:size], ws._merged[:size]
    cdf_a, cdf_b = ws._cdf_a[:size], ws._cdf_b[:size]
    counts, ramp, is_cur = ws._counts[:size], ws._ramp[:size], ws._flags[:size]
    # Linear merge: a stable sort of two sorted runs is one timsort merge (half the time of
    # searchsorted + scatter). The order inside a run of ties does not matter: CDFs are read
    # only at the end of each run and the gaps inside it are zero.
    joined[:n1] = ref
    joined[n1:] = cur
    order = np.argsort(joined, kind="stable")
    np.greater_equal(order, n1, out=is_cur)
    np.take(joined, order, out=merged)
    del order
    # Empirical CDFs at every merged position: counts so far over sample sizes (as scipy).
    np.cumsum(is_cur, dtype=np.int64, out=counts)
    np.divide(counts, n2, out=cdf_b)
    np.subtract(ramp, counts, out=counts)
    np.divide(counts, n1, out=cdf_a)
    diff = np.subtract(cdf_a, cdf_b, out=cdf_a)
    np.abs(diff, out=diff)
    # Within a run of ties only the last position is a CDF value.
    run_end = np.not_equal(merged[1:], merged[:-1], out=is_cur[:-1])
    if size == 1:
        statistic = 0.0
    elif np.count_nonzero(run_end) == size - 1:
        statistic = float(np.max(diff[:-1]))
    else:
        statistic = float(np.max(diff[:-1], where=run_end, initial=0.0))
    gaps = np.subtract(merged[1:], merged[:-1], out=cdf_b[:-1])
    wasserstein = dot_like_default_blas(diff[:-1], gaps)  # scipy's one ddot, bit for bit
    return statistic, wasserstein


def ks_pvalue(statistic: float, ref: np.ndarray, cur: np.ndarray) -> tuple[float, float, str]:
    """``(statistic, p-value, method)`` with the semantics of ``ks_2samp(method="auto")``.

    For samples of at most 10,000 values scipy's exact distribution is used (the statistic
    rounded to the lattice ``h / lcm(n1, n2)``, as scipy does); above that the asymptotic Smirnov
    distribution ``kstwo`` at ``round(n1·n2/(n1+n2))``. Computed by
    :mod:`mlops_desktop.drift.fast_pvalues`, identical to scipy without importing ``scipy.stats``.
    """
    from mlops_desktop.drift.fast_pvalues import ks_2samp_pvalue

    statistic, pvalue, exact = ks_2samp_pvalue(statistic, ref.shape[0], cur.shape[0])
    return statistic, pvalue, "exact" if exact else "asymp"


def ks_asymptotic_pvalue(statistic: float, n1: int, n2: int) -> float:
    """Two-sided asymptotic KS p-value, as ``ks_2samp(method="asymp")`` computes it."""
    from mlops_desktop.drift import fast_pvalues

    return fast_pvalues.ks_asymptotic_pvalue(statistic, n1, n2)


def normalized_wasserstein(
    wasserstein: float, ref: np.ndarray, cur: np.ndarray, ref_std: float | None = None
) -> float:
    """W1 divided by the reference standard deviation (population, ``ddof=0``); ``ref`` sorted.

    A constant reference has no spread to scale by: then the pooled standard deviation of both
    samples is used, and when that is zero too (both constant and equal) the distance is 0.
    """
    constant = ref.shape[0] == 0 or ref[0] == ref[-1]  # sorted: exactly one value
    scale = 0.0 if constant else float(np.std(ref)) if ref_std is None else ref_std
    if scale > 0.0:
        return wasserstein / scale
    if wasserstein == 0.0:
        return 0.0
    both = np.concatenate([ref, cur])
    magnitude = float(np.max(np.abs(both)))
    pooled = float(np.std(both / magnitude)) * magnitude if magnitude > 0.0 else 0.0
    return wasserstein / pooled if pooled > 0.0 else 0.0


def quantile_edges(ref: np.ndarray, bins: int) -> np.ndarray:
    """Inner PSI bin edges: the reference quantiles ``1/bins … (bins-1)/bins``, deduplicated.

    Computed on the sorted array with ``numpy.quantile``'s default (linear) interpolation. The
    bins are ``(-inf, e1], (e1, e2], …, (ek, inf)``.
    """
    n = ref.shape[0]
    if n == 0:
        return np.empty(0)
    position = np.linspace(0.0, 1.0, bins + 1)[1:-1] * (n - 1)
    below = np.floor(position).astype(np.intp)
    above = np.minimum(below + 1, n - 1)
    fraction = position - below
    lower, upper = ref[below], ref[above]
    # numpy's lerp, bit for bit: from the nearer end, so ties at an edge fall the same way.
    span = upper - lower
    edges = np.where(fraction >= 0.5, upper - span * (1 - fraction), lower + span * fraction)
    return np.unique(edges)


def right_closed_counts(values: np.ndarray, inner_edges: np.ndarray) -> np.ndarray:
    """Counts of sorted ``values`` in ``(-inf, e1], (e1, e2], …, (ek, inf)``."""
    cumulative = np.searchsorted(values, inner_edges, side="right")
    return np.diff(np.concatenate(([0], cumulative, [values.shape[0]])))


def histogram_edges(ref: np.ndarray, cur: np.ndarray, bins: int) -> np.ndarray:
    """Equal-width edges over the joint range (``numpy.histogram_bin_edges`` semantics)."""
    low = min(float(ref[0]), float(cur[0])) if ref.size and cur.size else 0.0
    high = max(float(ref[-1]), float(cur[-1])) if ref.size and cur.size else 1.0
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1)


def histogram_counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``numpy.histogram(values, edges)[0]`` for sorted ``values`` (last bin closed)."""
    idx = np.searchsorted(values, edges, side="left")
    idx[-1] = np.searchsorted(values, edges[-1], side="right")
    return np.diff(idx)


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray, epsilon: float) -> float:
    """Population stability index ``Σ (c − r) · ln(c / r)`` over bin proportions.

    Proportions below ``epsilon`` (empty bins) are raised to ``epsilon`` so the log stays finite.
    """
    r = np.maximum(ref_counts / max(int(ref_counts.sum()), 1), epsilon)
    c = np.maximum(cur_counts / max(int(cur_counts.sum()), 1), epsilon)
    return float(np.sum((c - r) * np.log(c / r)))


def jensen_shannon(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """Jensen–Shannon distance (base 2) of two count vectors, as ``scipy.spatial.distance``."""
    if np.sum(p_counts) == 0 or np.sum(q_counts) == 0:
        return float("nan")  # scipy's 0/0
    p = p_counts / np.sum(p_counts)
    q = q_counts / np.sum(q_counts)
    m = (p + q) / 2.0
    js = np.sum(_rel_entr(p, m)) + np.sum(_rel_entr(q, m))
    js /= np.log(2.0)
    return float(np.sqrt(max(js, 0.0) / 2.0))


def _rel_entr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``scipy.special.rel_entr`` where ``y > 0`` wherever ``x > 0`` (``m`` above): ``x·ln(x/y)``,
    0 where ``x`` is 0. numpy only, so a numeric report never imports scipy.special."""
    terms = np.zeros_like(x)
    positive = x > 0
    terms[positive] = x[positive] * np.log(x[positive] / y[positive])
    return terms


def ks_statistic_vs_sample(ref: np.ndarray, sample: np.ndarray) -> float:
    """KS statistic of a (small) sorted sample against a sorted reference, O(m · log n).

    The largest CDF gap over all points of both samples: at each distinct sample value, and just
    before it (the last reference point below it), where the sample CDF is still the previous step.
    """
    n, m = ref.shape[0], sample.shape[0]
    distinct, last = _distinct_with_counts(sample)
    cdf_sample = last / m
    previous = np.concatenate(([0.0], cdf_sample[:-1]))
    at = np.searchsorted(ref, distinct, side="right") / n
    before = np.searchsorted(ref, distinct, side="left") / n
    gap_at = np.abs(at - cdf_sample)
    gap_before = np.abs(before - previous)
    return float(max(gap_at.max(), gap_before.max()))


def _distinct_with_counts(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and the cumulative count at the end of each run."""
    run_end = np.flatnonzero(np.diff(sorted_values)) if sorted_values.size > 1 else np.empty(0, int)
    ends = np.concatenate((run_end, [sorted_values.shape[0] - 1])).astype(np.intp)
    return sorted_values[ends], (ends + 1).astype(np.float64)


def prefix_sums(ref: np.ndarray) -> np.ndarray:
    """``[0, r0, r0+r1, …]`` for :func:`wasserstein_vs_sample`."""
    return np.concatenate(([0.0], np.cumsum(ref)))


def wasserstein_vs_sample(ref: np.ndarray, ref_prefix: np.ndarray, sample: np.ndarray) -> float:
    """W1 of a (small) sorted sample against a sorted reference, O(m · log n).

    Between consecutive distinct sample values the sample CDF is a constant ``c``; the integral of
    ``|F_ref − c|`` over that segment splits where ``F_ref`` reaches ``c`` and each part is a
    difference of the reference's integrated CDF ``A(x) = Σ_{r ≤ x}(x − r) / n`` (prefix sums).
    """
    n, m = ref.shape[0], sample.shape[0]
    distinct, cum = _distinct_with_counts(sample)
    k = distinct.shape[0]
    lows = np.empty(k + 1)
    highs = np.empty(k + 1)
    levels = np.empty(k + 1)
    lows[0] = min(float(ref[0]), float(distinct[0]))
    highs[0] = distinct[0]
    levels[0] = 0.0
    lows[1:] = distinct
    highs[1:-1] = distinct[1:]
    highs[-1] = max(float(ref[-1]), float(distinct[-1]))
    levels[1:] = cum / m
    counts = np.concatenate(([0], cum.astype(np.int64)))
    # First reference index where F_ref reaches the level: ceil(count·n/m) − 1, in integers.
    reach = (counts * n + m - 1) // m - 1
    crossing = np.where(reach >= 0, ref[np.clip(reach, 0, n - 1)], -np.inf)
    crossing = np.clip(crossing, lows, highs)

    def integrated_cdf(x: np.ndarray) -> np.ndarray:
        below = np.searchsorted(ref, x, side="right")
        return (below * x - ref_prefix[below]) / n

    a_low, a_cross, a_high = integrated_cdf(lows), integrated_cdf(crossing), integrated_cdf(highs)
    under = levels * (crossing - lows) - (a_cross - a_low)
    over = (a_high - a_cross) - levels * (highs - crossing)
    return float(np.sum(under) + np.sum(over))


def summary(values: np.ndarray) -> dict[str, float]:
    """min, max, mean, std and median of a sorted, finite, non-empty sample."""
    n = values.shape[0]
    mid = n // 2
    median = float(values[mid]) if n % 2 else float((values[mid - 1] + values[mid]) / 2.0)
    return {
        "min": float(values[0]),
        "max": float(values[-1]),
        "mean": float(np.mean(values)),
        "std": float(np.std(values)),
        "median": median,
    }


def is_integer_valued(values: np.ndarray) -> bool:
    """Whether every (finite) value is a whole number."""
    return bool(np.all(np.floor(values) == values))


def count_distinct_sorted(values: np.ndarray) -> int:
    """Number of distinct values of a sorted array."""
    if values.shape[0] == 0:
        return 0
    return 1 + int(np.count_nonzero(values[1:] != values[:-1]))
