"""Azure ML jobs: list with status/timing/compute, submit a retraining job, cancel it."""

from __future__ import annotations

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_submit_a_retraining_job_and_cancel_it(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    backend = _backend(fresh_arm_server, Stage.DEV)
    job = backend.submit_retraining_job(
        experiment="churn-training",
        parameters={"learning_rate": 0.05, "max_depth": 4},
        inputs={"training_data": "azureml:churn-training:4"},
        tags={"mlops.trigger": "manual"},
    )
    assert job.status in ("NotStarted", "Queued", "Starting")
    assert job.parameters["learning_rate"] == "0.05" and job.parameters["max_depth"] == "4"
    # The template: the newest completed command job of the experiment.
    assert job.tags["mlops.retrain_of"] == "churn-train-20250616-06"
    assert job.parameters["n_estimators"] == "600"  # kept from the template
    assert job.inputs["training_data"].endswith("churn-training:4")
    assert job.compute == "cpu-cluster" and job.experiment == "churn-training"
    listed = backend.list_jobs(experiment="churn-training")
    assert listed[0].name == job.name
    ws = fresh_arm_server.dataset.workspaces[0]
    fresh_arm_server.jobs.set_status(ws, job.name, "Running")
    running = backend.get_job(job.name)
    assert running.start_time is not None and running.end_time is None
    canceled = backend.cancel_job(job.name)
    assert canceled.status == "Canceled" and canceled.finished
    assert canceled.duration_seconds is not None and canceled.duration_seconds >= 0
    with pytest.raises(InvalidInput, match="already Canceled"):
        backend.cancel_job(job.name)


def test_jobs_list_carries_status_timing_and_compute(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    jobs = _backend(arm_server, Stage.DEV).list_jobs()
    assert jobs and all(j.compute for j in jobs if j.job_type == "command")
    assert {j.status for j in jobs} >= {"Completed"}


def test_retraining_rejects_unknown_parameters(arm_server: ArmTestServer, az: AzStandIn) -> None:
    with pytest.raises(InvalidInput, match="no parameter depth"):
        _backend(arm_server, Stage.DEV).submit_retraining_job(parameters={"depth": 3})
