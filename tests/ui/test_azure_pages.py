"""The Jobs, Endpoints and Compute pages with Azure ML workspaces, against the loopback ARM.

The real azure-ai-ml and azure-identity run in the pages' workers against the HTTPS server of
``tests/azureml`` (same environment as its conftest: pinned credential chain, stand-in ``az``
on PATH, the server's certificate trusted through ``REQUESTS_CA_BUNDLE``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from mlops_desktop.core.config import AppConfig, WorkspaceConfig, save_config
from mlops_desktop.core.stages import Stage
from mlops_desktop.ports.azure_jobs import AZURE_JOBS
from mlops_desktop.ports.jobs import kind_of
from mlops_desktop.retraining.jobs import JobStatus
from mlops_desktop.ui.jobs.jobs_page import JobsPage
from mlops_desktop.ui.jobs.jobs_table_model import COMPUTE, STARTED, TRIGGER
from mlops_desktop.ui.shell.workers import WorkerPool

_AZURE_TESTS = str(Path(__file__).resolve().parents[1] / "azureml")
if _AZURE_TESTS not in sys.path:
    sys.path.insert(0, _AZURE_TESTS)

from arm_server import (  # noqa: E402
    ArmTestServer,
    CertificateFiles,
    make_self_signed_certificate,
)
from azure_helpers import (  # noqa: E402
    APP_AZURE_ENV,
    azure_workspace,
    closed_port_metadata,
    sign_in_az,
    use_loopback_arm,
)

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def arm_cert(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """The loopback server's self-signed certificate (also the CA bundle to trust)."""
    return make_self_signed_certificate(tmp_path_factory.mktemp("arm-tls"))


@pytest.fixture
def arm_server(arm_cert: CertificateFiles) -> Iterator[ArmTestServer]:
    """A server of each test's own (tests cancel jobs and shift traffic)."""
    server = ArmTestServer(arm_cert, page_size=2, lro_polls=2, lro_retry_after=0).start()
    yield server
    server.stop()
    assert server.unknown_routes == [], "the SDK called routes the server does not model"


@pytest.fixture
def azure_env(
    arm_server: ArmTestServer, arm_cert: CertificateFiles, monkeypatch: pytest.MonkeyPatch
) -> ArmTestServer:
    """tests/azureml/conftest.py's environment (sign in with :func:`sign_in_az`)."""
    use_loopback_arm(monkeypatch, arm_cert, cleared=APP_AZURE_ENV)
    return arm_server


@pytest.fixture
def pool(qtbot: Any) -> Iterator[WorkerPool]:
    workers = WorkerPool()
    yield workers
    assert workers.shutdown(10_000)


def save_png(widget: Any, name: str) -> None:
    """Render for a look (``MLOPS_TEST_RENDER_DIR``; nothing is written otherwise)."""
    folder = os.environ.get("MLOPS_TEST_RENDER_DIR")
    if folder:
        widget.grab().save(str(Path(folder) / name))


def _config(server: ArmTestServer, *stages: Stage) -> AppConfig:
    workspaces: tuple[WorkspaceConfig, ...] = tuple(
        azure_workspace(server, stage, name=f"azure-{stage.value}") for stage in stages
    )
    config = AppConfig(workspaces=workspaces)
    save_config(config)
    return config


# -- Jobs --------------------------------------------------------------------------------------


def _jobs_page(qtbot: Any, pool: WorkerPool, config: AppConfig) -> JobsPage:
    page = JobsPage(pool)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.set_config(config)
    qtbot.waitUntil(
        lambda: any(kind_of(j) is AZURE_JOBS for j in page.jobs_model.jobs()), timeout=WAIT_MS
    )
    return page


def _row_of(page: JobsPage, name: str) -> int:
    return next(i for i, j in enumerate(page.jobs_model.jobs()) if j.id.endswith(":" + name))


