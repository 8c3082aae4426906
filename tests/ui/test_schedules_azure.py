"""The Jobs page's Azure ML schedules and the *New schedule…* dialog, against the loopback ARM.

The real azure-ai-ml runs in the view's workers (environment as in ``test_azure_pages.py``);
enabling, disabling and creating are checked in what the server stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import test_azure_pages as pages
from azure_helpers import azure_workspace, quick_settings
from test_azure_pages import WAIT_MS, ArmTestServer, _config, save_png, sign_in_az

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.entities import AzureSchedule
from mlops_desktop.backends.azureml.schedule_times import next_run, validate_cron, zone_of
from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.jobs.jobs_page import JobsPage
from mlops_desktop.ui.jobs.schedules_view import (
    CREATES,
    ENABLED,
    NEXT_RUN,
    TIME_ZONE,
    TRIGGER,
    AzureSchedulesView,
)
from mlops_desktop.ui.shell.workers import WorkerPool

# A loopback ARM server of each test's own (these tests write), and the pool.
arm_cert = pages.arm_cert
arm_server = pages.arm_server
azure_env = pages.azure_env
pool = pages.pool

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")


def _page(qtbot: Any, pool: WorkerPool, config: AppConfig) -> JobsPage:
    page = JobsPage(pool)
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    page.set_config(config)
    view = page.schedules_view
    qtbot.waitUntil(lambda: bool(view.rows()), timeout=WAIT_MS)
    return page


def _new_dialog(qtbot: Any, view: AzureSchedulesView) -> Any:
    """*New schedule…* with the workspace's jobs read (a child of the page: closed with it)."""
    dialog = view.open_new_dialog()
    qtbot.waitUntil(lambda: dialog.template_combo.count() > 0, timeout=WAIT_MS)
    return dialog


def _cells(view: AzureSchedulesView, workspace: str, name: str) -> list[str]:
    assert view.select(workspace, name)
    row = view.table.currentRow()
    return [view.table.item(row, c).text() for c in range(view.table.columnCount())]


def _stored(server: ArmTestServer, stage_index: int, name: str) -> dict[str, Any]:
    schedules = server.dataset.workspaces[stage_index].collection("schedules") or []
    return next(s for s in schedules if s["name"] == name)["properties"]


