"""The Jobs page with real jobs: table, live log tail, cancel, the Retrain dialog."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.core.config import AppConfig, WorkspaceConfig, local_mlflow_workspace
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import Job, JobSpec, JobStatus, Trigger
from mlops_desktop.ui.jobs.jobs_table_model import (
    DURATION,
    EXIT,
    MODEL,
    RESULT,
    STATUS,
    STATUS_COLORS,
    TRIGGER,
    JobsModel,
)
from mlops_desktop.ui.jobs.tasks_jobs import format_duration, list_jobs_task, parse_params


@pytest.fixture
def workspace() -> WorkspaceConfig:
    """A fresh local MLflow workspace in the test's own home."""
    return local_mlflow_workspace("dev", Stage.DEV)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    """``script.py SECONDS``: prints lines, says ready, sleeps, exits 0."""
    path = tmp_path / "job_script.py"
    path.write_text(
        textwrap.dedent(
            """
            import sys, time
            for i in range(3):
                print("step", i, flush=True)
            print("ready", flush=True)
            time.sleep(float(sys.argv[1]))
            """
        )
    )
    return path


@pytest.fixture
def jobs_page(qtbot, workspace: WorkspaceConfig):
    from mlops_desktop.ui.jobs.jobs_page import JobsPage
    from mlops_desktop.ui.shell.workers import WorkerPool

    pool = WorkerPool()
    page = JobsPage(pool)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    with qtbot.waitSignal(page.dataLoaded, timeout=20_000):
        page.set_config(AppConfig(workspaces=[workspace]))
    yield page
    page.hide()
    pool.shutdown(15_000)


def _job(job_id: str, status: JobStatus, **changes) -> Job:
    base = Job(
        id=job_id,
        workspace="dev",
        backend="mlflow",
        spec=JobSpec(model="diabetes-progression"),
        created_at="2026-11-26T10:00:00.000+00:00",
        started_at="2026-11-26T10:00:01.000+00:00",
    )
    return base.replace(status=status, **changes)


# -- plain functions ---------------------------------------------------------------------------


def test_parse_params_reads_literals_and_strings() -> None:
    assert parse_params("alpha=0.5, max_iter=500; solver=lbfgs\nfit_intercept=True") == {
        "alpha": 0.5,
        "max_iter": 500,
        "solver": "lbfgs",
        "fit_intercept": True,
    }
    assert parse_params("  ") == {}
    with pytest.raises(InvalidInput, match="NAME=VALUE"):
        parse_params("alpha")
    with pytest.raises(InvalidInput):
        parse_params("1x=2")


def test_format_duration() -> None:
    assert format_duration(None) == ""
    assert format_duration(2.34) == "2.3s"
    assert format_duration(42) == "42s"
    assert format_duration(83.2) == "1m 23s"
    assert format_duration(3 * 3600 + 65) == "3h 01m"


def test_dialog_choices_match_the_pipeline() -> None:
    from mlops_desktop.pipelines.datasets import BUNDLED
    from mlops_desktop.pipelines.train import MODEL_TYPES
    from mlops_desktop.ui.jobs import retrain_dialog

    assert retrain_dialog.BUNDLED_DATASETS == BUNDLED
    assert retrain_dialog.MODEL_TYPES == MODEL_TYPES


def test_jobs_model_shows_status_colour_trigger_duration_and_result(qtmodeltester) -> None:
    model = JobsModel()
    done = _job(
        "20261126-100000-aaaaaa",
        JobStatus.SUCCEEDED,
        ended_at="2026-11-26T10:01:24.000+00:00",
        exit_code=0,
        run_id="0123456789abcdef",
        model_version="4",
        trigger=Trigger.DRIFT,
        trigger_detail="drift share 0.6 > 0.3",
        policy="diabetes-drift",
    )
    failed = _job(
        "20261126-090000-bbbbbb",
        JobStatus.FAILED,
        ended_at="2026-11-26T10:00:03.000+00:00",
        exit_code=3,
        error="exited with code 3",
    )
    model.set_jobs([done, failed])
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.index(0, STATUS).data() == "succeeded"
    colour = model.index(1, STATUS).data(Qt.ItemDataRole.ForegroundRole)
    assert colour.name().upper() == STATUS_COLORS[JobStatus.FAILED]
    assert model.index(1, STATUS).data(Qt.ItemDataRole.ToolTipRole) == "exited with code 3"
    assert model.index(0, MODEL).data() == "diabetes-progression"
    assert model.index(0, TRIGGER).data() == "drift"
    assert "drift share" in model.index(0, TRIGGER).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(0, DURATION).data() == "1m 23s"
    assert model.index(1, EXIT).data() == "3"
    assert model.index(0, RESULT).data() == "v4 · run 01234567"

    # The same rows update in place; a new row resets.
    with_signal = []
    model.dataChanged.connect(lambda *a: with_signal.append(a))
    model.set_jobs([done.replace(model_version="5"), failed])
    assert with_signal and model.index(0, RESULT).data().startswith("v5")
    model.set_jobs([])
    assert model.rowCount() == 0
    qtmodeltester.check(model)