def test_jobs_page_lists_azure_jobs_and_cancels_a_running_one(
    qtbot: Any,
    qtmodeltester: Any,
    pool: WorkerPool,
    azure_env: ArmTestServer,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.DEV))
    qtmodeltester.check(page.jobs_model)
    jobs = page.jobs_model.jobs()
    assert {j.workspace for j in jobs} == {"azure-dev"}
    running_name = "churn-train-20250702-07"
    azure_env.jobs.set_status(azure_env.dataset.workspaces[0], running_name, "Running")
    row = _row_of(page, running_name)
    running = page.jobs_model.job_at(row)
    assert running.status is JobStatus.RUNNING
    assert page.jobs_model.index(row, STARTED).data()  # StartTimeUtc, as Azure ML reports it
    assert page.jobs_model.index(row, COMPUTE).data()  # the Azure compute target
    assert any(j.status is JobStatus.SUCCEEDED for j in jobs)
    # The log view follows the running job's log (tests/ui/test_azure_job_log_view.py).
    page.select_job(running.id)
    qtbot.waitUntil(lambda: "Loading training data" in page.log_view.toPlainText())
    assert "open in Azure ML Studio" in page.detail_label.text()
    assert page.cancel_button.isEnabled() and not page.cancel_button.toolTip()
    page.cancel_button.click()
    qtbot.waitUntil(
        lambda: (
            page.selected_job() is not None and page.selected_job().status is JobStatus.CANCELLED
        ),  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )
    ws = azure_env.dataset.workspaces[0]
    # Started/ended as Azure ML reports them: a duration once it ended.
    assert page.selected_job().duration_seconds is not None  # type: ignore[union-attr]
    stored = next(j for j in ws.collection("jobs") if j["name"] == running_name)
    assert stored["properties"]["status"] == "Canceled"
    qtbot.waitUntil(lambda: not page.cancel_button.isEnabled())


def test_jobs_page_shows_serverless_preparing_and_not_started_jobs(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    from arm_server.scenarios import add_command_job

    from mlops_desktop.ui.jobs.jobs_table_model import STATUS

    add_command_job(azure_env, "mlw-churn-dev", "churn-serverless-01", "Preparing")
    add_command_job(
        azure_env, "mlw-churn-dev", "churn-retrain-02", "NotStarted", compute="cpu-cluster"
    )
    add_command_job(
        azure_env,
        "mlw-churn-dev",
        "churn-serverless-03",
        "Running",
        started="2025-07-05T08:02:00.000Z",
    )
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.DEV))
    model = page.jobs_model

    def cells(name: str) -> tuple[str, str, str]:
        row = _row_of(page, name)
        return tuple(str(model.index(row, c).data() or "") for c in (STATUS, STARTED, COMPUTE))

    assert cells("churn-serverless-01") == ("preparing", "", "serverless")
    assert cells("churn-retrain-02") == ("not started", "", "cpu-cluster")
    status, started, compute = cells("churn-serverless-03")
    assert (status, compute) == ("running", "serverless") and started.startswith("2025-07-05")
    preparing = model.job_at(_row_of(page, "churn-serverless-01"))
    assert preparing.status is JobStatus.QUEUED and preparing.duration_seconds is None
    page.select_job(preparing.id)
    detail = page.detail_label.text()
    assert "● preparing" in detail and "Azure ML on serverless" in detail, detail