def test_schedules_are_listed_enabled_and_disabled(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _page(qtbot, pool, _config(azure_env, Stage.DEV, Stage.STAGING, Stage.PROD))
    view = page.schedules_view
    assert view.isVisible()
    weekly = _cells(view, "azure-dev", "churn-retrain-weekly")
    assert weekly[TRIGGER] == "cron 0 3 * * 1"
    assert weekly[TIME_ZONE] == "W. Europe Standard Time"
    assert weekly[ENABLED] == "yes"
    assert weekly[CREATES].startswith("job ")
    # Mondays 03:00 Berlin time, shown with the zone's abbreviation.
    assert weekly[NEXT_RUN].endswith(("CET", "CEST")), weekly[NEXT_RUN]
    shown = datetime.strptime(weekly[NEXT_RUN][:16], "%Y-%m-%d %H:%M")
    assert shown.weekday() == 0 and (shown.hour, shown.minute) == (3, 0)
    nightly = _cells(view, "azure-staging", "churn-retrain-nightly")
    assert nightly[TRIGGER] == "every 1 day at 02:30" and nightly[ENABLED] == "no"
    assert nightly[NEXT_RUN] == "— (disabled)"
    monitor = _cells(view, "azure-prod", "churn-prod-monitor")
    assert monitor[CREATES] == "monitor of churn-prod-ep/blue"
    assert view.status_label.text() == "3 schedule(s) · 2 enabled"

    # Enabling re-submits the schedule's job, so the switch is tried on one made here (the data
    # set's own reference data assets the loopback server does not model).
    backend = AzureMlBackend(azure_workspace(azure_env, Stage.DEV), settings=quick_settings())
    backend.create_retraining_schedule(
        "churn-paused", every="1 day", experiment="churn-training", enabled=False
    )
    page.refresh_all()
    qtbot.waitUntil(lambda: view.select("azure-dev", "churn-paused"), timeout=WAIT_MS)
    assert _cells(view, "azure-dev", "churn-paused")[NEXT_RUN] == "— (disabled)"
    assert view.enable_button.isEnabled() and not view.disable_button.isEnabled()
    assert view.enable_button.toolTip() == ""
    save_png(page, "schedules-azure-page.png")
    view.enable_button.click()
    assert not view.enable_button.isEnabled()  # while Azure ML switches it
    qtbot.waitUntil(
        lambda: any(
            r.key == ("azure-dev", "churn-paused") and r.schedule.enabled for r in view.rows()
        ),
        timeout=WAIT_MS,
    )
    assert _stored(azure_env, 0, "churn-paused")["isEnabled"] is True
    assert view.selected_row().key == ("azure-dev", "churn-paused")  # type: ignore[union-attr]
    assert _cells(view, "azure-dev", "churn-paused")[NEXT_RUN] not in ("unknown", "— (disabled)")
    assert view.disable_button.isEnabled()
    view.disable_button.click()
    qtbot.waitUntil(
        lambda: _stored(azure_env, 0, "churn-paused")["isEnabled"] is False, timeout=WAIT_MS
    )
    qtbot.waitUntil(
        lambda: view.status_label.text() == "4 schedule(s) · 2 enabled", timeout=WAIT_MS
    )
    # The page's workspace filter narrows the schedules too.
    page.workspace_filter.setCurrentIndex(page.workspace_filter.findData("azure-prod"))
    qtbot.waitUntil(lambda: {r.workspace for r in view.rows()} == {"azure-prod"}, timeout=WAIT_MS)


def test_new_schedule_dialog_validates_cron_and_creates_the_schedule(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    sign_in_az(azure_env, tmp_path, monkeypatch, "ml-lead")
    page = _page(qtbot, pool, _config(azure_env, Stage.DEV))
    view = page.schedules_view
    dialog = _new_dialog(qtbot, view)
    assert dialog.template_combo.currentData() == "churn-train-20250616-06"
    dialog.name_edit.setText("churn-nightly-4am")
    dialog.cron_edit.setText("0 25 * * *")
    assert not dialog.create_button.isEnabled()
    assert "not a valid cron expression" in dialog.error_label.text()
    dialog.cron_edit.setText("every day")
    assert "not a cron expression" in dialog.error_label.text()
    dialog.cron_edit.setText("30 4 * * *")
    # A Windows zone this app does not map is Azure's to check: no preview, Create stays on.
    dialog.time_zone_combo.setCurrentText("Mountain Standard Time (Mexico)")
    assert "not known here" in dialog.preview_label.text() and dialog.create_button.isEnabled()
    dialog.time_zone_combo.setCurrentText("W. Europe Standard Time")
    assert dialog.create_button.isEnabled(), dialog.error_label.text()
    assert dialog.error_label.text() == ""
    assert dialog.preview_label.text().startswith("Next runs: ")
    assert "04:30" in dialog.preview_label.text()
    dialog.compute_combo.setCurrentIndex(dialog.compute_combo.findData("cpu-cluster"))
    save_png(dialog, "schedule-dialog-azure.png")
    with qtbot.waitSignal(dialog.created, timeout=WAIT_MS) as created:
        dialog.create_button.click()
        assert not dialog.name_edit.isEnabled()  # locked while Azure ML creates it
    row = created.args[0]
    assert row.key == ("azure-dev", "churn-nightly-4am") and row.next_run is not None
    stored = _stored(azure_env, 0, "churn-nightly-4am")
    assert stored["trigger"]["expression"] == "30 4 * * *"
    assert stored["trigger"]["timeZone"] == "W. Europe Standard Time"
    step = stored["action"]["jobDefinition"]["jobs"]["retrain"]
    assert step["computeId"].endswith("/cpu-cluster")
    qtbot.waitUntil(
        lambda: (
            view.selected_row() is not None
            and view.selected_row().key == ("azure-dev", "churn-nightly-4am")
        ),  # type: ignore[union-attr]
        timeout=WAIT_MS,
    )

    # A recurrence, created switched off; a name Azure refuses is an inline error first.
    dialog = _new_dialog(qtbot, view)
    dialog.name_edit.setText("bad name")
    dialog.every_radio.setChecked(True)
    assert "not valid" in dialog.error_label.text() and not dialog.create_button.isEnabled()
    dialog.name_edit.setText("churn-every-2-days")
    dialog.every_spin.setValue(2)
    dialog.enabled_check.setChecked(False)
    assert dialog.preview_label.text() == "Every 2 day, from when it is created"
    with qtbot.waitSignal(dialog.created, timeout=WAIT_MS):
        dialog.create_button.click()
    stored = _stored(azure_env, 0, "churn-every-2-days")
    assert stored["trigger"]["frequency"].lower() == "day" and stored["trigger"]["interval"] == 2
    assert stored["isEnabled"] is False


def test_reader_sees_schedule_actions_off_naming_the_permission(
    qtbot: Any, pool: WorkerPool, azure_env: ArmTestServer, tmp_path: Path, monkeypatch: Any
) -> None:
    # The data scientist is a Reader in staging: schedules visible, not writable.
    sign_in_az(azure_env, tmp_path, monkeypatch, "data-scientist")
    page = _page(qtbot, pool, _config(azure_env, Stage.STAGING))
    view = page.schedules_view
    assert view.select("azure-staging", "churn-retrain-nightly")
    assert not view.enable_button.isEnabled() and not view.disable_button.isEnabled()
    needs = "needs Microsoft.MachineLearningServices/workspaces/schedules/write"
    assert needs in view.enable_button.toolTip(), view.enable_button.toolTip()
    assert not view.new_button.isEnabled()
    assert needs in view.new_button.toolTip()
    view.switch_selected(True)  # nothing is sent
    assert _stored(azure_env, 1, "churn-retrain-nightly")["isEnabled"] is False
    # The dialog (opened anyway) keeps Create off and says why.
    dialog = _new_dialog(qtbot, view)
    dialog.name_edit.setText("not-allowed")
    assert not dialog.create_button.isEnabled()
    assert needs in dialog.create_button.toolTip() and needs in dialog.error_label.text()


def test_schedules_view_stays_hidden_without_azure_workspaces(qtbot: Any, pool: WorkerPool) -> None:
    page = JobsPage(pool)
    qtbot.addWidget(page)
    page.show()
    page.set_config(AppConfig())
    assert page.schedules_view.isHidden()


# -- next runs and cron checks, without Qt or Azure ---------------------------------------------


def _schedule(**values: Any) -> AzureSchedule:
    base: dict[str, Any] = {
        "name": "s",
        "display_name": "s",
        "enabled": True,
        "provisioning_state": "Succeeded",
        "trigger_type": "cron",
        "expression": "0 3 * * 1",
        "time_zone": "W. Europe Standard Time",
    }
    base.update(values)
    return AzureSchedule(**base)


def test_next_run_follows_the_time_zone_and_the_recurrence_pattern() -> None:
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # a Saturday; DST starts on the 29th
    run = next_run(_schedule(), now)
    assert run == datetime(2026, 3, 30, 3, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert run.tzname() == "CEST"  # type: ignore[union-attr]
    assert next_run(_schedule(enabled=False), now) is None
    assert next_run(_schedule(time_zone="Mars Standard Time"), now) is None
    daily = _schedule(
        trigger_type="recurrence",
        expression="every 2 day at 02:30",
        time_zone="UTC",
        frequency="day",
        interval=2,
        hours=(2,),
        minutes=(30,),
        start_time="2026-03-01T02:30:00",
    )
    # Every second day from March 1st: the 29th is one of them.
    assert next_run(daily, now) == datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("UTC"))
    hourly = _schedule(
        trigger_type="recurrence",
        expression="every 6 hour",
        time_zone="UTC",
        frequency="hour",
        interval=6,
        start_time="2026-03-28T01:15:00",
    )
    assert next_run(hourly, now) == datetime(2026, 3, 28, 13, 15, tzinfo=ZoneInfo("UTC"))
    weekly = _schedule(
        trigger_type="recurrence",
        expression="every 1 week at 09:00 on friday",
        time_zone="Eastern Standard Time",
        frequency="week",
        interval=1,
        hours=(9,),
        week_days=("friday",),
    )
    assert next_run(weekly, now) == datetime(2026, 4, 3, 9, 0, tzinfo=ZoneInfo("America/New_York"))
    assert next_run(_schedule(end_time="2026-03-29T00:00:00"), now) is None
    assert zone_of("Europe/Paris") is not None and zone_of("") == ZoneInfo("UTC")
    assert validate_cron(" 0  3 * * 1 ") == "0 3 * * 1"
    with pytest.raises(InvalidInput, match="out of range"):
        validate_cron("61 3 * * 1")
