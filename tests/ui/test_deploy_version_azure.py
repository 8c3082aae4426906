"""*Deploy version…* of an Azure ML endpoint on the Endpoints page, against the loopback ARM.

The real azure-ai-ml runs in the dialog's workers (environment as in ``test_azure_pages.py``);
the new deployment is checked in what the server stored and in the page's tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import test_azure_pages as pages
from test_azure_pages import WAIT_MS, ArmTestServer, _config, _endpoints_page, save_png, sign_in_az

from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.endpoints.tasks_deploy import (
    DeployRequest,
    check_deploy_request,
    suggested_deployment_name,
)
from mlops_desktop.ui.shell.workers import WorkerPool

arm_cert = pages.arm_cert
arm_server = pages.arm_server
azure_env = pages.azure_env
pool = pages.pool

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

STAGING_EP = ("azure-staging", "churn-staging-ep")


def _deployments(server: ArmTestServer) -> dict[str, dict[str, Any]]:
    stored = server.dataset.workspaces[1].collection("onlineEndpoints/churn-staging-ep/deployments")
    return {d["name"]: d for d in stored or []}


def _staging_page(
    qtbot: Any,
    pool: WorkerPool,
    server: ArmTestServer,
    tmp_path: Path,
    monkeypatch: Any,
    user: str,
) -> Any:
    """The Endpoints page signed in as ``user``, the staging endpoint selected."""
    sign_in_az(server, tmp_path, monkeypatch, user)
    page = _endpoints_page(qtbot, pool, _config(server, Stage.STAGING))
    assert page.select(STAGING_EP)
    return page


def _open_dialog(qtbot: Any, page: Any) -> Any:
    dialog = page.open_deploy_dialog()
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.version_combo.count() > 0, timeout=WAIT_MS)
    return dialog


def test_deploys_a_version_at_zero_traffic_and_selects_it(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    page = _staging_page(qtbot, pool, azure_env, tmp_path, monkeypatch, "ml-lead")
    assert page.deploy_button.isEnabled(), page.deploy_button.toolTip()
    menu = {text: enabled for text, _action, enabled in page.context_actions()}
    assert menu["Deploy version…"]
    dialog = _open_dialog(qtbot, page)
    assert dialog.model_combo.currentText() == "churn"
    versions = [dialog.version_combo.itemData(i) for i in range(dialog.version_combo.count())]
    assert versions[0] == "2" and "1" in versions  # newest first
    # blue and green exist: the suggestion is model and version.
    assert dialog.name_edit.text() == "churn-v2"
    dialog.name_edit.setText("blue")
    assert not dialog.deploy_button.isEnabled()
    assert "already has a deployment named 'blue'" in dialog.error_label.text()
    dialog.name_edit.setText("canary")
    dialog.count_spin.setValue(2)
    dialog.instance_combo.setCurrentText("Standard_DS2_v2")
    assert dialog.deploy_button.isEnabled() and dialog.error_label.text() == ""
    save_png(dialog, "deploy-dialog-azure.png")
    with qtbot.waitSignal(dialog.deployed, timeout=WAIT_MS) as deployed:
        dialog.deploy_button.click()
        assert not dialog.name_edit.isEnabled()  # locked while Azure ML deploys
        assert dialog.progress_bar.isVisibleTo(dialog)
    assert deployed.args == ["azure-staging", "churn-staging-ep", "canary"]
    stored = _deployments(azure_env)["canary"]["properties"]
    assert stored["model"].endswith("/models/churn/versions/2")
    assert _deployments(azure_env)["canary"]["sku"]["capacity"] == 2
    endpoint = next(
        e
        for e in azure_env.dataset.workspaces[1].collection("onlineEndpoints") or []
        if e["name"] == "churn-staging-ep"
    )
    assert "canary" not in {k for k, v in endpoint["properties"]["traffic"].items() if v}
    # The tree reads the endpoint again and selects the new deployment (0 % traffic).
    qtbot.waitUntil(lambda: page.selected_key() == (*STAGING_EP, "canary"), timeout=WAIT_MS)
    canary = next(d for d in page.selected_endpoint().deployments if d.name == "canary")
    assert canary.traffic == 0 and canary.version == "2"
    # Recorded like the CLI's create-deployment: who, where, what, traffic before and after.
    (record,) = AuditLog().find("serving.deploy", endpoint="churn-staging-ep")
    assert (record.workspace, record.details["stage"]) == ("azure-staging", "staging")
    assert (record.details["deployment"], record.details["version"]) == ("canary", "2")
    assert record.details["to"] == record.details["from"]  # 0 %: no traffic moved


def test_azure_failure_shows_in_the_dialog_and_keeps_the_form(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    page = _staging_page(qtbot, pool, azure_env, tmp_path, monkeypatch, "ml-lead")
    dialog = _open_dialog(qtbot, page)
    dialog.name_edit.setText("canary")
    azure_env.add_fault(r"/deployments/canary$", status=409, method="PUT")
    dialog.deploy_button.click()
    qtbot.waitUntil(lambda: "conflicts" in dialog.error_label.text(), timeout=WAIT_MS)
    assert dialog.isVisible() and dialog.name_edit.text() == "canary"
    assert dialog.name_edit.isEnabled() and dialog.deploy_button.isEnabled()
    assert "canary" not in _deployments(azure_env)


def test_deploy_is_off_naming_the_missing_permission(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    # The data scientist is a Reader in staging: endpoints visible, no deployments.
    page = _staging_page(qtbot, pool, azure_env, tmp_path, monkeypatch, "data-scientist")
    assert not page.deploy_button.isEnabled()
    needs = "needs Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments/write"
    assert needs in page.deploy_button.toolTip(), page.deploy_button.toolTip()
    menu = {text: enabled for text, _action, enabled in page.context_actions()}
    assert not menu["Deploy version…"]
    dialog = _open_dialog(qtbot, page)  # opened anyway (e.g. by a shortcut): Deploy stays off
    assert not dialog.deploy_button.isEnabled()
    assert needs in dialog.deploy_button.toolTip() and needs in dialog.error_label.text()


def test_deploy_request_checks_and_name_suggestions() -> None:
    request = DeployRequest("ep", "green", "churn", "3")
    assert check_deploy_request(request, ("blue",)) == request
    for bad in ("g", "9lives", "under_score", "x" * 33):
        with pytest.raises(InvalidInput, match="not valid"):
            check_deploy_request(DeployRequest("ep", bad, "churn", "3"))
    with pytest.raises(InvalidInput, match="at least one instance"):
        check_deploy_request(DeployRequest("ep", "green", "churn", "3", instance_count=0))
    assert suggested_deployment_name(()) == "blue"
    assert suggested_deployment_name(("blue",)) == "green"
    assert suggested_deployment_name(("blue", "green"), "prod.Churn_Model", "12") == (
        "churn-model-v12"
    )
    assert suggested_deployment_name(("Blue", "green", "churn-v2"), "churn", "2") == "churn-v2-2"
