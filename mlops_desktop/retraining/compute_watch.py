"""What the compute sampler watches, the sampling loop, and summaries of the samples (Qt-free).

Watched processes are found afresh at every sample, from files other processes write: each
local endpoint's ``endpoint.json`` (router and deployment pids) and the job store (the
supervisor pid of each running local job, whose tree holds the pipeline). Labels say the kind:
``endpoint.<workspace>.<name>`` and ``job.<id>``.

:class:`BackgroundSampler` runs the loop in a daemon thread (the app); ``mlops-desktop compute
sample`` runs the same loop in the foreground (a system timer).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from mlops_desktop.core.config import AppConfig, BackendKind, load_config
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.files import ProcessLock
from mlops_desktop.retraining.compute_samples import (
    MACHINE_CPU,
    MACHINE_MEMORY,
    ComputeSampler,
    SampleStore,
    process_series,
)
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import JobStatus
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.processes import is_alive
from mlops_desktop.serving.state import ProcessRecord, load_record

_log = logging.getLogger(__name__)

#: Seconds between samples (the app and ``compute sample``).
DEFAULT_INTERVAL_SECONDS = 5.0
ENDPOINT = "endpoint"
JOB = "job"

Discover = Callable[[], Mapping[str, int | Sequence[int]]]


def endpoint_label(workspace: str, name: str) -> str:
    """The label of a local endpoint's processes."""
    return f"{ENDPOINT}.{workspace}.{name}"


def job_label(job_id: str) -> str:
    """The label of a local job's processes."""
    return f"{JOB}.{job_id}"


def kind_of(label: str) -> str:
    """``endpoint`` or ``job`` (or ``process`` for anything else)."""
    head = label.split(".", 1)[0]
    return head if head in (ENDPOINT, JOB) else "process"


def endpoint_processes(config: AppConfig) -> dict[str, list[int]]:
    """Live router and deployment pids of every local endpoint not stopped, by label."""
    from mlops_desktop.serving.manager import endpoints_dir

    found: dict[str, list[int]] = {}
    for workspace in config.workspaces:
        if workspace.backend is not BackendKind.MLFLOW:
            continue
        root = endpoints_dir(workspace)
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            layout = EndpointLayout(folder)
            if not layout.state_file.is_file():
                continue
            try:
                record = load_record(layout)
            except (MlopsError, OSError):
                continue  # being rewritten or unreadable: next sample
            if record.stopped:
                continue
            records: list[ProcessRecord | None] = [record.router]
            records += [d.process for d in record.deployments]
            pids = [r.pid for r in records if r is not None and is_alive(r)]
            if pids:
                found[endpoint_label(workspace.name, record.name)] = pids
    return found


def job_processes(store: JobStore | None = None) -> dict[str, list[int]]:
    """Pids of every running local job (its supervisor, else its pipeline), by label."""
    found: dict[str, list[int]] = {}
    for job in (store or JobStore()).list(statuses=(JobStatus.RUNNING,)):
        for key in ("supervisor", "process"):
            record = ProcessRecord.from_json(job.handle.get(key))
            if record is not None and is_alive(record):
                found[job_label(job.id)] = [record.pid]
                break
    return found


def discover_processes() -> dict[str, list[int]]:
    """Every local endpoint and running local job to watch (label → pids)."""
    found: dict[str, list[int]] = {}
    try:
        found.update(endpoint_processes(load_config()))
    except MlopsError as exc:
        _log.warning("compute sampler: cannot list endpoints: %s", exc)
    try:
        found.update(job_processes())
    except (MlopsError, OSError) as exc:
        _log.warning("compute sampler: cannot list jobs: %s", exc)
    return found


#: The lock file (in the store's root) held by the one sampler that writes.
SAMPLER_LOCK = "sampler.lock"


class SamplingLoop:
    """One sample at a time into a store; prunes old days about once an hour.

    Only one sampler writes to a store: the loop takes the store's ``sampler.lock`` without
    waiting and keeps it; while another process (the app, ``compute sample``) holds it, each
    tick records nothing (two samplers would double every sample on the charts) and
    :attr:`other_sampler_pid` says who records. When the other stops, the next tick takes over.
    """

    PRUNE_EVERY_SECONDS = 3600.0

    def __init__(
        self,
        store: SampleStore | None = None,
        *,
        discover: Discover = discover_processes,
        keep_days: int | None = None,
    ) -> None:
        from mlops_desktop.retraining.compute_samples import DEFAULT_RETENTION_DAYS

        self.store = store or SampleStore()
        self.discover = discover
        self.keep_days = keep_days or DEFAULT_RETENTION_DAYS
        self.sampler = ComputeSampler()
        self._last_prune = 0.0
        self.lock = ProcessLock(self.store.root / SAMPLER_LOCK)
        #: The pid of the sampler recording instead of this one (None: this one records).
        self.other_sampler_pid: int | None = None

    def claim(self) -> bool:
        """Hold the store's sampler lock (True), else note who holds it (False)."""
        if self.lock.acquire():
            self.other_sampler_pid = None
            return True
        self.other_sampler_pid = self.lock.owner_pid() or 0
        return False

    def close(self) -> None:
        """Let another sampler record."""
        self.lock.release()

    def sample_once(self, now: float | None = None) -> dict[str, float] | None:
        """Discover, sample, append; returns the values recorded, or None (nothing recorded)
        while another sampler holds the store's lock."""
        if not self.claim():
            return None
        stamp = now if now is not None else time.time()
        values = self.sampler.sample(self.discover())
        self.store.append(stamp, values)
        if stamp - self._last_prune >= self.PRUNE_EVERY_SECONDS:
            self._last_prune = stamp
            self.store.prune(self.keep_days, now=stamp)
        return values


