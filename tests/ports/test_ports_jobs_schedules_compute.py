"""The provider hands each workspace kind its jobs, schedules and compute ports; what a kind
lacks is a declared capability with a reason, not a branch in a caller."""

from __future__ import annotations

import pytest

from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    MlflowConnection,
    WorkspaceConfig,
)
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.ports.azure_jobs import AZURE_JOBS
from mlops_desktop.ports.compute import MachineCompute, ServiceCompute
from mlops_desktop.ports.jobs import LOCAL_JOBS, LocalJobs, SubmitMode
from mlops_desktop.ports.provider import (
    open_compute,
    open_jobs,
    open_schedules,
    ports_of,
    schedule_workspaces,
    service_compute_workspaces,
    service_job_workspaces,
)
from mlops_desktop.ports.schedules import POLICY_HINT

LOCAL = WorkspaceConfig(
    name="dev", stage=Stage.DEV, mlflow=MlflowConnection(tracking_uri="sqlite:///dev.db")
)
AZURE = WorkspaceConfig(
    name="prod",
    stage=Stage.PROD,
    backend=BackendKind.AZUREML,
    azure=AzureConnection(subscription_id="s", resource_group="g", workspace_name="w"),
)
CONFIG = AppConfig(workspaces=[LOCAL, AZURE])


def test_each_kind_declares_its_jobs() -> None:
    assert ports_of(LOCAL).job_kind is LOCAL_JOBS and ports_of(AZURE).job_kind is AZURE_JOBS
    assert LOCAL_JOBS.submit_mode is SubmitMode.PIPELINE
    assert AZURE_JOBS.submit_mode is SubmitMode.RERUN
    assert isinstance(open_jobs(LOCAL), LocalJobs)
    local_jobs = ports_of(LOCAL).service_jobs
    assert not local_jobs and "this machine" in local_jobs.reason
    assert [w.name for w in service_job_workspaces(CONFIG)] == ["prod"]
    assert service_job_workspaces(CONFIG, "dev") == []


def test_local_schedules_are_policies_and_say_so() -> None:
    port = open_schedules(LOCAL)
    assert not port.provided and port.provided.reason == POLICY_HINT
    with pytest.raises(InvalidInput, match="not an Azure ML workspace") as refused:
        port.list_schedules()
    assert refused.value.hint == POLICY_HINT
    assert [w.name for w in schedule_workspaces(CONFIG)] == ["prod"]


def test_compute_is_this_machine_or_the_services() -> None:
    local, azure = open_compute(LOCAL), open_compute(AZURE)
    assert isinstance(local, MachineCompute) and local.samples_this_machine
    assert not local.service_compute and local.read().error == local.service_compute.reason
    assert isinstance(azure, ServiceCompute) and azure.service_compute
    assert [w.name for w in service_compute_workspaces(CONFIG)] == ["prod"]
