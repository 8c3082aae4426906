"""``endpoint:WORKSPACE/NAME`` sources of MLflow workspaces: the requests a local endpoint's
router collected (inputs, the model's ``prediction`` and the request ``timestamp``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_desktop.core.errors import NotFound

if TYPE_CHECKING:
    from mlops_desktop.core.config import WorkspaceConfig
    from mlops_desktop.monitoring.sources import TimeSlice


def local_endpoint_data(
    workspace: WorkspaceConfig, endpoint: str, time_slice: TimeSlice | None
) -> Any:
    """What local ``endpoint`` collected in the slice, as a DataFrame; the slice's
    ``deployment`` keeps the requests one deployment answered."""
    from mlops_desktop.serving.manager import EndpointManager

    manager = EndpointManager(workspace)
    manager.get_endpoint(endpoint, probe=False)  # NotFound names the endpoint
    since = time_slice.since if time_slice else None
    until = time_slice.until if time_slice else None
    frame = manager.collected_data(endpoint, since, until)
    deployment = time_slice.deployment if time_slice else None
    if deployment is not None and not frame.empty:
        frame = frame[frame["deployment"] == deployment]
    if frame.empty:
        which = f" by deployment {deployment!r}" if deployment else ""
        raise NotFound(
            f"endpoint {endpoint!r} in {workspace.name!r} collected no requests{which} "
            "in that time",
            hint="send it traffic, or widen the time slice",
        )
    return frame.drop(columns=["deployment", "request_id", "mirrored"], errors="ignore")