class BackgroundSampler:
    """Runs a :class:`SamplingLoop` every ``interval`` seconds in a daemon thread.

    Errors of one sample are logged and the loop goes on: a watched process vanishing or a
    state file being rewritten must not end sampling for the session.
    """

    def __init__(
        self, loop: SamplingLoop | None = None, *, interval: float = DEFAULT_INTERVAL_SECONDS
    ) -> None:
        self.loop = loop or SamplingLoop()
        self.interval = interval
        self.samples_taken = 0
        self._stop = threading.Event()
        self._sampled = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def other_sampler_pid(self) -> int | None:
        """The pid of another process recording instead of this one (0: pid unknown)."""
        return self.loop.other_sampler_pid

    @property
    def running(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start sampling (the first sample at once)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="compute sampler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop and wait up to ``timeout`` seconds for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_for_samples(self, count: int, timeout: float) -> bool:
        """Block until ``count`` samples were taken in total (tests, CLI); False on timeout."""
        with self._sampled:
            return self._sampled.wait_for(lambda: self.samples_taken >= count, timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.loop.sample_once()
            except Exception:  # keep sampling; the log says what went wrong
                _log.exception("compute sample failed")
            with self._sampled:
                self.samples_taken += 1
                self._sampled.notify_all()
            self._stop.wait(self.interval)
        self.loop.close()


@dataclass(frozen=True)
class ProcessUse:
    """One watched process over a window: latest and peak CPU % and resident memory."""

    label: str
    kind: str
    cpu: float
    rss_mb: float
    peak_cpu: float
    peak_rss_mb: float
    last_seen: float
    samples: int

    @property
    def name(self) -> str:
        """The label without its kind (``prod.churn``, a job id)."""
        return self.label.split(".", 1)[1] if "." in self.label else self.label


def process_labels(store: SampleStore, since: float | None = None) -> list[str]:
    """Labels of the processes with samples since ``since``."""
    labels = set()
    for name in store.series_names(since):
        if name.startswith("process.") and name.endswith(".cpu"):
            labels.add(name[len("process.") : -len(".cpu")])
    return sorted(labels)


def process_usage(store: SampleStore, since: float, until: float | None = None) -> list[ProcessUse]:
    """Each watched process's use within ``[since, until]``, most recently seen first."""
    rows = []
    for label in process_labels(store, since):
        times, cpu = store.load(process_series(label, "cpu"), since, until)
        _, rss = store.load(process_series(label, "rss_mb"), since, until)
        if not times:
            continue
        rows.append(
            ProcessUse(
                label=label,
                kind=kind_of(label),
                cpu=cpu[-1],
                rss_mb=rss[-1] if rss else 0.0,
                peak_cpu=max(cpu),
                peak_rss_mb=max(rss) if rss else 0.0,
                last_seen=times[-1],
                samples=len(times),
            )
        )
    rows.sort(key=lambda r: (-r.last_seen, r.label))
    return rows


@dataclass(frozen=True)
class MachineUse:
    """The machine over a window: latest and peak CPU and memory percent."""

    cpu: float | None
    memory: float | None
    peak_cpu: float | None
    peak_memory: float | None
    samples: int
    last_at: float | None


def machine_usage(store: SampleStore, since: float, until: float | None = None) -> MachineUse:
    """Machine CPU and memory within ``[since, until]``."""
    times, cpu = store.load(MACHINE_CPU, since, until)
    _, memory = store.load(MACHINE_MEMORY, since, until)
    return MachineUse(
        cpu=cpu[-1] if cpu else None,
        memory=memory[-1] if memory else None,
        peak_cpu=max(cpu) if cpu else None,
        peak_memory=max(memory) if memory else None,
        samples=len(times),
        last_at=times[-1] if times else None,
    )


def run_sampling(
    loop: SamplingLoop,
    *,
    interval: float,
    count: int | None = None,
    on_sample: Callable[[dict[str, float] | None], None] | None = None,
) -> int:
    """Tick ``count`` times (forever when None) every ``interval`` s; returns samples recorded
    (ticks while another sampler holds the store's lock record nothing: ``on_sample(None)``)."""
    ticks = recorded = 0
    try:
        with contextlib.suppress(KeyboardInterrupt):
            while count is None or ticks < count:
                values = loop.sample_once()
                ticks += 1
                recorded += values is not None
                if on_sample is not None:
                    on_sample(values)
                if count is None or ticks < count:
                    time.sleep(interval)
    finally:
        loop.close()
    return recorded
