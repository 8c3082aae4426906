"""Settings → Notifications: targets listed with where their secret is, add/edit/remove, Send
test in a worker against a real local receiver, and the window's dispatcher service."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from receivers import http_receiver

from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.notify_kinds import Severity, TargetKind
from mlops_desktop.core.notify_settings import NotificationSettings, NotifyTarget
from mlops_desktop.core.settings import Settings, load_settings, settings_file
from mlops_desktop.notify.dispatcher import notifications_dir
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.notify_dispatch import NotifyDispatchService
from mlops_desktop.ui.shell.settings_dialog import SettingsDialog
from mlops_desktop.ui.shell.workers import WorkerPool

HOOK = NotifyTarget(name="ops", kind=TargetKind.WEBHOOK, url_hint="127.0.0.1", attempts=1)
MAIL = NotifyTarget(
    name="mail",
    kind=TargetKind.EMAIL,
    smtp_host="smtp.example.com",
    from_addr="mlops@example.com",
    to=("ops@example.com",),
    min_severity=Severity.ERROR,
)


def _dialog(qtbot, *targets: NotifyTarget) -> SettingsDialog:
    settings = Settings(notifications=NotificationSettings(targets=targets))
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_tab("Notifications")
    return dialog


def _cells(tab, row: int) -> list[str]:
    return [tab.table.item(row, c).text() for c in range(tab.table.columnCount())]


def test_the_tab_lists_targets_and_where_their_secrets_are(qtbot, monkeypatch) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY_OPS", "http://127.0.0.1:9/hook")
    dialog = _dialog(qtbot)
    tab = dialog.notifications_tab
    with qtbot.waitSignal(tab.secretsRead):
        tab.load(NotificationSettings(targets=(HOOK, MAIL)))
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Notifications"
    assert _cells(tab, 0) == ["ops", "Webhook", "127.0.0.1", "all", "environment"]
    assert _cells(tab, 1)[:2] == ["mail", "E-mail"] and _cells(tab, 1)[3] == "all, ≥ error"
    assert _cells(tab, 1)[4] == "not needed"  # no SMTP login
    assert tab.table.item(0, 4).toolTip() == "$MLOPS_DESKTOP_NOTIFY_OPS"
    assert not tab.test_button.isEnabled(), "nothing selected yet"
    tab.select("ops")
    assert tab.test_button.isEnabled() and tab.edit_button.isEnabled()


def test_add_edit_remove_and_apply_saves_no_secret(qtbot, app_home: Path) -> None:
    dialog = _dialog(qtbot)
    tab = dialog.notifications_tab
    qtbot.waitUntil(lambda: not tab._workers)
    add = tab.open_add()
    add.kind_combo.setCurrentIndex(add.kind_combo.findData("email"))
    add.name_edit.setText("mail")
    add._ok()
    assert add.isVisible() and "needs smtp_host, from_addr, to" in add.error_label.text()
    add.smtp_host_edit.setText("smtp.example.com")
    add.from_edit.setText("mlops@example.com")
    add.to_edit.setText("ops@example.com, lead@example.com")
    assert not add.secret_edit.isEnabled(), "no OS keyring on this machine: env var only"
    assert "MLOPS_DESKTOP_NOTIFY_MAIL" in add.secret_note.text()
    add._ok()
    assert not add.isVisible()
    assert [t.name for t in tab.targets()] == ["mail"]
    assert tab.targets()[0].to == ("ops@example.com", "lead@example.com")
    second = tab.open_add()
    second.name_edit.setText("mail")
    second._ok()
    assert "a target named mail exists" in second.error_label.text()
    second.reject()
    tab.select("mail")
    edit = tab.open_edit()
    edit.event_checks[next(iter(edit.event_checks))].setChecked(False)
    edit.severity_combo.setCurrentIndex(edit.severity_combo.findData("warning"))
    edit._ok()
    assert tab.targets()[0].min_severity is Severity.WARNING and len(tab.targets()[0].events) == 8
    with qtbot.waitSignal(dialog.settingsApplied):
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    assert load_settings().notifications.targets == tuple(tab.targets())
    # The new target starts from now (the dispatcher's cursor knows it), in a worker.
    cursor = notifications_dir() / "dispatch.json"
    qtbot.waitUntil(lambda: cursor.exists() and "mail" in json.loads(cursor.read_text())["since"])
    tab.select("mail")
    tab.remove_selected()
    assert tab.targets() == []
    dialog.apply()
    assert load_settings().notifications.targets == ()
    assert "password" not in settings_file().read_text()


def test_send_test_runs_in_a_worker_and_shows_the_reply(qtbot, monkeypatch) -> None:
    dialog = _dialog(qtbot, HOOK)
    tab = dialog.notifications_tab
    with http_receiver([(404, {})]) as rx:
        monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY_OPS", rx.hook_url())
        tab.select("ops")
        with qtbot.waitSignal(tab.testFinished, timeout=20000):
            qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
            assert not tab.test_button.isEnabled(), "one test at a time"
        assert "ops: failed (HTTP 404)" in tab.test_result.text()
        assert "secret-token" not in tab.test_result.text()
        assert "CF222E" in tab.test_result.styleSheet()
        with qtbot.waitSignal(tab.testFinished, timeout=20000):
            qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    assert tab.test_result.text() == "ops: delivered (HTTP 200)"
    assert tab.test_button.isEnabled()
    assert [r.json()["event"]["title"] for r in rx.requests] == ["Test notification"] * 2


def test_the_window_service_sends_new_events(qtbot, monkeypatch) -> None:
    from mlops_desktop.core.settings import save_settings
    from mlops_desktop.notify.dispatcher import Dispatcher

    settings = NotificationSettings(targets=(HOOK,))
    save_settings(Settings(notifications=settings))
    Dispatcher(settings).mark_present()
    pool = WorkerPool()
    service = NotifyDispatchService(pool, NotificationCenter(), seconds=0)
    with http_receiver() as rx:
        monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY_OPS", rx.hook_url())
        AuditLog().append(AuditAction.PROMOTION, actor="ana", workspace="prod", model="churn")
        with qtbot.waitSignal(service.dispatched, timeout=20000) as done:
            assert service.check_now()
        assert len(done.args[0].sent) == 1
        with qtbot.waitSignal(service.dispatched, timeout=20000) as again:
            service.check_now()
        assert again.args[0].sent == []
    assert [r.json()["event"]["kind"] for r in rx.requests] == ["promotion.done"]
    pool.shutdown()
