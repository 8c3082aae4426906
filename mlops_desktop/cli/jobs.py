"""``mlops-desktop jobs list|submit|show|logs|cancel|wait``: training jobs of every workspace.

Exit codes: 0 success; 1 a waited-for job failed or was cancelled; 2 an error (message on
stderr, no traceback), including a wait that timed out.
"""

from __future__ import annotations

import argparse
import ast
import sys
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli import jobs_azure
from mlops_desktop.cli.output import load_app_config, print_json, print_table

if TYPE_CHECKING:
    from mlops_desktop.retraining.jobs import Job

EXIT_JOB_FAILED = 1
EXIT_ERROR = 2


def parse_param(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` with VALUE read as a Python literal when it is one (``200``, ``0.1``)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """The pipeline options shared by ``jobs submit`` and ``retrain policy add``."""
    parser.add_argument(
        "--data",
        default="diabetes",
        help="bundled dataset (diabetes, breast_cancer, wine) or a CSV/Parquet path",
    )
    parser.add_argument("--target", metavar="COL", help="label column (for a file)")
    parser.add_argument("--model-type", help="e.g. random_forest, gradient_boosting, ridge")
    parser.add_argument(
        "--param",
        action="append",
        type=parse_param,
        default=[],
        metavar="NAME=VALUE",
        help="hyperparameter, repeatable (e.g. --param n_estimators=200)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--experiment", help="MLflow experiment (default: the model name)")
    parser.add_argument(
        "--script",
        help="run this script (module or .py path) instead of the sample pipeline",
    )
    parser.add_argument(
        "--arg",
        action="append",
        dest="script_args",
        metavar="ARG",
        help="argument for --script, repeatable; may use {tracking_uri} {model} {data} {seed} "
        "{experiment} {run_name} {job_id} {params[NAME]}",
    )
    parser.add_argument(
        "--untracked",
        action="store_true",
        help="the script logs no MLflow run (do not look for one after it ends)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``jobs`` command group."""
    group = sub.add_parser(
        "jobs",
        help="training jobs: list, submit, logs, cancel",
        description="Training and retraining jobs. A job runs the sample pipeline (or a "
        "script) as a tracked process: one MLflow run each (tag mlops.job_id), system metrics "
        "on, live log, cancel. Records persist across restarts.",
        epilog="exit codes: 0 success, 1 a waited-for job failed or was cancelled, 2 error",
    )
    commands = group.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="jobs, newest first")
    listing.add_argument("--workspace", "-w", help="only this workspace")
    listing.add_argument("--policy", help="only jobs of this retraining policy")
    listing.add_argument(
        "--status",
        choices=("queued", "running", "succeeded", "failed", "cancelled"),
        action="append",
        help="only these statuses (repeatable)",
    )
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=list_jobs)

    submit = commands.add_parser(
        "submit",
        help="run the training pipeline as a job in a workspace",
        description="Submit a job: the sample pipeline (or --script) trains in WORKSPACE, logs "
        "one MLflow run and, with --model, registers a new version there.",
    )
    submit.add_argument("--workspace", "-w", required=True)
    submit.add_argument("--model", help="register the trained model under this name")
    add_pipeline_arguments(submit)
    submit.add_argument("--promote-to", metavar="STAGE", help="promote the new version after")
    submit.add_argument("--wait", action="store_true", help="wait for the job, then exit")
    submit.add_argument("--timeout", type=float, help="seconds to wait at most (with --wait)")
    submit.add_argument("--json", action="store_true", help="print the job as JSON")
    jobs_azure.add_azure_submit_arguments(submit)
    submit.set_defaults(handler=submit_job)

    show = commands.add_parser("show", help="one job in detail")
    show.add_argument("job_id", metavar="ID", help="job id (a unique prefix is enough)")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=show_job)

    logs = commands.add_parser("logs", help="a job's log (stdout and stderr)")
    logs.add_argument("job_id", metavar="ID")
    logs.add_argument("--follow", "-f", action="store_true", help="stream until the job ends")
    logs.add_argument("--lines", "-n", type=int, default=100, help="last N lines (default 100)")
    logs.add_argument("--workspace", "-w", help="the job's Azure ML workspace (Azure jobs)")
    jobs_azure.add_azure_logs_arguments(logs)
    logs.set_defaults(handler=job_logs)

    cancel = commands.add_parser("cancel", help="cancel a queued or running job")
    cancel.add_argument("job_id", metavar="ID")
    cancel.add_argument(
        "--grace", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL"
    )
    cancel.add_argument("--workspace", "-w", help="the job's Azure ML workspace (Azure jobs)")
    cancel.set_defaults(handler=cancel_job)

    wait = commands.add_parser("wait", help="wait until a job has ended")
    wait.add_argument("job_id", metavar="ID")
    wait.add_argument("--timeout", type=float, help="seconds to wait at most")
    wait.add_argument("--json", action="store_true")
    wait.set_defaults(handler=wait_job)


def job_spec_from_args(args: argparse.Namespace, model: str | None) -> Any:
    """A :class:`~mlops_desktop.retraining.jobs.JobSpec` from the pipeline options."""
    from mlops_desktop.retraining.jobs import SAMPLE_PIPELINE, JobSpec

    return JobSpec(
        model=model,
        data=args.data,
        params=dict(args.param),
        seed=args.seed,
        model_type=args.model_type,
        experiment=args.experiment,
        target=args.target,
        script=args.script or SAMPLE_PIPELINE,
        args=tuple(args.script_args) if args.script_args else None,
        tracked=not args.untracked,
        promote_to=getattr(args, "promote_to", None),
    )


def _manager() -> Any:
    from mlops_desktop.retraining.job_manager import JobManager

    return JobManager()


def _version(job: Job) -> str:
    if job.model_version:
        return f"{job.registered_model} v{job.model_version}"
    return job.spec.model or ""


def _duration(job: Job) -> str:
    seconds = job.duration_seconds
    return "" if seconds is None else f"{seconds:.1f}s"


def print_jobs(jobs: list[Job]) -> None:
    """A table of jobs."""
    rows = [
        [
            j.id,
            j.status.value,
            j.workspace,
            _version(j),
            j.trigger.value,
            j.policy or "",
            j.created_at[:19].replace("T", " "),
            _duration(j),
        ]
        for j in jobs
    ]
    headers = ["ID", "STATUS", "WORKSPACE", "MODEL", "TRIGGER", "POLICY", "CREATED (UTC)", "TIME"]
    print_table(headers, rows)


def list_jobs(args: argparse.Namespace) -> int:
    """``jobs list``."""
    if jobs_azure.wants_azure(args.workspace):
        return jobs_azure.list_jobs(args)
    from mlops_desktop.retraining.jobs import JobStatus

    statuses = tuple(JobStatus(s) for s in args.status or ())
    jobs = _manager().list_jobs(
        workspace=args.workspace, policy=args.policy, statuses=statuses, limit=args.limit
    )
    if args.json:
        print_json([j.to_json() for j in jobs])
    elif not jobs:
        print("no jobs")
    else:
        print_jobs(jobs)
    return 0


def print_job(job: Job) -> None:
    """One job in detail."""
    print(f"job {job.id}: {job.status.value}")
    print(f"  workspace: {job.workspace} ({job.backend})")
    detail = f": {job.trigger_detail}" if job.trigger_detail else ""
    print(f"  trigger:   {job.trigger.value}{detail}")
    if job.policy:
        print(f"  policy:    {job.policy}")
    print(f"  created:   {job.created_at}  by {job.submitted_by or '-'}")
    print(f"  started:   {job.started_at or '-'}")
    print(f"  ended:     {job.ended_at or '-'}  exit code {job.exit_code}")
    if job.resources:
        res = job.resources
        print(
            f"  resources: {res.get('cpu_seconds', 0):.1f} CPU s, "
            f"peak {res.get('peak_rss_mb', 0):.0f} MB"
        )
    print(f"  run:       {job.run_id or '-'}")
    if job.model_version:
        print(f"  version:   {job.registered_model} v{job.model_version}")
    if job.error:
        print(f"  error:     {job.error}")
    for follow in job.follow_ups:
        note = f" - {follow.note}" if follow.note else ""
        print(f"  {follow.action} {follow.target}: {follow.state}{note}")
    print(f"  command:   {' '.join(job.argv)}")


def _exit_code(job: Job) -> int:
    from mlops_desktop.retraining.jobs import JobStatus

    if not job.status.finished:
        print(f"error: job {job.id} is still {job.status.value}", file=sys.stderr)
        return EXIT_ERROR
    return 0 if job.status is JobStatus.SUCCEEDED else EXIT_JOB_FAILED


def _finish(job: Job, as_json: bool) -> None:
    if as_json:
        print_json(job.to_json())
    else:
        print_job(job)


def submit_job(args: argparse.Namespace) -> int:
    """``jobs submit``."""
    if jobs_azure.wants_azure(args.workspace):
        return jobs_azure.submit(args)
    config = load_app_config()
    workspace = config.workspace(args.workspace)
    manager = _manager()
    job = manager.submit(workspace, job_spec_from_args(args, args.model))
    if not args.json:
        print(f"submitted job {job.id} ({job.status.value}); log: {manager.log_path(job.id)}")
    if not args.wait:
        if args.json:
            print_json(job.to_json())
        return 0
    job = manager.wait(job.id, timeout=args.timeout)
    _finish(job, args.json)
    return _exit_code(job)


def show_job(args: argparse.Namespace) -> int:
    """``jobs show``."""
    job = _manager().get(args.job_id)
    _finish(job, args.json)
    return 0


def job_logs(args: argparse.Namespace) -> int:
    """``jobs logs [--follow]``."""
    if jobs_azure.wants_azure(getattr(args, "workspace", None)):
        return jobs_azure.logs(args)
    manager = _manager()
    if args.follow:
        for line in manager.follow_log(args.job_id):
            print(line, flush=True)
        return _exit_code(manager.get(args.job_id))
    for line in manager.tail_log(args.job_id, args.lines):
        print(line)
    return 0


def cancel_job(args: argparse.Namespace) -> int:
    """``jobs cancel``."""
    if jobs_azure.wants_azure(getattr(args, "workspace", None)):
        return jobs_azure.cancel(args)
    job = _manager().cancel(args.job_id, grace=args.grace)
    code = f" (exit code {job.exit_code})" if job.exit_code is not None else ""
    print(f"job {job.id}: {job.status.value}{code}")
    return 0 if job.status.finished else EXIT_ERROR


def wait_job(args: argparse.Namespace) -> int:
    """``jobs wait``."""
    job = _manager().wait(args.job_id, timeout=args.timeout)
    _finish(job, args.json)
    return _exit_code(job)
