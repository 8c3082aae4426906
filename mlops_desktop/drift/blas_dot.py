"""One BLAS thread while the drift engine runs, and a dot product equal to the threaded BLAS one.

The engine compares columns on its own threads; OpenBLAS splitting each Wasserstein dot product
over its threads too only oversubscribes the cores, and waking its threads costs milliseconds on
a busy machine (measured: half the engine's CPU time at 100k rows). So :func:`one_blas_thread`
holds BLAS at one thread (process-wide, reference-counted, restored by the last leaver).

``scipy.stats.wasserstein_distance`` ends in one BLAS ``ddot`` with the default thread count,
and a single-threaded ``ddot`` rounds differently. OpenBLAS's threaded ``ddot`` (above 10,000
elements) gives thread ``k`` of ``t`` the next ``ceil(rest / (t - k))`` elements and adds the
partial sums in order, starting from 0; :func:`dot_like_default_blas` does exactly that with
single-threaded calls, so the result is scipy's bit for bit (tested against scipy). Other BLAS
libraries, or no threadpoolctl, fall back to a plain ``numpy.dot`` with the threads as they are.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import numpy as np

#: OpenBLAS computes ``ddot`` on one thread up to this many elements (kernel/x86_64/ddot.c).
OPENBLAS_DOT_SINGLE_MAX = 10_000

_lock = threading.Lock()
_holders = 0
_limiter: Any = None


@cache
def _default_openblas_threads() -> int | None:
    """The thread count OpenBLAS (numpy's BLAS) was started with; None for other BLAS."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    # scipy's wheels bring an OpenBLAS of their own: numpy's is the one inside numpy's folder.
    numpy_dir = os.path.dirname(np.__file__)
    blas = [
        i
        for i in threadpool_info()
        if i.get("user_api") == "blas" and str(i.get("filepath", "")).startswith(numpy_dir)
    ]
    if len(blas) != 1 or blas[0].get("internal_api") != "openblas":
        return None
    return int(blas[0]["num_threads"])


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Hold numpy's OpenBLAS at one thread inside the block (nested and concurrent uses share
    one limit; the thread count is restored when the last one leaves)."""
    global _holders, _limiter
    threads = _default_openblas_threads()
    if threads is None or threads == 1:
        yield
        return
    with _lock:
        if _holders == 0:
            from threadpoolctl import threadpool_limits

            _limiter = threadpool_limits(1, user_api="blas")
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _limiter is not None:
                _limiter.restore_original_limits()
                _limiter = None


def dot_like_default_blas(x: np.ndarray, y: np.ndarray) -> float:
    """``numpy.dot(x, y)`` as numpy's BLAS computes it with its default threads (1-D float64)."""
    threads = _default_openblas_threads()
    n = x.shape[0]
    with _lock:
        limited = _holders > 0
    if threads is None or threads == 1 or not limited or n <= OPENBLAS_DOT_SINGLE_MAX:
        return float(np.dot(x, y))
    total = 0.0
    start, rest = 0, n
    for k in range(threads):
        if rest <= 0:
            break
        width = min(-(-rest // (threads - k)), rest)
        total += float(np.dot(x[start : start + width], y[start : start + width]))
        start += width
        rest -= width
    return total
