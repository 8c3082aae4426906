"""The supervisor of one local job: ``python -m mlops_desktop.retraining.supervisor JOB_ID``.

It runs in a session of its own (the app or CLI that submitted the job may quit), and:

1. starts the job's command leading a new process group, stdout+stderr into ``job.log``;
2. records the pid and start time, then waits for the process, measuring its CPU time and peak
   memory (``wait4`` resource usage where the platform has it);
3. on SIGTERM (or the record's ``cancel_requested``) stops the group: SIGTERM, then SIGKILL
   after the grace period;
4. writes the exit status to ``outcome.json`` *before* updating the record, so an outcome is
   never lost; then starts queued jobs waiting for a free slot;
5. runs the follow-ups: links the MLflow run and registered version, logs the job's resource
   use on the run, closes a run the killed process left RUNNING, and promotes when the spec
   asks for it.

Only the stdlib and psutil load before the process ends; MLflow loads for the follow-ups.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import Job, JobStatus, utc_now
from mlops_desktop.retraining.local_launcher import apply_outcome
from mlops_desktop.retraining.process_group import record_of_child, start_group_leader, stop_group

#: Seconds between checks of the record's cancel flag (a SIGTERM is seen at once).
_CANCEL_POLL = 0.5
DEFAULT_GRACE_SECONDS = 10.0


class _Cancel:
    """Set by SIGTERM/SIGINT or by the record's ``cancel_requested``."""

    def __init__(self) -> None:
        self.event = threading.Event()

    def install(self) -> None:
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None:
                signal.signal(sig, lambda *_: self.event.set())


def _note(log_path: Path, text: str) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    with open(log_path, "a", encoding="utf-8") as log:
        log.write(f"[mlops-desktop {stamp}] {text}\n")


def _wait(proc: Any, store: JobStore, job_id: str, cancel: _Cancel) -> tuple[int, dict[str, float]]:
    """Wait for ``proc``; returns its exit code and resource use. Stops it on cancel."""
    record = record_of_child(proc)
    next_poll = 0.0
    cancelled_at: float | None = None
    while True:
        finished = _reap(proc)
        if finished is not None:
            return finished
        now = time.monotonic()
        if cancelled_at is None and now >= next_poll:
            next_poll = now + _CANCEL_POLL
            if not cancel.event.is_set() and store.get(job_id).cancel_requested:
                cancel.event.set()
        if cancel.event.is_set() and cancelled_at is None:
            cancelled_at = now
            grace = float(store.get(job_id).handle.get("grace", DEFAULT_GRACE_SECONDS))
            # stop_group blocks up to the grace period; reap in the meantime on a thread.
            threading.Thread(target=stop_group, args=(record, grace), daemon=True).start()
        cancel.event.wait(0.1) if cancelled_at is None else time.sleep(0.05)


def _reap(proc: Any) -> tuple[int, dict[str, float]] | None:
    """Exit code and resource use of an ended child; None while it runs."""
    if hasattr(os, "wait4"):
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == 0:
            return None
        proc.returncode = os.waitstatus_to_exitcode(status)
        # ru_maxrss is KiB on Linux, bytes on macOS.
        scale = 1 / 1024 if sys.platform != "darwin" else 1 / (1024 * 1024)
        return proc.returncode, {
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss * scale, 1),
        }
    code = proc.poll()
    return None if code is None else (code, {})


def run_job(store: JobStore, job_id: str) -> Job:
    """Run a claimed job to its end; returns the final record."""
    cancel = _Cancel()
    cancel.install()
    job = store.get(job_id)
    log_path = store.log_path(job_id)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    if job.status is not JobStatus.RUNNING or job.cancel_requested:
        outcome: dict[str, Any] = {"exit_code": None, "cancelled": True, "ended_at": utc_now()}
        return store.update(
            job_id, lambda j: apply_outcome(j, outcome).skip_pending("cancelled before it started")
        )
    _note(log_path, "$ " + " ".join(job.argv))
    env = {**os.environ, **job.env}
    try:
        proc = start_group_leader(job.argv, log_path, env, store.job_dir(job_id))
    except OSError as exc:
        error = f"cannot start the pipeline: {exc}"
        _note(log_path, error)
        failed: dict[str, Any] = {"exit_code": None, "cancelled": False, "ended_at": utc_now()}
        store.update(job_id, lambda j: j.replace(error=error))
        _write_outcome(store, job_id, failed)
        return store.update(
            job_id, lambda j: apply_outcome(j, failed).skip_pending("the pipeline never started")
        )
    process = record_of_child(proc).to_json()
    started = utc_now()
    store.update(
        job_id,
        lambda j: j.replace(started_at=started, handle={**j.handle, "process": process}),
    )
    exit_code, resources = _wait(proc, store, job_id, cancel)
    outcome = {
        "exit_code": exit_code,
        "cancelled": cancel.event.is_set(),
        "ended_at": utc_now(),
        "resources": resources,
    }
    _write_outcome(store, job_id, outcome)
    job = store.update(job_id, lambda j: apply_outcome(j, outcome))
    _note(log_path, f"{job.status.value}: exit code {exit_code} after {job.duration_seconds:.1f} s")
    _start_queued(store, job)
    from mlops_desktop.retraining.follow_ups import run_follow_ups

    return run_follow_ups(store, job_id, log=lambda text: _note(log_path, text))


def _write_outcome(store: JobStore, job_id: str, outcome: dict[str, Any]) -> None:
    path = store.outcome_path(job_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(outcome), encoding="utf-8")
    os.replace(tmp, path)


def _start_queued(store: JobStore, job: Job) -> None:
    """A slot is free: start the oldest queued jobs (under the submitter's job limit)."""
    from mlops_desktop.retraining.job_manager import JobManager

    try:
        JobManager(store=store, max_running=job.handle.get("max_running")).dispatch()
    except Exception as exc:  # never lose the job's own outcome over another job
        print(f"could not start queued jobs: {exc}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the supervisor process."""
    parser = argparse.ArgumentParser(prog="python -m mlops_desktop.retraining.supervisor")
    parser.add_argument("job_id")
    parser.add_argument("--db", required=True, help="the job database")
    args = parser.parse_args(argv)
    job = run_job(JobStore(Path(args.db)), args.job_id)
    return 0 if job.status is JobStatus.SUCCEEDED else 1


if __name__ == "__main__":
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    sys.exit(main())
