"""The effective permissions (``Microsoft.Authorization/permissions``) are read once per
workspace and session, however many pages and backends ask; another identity, a sign-in and an
explicit refresh read them again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, permission_reads

from mlops_desktop.backends.azureml import permission_cache
from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Unavailable
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.endpoints.tasks_endpoints import list_endpoints_of
from mlops_desktop.ui.jobs.tasks_azure_schedules import list_azure_schedules
from mlops_desktop.ui.jobs.tasks_jobs import rerun_choices_task
from mlops_desktop.ui.jobs.tasks_service_jobs import list_service_jobs


def _start(workspaces: list[WorkspaceConfig]) -> None:
    """What the window asks of Azure when it starts: the Endpoints and Jobs pages, the
    schedules view and the Retrain dialog's choices, each in a worker with its own backend."""
    ctx = TaskContext()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(list_endpoints_of, ws) for ws in workspaces]
        futures.append(pool.submit(list_service_jobs, ctx, workspaces))
        futures.append(pool.submit(list_azure_schedules, ctx, workspaces))
        futures += [pool.submit(rerun_choices_task, ctx, ws) for ws in workspaces]
        for future in futures:
            future.result()


def test_a_start_reads_permissions_once_per_workspace(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    server = fresh_arm_server
    workspaces = [azure_workspace(server, Stage.DEV), azure_workspace(server, Stage.STAGING)]
    _start(workspaces)
    assert permission_reads(server) == {"mlw-churn-dev": 1, "mlw-churn-staging": 1}

    # Later reads of the same session ask nobody.
    server.clear_requests()
    _start(workspaces)
    assert permission_reads(server) == {}

    # Another identity is asked about once, and answered with its own rights.
    data = server.dataset
    az.login(data.principal("auditor"), data.tenant_id, subscription=data.subscription_id)
    (jobs,) = [list_service_jobs(TaskContext(), workspaces[:1])]
    assert permission_reads(server) == {"mlw-churn-dev": 1}
    assert all("jobs/cancel/action" in j.handle["cancel_blocked"] for j in jobs.jobs)
    _start(workspaces)
    assert permission_reads(server) == {"mlw-churn-dev": 1, "mlw-churn-staging": 1}

    # An explicit refresh reads again; so does the first read after the cache is dropped.
    server.clear_requests()
    backend = AzureMlBackend(workspaces[0])
    try:
        backend.permissions()
        assert permission_reads(server) == {}
        backend.permissions(refresh=True)
        assert permission_reads(server) == {"mlw-churn-dev": 1}
    finally:
        backend.close()
    permission_cache.invalidate()
    _start(workspaces[1:])
    assert permission_reads(server) == {"mlw-churn-dev": 1, "mlw-churn-staging": 1}


def test_a_failed_read_is_not_remembered(fresh_arm_server: ArmTestServer, az: AzStandIn) -> None:
    server = fresh_arm_server
    server.add_fault(r"/permissions$", status=503, times=None)
    backend = AzureMlBackend(azure_workspace(server, Stage.DEV))
    try:
        with pytest.raises(Unavailable):
            backend.check_permission("cancel_job")
    finally:
        backend.close()
    server.clear_faults()
    fresh = AzureMlBackend(azure_workspace(server, Stage.DEV))
    try:
        assert fresh.check_permission("cancel_job").allowed
    finally:
        fresh.close()
