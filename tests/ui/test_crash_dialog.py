"""Uncaught exceptions: a crash dialog with a copyable report, the log file, work saved."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from mlops_desktop.core.logs import log_file, setup_logging
from mlops_desktop.ui.shell.crash_dialog import CrashDialog, CrashHandler
from mlops_desktop.ui.shell.notifications import NotificationCenter


class BoomInWorker(RuntimeError):
    pass


def _flush_logs() -> None:
    import logging

    for handler in logging.getLogger("mlops_desktop").handlers:
        handler.flush()


def _crash_on_the_main_thread(
    qtbot, error: BaseException
) -> tuple[NotificationCenter, CrashHandler]:
    """Raise ``error`` into ``sys.excepthook`` (what Python does for an uncaught error) with the
    app's hooks installed; the centre and crash handler that received it."""
    setup_logging()
    center = NotificationCenter()
    handler = CrashHandler(center)
    center.install_exception_hooks()
    try:
        with qtbot.waitSignal(center.crashed, timeout=5000):
            try:
                raise error
            except type(error):
                sys.excepthook(*sys.exc_info())
    finally:
        center.uninstall_exception_hooks()
    return center, handler


def test_worker_thread_crash_shows_dialog_logs_and_saves(qtbot, app_home: Path) -> None:
    setup_logging()
    center = NotificationCenter()
    saved: list[str] = []
    handler = CrashHandler(center, save_work=lambda: saved.append("state"))
    center.install_exception_hooks()
    try:

        def work() -> None:
            raise BoomInWorker("the worker fell over")

        with qtbot.waitSignal(center.crashed, timeout=5000) as crashed:
            thread = threading.Thread(target=work, name="retrain-worker")
            thread.start()
            thread.join()
    finally:
        center.uninstall_exception_hooks()
    error, context = crashed.args
    assert isinstance(error, BoomInWorker) and "retrain-worker" in context
    dialog = handler.dialog
    assert isinstance(dialog, CrashDialog) and dialog.isVisible()
    qtbot.addWidget(dialog)
    report = dialog.report()
    assert "BoomInWorker: the worker fell over" in report
    assert "in work" in report, "the traceback is in the report"
    assert str(log_file()) in report
    assert saved == ["state"], "work in progress is saved before the dialog shows"

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == report

    _flush_logs()
    logged = log_file().read_text()
    assert "BoomInWorker: the worker fell over" in logged and "retrain-worker" in logged
    assert log_file().parent == app_home / "data" / "logs"
    # The ordinary notification is posted too (status bar), distinct from the dialog.
    qtbot.waitUntil(lambda: center.latest is not None, timeout=5000)
    dialog.close()


def test_a_crash_naming_a_password_shows_and_logs_it_masked(qtbot, app_home: Path) -> None:
    error = ConnectionError("cannot reach http://lee:SECRETpw@127.0.0.1:9/api")
    center, handler = _crash_on_the_main_thread(qtbot, error)
    assert handler.dialog is not None
    qtbot.addWidget(handler.dialog)
    report = handler.dialog.report()
    assert "cannot reach http://lee:***@127.0.0.1:9/api" in report and "SECRETpw" not in report
    qtbot.waitUntil(lambda: center.latest is not None, timeout=5000)
    assert center.latest is not None
    assert "SECRETpw" not in center.latest.message + center.latest.details
    _flush_logs()
    logged = log_file().read_text()
    assert "cannot reach http://lee:***@" in logged and "SECRETpw" not in logged
    handler.dialog.close()


def test_main_thread_crash_uses_the_same_dialog(qtbot, app_home: Path) -> None:
    _center, handler = _crash_on_the_main_thread(qtbot, KeyError("missing"))
    assert handler.dialog is not None and "KeyError" in handler.dialog.report()
    qtbot.addWidget(handler.dialog)
    assert handler.count == 1
    handler.dialog.close()
    qtbot.waitUntil(lambda: handler.dialog is None, timeout=5000)


def test_handled_errors_do_not_open_the_crash_dialog(qtbot) -> None:
    center = NotificationCenter()
    handler = CrashHandler(center)
    center.report_exception(ValueError("a workspace is offline"), context="Loading")
    qtbot.wait(0)  # let queued deliveries run (no timing involved)
    assert handler.dialog is None and handler.count == 0


def test_crash_saves_the_window_state(qtbot, make_window, app_home: Path) -> None:
    from mlops_desktop.ui.shell.window_state import ui_state_path

    window = make_window(start=False)
    handler = CrashHandler(window.notifications, window, save_work=window.save_state)
    window.show_page("audit")
    dialog = handler.show_crash(RuntimeError("boom"), "Unexpected error")
    assert "page=audit" in ui_state_path().read_text()
    assert ui_state_path().parent == app_home / "config"
    dialog.close()
