"""What a job is: the spec submitted, its status and trigger, the record that persists.

Plain dataclasses with JSON round-trips; no I/O. A job is one run of a training pipeline in a
workspace (one MLflow run, tagged ``mlops.job_id``), tracked from submission to its outcome.
"""

from __future__ import annotations

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

#: Module of the sample, parameterised training pipeline.
SAMPLE_PIPELINE = "mlops_desktop.pipelines.train"
#: Run tags every job's MLflow run carries (through ``MLFLOW_RUN_CONTEXT``).
JOB_ID_TAG = "mlops.job_id"
TRIGGER_TAG = "mlops.trigger"
POLICY_TAG = "mlops.policy"
#: Follow-up actions: find the job's MLflow run and version; promote the new version.
LINK_RUN_ACTION = "link-run"
PROMOTE_ACTION = "promote"


class JobStatus(StrEnum):
    """Where a job stands. ``queued`` and ``running`` are active, the rest final."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True for a final status."""
        return self not in (JobStatus.QUEUED, JobStatus.RUNNING)


class Trigger(StrEnum):
    """Why a job was submitted."""

    MANUAL = "manual"
    SCHEDULE = "schedule"
    DRIFT = "drift"
    METRIC = "metric"


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What to run: the sample pipeline (default) or any script, with its parameters.

    ``script`` is a module (run as ``python -m``) or a ``.py`` path. The sample pipeline gets
    its own flags (``--tracking-uri``, ``--registered-model``, ``--data``, ``--param``…); any
    other script gets ``args`` when given, each formatted with ``{tracking_uri}``, ``{model}``,
    ``{data}``, ``{seed}``, ``{experiment}``, ``{run_name}``, ``{job_id}`` and
    ``{params[NAME]}``, else the same flags as the sample pipeline. Every script also finds the
    standard MLflow variables (``MLFLOW_TRACKING_URI``, ``MLFLOW_EXPERIMENT_NAME``) set.

    ``promote_to`` names a stage to promote the new version to once the job succeeded
    (see :mod:`mlops_desktop.retraining.follow_ups`).
    """

    model: str | None = None
    data: str = "diabetes"
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 42
    model_type: str | None = None
    experiment: str | None = None
    target: str | None = None
    script: str = SAMPLE_PIPELINE
    args: tuple[str, ...] | None = None
    run_name: str | None = None
    #: The script logs an MLflow run (tagged ``mlops.job_id``) to link the job to.
    tracked: bool = True
    system_metrics: bool = True
    #: Seconds between system-metric samples (MLflow's default of 10 s misses short jobs).
    system_metrics_interval: float = 1.0
    promote_to: str | None = None

    @property
    def is_sample_pipeline(self) -> bool:
        """True when the spec runs the bundled training pipeline."""
        return self.script == SAMPLE_PIPELINE

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        data = dataclasses.asdict(self)
        data["args"] = list(self.args) if self.args is not None else None
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> JobSpec:
        """Parse what :meth:`to_json` wrote (unknown keys are ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in raw.items() if k in names}
        if values.get("args") is not None:
            values["args"] = tuple(values["args"])
        values["params"] = dict(values.get("params") or {})
        return cls(**values)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """An action run after the job succeeded, and what became of it."""

    action: str
    target: str
    state: str = "pending"  # pending | done | skipped | failed | awaiting-approval
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class Job:
    """One job as recorded.

    ``handle`` is the launcher's own bookkeeping (for a local job: the supervisor's and the
    pipeline's pid and start time); ``resources`` what the job's processes used (CPU seconds,
    peak resident memory), measured by the supervisor.
    """

    id: str
    workspace: str
    backend: str
    spec: JobSpec
    trigger: Trigger = Trigger.MANUAL
    trigger_detail: str = ""
    policy: str | None = None
    status: JobStatus = JobStatus.QUEUED
    created_at: str = ""
    claimed_at: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    exit_code: int | None = None
    error: str = ""
    cancel_requested: bool = False
    argv: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    tracking_uri: str = ""
    handle: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None
    registered_model: str | None = None
    model_version: str | None = None
    resources: dict[str, float] = field(default_factory=dict)
    follow_ups: tuple[FollowUp, ...] = ()
    submitted_by: str = ""

    @property
    def settled(self) -> bool:
        """Final, and nothing left to do after it (no follow-up pending)."""
        return self.status.finished and not any(f.state == "pending" for f in self.follow_ups)

    @property
    def duration_seconds(self) -> float | None:
        """Run time from process start to end (or now, while running)."""
        if not self.started_at:
            return None
        start = datetime.fromisoformat(self.started_at)
        end = datetime.fromisoformat(self.ended_at) if self.ended_at else datetime.now(UTC)
        return max(0.0, (end - start).total_seconds())

    def replace(self, **changes: Any) -> Job:
        """A copy with ``changes``."""
        return dataclasses.replace(self, **changes)

    def follow_up(self, action: str) -> FollowUp | None:
        """The follow-up called ``action``, if the job has one."""
        return next((f for f in self.follow_ups if f.action == action), None)

    def with_follow_up(self, action: str, state: str, note: str = "") -> Job:
        """A copy where follow-up ``action`` is in ``state`` with ``note``."""
        return self.replace(
            follow_ups=tuple(
                dataclasses.replace(f, state=state, note=note) if f.action == action else f
                for f in self.follow_ups
            )
        )

    def skip_pending(self, note: str, actions: tuple[str, ...] | None = None) -> Job:
        """A copy where pending follow-ups (all, or those in ``actions``) are skipped."""
        return self.replace(
            follow_ups=tuple(
                dataclasses.replace(f, state="skipped", note=note)
                if f.state == "pending" and (actions is None or f.action in actions)
                else f
                for f in self.follow_ups
            )
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready dict (the stored form, also the CLI's ``--json``)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["spec"] = self.spec.to_json()
        data["trigger"] = self.trigger.value
        data["status"] = self.status.value
        data["argv"] = list(self.argv)
        data["follow_ups"] = [f.to_json() for f in self.follow_ups]
        data["duration_seconds"] = self.duration_seconds
        return data

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Job:
        """Parse what :meth:`to_json` wrote."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in raw.items() if k in names}
        values["spec"] = JobSpec.from_json(raw.get("spec") or {})
        values["trigger"] = Trigger(raw.get("trigger", Trigger.MANUAL.value))
        values["status"] = JobStatus(raw.get("status", JobStatus.QUEUED.value))
        values["argv"] = tuple(raw.get("argv") or ())
        values["follow_ups"] = tuple(FollowUp(**f) for f in raw.get("follow_ups") or ())
        return cls(**values)


def new_record_id(now: datetime | None = None) -> str:
    """A sortable, readable id of a job or decision: ``20261126-233148-a3f9c1`` (UTC time +
    random suffix)."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def utc_now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")
