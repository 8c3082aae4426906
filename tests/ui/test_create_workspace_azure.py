"""*Add workspace* → "Create the workspace if it does not exist", against the loopback ARM.

The real azure-ai-ml creates the workspace (an ARM template deployment) in the dialog's worker
(environment as in ``test_azure_pages.py``); what Azure and the configuration hold afterwards
is checked, and so is that nothing typed is lost when Azure refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import test_azure_pages as pages
from test_azure_pages import WAIT_MS, ArmTestServer, _config, save_png, sign_in_az

from mlops_desktop.core.config import load_config, save_config
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.shell.workers import WorkerPool
from mlops_desktop.ui.workspaces.add_workspace_dialog import AddWorkspaceDialog
from mlops_desktop.ui.workspaces.workspace_form import WorkspaceKind

arm_cert = pages.arm_cert
arm_server = pages.arm_server
azure_env = pages.azure_env
pool = pages.pool

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

DEPLOYMENTS = "/providers/Microsoft.Resources/deployments/"


def _dialog(qtbot: Any, pool: WorkerPool, server: ArmTestServer, workspace: str) -> Any:
    """The dialog filled in for ``workspace`` in rg-churn-staging, on the loopback cloud."""
    _config(server, Stage.STAGING)  # the loopback cloud is described once in config.toml
    dialog = AddWorkspaceDialog(pool=pool)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name_edit.setText("qa")
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(Stage.STAGING.value))
    _fill_in_azure(dialog, server, workspace)
    return dialog


def _fill_in_azure(dialog: AddWorkspaceDialog, server: ArmTestServer, workspace: str) -> None:
    """Azure ML ``workspace`` in rg-churn-staging on the loopback cloud, to be created."""
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    dialog.subscription_edit.setText(server.dataset.subscription_id)
    dialog.resource_group_edit.setText("rg-churn-staging")
    dialog.azure_workspace_edit.setText(workspace)
    custom = next(i for i, c in enumerate(dialog.cloud_choices()) if c.metadata)
    dialog.cloud_combo.setCurrentIndex(custom)
    dialog.create_fields.create_check.setChecked(True)


def _names(server: ArmTestServer) -> set[str]:
    return {ws.name for ws in server.dataset.workspaces}


def test_creates_a_missing_workspace_then_adds_it(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    dialog = _dialog(qtbot, pool, azure_env, "mlw-churn-qa")
    fields = dialog.create_fields
    assert fields.location_combo.isVisible() and fields.display_name_edit.isVisible()
    # The region is needed: an inline error, nothing asked of Azure, nothing saved.
    dialog.submit()
    assert "Azure region" in dialog.error_text("location")
    assert not dialog.is_creating and [w.name for w in load_config().workspaces] == [
        "azure-staging"
    ]
    fields.location_combo.setCurrentText("northeurope")
    fields.display_name_edit.setText("Churn (qa)")
    save_png(dialog, "create-workspace-dialog-azure.png")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.submit()
        assert dialog.is_creating and not dialog.name_edit.isEnabled()
        assert fields.progress_box.isVisibleTo(dialog)
    assert dialog.azure_creation is not None and dialog.azure_creation.created
    assert dialog.azure_creation.info.location == "northeurope"
    created = next(ws for ws in azure_env.dataset.workspaces if ws.name == "mlw-churn-qa")
    assert created.resource_group == "rg-churn-staging"
    assert created.resource["properties"]["friendlyName"] == "Churn (qa)"
    saved = load_config().workspace("qa")
    assert dialog.saved_workspace == saved and saved.stage is Stage.STAGING
    assert saved.azure is not None and saved.azure.workspace_name == "mlw-churn-qa"


def test_a_workspace_already_configured_is_refused_before_azure_is_asked(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    dialog = _dialog(qtbot, pool, azure_env, "mlw-churn-staging")  # azure-staging has it
    dialog.create_fields.location_combo.setCurrentText("westeurope")
    azure_env.clear_requests()
    dialog.submit()
    assert not dialog.is_creating and dialog.isVisible()
    assert "one store is one workspace" in dialog.error_text("azure_workspace")
    assert not azure_env.requests  # nothing asked of Azure
    assert [w.name for w in load_config().workspaces] == ["azure-staging"]
    assert dialog.azure_workspace_edit.text() == "mlw-churn-staging"  # nothing typed is lost


def test_an_existing_workspace_is_only_added(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    dialog = _dialog(qtbot, pool, azure_env, "mlw-churn-staging")
    # Not configured yet (one store is one workspace): only the loopback cloud is kept.
    save_config(load_config().without_workspace("azure-staging"))
    dialog.create_fields.location_combo.setCurrentText("westeurope")
    azure_env.clear_requests()
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.submit()
    assert dialog.azure_creation is not None and not dialog.azure_creation.created
    assert not any(DEPLOYMENTS in r.path for r in azure_env.requests)  # nothing deployed
    assert not any(r.method in ("PUT", "PATCH") for r in azure_env.requests)
    assert load_config().workspace("qa").azure.workspace_name == "mlw-churn-staging"  # type: ignore[union-attr]


def test_refusals_show_in_the_dialog_and_nothing_typed_is_lost(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    # The data scientist may not deploy templates or create workspaces in rg-churn-staging.
    az = sign_in_az(azure_env, tmp_path, monkeypatch, "data-scientist")
    dialog = _dialog(qtbot, pool, azure_env, "mlw-churn-qa")
    dialog.create_fields.location_combo.setCurrentText("westeurope")
    dialog.create_fields.description_edit.setText("QA stage")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.is_creating, timeout=WAIT_MS)
    error = dialog.error_text()
    assert "may not do Microsoft.Resources/deployments/write" in error, error
    assert dialog.isVisible() and dialog.name_edit.isEnabled()
    assert dialog.azure_workspace_edit.text() == "mlw-churn-qa"
    assert dialog.create_fields.location() == "westeurope"
    assert dialog.create_fields.description() == "QA stage"
    assert "mlw-churn-qa" not in _names(azure_env)
    assert [w.name for w in load_config().workspaces] == ["azure-staging"]
    save_png(dialog, "create-workspace-dialog-azure-denied.png")

    # A conflict on Azure's side (409) is shown the same way; Add works once it is gone.
    data = azure_env.dataset
    az.login(data.principal("ml-lead"), data.tenant_id, subscription=data.subscription_id)
    azure_env.add_fault(DEPLOYMENTS, status=409, method="PUT")
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.is_creating, timeout=WAIT_MS)
    assert "conflicts with the current state" in dialog.error_text(), dialog.error_text()
    assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.submit()
    assert "mlw-churn-qa" in _names(azure_env)


def test_bad_name_is_inline_and_cancel_stops_waiting(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    dialog = _dialog(qtbot, pool, azure_env, "x")
    dialog.create_fields.location_combo.setCurrentText("westeurope")
    azure_env.clear_requests()
    dialog.submit()
    assert "not an Azure ML workspace name" in dialog.error_text("azure_workspace")
    assert not dialog.is_creating and azure_env.requests == []

    # Azure is slow to answer: Cancel stops waiting, the dialog stays with everything typed.
    dialog.azure_workspace_edit.setText("mlw-churn-slow")
    azure_env.add_fault(DEPLOYMENTS, method="PUT", delay=2.0)
    dialog.submit()
    qtbot.waitUntil(
        lambda: any(DEPLOYMENTS in r.path for r in azure_env.requests) or dialog.is_creating,
        timeout=WAIT_MS,
    )
    assert dialog.is_creating
    dialog.reject()  # the Cancel button, Escape
    assert dialog.isVisible() and not dialog.is_creating
    assert dialog.azure_workspace_edit.isEnabled()
    assert "Stopped waiting" in dialog.create_fields.status_label.text()
    assert dialog.saved_workspace is None
    assert [w.name for w in load_config().workspaces] == ["azure-staging"]
    dialog.reject()  # now it closes
    assert not dialog.isVisible()


def test_window_says_the_workspace_was_created_and_loads_it(
    qtbot: Any, make_window: Any, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    _config(azure_env, Stage.STAGING)
    window = make_window(start=False)
    dialog = window.add_workspace()
    assert dialog._pool is window.pool  # the creation runs on the window's workers
    dialog.name_edit.setText("qa")
    _fill_in_azure(dialog, azure_env, "mlw-churn-qa")
    dialog.create_fields.location_combo.setCurrentText("westeurope")
    with qtbot.waitSignal(window.loader.loadFinished, timeout=WAIT_MS):
        dialog.submit()
    messages = [n.message for n in window.notifications.history]
    assert "Workspace 'qa' created in Azure ML and added" in messages, messages
    assert "qa" in [w.name for w in window.loader.config.workspaces]
