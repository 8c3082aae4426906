"""``endpoint:WORKSPACE/NAME`` sources of Azure ML workspaces: the data collector's files.

An Azure ML online deployment with data collection on writes its inputs to the workspace's
blob storage (:mod:`mlops_desktop.backends.azureml.collected_data`); this downloads the hours
of a time slice into a work folder and reads them like the local endpoints' data: the inputs
and a ``timestamp`` column (the events' time), cut to the slice exactly.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.errors import NotFound
from mlops_desktop.core.tasks import TaskContext

if TYPE_CHECKING:
    from mlops_desktop.core.config import WorkspaceConfig
    from mlops_desktop.monitoring.sources import TimeSlice


def azure_endpoint_data(
    workspace: WorkspaceConfig,
    endpoint: str,
    time_slice: TimeSlice | None,
    *,
    workdir: Path | None = None,
    ctx: TaskContext | None = None,
    timestamp: str = "timestamp",
) -> Any:
    """What ``endpoint``'s deployments collected (``model_inputs``) in the slice, as a
    DataFrame; the slice's ``deployment`` keeps one deployment's data."""
    from mlops_desktop.backends.azureml.backend import AzureMlBackend
    from mlops_desktop.drift.io import COLLECTOR_TIME_COLUMN, load_table

    # The files are read into memory at once, so the download folder goes right after.
    with tempfile.TemporaryDirectory(prefix="collected-", dir=workdir) as tmp:
        folder = Path(tmp)
        backend = AzureMlBackend(workspace)
        try:
            fetched = backend.download_collected_data(
                endpoint,
                folder,
                deployment=time_slice.deployment if time_slice else None,
                since=time_slice.since if time_slice else None,
                until=time_slice.until if time_slice else None,
                ctx=ctx,
            )
        finally:
            backend.close()
        frame = load_table(folder, name=f"endpoint:{workspace.name}/{endpoint}")
    if COLLECTOR_TIME_COLUMN in frame.columns and timestamp not in frame.columns:
        frame = frame.rename(columns={COLLECTOR_TIME_COLUMN: timestamp})
    # Whole hours came down; the events' own times say which rows are in the slice.
    frame = _within(frame, timestamp, fetched.since, fetched.until)
    if frame.empty:
        raise NotFound(
            f"endpoint {endpoint!r} in {workspace.name!r} collected no rows in that time",
            hint="widen the time slice",
        )
    return frame


def _within(frame: Any, column: str, since: datetime, until: datetime) -> Any:
    import pandas as pd

    if column not in frame.columns:
        return frame
    times = pd.to_datetime(frame[column], utc=True, errors="coerce")
    keep = (times >= pd.Timestamp(since)) & (times < pd.Timestamp(until))
    return frame.loc[keep].reset_index(drop=True)
