"""The jobs port pages local jobs the way it pages a service's: newest first, a token on."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.ports.jobs import LOCAL_JOBS, JobQuery, LocalJobs, LogSource, kind_of
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus


def _store(tmp_path: Path) -> JobStore:
    store = JobStore(tmp_path / "jobs.db")
    for n in range(7):
        store.insert(
            Job(
                id=f"2026120{n}-000000-00000{n}",
                workspace="dev" if n % 2 else "staging",
                backend="mlflow",
                spec=JobSpec(model="churn", experiment="churn" if n < 5 else "fraud"),
                status=JobStatus.FAILED if n == 3 else JobStatus.SUCCEEDED,
                created_at=f"2026-12-0{n + 1}T00:00:00+00:00",
            )
        )
    return store


def test_local_jobs_page_newest_first_with_a_token(tmp_path: Path) -> None:
    port = LocalJobs(manager=JobManager(_store(tmp_path)))
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        page = port.list_jobs(JobQuery(page_size=3, token=token))
        seen += [j.id[-1] for j in page.jobs]
        pages += 1
        token = page.next_token
        if token is None:
            break
    assert seen == ["6", "5", "4", "3", "2", "1", "0"] and pages == 3


def test_local_filters_run_in_the_store(tmp_path: Path) -> None:
    manager = JobManager(_store(tmp_path))
    port = LocalJobs(manager=manager, workspace_name="dev")
    assert [j.id[-1] for j in port.list_jobs(JobQuery()).jobs] == ["5", "3", "1"]
    churn = LocalJobs(manager=manager).list_jobs(JobQuery(experiment="churn", page_size=2))
    assert [j.id[-1] for j in churn.jobs] == ["4", "3"] and churn.next_token == "2"
    failed = LocalJobs(manager=manager).list_jobs(JobQuery(statuses=(JobStatus.FAILED,)))
    assert [j.id[-1] for j in failed.jobs] == ["3"] and failed.next_token is None
    with pytest.raises(InvalidInput, match="page token"):
        port.list_jobs(JobQuery(token="not-a-token"))


def test_a_local_record_declares_what_local_jobs_are_like(tmp_path: Path) -> None:
    job = LocalJobs(manager=JobManager(_store(tmp_path))).list_jobs(JobQuery()).jobs[0]
    kind = kind_of(job)
    assert kind is LOCAL_JOBS and kind.local_runner
    assert kind.log_source is LogSource.TAIL
    assert kind.compute(job) == "local" and kind.display_id(job) == job.id
    assert kind.status_text(job) == "succeeded" and kind.template_name(job) is None
