"""Domain entities every backend maps into; callers never see SDK objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mlops_desktop.core.stages import Stage

#: Tags the app writes on copied/promoted versions to record where they came from.
LINEAGE_SOURCE_WORKSPACE = "mlops.source_workspace"
LINEAGE_SOURCE_MODEL = "mlops.source_model"
LINEAGE_SOURCE_VERSION = "mlops.source_version"
LINEAGE_SOURCE_RUN = "mlops.source_run_id"
LINEAGE_PROMOTED_BY = "mlops.promoted_by"
LINEAGE_PROMOTED_AT = "mlops.promoted_at"
#: Run tags the training pipeline writes so every page knows how to rank versions.
KEY_METRIC_TAG = "mlops.key_metric"
KEY_METRIC_GOAL_TAG = "mlops.key_metric_goal"


class MetricGoal(StrEnum):
    """Whether a larger or a smaller value of a metric is better."""

    MAXIMIZE = "maximize"
    MINIMIZE = "minimize"

    @classmethod
    def for_metric(cls, name: str) -> MetricGoal:
        """The usual goal of a well-known metric name."""
        lowered = name.lower()
        smaller_is_better = ("rmse", "mse", "mae", "loss", "error", "mape", "log_loss")
        if any(lowered.endswith(s) or lowered.startswith(s) for s in smaller_is_better):
            return cls.MINIMIZE
        return cls.MAXIMIZE


@dataclass(frozen=True, slots=True)
class DatasetRef:
    """A dataset logged as a run input (MLflow dataset tracking / Azure data asset)."""

    name: str
    digest: str
    source_type: str = ""
    source: str = ""
    context: str = ""
    schema: str = ""
    profile: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    """A tracked run (MLflow run / Azure ML job) with what it logged."""

    run_id: str
    experiment_id: str
    name: str = ""
    status: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    datasets: tuple[DatasetRef, ...] = ()
    artifact_uri: str = ""

    @property
    def key_metric(self) -> str | None:
        """The metric this run declares as its key metric, if any."""
        return self.tags.get(KEY_METRIC_TAG)


@dataclass(frozen=True, slots=True)
class Experiment:
    """A group of runs."""

    experiment_id: str
    name: str
    artifact_location: str = ""
    lifecycle_stage: str = "active"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A registered model with its alias map (alias -> version)."""

    name: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ModelVersion:
    """One registered model version in one workspace.

    ``model`` is the logical model name (``churn``), ``registered_name`` the name in the
    registry (``churn`` or ``prod.churn`` in the name-prefix layout).
    """

    workspace: str
    stage: Stage | None
    model: str
    registered_name: str
    version: str
    aliases: tuple[str, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    description: str = ""
    status: str = ""
    created_at: datetime | None = None
    source: str = ""
    run_id: str | None = None
    run: Run | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Unique identity across the app: (workspace, registered name, version)."""
        return (self.workspace, self.registered_name, self.version)

    @property
    def origin(self) -> tuple[str, str]:
        """The training run this version's weights come from, through any copies.

        Versions in different stages with the same origin are the same model version promoted.
        """
        source_run = self.tags.get(LINEAGE_SOURCE_RUN)
        if source_run:
            return (self.model, source_run)
        if self.run_id:
            return (self.model, self.run_id)
        return (self.model, f"{self.workspace}/{self.registered_name}/{self.version}")

    @property
    def key_metric_name(self) -> str | None:
        """Name of the metric that ranks this version, if known."""
        if self.run is None:
            return None
        name = self.run.key_metric
        if name and name in self.run.metrics:
            return name
        for candidate in ("rmse", "accuracy", "roc_auc", "f1", "r2", "mae"):
            if candidate in self.run.metrics:
                return candidate
        return None

    @property
    def key_metric_value(self) -> float | None:
        """Value of the key metric, if known."""
        name = self.key_metric_name
        return self.run.metrics.get(name) if (name and self.run) else None

    @property
    def lineage(self) -> dict[str, str]:
        """The lineage tags this version carries (empty for a version trained here)."""
        return {k: v for k, v in self.tags.items() if k.startswith("mlops.source_")}


class ConnectionState(StrEnum):
    """How a workspace's backend answered the last time it was asked."""

    UNKNOWN = "unknown"
    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    AUTH_REQUIRED = "auth-required"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """Result of checking a workspace's backend."""

    state: ConnectionState
    detail: str = ""
    identity: str = ""
    server_version: str = ""


@dataclass(frozen=True, slots=True)
class Capability:
    """Whether a backend can do one kind of action, and why not when it cannot."""

    supported: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.supported


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a backend can do; the GUI disables actions that are missing and says why."""

    read_models: Capability = Capability(True)
    write_registry: Capability = Capability(True)
    endpoints: Capability = Capability(False, "endpoints arrive with the endpoints feature")
    jobs: Capability = Capability(False, "jobs arrive with the retraining feature")
    compute: Capability = Capability(False, "compute use arrives with the retraining feature")
