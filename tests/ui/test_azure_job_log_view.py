"""The Jobs page's log view for Azure ML jobs, against the loopback ARM server.

The real azure-ai-ml runs in the page's log worker (environment as in ``test_azure_pages.py``):
run history details and the SAS log files come from the server, and the worker follows a
running job until it ends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import test_azure_pages as pages
from arm_server.run_history import RUNS_READ, USER_LOG, log_lines
from test_azure_pages import (
    WAIT_MS,
    ArmTestServer,
    _config,
    _jobs_page,
    _row_of,
    save_png,
    sign_in_az,
)

from mlops_desktop.core.stages import Stage
from mlops_desktop.retraining.jobs import JobStatus
from mlops_desktop.ui.shell.workers import WorkerPool

# The loopback ARM server and the pool, as the Azure pages' tests have them.
arm_cert = pages.arm_cert
arm_server = pages.arm_server
azure_env = pages.azure_env
pool = pages.pool

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

RUNNING = "churn-train-20250702-07"
COMPLETED = "churn-train-20250616-06"


def _log_workers(pool: WorkerPool) -> list[Any]:
    return [w for w in pool.active_workers() if w.name == "Azure job log"]


def test_the_log_view_follows_a_running_azure_job_until_it_ends(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.DEV))
    ws = azure_env.dataset.workspaces[0]
    running = page.jobs_model.job_at(_row_of(page, RUNNING))
    page.select_job(running.id)
    qtbot.waitUntil(lambda: "Loading training data" in page.log_view.toPlainText(), timeout=WAIT_MS)
    # It keeps reading while the job runs: a first read shows a few lines (a fresh server), the
    # last line of the training output comes only from later reads. One worker does it all.
    qtbot.waitUntil(
        lambda: "Logged model to MLflow" in page.log_view.toPlainText(), timeout=WAIT_MS
    )
    assert len(_log_workers(pool)) == 1
    save_png(page, "jobs-azure-log-running.png")
    azure_env.jobs.set_status(ws, RUNNING, "Completed")
    qtbot.waitUntil(lambda: not _log_workers(pool), timeout=WAIT_MS)  # it ends with the job
    assert page.selected_job().status is JobStatus.SUCCEEDED  # type: ignore[union-attr]
    job = next(j for j in ws.collection("jobs") or [] if j["name"] == RUNNING)
    expected = "".join(line + "\n" for line in log_lines(job, USER_LOG, "Completed", 0))
    assert page.log_view.toPlainText() == expected  # every line once, in order


def test_a_new_selection_stops_following_the_previous_job(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.DEV))
    page.select_job(page.jobs_model.job_at(_row_of(page, RUNNING)).id)
    qtbot.waitUntil(lambda: "Loading training data" in page.log_view.toPlainText(), timeout=WAIT_MS)
    follower = _log_workers(pool)[0]
    page.select_job(page.jobs_model.job_at(_row_of(page, COMPLETED)).id)
    assert follower.cancelled
    qtbot.waitUntil(lambda: follower.is_done, timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: page.log_view.toPlainText().rstrip().endswith("saved to outputs/model"),
        timeout=WAIT_MS,
    )
    assert "valid_rmse" in page.log_view.toPlainText()


def test_the_log_view_names_a_missing_run_history_permission(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    data = azure_env.dataset
    data.roles["Reader (no runs)"] = {"actions": ["*/read"], "notActions": [RUNS_READ]}
    auditor = data.principal("auditor")
    for assignment in data.role_assignments:
        if assignment["principalId"] == auditor["oid"]:
            assignment["role"] = "Reader (no runs)"
    sign_in_az(azure_env, tmp_path, monkeypatch, "auditor")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.DEV))
    errors: list[object] = []
    page.errorOccurred.connect(errors.append)
    page.select_job(page.jobs_model.job_at(_row_of(page, COMPLETED)).id)
    qtbot.waitUntil(
        lambda: "Cannot read this job's log" in page.log_view.placeholderText(), timeout=WAIT_MS
    )
    assert "workspaces/experiments/runs/read" in page.log_view.placeholderText()
    assert errors == []  # said where the log would be, not as a notification
