"""Build the demo: three local MLflow workspaces with trained, registered, copied versions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mlops_desktop.core import paths
from mlops_desktop.core.config import (
    AppConfig,
    WorkspaceConfig,
    load_config,
    local_mlflow_workspace,
    save_config,
)
from mlops_desktop.core.entities import MetricGoal
from mlops_desktop.core.errors import Conflict
from mlops_desktop.core.stages import STAGE_ORDER, Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.demo.live import send_traffic, start_endpoint

DEMO_MODEL = "diabetes-progression"
DEMO_MARKER = "Demo workspace created by `mlops-desktop demo`"
#: Hyperparameter sets the demo trains in dev: (model type, params).
DEMO_RUNS: tuple[tuple[str, dict[str, object]], ...] = (
    ("ridge", {"alpha": 1.0}),
    ("random_forest", {"n_estimators": 60, "max_depth": 4}),
    ("random_forest", {"n_estimators": 120, "max_depth": 8, "min_samples_leaf": 3}),
    ("gradient_boosting", {"n_estimators": 80, "learning_rate": 0.05, "max_depth": 2}),
)


@dataclass
class DemoSummary:
    """What the demo created (or found already in place)."""

    workspaces: list[str] = field(default_factory=list)
    dev_versions: list[tuple[str, float]] = field(default_factory=list)
    champion_version: str | None = None
    champion_metric: tuple[str, float] | None = None
    current_data: Path | None = None
    endpoints: list[str] = field(default_factory=list)
    policy: str | None = None
    already_present: bool = False
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """A short human summary."""
        if self.already_present:
            return [f"demo workspaces already present: {', '.join(self.workspaces)}"]
        out = [f"workspaces: {', '.join(self.workspaces)}"]
        for version, value in self.dev_versions:
            out.append(f"  dev {DEMO_MODEL} v{version}: key metric {value:.3f}")
        if self.champion_version and self.champion_metric:
            name, value = self.champion_metric
            out.append(
                f"champion: dev v{self.champion_version} ({name}={value:.3f}) copied to staging "
                "and prod"
            )
        if self.current_data:
            out.append(f"production-like current data: {self.current_data}")
        out.extend(self.endpoints)
        if self.policy:
            out.append(
                f"retraining policy {self.policy!r} (fires on the drift, then promotes to "
                "staging; the window only reports it unless Settings → Background allows stage "
                "changes; try `mlops-desktop retrain check`)"
            )
        out.append(f"done in {self.seconds:.1f} s")
        return out


def demo_workspace_configs() -> list[WorkspaceConfig]:
    """The three demo workspaces, one per stage."""
    return [
        local_mlflow_workspace(stage.value, stage, description=DEMO_MARKER) for stage in STAGE_ORDER
    ]


def _is_demo(ws: WorkspaceConfig) -> bool:
    return ws.description == DEMO_MARKER


def demo_data_dir() -> Path:
    """Where the demo keeps its extra data (current production data)."""
    return paths.data_dir() / "demo"


def _remove_demo(config: AppConfig) -> AppConfig:
    from mlops_desktop.backends.mlflow.backend import remove_local_store

    for ws in list(config.workspaces):
        if _is_demo(ws):
            remove_local_store(ws)
            config = config.without_workspace(ws.name)
    import shutil

    shutil.rmtree(demo_data_dir(), ignore_errors=True)
    return config


def _demo_complete(config: AppConfig) -> bool:
    from mlops_desktop.backends.mlflow.backend import MlflowBackend

    names = {ws.name for ws in config.workspaces if _is_demo(ws)}
    if names != {s.value for s in STAGE_ORDER}:
        return False
    prod = MlflowBackend(config.workspace(Stage.PROD.value))
    models = {m.name: m for m in prod.list_registered_models()}
    return DEMO_MODEL in models and "champion" in models[DEMO_MODEL].aliases


def _start_live_endpoints(
    staging: WorkspaceConfig,
    prod: WorkspaceConfig,
    current: Path,
    report: Callable[[str], None],
    ctx: TaskContext,
) -> list[str]:
    """Endpoints in staging and prod with traffic; returns summary lines."""
    import pandas as pd
    from sklearn.datasets import load_diabetes

    lines = []
    production = pd.read_parquet(current).drop(columns=["timestamp", "target"])
    like_training = load_diabetes(as_frame=True).frame.drop(columns=["target"]).head(400)
    for workspace, frame in ((staging, like_training), (prod, production)):
        report(f"starting the {workspace.name} endpoint and sending it traffic")
        name = start_endpoint(workspace, DEMO_MODEL, ctx)
        live = send_traffic(workspace, name, frame, ctx)
        lines.append(
            f"endpoint {live.workspace}/{live.name}: {live.url} ({live.requests} requests, "
            f"{live.failures} failed)"
        )
    return lines


def _stop_demo_endpoints(config: AppConfig) -> None:
    """Stop the endpoints of demo workspaces before their files go."""
    from mlops_desktop.core.errors import MlopsError
    from mlops_desktop.serving.manager import EndpointManager

    for ws in config.workspaces:
        if not _is_demo(ws):
            continue
        try:
            manager = EndpointManager(ws)
            for endpoint in manager.list_endpoints(probe=False):
                manager.delete_endpoint(endpoint.name)
        except MlopsError:
            continue


def create_demo(
    ctx: TaskContext | None = None, *, reset: bool = False, endpoints: bool = True
) -> DemoSummary:
    """Create (or complete) the demo; idempotent, ``reset`` starts over.

    With ``endpoints``, staging and prod also get live endpoints serving their champions and a
    stream of real requests (prod's drifting), so every page has live data.
    """
    from mlops_desktop.backends.mlflow.backend import MlflowBackend, copy_model_version
    from mlops_desktop.pipelines.train import TrainConfig, train

    ctx = ctx or TaskContext()
    started = time.monotonic()
    summary = DemoSummary(workspaces=[s.value for s in STAGE_ORDER])
    total = len(DEMO_RUNS) + 5 + (2 if endpoints else 0)
    step = 0

    def report(message: str) -> None:
        nonlocal step
        ctx.progress(step, total, message)
        step += 1

    report("checking configuration")
    config = load_config()
    for ws in config.workspaces:
        if ws.name in summary.workspaces and not _is_demo(ws):
            raise Conflict(
                f"a workspace named {ws.name!r} exists and is not a demo workspace",
                hint=f"remove or rename it first (`mlops-desktop workspaces remove {ws.name}`)",
            )
    if reset:
        _stop_demo_endpoints(config)
        config = _remove_demo(config)
        save_config(config)
    elif _demo_complete(config):
        summary.already_present = True
        if endpoints:
            report("checking the demo endpoints")
            for name in (Stage.STAGING.value, Stage.PROD.value):
                start_endpoint(config.workspace(name), DEMO_MODEL, ctx)
        summary.seconds = time.monotonic() - started
        ctx.progress(total, total, "demo already present")
        return summary
    else:
        # A half-built demo (interrupted earlier) is rebuilt from scratch.
        _stop_demo_endpoints(config)
        config = _remove_demo(config)

    workspaces = demo_workspace_configs()
    for ws in workspaces:
        config = config.with_workspace(ws)
    save_config(config)
    dev, staging, prod = (MlflowBackend(ws) for ws in workspaces)

    results = []
    for i, (model_type, params) in enumerate(DEMO_RUNS, start=1):
        report(f"training run {i}/{len(DEMO_RUNS)} in dev: {model_type}")
        assert dev.workspace.mlflow is not None
        result = train(
            TrainConfig(
                tracking_uri=dev.workspace.mlflow.tracking_uri,
                artifact_root=dev.workspace.mlflow.artifact_root,
                registered_model=DEMO_MODEL,
                experiment="diabetes-progression",
                data="diabetes",
                model_type=model_type,
                params=dict(params),
                seed=42,
                run_name=f"{model_type}-{i}",
                tags={"mlops.trigger": "demo"},
            )
        )
        results.append(result)
        summary.dev_versions.append((result.version or "?", result.metrics[result.key_metric]))

    goal = MetricGoal.for_metric(results[0].key_metric)
    best = (min if goal is MetricGoal.MINIMIZE else max)(
        results, key=lambda r: r.metrics[r.key_metric]
    )
    assert best.version is not None
    summary.champion_version = best.version
    summary.champion_metric = (best.key_metric, best.metrics[best.key_metric])
    dev.set_model_version_alias(DEMO_MODEL, "champion", best.version)

    for target in (staging, prod):
        report(f"copying dev v{best.version} into {target.workspace.name}")
        copied = copy_model_version(dev, DEMO_MODEL, best.version, target, DEMO_MODEL)
        target.set_model_version_alias(DEMO_MODEL, "champion", copied.version)

    report("writing production-like current data")
    from mlops_desktop.demo.production_data import write_production_data

    summary.current_data = write_production_data(demo_data_dir())
    report("installing the demo retraining policy")
    from mlops_desktop.retraining.demo_policy import install_demo_policy

    policy = install_demo_policy()
    summary.policy = policy.name
    if endpoints:
        summary.endpoints = _start_live_endpoints(
            staging.workspace, prod.workspace, summary.current_data, report, ctx
        )
    summary.seconds = time.monotonic() - started
    ctx.progress(total, total, "demo ready")
    return summary