def test_jobs_page_disables_cancel_naming_the_missing_permission(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    # The data scientist is a Reader in staging: jobs are visible, Cancel is not allowed.
    staging = azure_env.dataset.workspaces[1]
    name = staging.collection("jobs")[0]["name"]
    azure_env.jobs.set_status(staging, name, "Running")
    sign_in_az(azure_env, tmp_path, monkeypatch, "data-scientist")
    page = _jobs_page(qtbot, pool, _config(azure_env, Stage.STAGING))
    job = page.jobs_model.job_at(_row_of(page, name))
    assert job.status is JobStatus.RUNNING
    page.select_job(job.id)
    assert not page.cancel_button.isEnabled()
    tip = page.cancel_button.toolTip()
    assert "needs Microsoft.MachineLearningServices/workspaces/jobs/cancel/action" in tip, tip
    assert page.jobs_model.index(_row_of(page, name), TRIGGER).data() in ("", "manual", "schedule")


def test_jobs_page_names_an_unreachable_azure_workspace_and_lists_the_others(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    offline = azure_workspace(
        azure_env, Stage.PROD, name="azure-offline", metadata=closed_port_metadata()
    )
    config = AppConfig(workspaces=(*_config(azure_env, Stage.DEV).workspaces, offline))
    save_config(config)
    page = _jobs_page(qtbot, pool, config)
    assert {j.workspace for j in page.jobs_model.jobs()} == {"azure-dev"}
    assert page.azure_problem_label.text() == "1 Azure workspace(s) unreadable"
    assert page.azure_problem_label.toolTip().startswith("azure-offline: ")


# -- Models ------------------------------------------------------------------------------------


def test_models_page_lists_the_models_whose_versions_could_be_read(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    from mlops_desktop.ui.models_page.models_page import ModelsPage
    from mlops_desktop.ui.shell.notifications import NotificationCenter, NotificationLevel
    from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader

    # Dev has two models; listing fraud's versions fails (HTTP 500, retries included).
    azure_env.add_fault(r"/models/fraud/versions$", status=500, times=None)
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    notifications = NotificationCenter()
    loader = WorkspaceLoader(pool, notifications)
    page = ModelsPage(loader, pool=pool)
    qtbot.addWidget(page)
    loader.set_config(_config(azure_env, Stage.DEV))
    with qtbot.waitSignal(loader.loadFinished, timeout=WAIT_MS):
        loader.reload()
    versions = page.versions_model.versions()
    assert {v.model for v in versions} == {"churn"} and len(versions) == 6
    (warning,) = [
        n
        for n in notifications.history
        if n.level is NotificationLevel.WARNING and "fraud" in n.message
    ]
    assert warning.message.startswith("Workspace 'azure-dev': list versions of fraud: ")
    assert "other models are listed" in (warning.hint or "")


# -- Compute -----------------------------------------------------------------------------------


def test_compute_page_shows_azure_clusters_quota_and_hints(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    from mlops_desktop.ui.compute.compute_page import ComputePage

    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = ComputePage(pool)
    qtbot.addWidget(page)
    page.resize(1300, 900)
    with qtbot.waitSignal(page.dataLoaded, timeout=WAIT_MS):
        page.set_config(_config(azure_env, Stage.DEV, Stage.PROD))
    view = page.azure_view
    table = view.compute_table
    rows = {
        (table.item(r, 0).text(), table.item(r, 1).text()): [
            table.item(r, c).text() for c in range(table.columnCount())
        ]
        for r in range(table.rowCount())
    }
    cpu = rows[("azure-prod", "cpu-cluster")]
    assert (cpu[2], cpu[4], cpu[5]) == ("amlcompute", "STANDARD_DS4_V2", "2 / 1 / 6")
    assert cpu[6] == "1"  # one idle node
    assert rows[("azure-dev", "ci-sam-patel")][2:4] == ["computeinstance", "Running"]
    quota = view.quota_table
    quota_rows = {
        (quota.item(r, 0).text(), quota.item(r, 1).text()): quota.item(r, 4).text()
        for r in range(quota.rowCount())
    }
    assert quota_rows[("azure-prod", "Total Cluster Dedicated Regional vCPUs")] == "20%"
    hints = view.hints()
    assert any(h.startswith("azure-prod/cpu-cluster: cluster keeps min 1 node") for h in hints)
    assert any(h.startswith("azure-dev/ci-sam-patel: compute instance is running") for h in hints)
    assert "compute(s) in 2 workspace(s)" in view.status_label.text()


def test_compute_page_keeps_the_clusters_when_quota_and_nodes_fail(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    from mlops_desktop.ui.compute.compute_page import ComputePage

    # The CI principal may read prod but not the subscription's quota (403); listNodes of the
    # GPU cluster fails (500).
    sign_in_az(azure_env, tmp_path, monkeypatch, "ci-deployer")
    azure_env.add_fault(r"/computes/gpu-cluster/listNodes$", status=500, method="POST", times=None)
    page = ComputePage(pool)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.dataLoaded, timeout=WAIT_MS):
        page.set_config(_config(azure_env, Stage.PROD))
    view = page.azure_view
    table = view.compute_table
    rows = {table.item(r, 1).text(): table.item(r, 5).text() for r in range(table.rowCount())}
    assert rows == {"cpu-cluster": "2 / 1 / 6", "gpu-cluster": "– / 0 / 2"}
    assert table.isVisibleTo(page) and view.quota_table.rowCount() == 0
    status = view.status_label.text()
    assert "2 compute(s) in 1 workspace(s)" in status, status
    assert "azure-prod: could not read quota: list quota usage:" in status, status
    assert "azure-prod: could not read nodes of gpu-cluster: " in status, status


# -- Endpoints ---------------------------------------------------------------------------------


def _endpoints_page(qtbot: Any, pool: WorkerPool, config: AppConfig) -> Any:
    from mlops_desktop.ui.endpoints.endpoints_page import EndpointsPage

    page = EndpointsPage(pool)
    qtbot.addWidget(page)
    page.resize(1300, 860)
    page.show()
    with qtbot.waitSignal(page.dataLoaded, timeout=WAIT_MS):
        page.set_config(config)
    return page


def _cells(page: Any, key: tuple[str, ...]) -> list[str]:
    index = page.model.index_of(key)
    return [str(index.siblingAtColumn(c).data() or "") for c in range(page.model.columnCount())]


def test_endpoints_page_shows_azure_endpoints_invokes_and_shifts_traffic(
    qtbot: Any,
    qtmodeltester: Any,
    pool: WorkerPool,
    azure_env: ArmTestServer,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    from mlops_desktop.core.audit import AuditLog

    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _endpoints_page(qtbot, pool, _config(azure_env, Stage.STAGING, Stage.PROD))
    qtmodeltester.check(page.model)
    prod = ("azure-prod", "churn-prod-ep")
    assert page.select(prod)
    endpoint = page.selected_endpoint()
    assert endpoint.traffic == {"blue": 90, "green": 10}
    assert endpoint.scoring_uri.endswith("/inference/mlw-churn-prod/churn-prod-ep/score")
    assert _cells(page, (*prod, "blue"))[1] == "Succeeded"
    assert _cells(page, (*prod, "blue"))[4] == "90 %"
    assert "×" in _cells(page, (*prod, "blue"))[6]  # instance type × count
    staging = _cells(page, ("azure-staging", "churn-staging-ep"))
    assert "10 %" in staging[5]  # the mirror
    assert page.monitor_view.caption.text() == "telemetry for Azure endpoints is in Azure Monitor"
    # No local window or figures for Azure: the telemetry is in Azure Monitor.
    assert page.monitor_view.window_selector.isHidden()
    assert page.monitor_view.cards_row.isHidden()
    assert not page.monitor_view.caption.isHidden()
    assert not page.start_button.isEnabled() and not page.stop_button.isEnabled()
    menu = {text: enabled for text, _action, enabled in page.context_actions()}
    assert menu["Copy scoring URI"] and not menu["Start"] and not menu["Stop…"]
    # The Test panel scores on Azure (one deployment by header).
    assert page.select((*prod, "green"))
    # Azure keeps no input example: the editor starts from the request's shape.
    qtbot.waitUntil(lambda: '"input_data"' in page.test_view.request_text(), timeout=WAIT_MS)
    page.test_view.editor.setPlainText(
        '{"input_data": {"columns": ["a", "b"], "data": [[1, 0.25], [2, 0.5]]}}'
    )
    qtbot.waitUntil(page.test_view.send_button.isEnabled)
    assert page.test_view.send_button.toolTip() == "Send the request (Ctrl+Enter)"
    page.test_view.send_button.click()
    qtbot.waitUntil(lambda: azure_env.endpoints.scored != [], timeout=WAIT_MS)
    assert azure_env.endpoints.scored == [("mlw-churn-prod", "churn-prod-ep", "green")]
    qtbot.waitUntil(lambda: "0.25" in page.test_view.response_text(), timeout=WAIT_MS)
    # The traffic editor applies the split on Azure (a long-running operation).
    assert page.select(prod)
    traffic = page.traffic_view
    assert traffic.apply_button.toolTip() == ""
    traffic.set_weights({"blue": 50, "green": 50})
    assert traffic.apply_button.isEnabled()
    traffic.apply_button.click()
    assert not traffic.progress.isHidden()  # while the operation polls
    qtbot.waitUntil(
        lambda: not page.busy and page.selected_endpoint().traffic == {"blue": 50, "green": 50},
        timeout=WAIT_MS,
    )
    stored = next(
        e
        for e in azure_env.dataset.workspaces[2].collection("onlineEndpoints")
        if e["name"] == "churn-prod-ep"
    )
    assert stored["properties"]["traffic"] == {"blue": 50, "green": 50}
    (entry,) = AuditLog().find(endpoint="churn-prod-ep")
    assert entry.workspace == "azure-prod" and entry.details["to"] == {"blue": 50, "green": 50}


def test_endpoints_page_lists_an_endpoint_without_deployments_as_not_running(
    qtbot: Any,
    qtmodeltester: Any,
    pool: WorkerPool,
    azure_env: ArmTestServer,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    from arm_server.scenarios import add_endpoint_without_deployments

    from mlops_desktop.ui.endpoints.endpoints_tree_model import SUMMARY_ROLE

    add_endpoint_without_deployments(azure_env, "mlw-churn-dev", "churn-new-ep")
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _endpoints_page(qtbot, pool, _config(azure_env, Stage.DEV))
    qtmodeltester.check(page.model)
    cells = _cells(page, ("azure-dev", "churn-new-ep"))
    assert cells[1] == "Succeeded · no deployments"
    summary = page.model.index_of(("azure-dev",)).data(SUMMARY_ROLE)
    assert summary == "2 endpoints · 1 running", summary
    assert "1 running" in page.subtitle_label.text()
    assert "1 need attention" in page.subtitle_label.text()
    tip = page.model.index_of(("azure-dev", "churn-new-ep")).data(Qt.ItemDataRole.ToolTipRole)
    assert "auth Azure ML token" in tip and "no deployments" in tip, tip
    tip = page.model.index_of(("azure-dev", "churn-dev-ep")).data(Qt.ItemDataRole.ToolTipRole)
    assert "auth key" in tip, tip


def test_endpoints_page_disables_the_traffic_editor_without_the_permission(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    # The data scientist is a Reader in staging: endpoints visible, traffic not writable.
    sign_in_az(azure_env, tmp_path, monkeypatch, "data-scientist")
    page = _endpoints_page(qtbot, pool, _config(azure_env, Stage.STAGING))
    assert page.select(("azure-staging", "churn-staging-ep"))
    traffic = page.traffic_view
    traffic.set_weights({"blue": 50, "green": 50})
    assert not traffic.apply_button.isEnabled()
    tip = traffic.apply_button.toolTip()
    assert "needs Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write" in tip, tip
    assert all(not spin.isEnabled() for spin in traffic.spins.values())
    # Nor may they call it: Send is off, its tooltip names the missing action.
    test = page.test_view
    test.editor.setPlainText('{"input_data": {"columns": ["a"], "data": [[1]]}}')
    assert test.validate() is not None
    assert not test.send_button.isEnabled()
    tip = test.send_button.toolTip()
    assert "needs Microsoft.MachineLearningServices/workspaces/onlineEndpoints/listKeys/action" in (
        tip
    ), tip
    test.send()  # Ctrl+Enter too: nothing is sent
    assert azure_env.endpoints.scored == []
