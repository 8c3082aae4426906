"""The Settings dialog: grouped fields, inline validation, Apply/OK/Cancel, reset with confirm."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from mlops_desktop.core.settings import Settings, SignInMethod, Theme, load_settings, save_settings
from mlops_desktop.ui.shell.settings_dialog import SettingsDialog


def _dialog(qtbot, settings: Settings | None = None, *, confirm=lambda _w, _t: True):
    dialog = SettingsDialog(settings or Settings(), confirm=confirm)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_apply_saves_and_announces(qtbot, app_home: Path) -> None:
    dialog = _dialog(qtbot)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "General",
        "Refresh",
        "Drift",
        "Reports",
        "Background",
        "Notifications",
    ]
    assert not dialog.stage_changes_check.isChecked(), "background stage changes are opt-in"
    assert not dialog.announce_seconds.isEnabled()
    dialog.stage_changes_check.setChecked(True)
    assert dialog.announce_seconds.isEnabled()
    dialog.announce_seconds.setValue(30)
    dialog.theme_combo.setCurrentIndex(dialog.theme_combo.findData("dark"))
    dialog.sign_in_combo.setCurrentIndex(dialog.sign_in_combo.findData("device-code"))
    dialog.jobs_refresh.setValue(42)
    dialog.numeric_threshold.setValue(0.2)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("pdf"))
    with qtbot.waitSignal(dialog.settingsApplied) as applied:
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    saved = load_settings()
    assert applied.args == [saved]
    assert saved.theme is Theme.DARK and saved.sign_in is SignInMethod.DEVICE_CODE
    assert saved.refresh.jobs_seconds == 42 and saved.drift.numeric_threshold == 0.2
    assert saved.reports.format.value == "pdf"
    assert saved.background.stage_changes and saved.background.announce_seconds == 30
    assert dialog.isVisible(), "Apply keeps the dialog open"


def test_invalid_values_show_inline_and_save_nothing(qtbot, app_home: Path) -> None:
    dialog = _dialog(qtbot)
    dialog.categorical_threshold.setValue(0.0)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "OK with a bad value keeps the dialog open"
    assert "drift.categorical_threshold" in dialog.error_text()
    assert not (app_home / "config" / "settings.toml").exists()

    dialog.categorical_threshold.setValue(0.1)
    dialog.folder_edit.setText("relative/folder")
    assert "full path" in dialog.error_text()
    assert not dialog.apply()
    dialog.folder_edit.setText(str(app_home))
    assert dialog.error_text() == ""
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert load_settings().reports.output_folder == str(app_home)


def test_reset_to_defaults_asks_first(qtbot, app_home: Path) -> None:
    answers = [False, True]
    asked: list[str] = []

    def confirm(_parent, text: str) -> bool:
        asked.append(text)
        return answers.pop(0)

    custom = Settings(theme=Theme.LIGHT, welcome_done=True)
    save_settings(custom)
    dialog = _dialog(qtbot, custom, confirm=confirm)
    dialog.jobs_refresh.setValue(99)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert asked and dialog.jobs_refresh.value() == 99, "declined: nothing changes"
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialog.jobs_refresh.value() == Settings().refresh.jobs_seconds
    assert dialog.theme_combo.currentData() == "system"
    assert load_settings().theme is Theme.LIGHT, "saved only on Apply/OK"
    dialog.apply()
    assert load_settings() == Settings(welcome_done=True)


def test_cancel_saves_nothing(qtbot, app_home: Path) -> None:
    dialog = _dialog(qtbot)
    dialog.jobs_refresh.setValue(77)
    qtbot.mouseClick(
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    assert not dialog.isVisible()
    assert not (app_home / "config" / "settings.toml").exists()


def test_window_applies_settings(qtbot, make_window, app_home: Path) -> None:
    window = make_window(start=False)
    window.settings_action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.jobs_refresh.setValue(11)
    dialog.endpoints_refresh.setValue(0)
    dialog.workspaces_refresh.setValue(60)
    assert dialog.apply()
    assert window.jobs_page.refresh_timer.interval() == 11_000
    assert window.endpoints_page.refresh_timer.interval() > 10**9, "0 means only on F5"
    assert window._auto_refresh.isActive() and window._auto_refresh.interval() == 60_000
    assert window.app_settings.refresh.jobs_seconds == 11
    dialog.close()


def test_broken_settings_file_is_reported_not_fatal(qtbot, make_window, app_home: Path) -> None:
    path = app_home / "config" / "settings.toml"
    path.parent.mkdir(parents=True)
    path.write_text("[refresh]\njobs_seconds = 'soon'\n")
    window = make_window(start=False)
    assert window.app_settings == Settings()
    latest = window.notifications.history[-1]
    assert "refresh.jobs_seconds" in latest.message and "backed up" in latest.message
    assert list(path.parent.glob("settings.toml.bad-*"))
