"""Task body of the Overview page (Qt-free): the cross-stage snapshot, read in a worker.

A thin wrapper of :func:`mlops_desktop.overview.snapshot.overview_snapshot` (which the CLI's
``mlops-desktop overview`` prints) that opens backends under the app's open lock, so the
overview and the workspace loader never import an SDK from two threads at once.
"""

from __future__ import annotations

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.overview.entities import OverviewSnapshot
from mlops_desktop.ui.common.backend_tasks import _OPEN_LOCK, BackendOpener


def overview_snapshot(
    ctx: TaskContext, config: AppConfig, opener: BackendOpener | None = None
) -> OverviewSnapshot:
    """Every workspace's models, endpoints, drift, approvals, retraining and problems."""
    from mlops_desktop.overview.snapshot import overview_snapshot as gather

    return gather(ctx, config, opener=opener, open_lock=_OPEN_LOCK)
