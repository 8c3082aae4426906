"""Run the per-column comparisons of one drift computation on a few threads, in column order.

Nearly all the time of a column goes to numpy (sorts, merges, searches) and pyarrow (factorizing
strings), which release the GIL, so columns compared side by side use every core. Results come
back in job order whatever the thread that finished first; ``progress`` and ``cancel`` are called
from the caller's thread between columns; at most ``workers`` columns are in flight, so memory
stays that of ``workers`` columns' scratch buffers.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from mlops_desktop.drift.errors import DriftCancelled

Job = TypeVar("Job")
Result = TypeVar("Result")
Scratch = TypeVar("Scratch")

#: Upper bound of the default thread count (beyond it the memory bandwidth is the limit).
MAX_DEFAULT_WORKERS = 4
#: Below this many values in all (rows × columns of both tables) one thread is as fast.
MIN_VALUES_FOR_THREADS = 200_000
#: Overrides the default thread count (e.g. ``1`` to measure one core).
WORKERS_ENV = "MLOPS_DESKTOP_DRIFT_THREADS"


def default_workers(n_values: int) -> int:
    """Threads for a computation over ``n_values`` values: the usable cores (at most 4)."""
    override = os.environ.get(WORKERS_ENV, "").strip()
    if override.isdigit() and int(override) > 0:
        return int(override)
    if n_values < MIN_VALUES_FOR_THREADS:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_WORKERS))


def run_in_order(
    jobs: Sequence[Job],
    run: Callable[[Job, Scratch], Result],
    new_scratch: Callable[[], Scratch],
    *,
    workers: int,
    describe: Callable[[Job], str],
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[Result]:
    """``[run(job, scratch) for job in jobs]`` on ``workers`` threads, each with its own scratch.

    Before each job is started ``cancel()`` is checked (raising :class:`DriftCancelled`) and
    ``progress(done, total, describe(job))`` called; the first error of a job is raised here
    once the columns in flight have finished.
    """
    total = len(jobs)

    def start(done: int, job: Job) -> None:
        if cancel is not None and cancel():
            raise DriftCancelled("drift computation cancelled")
        if progress is not None:
            progress(done, total, describe(job))

    if workers <= 1 or total <= 1:
        scratch = new_scratch()
        results = []
        for done, job in enumerate(jobs):
            start(done, job)
            results.append(run(job, scratch))
        return results

    local = threading.local()  # one scratch per pool thread, released with the pool

    def run_with_scratch(job: Job) -> Result:
        scratch = getattr(local, "scratch", None)
        if scratch is None:
            scratch = local.scratch = new_scratch()
        return run(job, scratch)

    results = []
    in_flight: deque[Future[Result]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drift-column") as pool:
        for done, job in enumerate(jobs):
            start(done, job)
            in_flight.append(pool.submit(run_with_scratch, job))
            if len(in_flight) >= workers:
                results.append(in_flight.popleft().result())
        while in_flight:
            results.append(in_flight.popleft().result())
    return results
