"""``mlops-desktop jobs list|submit|show|logs|cancel|wait``: training jobs of every workspace.

Every command acts through the workspace's jobs port (:func:`~mlops_desktop.ports.provider.
open_jobs`; without ``--workspace``, the local job runner). What a kind's jobs are like is data
its port declares: local jobs run a pipeline spec, Azure ML jobs re-run a template command job
(``--from-job``, default the newest completed one of ``--experiment``) with new ``--param``
values and ``--input NAME=URI`` data; a service's log comes as files (``--file NAME``,
``--all-files``) and ``--follow`` streams it until the job ends.

Exit codes: 0 success; 1 a waited-for job failed or was cancelled; 2 an error (message on
stderr, no traceback), including a wait that timed out.
"""

from __future__ import annotations

import argparse
import ast
import sys
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.output import load_app_config, print_json, print_table, progress_printer
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.ports.jobs import Jobs
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


def add_rerun_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of workspaces whose jobs re-run a template job (``jobs submit``)."""
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


def add_log_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of logs kept as several files by a service (``jobs logs``)."""
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
    add_rerun_arguments(submit)
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
    add_log_file_arguments(logs)
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


def _port(workspace: str | None) -> Jobs:
    """The jobs port of ``--workspace``, or the local job runner (every workspace)."""
    from mlops_desktop.ports.provider import open_jobs, open_local_jobs

    if workspace:
        return open_jobs(load_app_config().workspace(str(workspace)))
    return open_local_jobs()


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


def print_service_jobs(jobs: list[Job]) -> None:
    """A table of jobs as their service describes them (name, its status, compute, …)."""
    from mlops_desktop.ports.jobs import kind_of

    rows = []
    for job in jobs:
        j = kind_of(job).service_record(job)
        created = str(j.get("created_at") or "")
        duration = j.get("duration_seconds")
        rows.append(
            [
                j["name"],
                j["status"],
                j["experiment"],
                j["compute"],
                created[:16].replace("T", " "),
                "" if duration is None else f"{duration:.0f}s",
                j["created_by"],
            ]
        )
    print_table(["JOB", "STATUS", "EXPERIMENT", "COMPUTE", "CREATED (UTC)", "TIME", "BY"], rows)


def list_jobs(args: argparse.Namespace) -> int:
    """``jobs list``: one page of the newest ``--limit`` jobs."""
    from mlops_desktop.ports.jobs import JobQuery
    from mlops_desktop.retraining.jobs import JobStatus

    query = JobQuery(
        statuses=tuple(JobStatus(s) for s in args.status or ()),
        policy=args.policy,
        page_size=args.limit,
    )
    port = _port(args.workspace)
    try:
        jobs = list(port.list_jobs(query).jobs)
    finally:
        port.close()
    service = port.kind.service_listing
    if args.json:
        print_json([port.kind.service_record(j) if service else j.to_json() for j in jobs])
    elif not jobs:
        print("no jobs")
    else:
        (print_service_jobs if service else print_jobs)(jobs)
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
    """``jobs submit``: a pipeline run here, or a re-run of a service job (the kind says)."""
    from mlops_desktop.ports.jobs import SubmitMode

    port = _port(args.workspace)
    try:
        if port.kind.submit_mode is SubmitMode.RERUN:
            return _submit_rerun(port, args)
        return _submit_pipeline(port, args)
    finally:
        port.close()


def _submit_pipeline(port: Any, args: argparse.Namespace) -> int:
    job = port.submit(job_spec_from_args(args, args.model))
    if not args.json:
        print(f"submitted job {job.id} ({job.status.value}); log: {port.log_path(job.id)}")
    if not args.wait:
        if args.json:
            print_json(job.to_json())
        return 0
    job = port.wait(job.id, timeout=args.timeout)
    _finish(job, args.json)
    return _exit_code(job)


def parse_inputs(specs: list[str]) -> dict[str, str]:
    """``--input NAME=URI`` values as a dict."""
    inputs: dict[str, str] = {}
    for spec in specs:
        name, sep, uri = str(spec).partition("=")
        if not sep or not name.strip() or not uri.strip():
            raise InvalidInput(f"cannot read --input {spec!r}", hint="write NAME=URI")
        inputs[name.strip()] = uri.strip()
    return inputs


