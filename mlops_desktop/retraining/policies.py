"""Retraining policies per model and workspace: ``retraining.toml`` in the config dir.

Typed (pydantic) and versioned (``schema_version``) like ``config.toml``. A policy names the
model, the workspace its retraining job runs and registers in, the pipeline to run, and its
triggers; any trigger that fires fires the policy (one job). Example::

    schema_version = 1

    [[policies]]
    name = "churn-drift"
    model = "churn"
    workspace = "dev"
    cooldown = "24h"            # no new job within 24 h of the last one
    promote_to = "staging"      # after success, hand the version to the promotion flow

    [policies.pipeline]         # the sample pipeline's settings (or script = "train.py")
    data = "data/churn.parquet"
    target = "churned"
    model_type = "gradient_boosting"
    params = { n_estimators = 200, learning_rate = 0.05 }

    [policies.data]             # what metric triggers compare
    reference = "model:prod/churn/champion"          # default: model:WORKSPACE/MODEL/champion
    current = "endpoint:prod/churn#since=-24h"       # the latest window
    target = "churned"
    prediction = "prediction"

    [[policies.triggers]]
    kind = "schedule"
    cron = "0 3 * * 1"          # or every_days = 7

    [[policies.triggers]]
    kind = "feature_drift"
    features = ["tenure", "monthly_charges"]

    [[policies.triggers]]
    kind = "performance"
    metric = "f1"
    min = 0.7                   # fires when current f1 < 0.7 (needs labels)
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlops_desktop.core import paths
from mlops_desktop.core.errors import Conflict, InvalidInput, NotFound
from mlops_desktop.core.files import atomic_write_text
from mlops_desktop.retraining.durations import parse_duration
from mlops_desktop.retraining.jobs import SAMPLE_PIPELINE, JobSpec

POLICIES_SCHEMA_VERSION = 1
POLICIES_FILE_NAME = "retraining.toml"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
QUALITY_RATES = ("null_rate", "type_error_rate", "out_of_bounds_rate")
PERFORMANCE_METRICS = ("rmse", "mae", "r2", "accuracy", "f1")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleTrigger(_Model):
    """Fires when the next cron time (or ``every_days``) after the policy's last job passed."""

    kind: Literal["schedule"] = "schedule"
    cron: str | None = None
    every_days: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_rule(self) -> Self:
        if (self.cron is None) == (self.every_days is None):
            raise ValueError("a schedule trigger needs either cron or every_days (not both)")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ValueError(f"cron expression {self.cron!r} is not valid")
        return self


class DatasetDriftTrigger(_Model):
    """Fires when the current data drifts as a whole (share of drifted features)."""

    kind: Literal["dataset_drift"] = "dataset_drift"


class FeatureDriftTrigger(_Model):
    """Fires when at least ``min_features`` of ``features`` (all when empty) drift.

    A feature drifts when its drift metric exceeds ``threshold`` (default: the drift
    configuration's threshold of that feature).
    """

    kind: Literal["feature_drift"] = "feature_drift"
    features: tuple[str, ...] = ()
    threshold: float | None = Field(None, ge=0.0)
    min_features: int = Field(1, ge=1)


class QualityTrigger(_Model):
    """Fires when a data-quality rate of a column (of ``features``, all when empty) exceeds
    ``bound``."""

    kind: Literal["quality"] = "quality"
    rate: Literal["null_rate", "type_error_rate", "out_of_bounds_rate"] = "null_rate"
    bound: float = Field(ge=0.0, le=1.0)
    features: tuple[str, ...] = ()


class PerformanceTrigger(_Model):
    """Fires when a performance metric on labelled current data leaves its bounds.

    ``min``: fires below it (r2, accuracy, f1); ``max``: fires above it (rmse, mae). Needs the
    data's ``target`` and ``prediction`` columns; without labels yet it does not fire.
    """

    kind: Literal["performance"] = "performance"
    metric: Literal["rmse", "mae", "r2", "accuracy", "f1"]
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bound(self) -> Self:
        if self.min is None and self.max is None:
            raise ValueError(f"performance trigger on {self.metric}: give min or max")
        return self


TriggerRule = Annotated[
    ScheduleTrigger
    | DatasetDriftTrigger
    | FeatureDriftTrigger
    | QualityTrigger
    | PerformanceTrigger,
    Field(discriminator="kind"),
]


class PipelineSettings(_Model):
    """The job a policy submits: the sample pipeline (default) or a script, with parameters."""

    script: str = SAMPLE_PIPELINE
    data: str = "diabetes"
    target: str | None = None
    model_type: str | None = None
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    seed: int = 42
    experiment: str | None = None
    args: tuple[str, ...] | None = None
    #: The script logs an MLflow run to link the job to (the sample pipeline does).
    tracked: bool = True


class DataSettings(_Model):
    """The data metric triggers compare: sources as in ``mlops-desktop drift report``."""

    reference: str | None = None
    current: str
    target: str | None = None
    prediction: str | None = None
    #: Time column of a file source (for a ``#since=…`` slice); endpoints use ``timestamp``.
    timestamp: str | None = None
    #: A ``drift.toml`` with metrics and thresholds (default: the drift engine's defaults).
    drift_config: str | None = None
    #: Fewer current rows than this: too little data to judge, nothing fires.
    min_rows: int = Field(30, ge=1)


