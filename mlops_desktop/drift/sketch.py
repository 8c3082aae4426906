"""Mergeable summaries of numeric samples too large to sort in memory, with proven error bounds.

Two kinds, both built batch by batch and merged by addition (so row groups, files and workers can
each build their own and the results are combined in any order):

- :class:`Moments` — count, mean and the sum of squared deviations, merged with Chan's formula:
  exact up to floating-point rounding (mean and population standard deviation).
- :class:`GridSketch` — per-bin counts *and value sums* of a sample on a fixed grid of ``bins``
  equal-width bins over a known range ``[low, high]`` (the joint min … max of both samples, found
  in a first pass). Bin ``k`` holds the values in ``[e_k, e_{k+1})`` (the last bin is closed).

From two grid sketches on the same grid, :func:`ks_bounds` and :func:`wasserstein_bounds` give an
interval that is guaranteed to hold the exact two-sample statistic (what ``scipy.stats.ks_2samp``
and ``scipy.stats.wasserstein_distance`` return on the full samples):

- **KS**: just below each edge both empirical CDFs are known exactly (the counts below it), which
  gives a lower bound; inside bin ``k`` each CDF lies between its values at the bin's two edges,
  which bounds the gap from above. The width of the interval is at most the largest bin mass
  ``max_k max(a_k, b_k)`` (``a_k``, ``b_k``: the shares of each sample in bin ``k``).
- **Wasserstein-1** (``∫ |F − G|``): the signed integral ``∫_bin (F − G)`` over each bin is exact,
  because ``∫_bin F = (C_k·h + c_k·e_{k+1} − s_k) / n`` needs only the count below the bin, the
  bin's count ``c_k`` and value sum ``s_k``. Where ``F − G`` cannot change sign inside the bin
  (its range there, ``[F(e_k) − G(e_{k+1}), F(e_{k+1}) − G(e_k)]``, excludes 0) the bin's
  ``∫ |F − G|`` is exact; elsewhere it lies between ``|∫ (F − G)|`` and the largest value a
  function with that range and integral can reach. Only bins where the two CDFs cross add error,
  and all of them together add at most ``h · Σ_k (a_k + b_k) = 2h`` with ``h = (high − low)/bins``.

Each function returns the midpoint of its interval and the half width as the error bound, so
``|estimate − exact| ≤ bound`` (plus floating-point rounding, far smaller). A sample whose range is
dominated by a few outliers gets a wide grid bin and so a wide bound: the bound says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Grid bins per numeric column: 2**16 keeps each sketch at 1 MiB and the bounds near 1e-4 of
#: the range for smooth data.
DEFAULT_BINS = 1 << 16


@dataclass(frozen=True)
class Bounded:
    """An estimate with a guaranteed error bound: the exact value is in ``estimate ± bound``."""

    estimate: float
    bound: float

    @property
    def low(self) -> float:
        """The smallest value the exact statistic can have."""
        return self.estimate - self.bound

    @property
    def high(self) -> float:
        """The largest value the exact statistic can have."""
        return self.estimate + self.bound


class Moments:
    """Count, mean and sum of squared deviations of a sample, mergeable (Chan et al.)."""

    __slots__ = ("m2", "mean", "n")

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0

    def add(self, values: np.ndarray) -> None:
        """Take in a batch of finite values."""
        n = int(values.shape[0])
        if n == 0:
            return
        mean = float(np.mean(values))
        centered = values - mean
        # Not np.dot: threaded BLAS for a 2 MB vector costs 10× more on a busy machine.
        self._combine(n, mean, float(np.square(centered, out=centered).sum()))

    def merge(self, other: Moments) -> None:
        """Take in another sample's moments."""
        if other.n:
            self._combine(other.n, other.mean, other.m2)

    def _combine(self, n: int, mean: float, m2: float) -> None:
        total = self.n + n
        delta = mean - self.mean
        self.m2 += m2 + delta * delta * self.n * n / total
        self.mean += delta * n / total
        self.n = total

    @property
    def std(self) -> float:
        """Population standard deviation (``ddof=0``, as ``numpy.std``)."""
        return float(np.sqrt(max(self.m2, 0.0) / self.n)) if self.n else float("nan")


