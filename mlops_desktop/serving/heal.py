"""Self-healing of local endpoints: restart the deployments and routers that died.

:meth:`EndpointManager.reattach` does the work for one workspace; :func:`heal_endpoints` runs it
for every local-MLflow workspace that has endpoints and says, in sentences, what it restarted
and why. The app's watchdog (``ui/background.py``) calls it every 30 s and
``mlops-desktop endpoints heal`` is the same for a system timer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mlops_desktop.core.config import AppConfig, BackendKind, WorkspaceConfig
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.serving.manager import EndpointManager, endpoints_dir

ManagerFactory = Callable[[WorkspaceConfig], EndpointManager]


@dataclass(frozen=True)
class HealReport:
    """What healing one workspace's endpoints found and did."""

    workspace: str
    endpoints: int
    #: One sentence per restart: "deployment blue of endpoint churn had exited; restarted"
    #: (and per stray process stopped: "deployment blue (pid 12) of endpoint churn ran
    #: unrecorded; stopped").
    restarted: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()


def local_endpoint_workspaces(
    config: AppConfig, workspace: str | None = None
) -> list[WorkspaceConfig]:
    """Local-MLflow workspaces that have an endpoints folder (only ``workspace`` if given)."""
    return [
        ws
        for ws in config.workspaces
        if ws.backend is BackendKind.MLFLOW
        and (workspace is None or ws.name == workspace)
        and endpoints_dir(ws).is_dir()
    ]


def heal_endpoints(
    config: AppConfig,
    ctx: TaskContext | None = None,
    *,
    workspace: str | None = None,
    manager_factory: ManagerFactory = EndpointManager,
) -> list[HealReport]:
    """Restart what died of every running local endpoint (stopped endpoints stay stopped)."""
    ctx = ctx or TaskContext()
    reports = []
    for ws in local_endpoint_workspaces(config, workspace):
        ctx.check()
        try:
            found = manager_factory(ws).reattach(ctx, probe=False)
        except MlopsError as exc:
            reports.append(HealReport(ws.name, 0, failures=(str(exc),)))
            continue
        restarted = [
            f"router of endpoint {name} had exited; restarted" for name in found.restarted_routers
        ]
        for item in found.restarted_deployments:  # "endpoint/deployment"
            name, _, deployment = item.partition("/")
            restarted.append(f"deployment {deployment} of endpoint {name} had exited; restarted")
        restarted.extend(
            f"supervisor of endpoint {name} had exited; restarted"
            for name in found.restarted_supervisors
        )
        for item in found.stopped_strays:  # "endpoint: role name (pid N)"
            name, _, what = item.partition(": ")
            restarted.append(f"{what} of endpoint {name} ran unrecorded; stopped")
        reports.append(
            HealReport(ws.name, len(found.endpoints), tuple(restarted), tuple(found.failures))
        )
    return reports
