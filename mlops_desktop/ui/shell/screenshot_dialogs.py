"""The Azure ML dialogs ``--screenshot-dialog`` can capture, opened over the loaded window.

Each is opened the way a person would (the page's own action), filled in from the configured
Azure ML workspaces, and waited for until its worker-read choices are in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication, QDialog

from mlops_desktop.core.config import BackendKind
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.workspaces.workspace_form import WorkspaceKind

#: ``--screenshot-dialog`` names of the dialogs here.
AZURE_DIALOG_KEYS = ("create-workspace", "new-schedule", "deploy-version")


def _wait(done: Callable[[], bool], seconds: float = 60.0) -> None:
    """Run the event loop (workers report through it) until ``done`` or the deadline."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)


def grab_azure_dialog(window: Any, which: str) -> Any:
    """Open dialog ``which`` over ``window``, wait for its data, return a pixmap of it."""
    opener = {
        "create-workspace": _create_workspace,
        "new-schedule": _new_schedule,
        "deploy-version": _deploy_version,
    }[which]
    dialog: QDialog = opener(window)
    QApplication.processEvents()
    pixmap = dialog.grab()
    dialog.close()
    return pixmap


def _create_workspace(window: Any) -> QDialog:
    dialog = window.add_workspace()
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    dialog.create_fields.create_check.setChecked(True)
    azure_workspaces = [w for w in window.loader.config.workspaces if w.azure is not None]
    if azure_workspaces:  # a new stage beside the configured ones, on the same cloud
        azure = azure_workspaces[0].azure
        dialog.name_edit.setText("qa")
        dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(Stage.STAGING.value))
        dialog.subscription_edit.setText(azure.subscription_id)
        dialog.resource_group_edit.setText(azure.resource_group)
        dialog.azure_workspace_edit.setText(f"{azure.workspace_name.rsplit('-', 1)[0]}-qa")
        for index, choice in enumerate(dialog.cloud_choices()):
            if choice.cloud == azure.cloud and choice.metadata == azure.cloud_metadata:
                dialog.cloud_combo.setCurrentIndex(index)
        dialog.create_fields.location_combo.setCurrentText("westeurope")
        dialog.create_fields.display_name_edit.setText("Churn (qa)")
    return dialog


def _new_schedule(window: Any) -> QDialog:
    window.show_page("jobs")
    view = window.jobs_page.schedules_view
    if any(w.backend == BackendKind.AZUREML for w in window.loader.config.workspaces):
        _wait(lambda: bool(view.rows()))
    dialog = view.open_new_dialog()
    _wait(lambda: dialog.template_combo.count() > 0)
    dialog.name_edit.setText("churn-nightly")
    dialog.cron_edit.setText("30 2 * * *")
    dialog.time_zone_combo.setCurrentText("W. Europe Standard Time")
    return dialog


def _deploy_version(window: Any) -> QDialog:
    window.show_page("endpoints")
    page = window.endpoints_page
    # Deploy version… is for endpoints on managed instances (Azure ML's).
    managed = [e for e in page.model.endpoints() if e.traits.managed_instances]
    if not managed:
        raise SystemExit("mlops-desktop: no Azure ML endpoint to deploy to is configured")
    page.select((managed[0].workspace, managed[0].name))
    dialog = page.open_deploy_dialog()
    _wait(lambda: dialog.version_combo.count() > 0)
    return dialog


def open_settings_notifications(window: Any) -> QDialog:
    """Settings on its Notifications tab, the first target selected, its secrets looked up."""
    dialog = window.open_settings()
    dialog.show_tab("Notifications")
    tab = dialog.notifications_tab
    read: list[bool] = []
    tab.secretsRead.connect(lambda: read.append(True))
    _wait(lambda: bool(read) or not tab.targets())
    if tab.targets():
        tab.select(tab.targets()[0].name)
    return dialog