class GridSketch:
    """Counts and value sums of a sample on ``bins`` equal-width bins over ``[low, high]``."""

    def __init__(self, low: float, high: float, bins: int = DEFAULT_BINS) -> None:
        if not (np.isfinite(low) and np.isfinite(high)) or high < low:
            raise ValueError(f"invalid grid range [{low}, {high}]")
        if bins < 1:
            raise ValueError("a grid needs at least one bin")
        self.low, self.high = float(low), float(high)
        # A constant sample still gets a grid of width > 0, so the arithmetic below holds.
        self.bins = bins if high > low else 1
        self.width = (self.high - self.low) / self.bins if high > low else 1.0
        self.counts = np.zeros(self.bins, dtype=np.int64)
        self.sums = np.zeros(self.bins, dtype=np.float64)

    @property
    def n(self) -> int:
        """Values taken in."""
        return int(self.counts.sum())

    def edges(self) -> np.ndarray:
        """The ``bins + 1`` bin edges."""
        return self.low + self.width * np.arange(self.bins + 1, dtype=np.float64)

    def add(self, values: np.ndarray) -> None:
        """Take in a batch of finite values inside ``[low, high]``."""
        if values.shape[0] == 0:
            return
        self.add_indexed(bin_index(values, self.low, self.width, self.bins), values)

    def add_indexed(self, index: np.ndarray, values: np.ndarray) -> None:
        """Take in values whose :func:`bin_index` on this grid is already known."""
        self.counts += np.bincount(index, minlength=self.bins)
        self.sums += np.bincount(index, weights=values, minlength=self.bins)

    def merge(self, other: GridSketch) -> None:
        """Take in a sketch on the same grid."""
        if (other.low, other.high, other.bins) != (self.low, self.high, self.bins):
            raise ValueError("grid sketches on different grids cannot be merged")
        self.counts += other.counts
        self.sums += other.sums

    def quantile(self, q: float) -> Bounded:
        """The ``q``-quantile (numpy's linear interpolation): guaranteed within the bin(s) that
        hold its two order statistics; estimated by their bins' mean values (exact when a bin
        holds one distinct value, as in discrete data)."""
        n = self.n
        if n == 0:
            return Bounded(float("nan"), float("nan"))
        position = q * (n - 1)  # 0-based rank, as numpy.quantile
        cumulative = np.cumsum(self.counts)
        k = int(np.searchsorted(cumulative, np.floor(position), side="right"))
        k_hi = int(np.searchsorted(cumulative, np.ceil(position), side="right"))
        lo_edge = self.low + self.width * k
        hi_edge = self.low + self.width * (k_hi + 1)
        lo_edge, hi_edge = max(lo_edge, self.low), min(hi_edge, self.high)
        below, above = self.sums[k] / self.counts[k], self.sums[k_hi] / self.counts[k_hi]
        fraction = position - np.floor(position)
        estimate = float(np.clip(below + (above - below) * fraction, lo_edge, hi_edge))
        return Bounded(estimate, max(estimate - lo_edge, hi_edge - estimate))


def bin_index(values: np.ndarray, low: float, width: float, bins: int) -> np.ndarray:
    """Grid bin of each value: ``floor((v − low) / width)``, the top edge in the last bin."""
    scaled = np.subtract(values, low)
    scaled *= 1.0 / width
    index = scaled.astype(np.intp)  # values ≥ low: truncation is floor
    np.clip(index, 0, bins - 1, out=index)
    return index


def _cdfs(ref: GridSketch, cur: GridSketch) -> tuple[np.ndarray, np.ndarray]:
    """Each sample's CDF just below every edge: ``C_k / n`` for ``k = 0 … bins``."""
    if (ref.low, ref.high, ref.bins) != (cur.low, cur.high, cur.bins):
        raise ValueError("both sketches must share one grid")
    n, m = ref.n, cur.n
    if n == 0 or m == 0:
        raise ValueError("both samples must be non-empty")
    f = np.concatenate(([0], np.cumsum(ref.counts))) / n
    g = np.concatenate(([0], np.cumsum(cur.counts))) / m
    return f, g


def ks_bounds(ref: GridSketch, cur: GridSketch) -> Bounded:
    """The two-sample KS statistic of the sketched samples, with a guaranteed bound."""
    f, g = _cdfs(ref, cur)
    lower = float(np.max(np.abs(f - g)))
    # Inside bin k: F ∈ [f_k, f_{k+1}], G ∈ [g_k, g_{k+1}].
    upper = float(max(np.max(f[1:] - g[:-1]), np.max(g[1:] - f[:-1]), lower))
    return Bounded((lower + upper) / 2.0, (upper - lower) / 2.0)


def wasserstein_bounds(ref: GridSketch, cur: GridSketch) -> Bounded:
    """The Wasserstein-1 distance of the sketched samples, with a guaranteed bound."""
    f, g = _cdfs(ref, cur)
    n, m, h = ref.n, cur.n, ref.width
    if ref.high == ref.low:
        return Bounded(0.0, 0.0)
    top = ref.edges()[1:]
    # ∫_bin F = (C_k·h + c_k·e_{k+1} − s_k) / n, exactly; likewise G.
    int_f = f[:-1] * h + (ref.counts * top - ref.sums) / n
    int_g = g[:-1] * h + (cur.counts * top - cur.sums) / m
    signed = int_f - int_g
    low = f[:-1] - g[1:]  # the range of F − G inside each bin
    high = f[1:] - g[:-1]
    exact = np.abs(signed)
    crossing = (low < 0.0) & (high > 0.0)
    lo_c, hi_c, s_c = low[crossing], high[crossing], signed[crossing]
    # The most ∫|F − G| can be given ∫(F − G) = S and F − G ∈ [lo, hi]: lo on part t of the
    # bin, hi on the rest, with lo·t + hi·(h − t) = S.
    t = np.clip((hi_c * h - s_c) / (hi_c - lo_c), 0.0, h)
    most = np.maximum(s_c - 2.0 * lo_c * t, exact[crossing])
    lower = float(np.sum(exact))
    upper = lower + float(np.sum(most - exact[crossing]))
    return Bounded((lower + upper) / 2.0, (upper - lower) / 2.0)
