"""The Overview on Azure ML workspaces (the real SDK against the loopback ARM server): champions
per stage, online endpoints with their state (their traffic lives in Azure Monitor), and an
unreachable workspace kept to its own column."""

from __future__ import annotations

import pytest
from arm_server import ArmTestServer, AzStandIn
from test_azure_cli import _add_workspaces
from test_azure_listings import _take_offline

from mlops_desktop.core.config import load_config
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.overview.entities import Health
from mlops_desktop.overview.snapshot import overview_snapshot
from mlops_desktop.overview.text import snapshot_lines


def test_overview_of_three_azure_workspaces(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    snapshot = overview_snapshot(TaskContext(), load_config())
    assert [(c.stage, c.kind, c.state) for c in snapshot.columns] == [
        (Stage.DEV, "Azure ML", "online"),
        (Stage.STAGING, "Azure ML", "online"),
        (Stage.PROD, "Azure ML", "online"),
    ]
    champions = [c for c in snapshot.cells if c.champion is not None and c.champion.alias]
    assert champions, "the data set's champions"
    served = [(c, e) for c in snapshot.cells for e in c.endpoints]
    assert served, "the data set's online endpoints serve its models"
    for _cell, endpoint in served:
        assert endpoint.traffic is not None and not endpoint.traffic.collected
        assert "Azure Monitor" in endpoint.traffic.note
        assert endpoint.health in (Health.OK, Health.WARN, Health.BAD)
        assert any(s.startswith("v") for s in endpoint.serving) or endpoint.health is Health.WARN
    # the data set's prod endpoint sends 10 % to the champion (v2), 90 % to v1: said so
    prod = next(c for c in snapshot.cells if c.workspace == "prod" and c.model == "churn")
    (endpoint,) = prod.endpoints
    assert prod.champion.version == "2" and endpoint.champion_share == 10
    text = "\n".join(snapshot_lines(snapshot))
    assert "Azure Monitor" in text and "champion takes 10 % of live traffic" in text


def test_an_unreachable_azure_workspace_stays_in_its_column(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    _take_offline(Stage.PROD)
    snapshot = overview_snapshot(TaskContext(), load_config())
    columns = {c.workspace: c for c in snapshot.columns}
    assert columns["prod"].state != "online" and columns["prod"].problems
    assert columns["dev"].state == "online" and columns["staging"].state == "online"
    assert any(c.champion is not None for c in snapshot.cells if c.workspace == "dev")
    assert all(c.champion is None for c in snapshot.cells if c.workspace == "prod")
