"""Drift from what an endpoint collected: endpoint sources, time slices, the page's choices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from endpoint_helpers import cleanup

from mlops_desktop.core.config import AppConfig, local_mlflow_workspace, save_config
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.monitoring.sources import TimeSlice, load_source
from mlops_desktop.pipelines.train import TrainConfig, train
from mlops_desktop.ports.collected_data import open_collected_data
from mlops_desktop.serving.manager import EndpointManager


@pytest.fixture
def served(app_home: Path, serving_host_dir: Path) -> Iterator[tuple[AppConfig, EndpointManager]]:
    """A fresh prod workspace with a trained model behind endpoint ``scorer`` and traffic."""
    ws = local_mlflow_workspace("prod", Stage.PROD)
    assert ws.mlflow is not None
    train(
        TrainConfig(
            tracking_uri=ws.mlflow.tracking_uri,
            artifact_root=ws.mlflow.artifact_root,
            registered_model="scorer",
            model_type="ridge",
        )
    )
    config = AppConfig().with_workspace(ws)
    save_config(config)
    manager = EndpointManager(ws, host_dir=serving_host_dir)
    try:
        manager.create_endpoint("scorer", model="scorer", version="1")
        example = manager.input_example("scorer")
        for _ in range(12):
            assert manager.invoke("scorer", example).status == 200
        yield config, manager
    finally:
        cleanup(manager)


def _wait_collected(manager: EndpointManager, rows: int) -> pd.DataFrame:
    from endpoint_helpers import wait_for

    wait_for(lambda: len(manager.collected_data("scorer")) >= rows)
    return manager.collected_data("scorer")


def test_endpoint_source_slices_and_choices(served) -> None:
    config, manager = served
    collected = _wait_collected(manager, 12 * 5)  # the example has 5 rows
    frame, name = load_source(
        config, "endpoint:prod/scorer#since=-1h", open_collected=open_collected_data
    )
    assert name == "endpoint:prod/scorer#since=-1h"
    assert len(frame) == len(collected)
    assert {"age", "bmi", "timestamp"} <= set(frame.columns)
    assert any(c.startswith("prediction") for c in frame.columns)
    with pytest.raises(NotFound, match="collected no requests"):
        load_source(
            config, "endpoint:prod/scorer#since=-48h&until=-24h", open_collected=open_collected_data
        )
    blue, _ = load_source(
        config, "endpoint:prod/scorer#deployment=blue", open_collected=open_collected_data
    )
    assert len(blue) == len(collected)
    with pytest.raises(NotFound, match="by deployment 'green'"):
        load_source(
            config, "endpoint:prod/scorer#deployment=green", open_collected=open_collected_data
        )
    with pytest.raises(NotFound):
        load_source(config, "endpoint:prod/nope", open_collected=open_collected_data)
    with pytest.raises(InvalidInput, match="endpoint:WORKSPACE/ENDPOINT"):
        load_source(config, "endpoint:prod", open_collected=open_collected_data)

    from mlops_desktop.ui.drift.tasks_drift import list_drift_sources

    sources = list_drift_sources(TaskContext(), config)
    assert "endpoint:prod/scorer#since=-24h" in [c.source for c in sources.current]
    assert "endpoint:prod/scorer#since=-14d&until=-7d" in [c.source for c in sources.reference]
    assert "model:prod/scorer/1" in [c.source for c in sources.reference]


def test_time_slices_on_files(tmp_path: Path) -> None:
    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    window = TimeSlice.parse("since=-2d&until=-1d", now=now)
    assert window.since == now - timedelta(days=2) and window.until == now - timedelta(days=1)
    frame = pd.DataFrame(
        {"x": [1, 2, 3], "ts": [now - timedelta(days=3), now - timedelta(hours=36), now]}
    )
    assert window.apply(frame, "ts", "f").x.tolist() == [2]
    assert TimeSlice.parse("since=2026-11-26T00:00:00").since == datetime(2026, 11, 26, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="cannot read time"):
        TimeSlice.parse("since=yesterday")
    with pytest.raises(InvalidInput, match="unknown time slice key"):
        TimeSlice.parse("from=-1d")
    assert TimeSlice.parse("since=-1h&deployment=green").deployment == "green"
    with pytest.raises(InvalidInput, match="timestamp column"):
        window.apply(frame, "missing", "f")
