"""Jobs of MLflow workspaces: a local process per job, watched by a supervisor process.

``start`` spawns ``python -m mlops_desktop.retraining.supervisor JOB_ID`` in a session of its
own, so the job outlives the app or CLI that submitted it. The supervisor starts the pipeline
(its own process group), records its pid, exit code, times and resource use, and stops it on
cancel. The pipeline talks to the workspace's MLflow store or server directly; its run carries
the job id as the tag ``mlops.job_id`` (through MLflow's ``MLFLOW_RUN_CONTEXT``) and MLflow
system metrics are on (``MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import (
    JOB_ID_TAG,
    POLICY_TAG,
    PROMOTE_ACTION,
    TRIGGER_TAG,
    Job,
    JobStatus,
    utc_now,
)
from mlops_desktop.retraining.process_group import python_executable, stop_group
from mlops_desktop.serving.processes import is_alive, record_of, start_detached
from mlops_desktop.serving.state import ProcessRecord

SUPERVISOR_MODULE = "mlops_desktop.retraining.supervisor"
#: A claimed job whose supervisor never recorded itself within this time is lost.
CLAIM_TIMEOUT_SECONDS = 60.0


class LocalProcessLauncher:
    """Implements :class:`~mlops_desktop.retraining.launchers.JobLauncher` with processes."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    # -- submit ---------------------------------------------------------------------------

    def prepare(self, job: Job, workspace: WorkspaceConfig) -> Job:
        """The command line and environment of the job; bad pipeline flags fail here."""
        if workspace.mlflow is None:
            raise InvalidInput(f"workspace {workspace.name!r} has no MLflow settings")
        spec = job.spec
        data = _absolute_if_file(spec.data)
        experiment = spec.experiment or spec.model or "training"
        run_name = spec.run_name or f"job-{job.id}"
        args = pipeline_args(job, workspace, data=data, experiment=experiment, run_name=run_name)
        argv = [*_interpreter(spec.script), *args]
        if spec.is_sample_pipeline:
            _check_pipeline_args(argv[3:])
        return job.replace(
            argv=tuple(argv),
            env=job_environment(job, workspace, experiment),
            tracking_uri=workspace.mlflow.tracking_uri,
            registered_model=spec.model,
            spec=dataclasses.replace(spec, data=data),
        )

    def start(self, job: Job) -> Job:
        """Spawn the supervisor of a claimed job and record it."""
        folder = self.store.job_dir(job.id)
        folder.mkdir(parents=True, exist_ok=True)
        argv = [python_executable(), "-m", SUPERVISOR_MODULE, job.id, "--db", str(self.store.path)]
        pid = start_detached(argv, folder / "supervisor.log")
        try:
            record = record_of(pid).to_json()
        except Exception:  # it already ended: reconcile will read its outcome
            record = {"pid": pid, "started": 0.0}
        return self.store.update(
            job.id, lambda j: j.replace(handle={**j.handle, "supervisor": record})
        )

    # -- watch ----------------------------------------------------------------------------

    def reconcile(self, job: Job) -> Job:
        """A running job whose supervisor is gone: its recorded outcome, or lost."""
        if job.status is not JobStatus.RUNNING:
            return job
        supervisor = ProcessRecord.from_json(job.handle.get("supervisor"))
        if supervisor is None:
            claimed = _age_seconds(job.claimed_at)
            if claimed is not None and claimed > CLAIM_TIMEOUT_SECONDS:
                return self._mark_lost(job, "its supervisor never started")
            return job
        if is_alive(supervisor):
            return job
        outcome = read_outcome(self.store.outcome_path(job.id))
        if outcome is not None:
            # The supervisor recorded the exit status, then died before its follow-ups.
            return self.store.update(
                job.id,
                lambda j: apply_outcome(j, outcome).skip_pending("the supervisor ended first"),
            )
        process = ProcessRecord.from_json(job.handle.get("process"))
        if is_alive(process):
            return job  # unsupervised but still working; judged once it ends
        if process is None:
            return self._mark_lost(job, "its supervisor ended before starting the pipeline")
        return self._mark_lost(job, "its supervisor ended without recording an exit status")

    def _mark_lost(self, job: Job, why: str) -> Job:
        def lost(current: Job) -> Job:
            if current.status.finished:
                return current
            if current.cancel_requested:
                status, error = JobStatus.CANCELLED, ""
            else:
                status = JobStatus.FAILED
                error = f"lost: {why} (the app or computer stopped?); exit status unknown"
            return current.replace(
                status=status, ended_at=current.ended_at or utc_now(), error=error
            ).skip_pending("the job was lost")

        return self.store.update(job.id, lost)

    # -- cancel ---------------------------------------------------------------------------

    def request_cancel(self, job: Job, grace: float) -> None:
        """Signal the supervisor (it stops the process group); without one, stop it here."""
        self.store.update(
            job.id, lambda j: j.replace(cancel_requested=True, handle={**j.handle, "grace": grace})
        )
        supervisor = ProcessRecord.from_json(job.handle.get("supervisor"))
        if is_alive(supervisor):
            assert supervisor is not None
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(supervisor.pid, signal.SIGTERM)
            return
        process = ProcessRecord.from_json(job.handle.get("process"))
        stop_group(process, grace)
        self.reconcile(self.store.get(job.id))


