"""The demo's live part: endpoints in staging and prod with real traffic."""

from __future__ import annotations

from pathlib import Path

from endpoint_helpers import cleanup, wait_for

from mlops_desktop.core.config import load_config
from mlops_desktop.demo import DEMO_MODEL, create_demo
from mlops_desktop.monitoring.sources import load_source
from mlops_desktop.ports.collected_data import open_collected_data
from mlops_desktop.serving.manager import EndpointManager


def test_demo_serves_champions_and_collects_drifting_traffic(app_home: Path) -> None:
    managers: list[EndpointManager] = []
    try:
        summary = create_demo()
        config = load_config()
        managers = [EndpointManager(config.workspace(n)) for n in ("staging", "prod")]
        assert len(summary.endpoints) == 2
        for manager in managers:
            (endpoint,) = manager.list_endpoints()
            assert endpoint.name == DEMO_MODEL
            (deployment,) = endpoint.deployments
            assert (deployment.version, deployment.traffic) == ("1", 100)
        prod = managers[1]
        wait_for(lambda: len(prod.collected_data(DEMO_MODEL)) >= 2000)
        frame, _ = load_source(
            config, f"endpoint:prod/{DEMO_MODEL}", open_collected=open_collected_data
        )
        training, _ = load_source(
            config, f"model:prod/{DEMO_MODEL}/champion", open_collected=open_collected_data
        )
        # The stream drifts: production bmi runs above the training data's.
        assert frame["bmi"].mean() > training["bmi"].mean() + 0.01
        assert frame["s3"].isna().any()  # the broken feed reached the endpoint as nulls
        again = create_demo()  # idempotent: endpoints found running, nothing rebuilt
        assert again.already_present
        assert [len(m.list_endpoints()) for m in managers] == [1, 1]
    finally:
        for manager in managers:
            cleanup(manager)
