"""The demo's live part: endpoints in staging and prod serving their champions, with traffic.

Production gets the production-like stream (drift growing in age, bmi and bp, a broken feed
for s3); staging gets a smaller stream that looks like the training data. Endpoints keep
running after the demo command ends, as real ones do; `mlops-desktop endpoints stop` stops them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Conflict
from mlops_desktop.core.tasks import TaskContext

BATCH_ROWS = 20


@dataclass(frozen=True)
class LiveEndpoint:
    """One demo endpoint and the traffic it received."""

    workspace: str
    name: str
    url: str
    requests: int
    failures: int


def start_endpoint(workspace: WorkspaceConfig, model: str, ctx: TaskContext) -> str:
    """The endpoint serving ``model@champion`` in ``workspace`` (created when missing)."""
    from mlops_desktop.serving.manager import EndpointManager

    manager = EndpointManager(workspace)
    try:
        manager.create_endpoint(model, model=model, version="champion", deployment="blue")
    except Conflict:
        manager.start_endpoint(model, ctx)  # already there: make sure it runs
    return model


def send_traffic(
    workspace: WorkspaceConfig, endpoint: str, frame: object, ctx: TaskContext
) -> LiveEndpoint:
    """Score ``frame`` (a pandas DataFrame of features) in batches through the endpoint."""
    import pandas as pd

    from mlops_desktop.serving.manager import EndpointManager

    assert isinstance(frame, pd.DataFrame)
    manager = EndpointManager(workspace)
    sent = failed = 0
    for start in range(0, len(frame), BATCH_ROWS):
        ctx.check()
        batch = frame.iloc[start : start + BATCH_ROWS]
        result = manager.invoke(endpoint, batch)
        sent += 1
        failed += result.status >= 400
    described = manager.get_endpoint(endpoint, probe=False)
    url = f"http://127.0.0.1:{described.port}"
    return LiveEndpoint(workspace.name, endpoint, url, sent, failed)