def _submit_rerun(port: Any, args: argparse.Namespace) -> int:
    from mlops_desktop.ports.jobs import RerunRequest

    request = RerunRequest(
        template=args.from_job,
        experiment=args.experiment,
        parameters=dict(args.param),
        inputs=parse_inputs(args.input),
        compute=args.compute,
    )
    job = port.rerun(request)
    kind = port.kind
    record = kind.service_record(job)
    if not args.json:
        params = " ".join(f"{k}={v}" for k, v in sorted(record["parameters"].items()))
        print(
            f"submitted {kind.runs_on} job {record['name']} ({record['status']}) on "
            f"{record['compute']}: {params}"
        )
        if record["studio_url"]:
            print(f"studio: {record['studio_url']}")
    if args.wait:
        ctx = TaskContext(progress_printer(quiet=args.json))
        job = port.wait(job.id, timeout=args.timeout, ctx=ctx)
        record = kind.service_record(job)
    if args.json:
        print_json(record)
    elif args.wait:
        print(f"job {record['name']}: {record['status']}")
    if not args.wait:
        return 0
    # As for local jobs: 1 when the waited-for job failed or was cancelled.
    return 0 if record["status"] == kind.succeeded_status else 1


def show_job(args: argparse.Namespace) -> int:
    """``jobs show``."""
    job = _port(None).get(args.job_id)
    _finish(job, args.json)
    return 0


def job_logs(args: argparse.Namespace) -> int:
    """``jobs logs [--follow]``: the last ``--lines`` lines, or ``--follow`` it until it ends."""
    port = _port(getattr(args, "workspace", None))
    try:
        if args.follow:
            return _follow(port, args)
        log = port.read_log(args.job_id, lines=args.lines, file=args.file, all_files=args.all_files)
    finally:
        port.close()
    if not log.files:
        print(f"job {log.job_id} ({log.status}) has no log yet", file=sys.stderr)
        return 0
    several = len(log.files) > 1
    for n, (name, text) in enumerate(log.files.items()):
        if several:
            print(("\n" if n else "") + f"==> {name} <==")
        lines = text.splitlines()
        for line in lines[-args.lines :] if args.lines > 0 else []:
            print(line)
    return 0


def _follow(port: Any, args: argparse.Namespace) -> int:
    """Print the log from its start and new text until the job ends (Ctrl-C stops following
    a service's job, which keeps running there)."""

    def status_changed(_done: int, _total: int, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    ctx = TaskContext(status_changed)
    status, shown, at_line_start = "", "", True
    try:
        for piece in port.follow_log(
            args.job_id, file=args.file, all_files=args.all_files, ctx=ctx
        ):
            status = piece.status
            if not piece.text:
                continue
            if args.all_files and piece.file != shown:  # headers as `tail -f` writes them
                sys.stdout.write(("" if at_line_start else "\n") + f"\n==> {piece.file} <==\n")
                shown = piece.file
            sys.stdout.write(piece.text)
            sys.stdout.flush()
            at_line_start = piece.text.endswith("\n")
    except KeyboardInterrupt:
        if port.kind.local_runner:
            raise
        sys.stdout.flush()
        print(
            f"\nstopped following job {args.job_id}; it keeps running in {port.kind.runs_on} "
            f"(`mlops-desktop jobs cancel {args.job_id} -w {args.workspace}` cancels it)",
            file=sys.stderr,
        )
        return 130
    # 1 when the followed job failed or was cancelled.
    return 0 if status == port.kind.succeeded_status else EXIT_JOB_FAILED


def cancel_job(args: argparse.Namespace) -> int:
    """``jobs cancel``: a service's job once it confirmed, a local one once it ended."""
    port = _port(getattr(args, "workspace", None))
    try:
        job = port.cancel(args.job_id, grace=args.grace, ctx=TaskContext(progress_printer()))
    finally:
        port.close()
    code = f" (exit code {job.exit_code})" if job.exit_code is not None else ""
    print(f"job {port.kind.display_id(job)}: {port.kind.raw_status(job)}{code}")
    return 0 if job.status.finished else EXIT_ERROR


def wait_job(args: argparse.Namespace) -> int:
    """``jobs wait``."""
    job = _port(None).wait(args.job_id, timeout=args.timeout)
    _finish(job, args.json)
    return _exit_code(job)