class RetrainingPolicy(_Model):
    """When to retrain one model in one workspace, and how."""

    name: str
    model: str
    workspace: str
    enabled: bool = True
    cooldown: str = "24h"
    promote_to: str | None = None
    description: str = ""
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    data: DataSettings | None = None
    triggers: tuple[TriggerRule, ...] = ()

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(
                f"policy name {value!r} must start with a letter or digit and use only letters, "
                "digits, '.', '_' or '-'"
            )
        return value

    @field_validator("cooldown")
    @classmethod
    def _check_cooldown(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _check_triggers(self) -> Self:
        if not self.triggers:
            raise ValueError(f"policy {self.name!r} has no trigger")
        if self.data is None and any(t.kind != "schedule" for t in self.triggers):
            raise ValueError(f"policy {self.name!r}: metric triggers need a [data] section")
        return self

    @property
    def cooldown_delta(self) -> timedelta:
        """The cooldown as a timedelta."""
        return parse_duration(self.cooldown)

    @property
    def reference_source(self) -> str:
        """What the current data is compared with (default: the model's champion)."""
        if self.data is not None and self.data.reference:
            return self.data.reference
        return f"model:{self.workspace}/{self.model}/champion"

    def job_spec(self) -> JobSpec:
        """The job this policy submits when it fires."""
        p = self.pipeline
        return JobSpec(
            model=self.model,
            data=p.data,
            params=dict(p.params),
            seed=p.seed,
            model_type=p.model_type,
            experiment=p.experiment,
            target=p.target,
            script=p.script,
            args=p.args,
            run_name=None,
            tracked=p.tracked,
            promote_to=self.promote_to,
        )


class RetrainingConfig(_Model):
    """The whole ``retraining.toml``."""

    schema_version: int = POLICIES_SCHEMA_VERSION
    policies: tuple[RetrainingPolicy, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [p.name for p in self.policies]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"policy name {name!r} appears twice")
        return self

    def policy(self, name: str) -> RetrainingPolicy:
        """The policy called ``name``; NotFound lists the known names."""
        for policy in self.policies:
            if policy.name == name:
                return policy
        known = ", ".join(p.name for p in self.policies) or "none defined"
        raise NotFound(
            f"no retraining policy named {name!r} (known: {known})",
            hint="see `mlops-desktop retrain policy list`",
        )

    def with_policy(self, policy: RetrainingPolicy, *, replace: bool = False) -> RetrainingConfig:
        """A copy with ``policy`` added (or replacing one of the same name with ``replace``)."""
        others = tuple(p for p in self.policies if p.name != policy.name)
        if len(others) != len(self.policies) and not replace:
            raise Conflict(
                f"a retraining policy named {policy.name!r} already exists",
                hint="pass --replace, or remove it first",
            )
        return self.model_copy(update={"policies": (*others, policy)})

    def without_policy(self, name: str) -> RetrainingConfig:
        """A copy without policy ``name`` (NotFound if absent)."""
        self.policy(name)
        return self.model_copy(
            update={"policies": tuple(p for p in self.policies if p.name != name)}
        )


def policies_file() -> Path:
    """``retraining.toml`` beside ``config.toml``."""
    return paths.config_dir() / POLICIES_FILE_NAME


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_policies(raw: dict[str, Any], source: Path | str) -> RetrainingConfig:
    """Validate a raw mapping; errors name the file and the field."""
    version = int(raw.get("schema_version", POLICIES_SCHEMA_VERSION))
    if version > POLICIES_SCHEMA_VERSION:
        raise InvalidInput(
            f"{source} was written by a newer MLOps Desktop (schema {version}, this one reads "
            f"up to {POLICIES_SCHEMA_VERSION})",
            hint="upgrade MLOps Desktop",
        )
    try:
        return RetrainingConfig.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(f"{source}: {_describe(exc)}", hint="fix the file") from None


def load_policies(path: Path | None = None) -> RetrainingConfig:
    """The retraining policies; a missing file means none."""
    path = path or policies_file()
    if not path.exists():
        return RetrainingConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", hint="fix or remove the file") from None
    return parse_policies(raw, path)


def policies_to_toml(config: RetrainingConfig) -> str:
    """The TOML text of ``config`` (read back by :func:`load_policies`)."""
    return tomli_w.dumps(config.model_dump(mode="json", exclude_none=True))


def save_policies(config: RetrainingConfig, path: Path | None = None) -> Path:
    """Write ``retraining.toml`` atomically."""
    return atomic_write_text(path or policies_file(), policies_to_toml(config))


def policy_from_dict(raw: dict[str, Any]) -> RetrainingPolicy:
    """A policy from a mapping (CLI, GUI); errors as :class:`InvalidInput`."""
    try:
        return RetrainingPolicy.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(_describe(exc)) from None
