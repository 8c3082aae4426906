"""The *Retrain…* dialog with Azure ML workspaces, against the loopback ARM server.

The real azure-ai-ml runs in the dialog's workers (environment as in ``test_azure_pages.py``):
templates, computes and the ``submit_job`` permission are read from the server, and the
submitted command job is checked in what the server stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import test_azure_pages as pages
from test_azure_pages import WAIT_MS, ArmTestServer, _config, _jobs_page, save_png, sign_in_az

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.jobs.retrain_dialog import RetrainDialog
from mlops_desktop.ui.jobs.tasks_jobs import rerun_request
from mlops_desktop.ui.shell.workers import WorkerPool

# The loopback ARM server and the pool, as the Azure pages' tests have them.
arm_cert = pages.arm_cert
arm_server = pages.arm_server
azure_env = pages.azure_env
pool = pages.pool

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

NEWEST_CHURN = "churn-train-20250616-06"


def _dialog(qtbot: Any, pool: WorkerPool, config: AppConfig, **kwargs: Any) -> RetrainDialog:
    dialog = RetrainDialog(config, pool=pool, **kwargs)
    qtbot.addWidget(dialog)
    dialog.resize(680, 560)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.param_table.rowCount() > 0, timeout=WAIT_MS)
    return dialog


def test_submits_an_azure_retraining_job_with_a_changed_parameter(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.DEV))
    dialog = page.open_retrain_dialog()
    qtbot.waitUntil(lambda: dialog.param_table.rowCount() > 0, timeout=WAIT_MS)
    assert dialog.reruns_service_job() and not dialog.model_edit.isVisibleTo(dialog)
    assert dialog.param_table.isVisibleTo(dialog)
    # Recent completed command jobs, newest first: the default is the backend's default.
    names = [dialog.template_combo.itemData(i) for i in range(dialog.template_combo.count())]
    assert names[0] == NEWEST_CHURN and "churn-train-20250702-07" not in names  # running
    values = dialog.parameter_values()
    assert values["learning_rate"] == "0.02" and values["max_depth"] == "6"
    assert values["training_data"] == "azureml:churn-training:3"
    computes = [dialog.compute_combo.itemData(i) for i in range(dialog.compute_combo.count())]
    assert computes == ["", "ci-sam-patel", "cpu-cluster"]
    dialog.set_parameter("max_depth", "9")
    dialog.compute_combo.setCurrentIndex(computes.index("cpu-cluster"))
    assert dialog.submit_button.isEnabled(), dialog.error_label.text()
    assert dialog.error_label.text() == "" and dialog.submit_button.toolTip() == ""
    save_png(dialog, "retrain-dialog-azure.png")
    with qtbot.waitSignal(page.jobSubmitted, timeout=WAIT_MS) as submitted:
        dialog.submit_button.click()
    job = submitted.args[0]
    name = job.handle["azure_name"]
    ws = azure_env.dataset.workspaces[0]
    stored = next(j for j in ws.collection("jobs") if j["name"] == name)
    props = stored["properties"]
    assert props["inputs"]["max_depth"]["value"] == "9"
    assert props["inputs"]["learning_rate"]["value"] == "0.02"  # kept from the template
    assert props["tags"]["mlops.retrain_of"] == NEWEST_CHURN
    assert props["tags"]["mlops.trigger"] == "manual"
    assert props["computeId"].endswith("/cpu-cluster")
    # The Jobs page lists and selects it at once, and Azure's own job list has it too.
    assert page.selected_job_id == job.id
    assert any(j.id == job.id for j in page.jobs_model.jobs())
    page._azure_jobs = []
    page.refresh_azure()
    qtbot.waitUntil(lambda: any(j.id == job.id for j in page._azure_jobs), timeout=WAIT_MS)
    assert page.selected_job().spec.params["max_depth"] == "9"  # type: ignore[union-attr]


def test_reader_sees_submit_disabled_with_the_missing_permission(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    # The data scientist is a Reader in staging: templates readable, jobs not writable.
    sign_in_az(azure_env, tmp_path, monkeypatch, "data-scientist")
    dialog = _dialog(qtbot, pool, _config(azure_env, Stage.STAGING))
    qtbot.waitUntil(lambda: dialog.submit_blocked_reason() != "", timeout=WAIT_MS)
    assert dialog.template_combo.currentData() == "churn-smoke-20250620-01"
    assert not dialog.submit_button.isEnabled()
    tip = dialog.submit_button.toolTip()
    assert "needs Microsoft.MachineLearningServices/workspaces/jobs/write" in tip, tip
    assert "needs Microsoft.MachineLearningServices/workspaces/jobs/write" in (
        dialog.error_label.text()
    )
    dialog.set_parameter("sample_rows", "800")  # editing does not enable it
    assert not dialog.submit_button.isEnabled()
    save_png(dialog, "retrain-dialog-azure-reader.png")


def test_bad_parameter_is_an_inline_error_and_nothing_typed_is_lost(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    dialog = _dialog(qtbot, pool, _config(azure_env, Stage.DEV))
    dialog.set_parameter("max_depth", "deep")
    assert not dialog.submit_button.isEnabled()
    assert dialog.error_label.text() == "parameter max_depth must be an integer, not 'deep'"
    save_png(dialog, "retrain-dialog-azure-bad-parameter.png")
    dialog.set_parameter("max_depth", "5")
    dialog.set_parameter("training_data", "azureml:churn-training:4")
    assert dialog.submit_button.isEnabled() and dialog.error_label.text() == ""
    # A failure on Azure's side (a compute gone since the list was read) shows inline; the
    # dialog stays open with everything as typed.
    dialog.compute_combo.addItem("gpu-gone", "gpu-gone")
    dialog.compute_combo.setCurrentIndex(dialog.compute_combo.count() - 1)
    before = len(azure_env.dataset.workspaces[0].collection("jobs"))
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: "gpu-gone" in dialog.error_label.text(), timeout=WAIT_MS)
    assert dialog.isVisible() and dialog.submitted_job is None
    assert dialog.parameter_values()["max_depth"] == "5"
    assert dialog.parameter_values()["training_data"] == "azureml:churn-training:4"
    assert dialog.submit_button.isEnabled()  # try again once fixed
    assert len(azure_env.dataset.workspaces[0].collection("jobs")) == before


def test_request_keeps_types_and_sends_only_changes() -> None:
    from mlops_desktop.backends.azureml.entities import AzureJob

    template = AzureJob(
        name="t",
        display_name="t",
        experiment="e",
        status="Completed",
        parameters={"lr": "0.1", "depth": "3", "flag": "True", "mode": "fast"},
        inputs={"data": "azureml:d:1"},
    )
    values = {"lr": "1", "depth": "3", "flag": "false", "mode": "slow", "data": "azureml:d:2"}
    request = rerun_request(template, values, "cpu")
    assert request.parameters == {"lr": 1.0, "flag": False, "mode": "slow"}
    assert isinstance(request.parameters["lr"], float)
    assert request.inputs == {"data": "azureml:d:2"} and request.compute == "cpu"
    with pytest.raises(InvalidInput, match="depth needs a value"):
        rerun_request(template, {"depth": " "})
    with pytest.raises(InvalidInput, match="must be a number"):
        rerun_request(template, {"lr": "fast"})