# -- the page with real jobs -------------------------------------------------------------------


@pytest.mark.slow
def test_running_job_shows_live_log_and_cancels(qtbot, qtmodeltester, jobs_page, workspace, script):
    page = jobs_page
    assert page.is_loaded and page.jobs_model.rowCount() == 0
    assert not page.cancel_button.isEnabled()

    spec = JobSpec(script=str(script), args=("60",), tracked=False)
    with qtbot.waitSignal(page.jobSubmitted, timeout=20_000) as submitted:
        page.submit(workspace, spec)
    job_id = submitted.args[0].id
    qtbot.waitUntil(lambda: page.selected_job_id == job_id, timeout=20_000)
    # The live tail follows the running job.
    qtbot.waitUntil(lambda: "ready" in page.log_view.toPlainText(), timeout=20_000)
    assert "step 0" in page.log_view.toPlainText()
    assert page.log_timer.isActive()
    qtmodeltester.check(page.jobs_model)
    row = page.jobs_model.row_of(job_id)
    assert page.jobs_model.index(row, STATUS).data() == "running"
    assert page.cancel_button.isEnabled()

    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            page.selected_job() is not None and page.selected_job().status is JobStatus.CANCELLED
        ),
        timeout=30_000,
    )
    assert not page.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not page.log_timer.isActive(), timeout=5_000)
    assert JobManager().get(job_id).status is JobStatus.CANCELLED


@pytest.mark.slow
def test_retrain_dialog_submits_a_real_ridge_job(qtbot, jobs_page, workspace):
    page = jobs_page
    dialog = page.open_retrain_dialog()
    assert dialog.workspace_combo.currentData() == "dev"
    assert dialog.model_type_combo.findText("ridge") >= 0
    assert dialog.model_type_combo.findText("logistic_regression") < 0  # diabetes: regression
    dialog.params_edit.setText("alpha")
    assert not dialog.submit_button.isEnabled() and "NAME=VALUE" in dialog.error_label.text()
    dialog.params_edit.setText("alpha=0.5")
    dialog.model_type_combo.setCurrentText("ridge")
    dialog.model_edit.setText("diabetes-ridge")
    dialog.seed_spin.setValue(7)
    ws, spec = dialog.request()
    assert ws.name == "dev"
    assert (spec.model, spec.data, spec.model_type, spec.params, spec.seed) == (
        "diabetes-ridge",
        "diabetes",
        "ridge",
        {"alpha": 0.5},
        7,
    )
    with qtbot.waitSignal(page.jobSubmitted, timeout=20_000):
        dialog.accept()

    def finished_with_version() -> bool:
        jobs = page.jobs_model.jobs()
        return bool(jobs) and jobs[0].status.finished and jobs[0].model_version is not None

    qtbot.waitUntil(finished_with_version, timeout=180_000)
    job = page.jobs_model.jobs()[0]
    log = "\n".join(JobManager().tail_log(job.id, 400))
    assert job.status is JobStatus.SUCCEEDED, log[-3000:]
    assert job.exit_code == 0 and job.run_id
    assert job.model_version == "1"
    assert job.trigger is Trigger.MANUAL
    row = page.jobs_model.row_of(job.id)
    assert page.jobs_model.index(row, RESULT).data().startswith("v1 · run ")
    assert page.selected_job_id == job.id
    qtbot.waitUntil(lambda: page.log_view.toPlainText().strip() != "", timeout=10_000)
    listed = list_jobs_task(TaskContext(), workspace="dev")
    assert [j.id for j in listed] == [job.id]
