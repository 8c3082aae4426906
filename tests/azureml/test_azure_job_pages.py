"""Azure ML job lists come a page at a time, filtered and ordered by the service.

The shared loopback server pages every list two items at a time (``nextLink`` with a
``$skipToken``), filters Jobs - List by ``jobType``/``tag``/``properties`` and orders it newest
first, as Azure ML does. dev holds 11 jobs: reading them all takes six requests, a page one.
"""

from __future__ import annotations

from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.stages import Stage
from mlops_desktop.ports.azure_jobs import AZURE_JOBS, AzureJobs
from mlops_desktop.ports.jobs import JobQuery, LogSource, SubmitMode, kind_of
from mlops_desktop.retraining.jobs import JobStatus

#: dev's jobs, newest first (``systemData.createdAt``).
NEWEST_FIRST = [
    "churn-train-20250703-08",
    "churn-train-20250702-07",
    "churn-train-20250616-06",
    "churn-train-20250515-05",
    "fraud-train-20250503-03",
    "fraud-train-20250502-02",
    "fraud-train-20250501-01",
    "churn-train-20250414-04",
    "churn-train-20250313-03",
    "churn-train-20250212-02",
    "churn-train-20250111-01",
]


def _port(server: ArmTestServer) -> AzureJobs:
    workspace = azure_workspace(server, Stage.DEV)
    return AzureJobs(workspace, AzureMlBackend(workspace, settings=quick_settings()))


def _job_lists(server: ArmTestServer) -> list[dict[str, str]]:
    return [
        r.query
        for r in server.requests
        if r.method == "GET" and r.path.lower().endswith("/workspaces/mlw-churn-dev/jobs")
    ]


def test_a_page_asks_the_service_for_one_page_not_every_job(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server)
    arm_server.clear_requests()
    page = port.list_jobs(JobQuery(page_size=2))
    assert [kind_of(j).display_id(j) for j in page.jobs] == NEWEST_FIRST[:2]
    assert all(kind_of(j) is AZURE_JOBS for j in page.jobs)
    assert len(_job_lists(arm_server)) == 1  # one request, not the six of the whole list
    assert page.next_token is not None

    # The next page starts where this one ended, with one more request.
    arm_server.clear_requests()
    second = port.list_jobs(JobQuery(page_size=2, token=page.next_token))
    assert [kind_of(j).display_id(j) for j in second.jobs] == NEWEST_FIRST[2:4]
    assert len(_job_lists(arm_server)) == 1
    assert _job_lists(arm_server)[0].get("$skipToken") == "2"
    port.close()


def test_pages_of_another_size_than_the_services_cover_every_job_once(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server)
    names: list[str] = []
    token: str | None = None
    sizes: list[int] = []
    while True:
        page = port.list_jobs(JobQuery(page_size=3, token=token))
        names += [kind_of(j).display_id(j) for j in page.jobs]
        sizes.append(len(page.jobs))
        token = page.next_token
        if token is None:
            break
    port.close()
    assert names == NEWEST_FIRST
    assert sizes == [3, 3, 3, 2]


def test_job_type_and_tag_are_filtered_by_the_service(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server)
    arm_server.clear_requests()
    page = port.list_jobs(JobQuery(job_type="command", page_size=20))
    assert [kind_of(j).display_id(j) for j in page.jobs] == NEWEST_FIRST
    assert all(q.get("jobType") == "Command" for q in _job_lists(arm_server))
    # No sweep jobs in dev: the service answers an empty page at once.
    arm_server.clear_requests()
    assert port.list_jobs(JobQuery(job_type="sweep")).jobs == ()
    assert len(_job_lists(arm_server)) == 1
    # Jobs - List's tag filter: a key every job has, then one no job has.
    everything, _ = port.backend.list_job_page(tag="model_type", page_size=20)
    assert [j.name for j in everything] == NEWEST_FIRST
    arm_server.clear_requests()
    none, token = port.backend.list_job_page(tag="mlops.trigger")
    assert none == [] and token is None
    assert [q.get("tag") for q in _job_lists(arm_server)] == ["mlops.trigger"]
    port.close()


def test_status_narrows_the_page_it_was_read_with(arm_server: ArmTestServer, az: AzStandIn) -> None:
    port = _port(arm_server)
    page = port.list_jobs(JobQuery(statuses=(JobStatus.FAILED,), page_size=4))
    assert [kind_of(j).display_id(j) for j in page.jobs] == ["churn-train-20250703-08"]
    assert page.next_token is not None  # seven jobs were not looked at
    port.close()


def test_the_template_job_is_found_on_the_first_pages_that_hold_one(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server)
    arm_server.clear_requests()
    _job, source = port.backend.build_retraining_job(experiment="churn-training")
    # The two newest churn jobs run and failed: the newest completed one is on page two.
    assert source == "churn-train-20250616-06"
    assert len(_job_lists(arm_server)) == 2
    port.close()


def test_an_azure_record_declares_how_it_differs_from_a_local_job(
    arm_server: ArmTestServer, az: AzStandIn
) -> None:
    port = _port(arm_server)
    (running,) = [
        j
        for j in port.list_jobs(JobQuery(page_size=20)).jobs
        if kind_of(j).display_id(j) == "churn-train-20250702-07"
    ]
    port.close()
    kind = kind_of(running)
    assert kind is AZURE_JOBS and not kind.local_runner
    assert kind.log_source is LogSource.FOLLOW and kind.submit_mode is SubmitMode.RERUN
    assert running.id == "azure:dev:churn-train-20250702-07"
    assert kind.status_text(running) == "running" and kind.raw_status(running) == "Running"
    assert kind.trigger_text(running) == ""  # the job carries no mlops.trigger tag
    assert kind.compute(running) == "cpu-cluster"
    assert kind.template_name(running) == "churn-train-20250702-07"
    assert kind.studio_url(running).startswith("https://127.0.0.1")
    assert kind.service_record(running)["status"] == "Running"
