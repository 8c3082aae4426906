"""What the Azure-only pages see of a workspace: frozen dataclasses, never SDK objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AzureWorkspaceInfo:
    """The Azure ML workspace resource behind an app workspace."""

    name: str
    location: str
    resource_id: str
    friendly_name: str = ""
    description: str = ""
    workspace_id: str = ""
    mlflow_tracking_uri: str = ""
    public_network_access: str = ""
    hbi_workspace: bool = False
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AzureOnlineDeployment:
    """One deployment behind an online endpoint, with its share of the traffic."""

    name: str
    endpoint: str
    provisioning_state: str
    traffic: int = 0
    mirror_traffic: int = 0
    #: Registered model name and version served, when the deployment names a workspace model.
    registered_model: str = ""
    version: str = ""
    model_id: str = ""
    instance_type: str = ""
    instance_count: int | None = None
    compute_type: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AzureOnlineEndpoint:
    """An Azure ML managed (or Kubernetes) online endpoint."""

    name: str
    workspace: str
    provisioning_state: str
    auth_mode: str = ""
    scoring_uri: str = ""
    description: str = ""
    #: Live traffic per deployment, in percent (sums to 100 when any deployment serves).
    traffic: dict[str, int] = field(default_factory=dict)
    #: Mirrored (shadow) traffic per deployment, in percent.
    mirror_traffic: dict[str, int] = field(default_factory=dict)
    deployments: tuple[AzureOnlineDeployment, ...] = ()
    tags: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AzureCompute:
    """A compute target: cluster (AmlCompute), compute instance, Kubernetes, …"""

    name: str
    compute_type: str
    #: Cluster: provisioning state; compute instance: its run state (Running, Stopped, …).
    state: str
    size: str = ""
    location: str = ""
    tier: str = ""
    min_nodes: int | None = None
    max_nodes: int | None = None
    #: Nodes allocated now (clusters), from the node list; None when it could not be read.
    current_nodes: int | None = None
    node_states: dict[str, int] = field(default_factory=dict)
    #: Why node counts are missing (e.g. no permission to list nodes), for the GUI to show.
    nodes_unavailable_reason: str = ""
    idle_seconds_before_scale_down: float | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AzureQuotaUsage:
    """One quota (vCPU family, cluster count, …) in a region: used and allowed."""

    name: str
    usage_type: str
    current: int
    limit: int
    unit: str = "Count"
    resource_id: str = ""

    @property
    def fraction(self) -> float | None:
        """Share of the quota in use (None when unlimited, -1, or zero)."""
        return self.current / self.limit if self.limit > 0 else None


@dataclass(frozen=True, slots=True)
class AzureSchedule:
    """A schedule that submits jobs (e.g. retraining) on a cron or recurrence trigger."""

    name: str
    display_name: str
    enabled: bool
    provisioning_state: str
    #: ``cron`` or ``recurrence``.
    trigger_type: str
    #: Cron expression, or e.g. "every 1 day at 02:30" for recurrences.
    expression: str
    time_zone: str = ""
    start_time: str = ""
    end_time: str = ""
    description: str = ""
    #: Experiment and display name of the job the schedule submits.
    job_experiment: str = ""
    job_display_name: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    #: ``job`` (submits a job, e.g. retraining) or ``monitor`` (model monitoring).
    kind: str = "job"
    #: For a monitor: the deployment it watches (ARM id or ``azureml:endpoint:deployment``).
    monitor_target: str = ""
    #: For a monitor: its signals, e.g. ``{"data-drift": "DataDrift"}``.
    monitor_signals: dict[str, str] = field(default_factory=dict)
    #: Recurrence triggers, structured (``expression`` says the same in words): frequency
    #: (minute, hour, day, week, month), interval, and the pattern's hours, minutes, week days.
    frequency: str = ""
    interval: int | None = None
    hours: tuple[int, ...] = ()
    minutes: tuple[int, ...] = ()
    week_days: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AzureJob:
    """An Azure ML job (command, pipeline, sweep) with its status, timing and compute."""

    name: str
    display_name: str
    experiment: str
    status: str
    job_type: str = ""
    #: The compute target's name, or ``serverless`` for a job that names none.
    compute: str = ""
    #: The VM size it asked for (serverless jobs name one), "" when it does not say.
    instance_type: str = ""
    created_at: datetime | None = None
    created_by: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    #: Literal inputs (hyperparameters) as text.
    parameters: dict[str, str] = field(default_factory=dict)
    #: Asset inputs: name -> path/URI.
    inputs: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    studio_url: str = ""

    @property
    def finished(self) -> bool:
        """True once Azure ML reports a terminal state."""
        return self.status in ("Completed", "Failed", "Canceled")

    @property
    def duration_seconds(self) -> float | None:
        """Run time, from start to end (or None while unknown)."""
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()
