"""Local MLflow workspaces full of model versions, for the benchmarks (not for tests).

``build_workspaces(home, versions_per_workspace)`` writes dev/staging/prod local workspaces into the
app config under ``home`` (``MLOPS_DESKTOP_HOME`` must point there before this module runs) and
fills each real SQLite store with registered models, runs (with a key metric and params) and
model versions through the ordinary MLflow client. No model is trained: listing, the GUI and the
CLI read the registry, the runs and their metrics — what a big registry costs them.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STAGES = ("dev", "staging", "prod")


def build_workspaces(
    home: Path, versions_per_workspace: int, *, models: int = 10, runs: int = 25
) -> dict[str, float]:
    """Create the three workspaces; returns seconds spent per workspace."""
    if Path(os.environ.get("MLOPS_DESKTOP_HOME", "")) != home:
        raise RuntimeError("set MLOPS_DESKTOP_HOME to the benchmark home first")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow.tracking import MlflowClient

    from mlops_desktop.core.config import load_config, local_mlflow_workspace, save_config
    from mlops_desktop.core.stages import Stage

    config = load_config()
    spent: dict[str, float] = {}
    for stage in STAGES:
        started = time.perf_counter()
        workspace = local_mlflow_workspace(stage, Stage(stage))
        config = config.with_workspace(workspace, replace=True)
        assert workspace.mlflow is not None
        uri = workspace.mlflow.tracking_uri
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        experiment = client.create_experiment(
            f"bench-{stage}", artifact_location=workspace.mlflow.artifact_root
        )
        run_ids = []
        for r in range(runs):
            run = client.create_run(experiment, run_name=f"train-{r}")
            client.log_batch(
                run.info.run_id,
                metrics=[_metric("rmse", 50.0 + (r * 7919 % 97) / 10.0)],
                params=[_param("alpha", str(0.1 * r)), _param("max_depth", str(r % 8))],
            )
            client.set_terminated(run.info.run_id)
            run_ids.append(run.info)
        names = [f"model-{m:02d}" for m in range(models)]
        for name in names:
            client.create_registered_model(name, description=f"benchmark model {name}")
        for v in range(versions_per_workspace):
            info = run_ids[v % runs]
            name = names[v % models]
            version = client.create_model_version(
                name, f"{info.artifact_uri}/model", run_id=info.run_id
            )
            if v < models:
                client.set_registered_model_alias(name, "champion", version.version)
        spent[stage] = time.perf_counter() - started
    save_config(config)
    return spent


def _metric(key: str, value: float):
    from mlflow.entities import Metric

    return Metric(key, value, int(time.time() * 1000), 0)


def _param(key: str, value: str):
    from mlflow.entities import Param

    return Param(key, value)
