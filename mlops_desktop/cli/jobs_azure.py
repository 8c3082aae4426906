"""``mlops-desktop jobs submit|list|cancel|logs`` for Azure ML workspaces.

``jobs.py`` hands a command here when its ``--workspace`` is an Azure ML workspace. Submitting
re-runs a template command job (``--from-job``, default the newest completed one of
``--experiment``) with new ``--param`` values and ``--input NAME=URI`` data. ``logs`` prints a
job's user log (or ``--file NAME``, ``--all-files``) and ``--follow`` streams it until the job
ends, as ``jobs logs`` does for local jobs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from mlops_desktop.cli.azure_support import is_azure, open_azure_backend
from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.serialize import to_jsonable
from mlops_desktop.core.tasks import TaskContext


def add_azure_submit_arguments(parser: argparse.ArgumentParser) -> None:
    """The options only Azure ML workspaces use (``jobs submit``)."""
    azure = parser.add_argument_group("Azure ML workspaces")
    azure.add_argument(
        "--from-job",
        metavar="JOB",
        help="re-run this command job (default: newest completed one of --experiment)",
    )
    azure.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=URI",
        help="replace a data input, e.g. training_data=azureml:churn-training:4 (repeatable)",
    )
    azure.add_argument("--compute", help="compute target (default: the template job's)")


def wants_azure(workspace: str | None) -> bool:
    """True when ``workspace`` names an Azure ML workspace."""
    return bool(workspace) and is_azure(load_app_config().workspace(str(workspace)))


def _job_json(job: Any) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(asdict(job))
    data["duration_seconds"] = job.duration_seconds
    return data


def _backend(workspace: str) -> Any:
    return open_azure_backend(load_app_config().workspace(workspace))


def submit(args: argparse.Namespace) -> int:
    """Submit a retraining command job to an Azure ML workspace."""
    inputs: dict[str, str] = {}
    for spec in args.input:
        name, sep, uri = str(spec).partition("=")
        if not sep or not name.strip() or not uri.strip():
            raise InvalidInput(f"cannot read --input {spec!r}", hint="write NAME=URI")
        inputs[name.strip()] = uri.strip()
    backend = _backend(args.workspace)
    try:
        job = backend.submit_manual_retraining(
            template=args.from_job,
            experiment=args.experiment,
            parameters=dict(args.param),
            inputs=inputs,
            compute=args.compute,
        )
        if not args.json:
            params = " ".join(f"{k}={v}" for k, v in sorted(job.parameters.items()))
            print(f"submitted Azure ML job {job.name} ({job.status}) on {job.compute}: {params}")
            if job.studio_url:
                print(f"studio: {job.studio_url}")
        if args.wait:
            ctx = TaskContext(progress_printer(quiet=args.json))
            job = backend.wait_for_job(job.name, timeout=args.timeout, ctx=ctx)
    finally:
        backend.close()
    if args.json:
        print_json(_job_json(job))
    elif args.wait:
        print(f"job {job.name}: {job.status}")
    if not args.wait:
        return 0
    # As for local jobs: 1 when the waited-for job failed or was cancelled.
    return 0 if job.status == "Completed" else 1


def list_jobs(args: argparse.Namespace) -> int:
    """Jobs of an Azure ML workspace, newest first, with status, timing and compute."""
    backend = _backend(args.workspace)
    try:
        jobs = backend.list_jobs(limit=args.limit)
    finally:
        backend.close()
    if args.status:
        wanted = {_STATUS.get(s, s) for s in args.status}
        jobs = [j for j in jobs if j.status in wanted]
    if args.json:
        print_json([_job_json(j) for j in jobs])
        return 0
    if not jobs:
        print("no jobs")
        return 0
    rows = [
        [
            j.name,
            j.status,
            j.experiment,
            j.compute,
            j.created_at.strftime("%Y-%m-%d %H:%M") if j.created_at else "",
            "" if j.duration_seconds is None else f"{j.duration_seconds:.0f}s",
            j.created_by,
        ]
        for j in jobs
    ]
    print_table(["JOB", "STATUS", "EXPERIMENT", "COMPUTE", "CREATED (UTC)", "TIME", "BY"], rows)
    return 0


#: The local status words ``jobs list --status`` accepts -> Azure ML's.
_STATUS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Completed",
    "failed": "Failed",
    "cancelled": "Canceled",
}


def cancel(args: argparse.Namespace) -> int:
    """Cancel an Azure ML job and wait for Azure ML to confirm."""
    backend = _backend(args.workspace)
    try:
        backend.require_permission("cancel_job")
        job = backend.cancel_job(args.job_id, TaskContext(progress_printer()))
    finally:
        backend.close()
    print(f"job {job.name}: {job.status}")
    return 0 if job.finished else 2


def add_azure_logs_arguments(parser: argparse.ArgumentParser) -> None:
    """The options only Azure ML jobs' logs use (``jobs logs``)."""
    azure = parser.add_argument_group("Azure ML jobs")
    which = azure.add_mutually_exclusive_group()
    which.add_argument(
        "--file",
        metavar="NAME",
        help="one log file, e.g. system_logs/lifecycler/lifecycler.log "
        "(default: the user log, user_logs/std_log.txt)",
    )
    which.add_argument(
        "--all-files", action="store_true", help="every log file, system logs included"
    )


def logs(args: argparse.Namespace) -> int:
    """An Azure ML job's log: the last ``--lines`` lines, or ``--follow`` it until it ends."""
    backend = _backend(args.workspace)
    try:
        if args.follow:
            return _follow(backend, args)
        log = backend.read_job_log(args.job_id, file=args.file, all_files=args.all_files)
    finally:
        backend.close()
    if not log.files:
        print(f"job {log.job} ({log.status}) has no log yet", file=sys.stderr)
        return 0
    several = len(log.files) > 1
    for n, (name, text) in enumerate(log.files.items()):
        if several:
            print(("\n" if n else "") + f"==> {name} <==")
        lines = text.splitlines()
        for line in lines[-args.lines :] if args.lines > 0 else []:
            print(line)
    return 0


def _follow(backend: Any, args: argparse.Namespace) -> int:
    """Print the log from its start and new text until the job ends (Ctrl-C stops following)."""

    def status_changed(_done: int, _total: int, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    ctx = TaskContext(status_changed)
    status, shown, at_line_start = "", "", True
    try:
        for chunk in backend.follow_job_log(
            args.job_id, file=args.file, all_files=args.all_files, ctx=ctx
        ):
            status = chunk.status
            if not chunk.text:
                continue
            if args.all_files and chunk.file != shown:  # headers as `tail -f` writes them
                sys.stdout.write(("" if at_line_start else "\n") + f"\n==> {chunk.file} <==\n")
                shown = chunk.file
            sys.stdout.write(chunk.text)
            sys.stdout.flush()
            at_line_start = chunk.text.endswith("\n")
    except KeyboardInterrupt:
        sys.stdout.flush()
        print(
            f"\nstopped following job {args.job_id}; it keeps running in Azure ML "
            f"(`mlops-desktop jobs cancel {args.job_id} -w {args.workspace}` cancels it)",
            file=sys.stderr,
        )
        return 130
    # As for local jobs: 1 when the followed job failed or was cancelled.
    return 0 if status == "Completed" else 1