def _interpreter(script: str) -> list[str]:
    if script.endswith(".py"):
        path = Path(script).expanduser().resolve()
        if not path.is_file():
            raise InvalidInput(f"pipeline script {script!r} does not exist")
        return [python_executable(), str(path)]
    return [python_executable(), "-m", script]


def pipeline_args(
    job: Job, workspace: WorkspaceConfig, *, data: str, experiment: str, run_name: str
) -> list[str]:
    """The script's arguments: the sample pipeline's flags, or the spec's ``args`` template."""
    assert workspace.mlflow is not None
    spec = job.spec
    uri = workspace.mlflow.tracking_uri
    if spec.args is not None and not spec.is_sample_pipeline:
        values: dict[str, Any] = {
            "tracking_uri": uri,
            "model": spec.model or "",
            "data": data,
            "seed": spec.seed,
            "experiment": experiment,
            "run_name": run_name,
            "job_id": job.id,
            "params": spec.params,
        }
        try:
            return [arg.format_map(values) for arg in spec.args]
        except (KeyError, IndexError, ValueError) as exc:
            raise InvalidInput(
                f"cannot fill in the script arguments: {exc}",
                hint="placeholders: {tracking_uri} {model} {data} {seed} {experiment} "
                "{run_name} {job_id} {params[NAME]}",
            ) from None
    args = ["--tracking-uri", uri, "--experiment", experiment, "--data", data]
    args += ["--seed", str(spec.seed), "--run-name", run_name]
    if spec.model:
        args += ["--registered-model", spec.model]
    if workspace.mlflow.artifact_root:
        args += ["--artifact-root", workspace.mlflow.artifact_root]
    if spec.model_type:
        args += ["--model-type", spec.model_type]
    if spec.target:
        args += ["--target", spec.target]
    for name, value in spec.params.items():
        args += ["--param", f"{name}={value!r}"]
    return args


def job_environment(job: Job, workspace: WorkspaceConfig, experiment: str) -> dict[str, str]:
    """Variables the job's process gets on top of the submitter's environment.

    Only our own settings: credentials (``MLFLOW_TRACKING_TOKEN`` …) are inherited from the
    environment, never recorded.
    """
    assert workspace.mlflow is not None
    conn = workspace.mlflow
    tags = {JOB_ID_TAG: job.id, TRIGGER_TAG: job.trigger.value}
    if job.policy:
        tags[POLICY_TAG] = job.policy
    env = {
        "MLFLOW_TRACKING_URI": conn.tracking_uri,
        "MLFLOW_REGISTRY_URI": conn.registry_uri or conn.tracking_uri,
        "MLFLOW_EXPERIMENT_NAME": experiment,
        "MLFLOW_RUN_CONTEXT": json.dumps(tags, sort_keys=True),
        "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING": "true" if job.spec.system_metrics else "false",
        "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL": str(job.spec.system_metrics_interval),
        "PYTHONUNBUFFERED": "1",
        "MLOPS_DESKTOP_JOB_ID": job.id,
    }
    if conn.server_workspace:
        env["MLFLOW_WORKSPACE"] = conn.server_workspace
    return env


def _check_pipeline_args(args: list[str]) -> None:
    import contextlib
    import io

    from mlops_desktop.pipelines.train import build_parser

    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            build_parser().parse_args(args)
    except SystemExit:
        message = errors.getvalue().strip().splitlines()
        raise InvalidInput(
            f"the training pipeline refuses these arguments: {message[-1] if message else args}"
        ) from None


def _absolute_if_file(data: str) -> str:
    path = Path(data).expanduser()
    return str(path.resolve()) if path.exists() else data


def _age_seconds(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return (datetime.now(UTC) - datetime.fromisoformat(stamp)).total_seconds()


def read_outcome(path: Path) -> dict[str, Any] | None:
    """The outcome file the supervisor writes when the process ended (None if absent)."""
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def apply_outcome(job: Job, outcome: dict[str, Any]) -> Job:
    """The record once the process ended with ``outcome`` (exit code, end time, cancelled)."""
    if job.status.finished:
        return job
    exit_code = outcome.get("exit_code")
    if outcome.get("cancelled"):
        status = JobStatus.CANCELLED
    elif exit_code == 0:
        status = JobStatus.SUCCEEDED
    else:
        status = JobStatus.FAILED
    error = job.error
    if status is JobStatus.FAILED and not error:
        error = f"the pipeline exited with code {exit_code}"
    ended = job.replace(
        status=status,
        exit_code=exit_code,
        ended_at=outcome.get("ended_at") or utc_now(),
        resources=dict(outcome.get("resources") or job.resources),
        error=error,
    )
    if status is not JobStatus.SUCCEEDED:
        ended = ended.skip_pending(f"the job {status.value}", actions=(PROMOTE_ACTION,))
    return ended
