"""Keyboard: shortcuts on every page and common action, a sheet built from the QActions,
accessible names, and a window usable at 1280×720."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QToolButton

from mlops_desktop.ui.shell.shortcuts_sheet import ShortcutsDialog, actions_with_shortcuts


def _native(text: str) -> str:
    return QKeySequence(text).toString(QKeySequence.SequenceFormat.NativeText)


def test_sheet_lists_every_menu_shortcut(qtbot, make_window) -> None:
    window = make_window(start=False)
    window.shortcuts_action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    keys = {entry.keys for entry in dialog.entries}
    actions = {entry.action for entry in dialog.entries}
    for expected in ("F5", "Ctrl+F", "Ctrl+,", "Ctrl+Shift+P", "Ctrl+E", "Ctrl+Shift+N"):
        assert any(_native(expected) in k for k in keys), expected
    for number in range(1, 7):
        assert _native(f"Ctrl+{number}") in keys
    assert {"Models", "Drift", "Settings", "Find", "Keyboard shortcuts"} <= actions
    # Generated from the real actions: one row per action with a shortcut, nothing else.
    assert len(dialog.entries) == len(actions_with_shortcuts(window.menuBar()))
    assert dialog.table.rowCount() == len(dialog.entries)
    dialog.close()


def test_sheet_follows_new_actions(qtbot, make_window) -> None:
    window = make_window(start=False)
    before = len(ShortcutsDialog(window.menuBar()).entries)
    window.menuBar().actions()[0].menu().addAction("Brand new").setShortcut("Ctrl+Alt+B")
    assert len(ShortcutsDialog(window.menuBar()).entries) == before + 1


def test_page_and_search_shortcuts(qtbot, make_window) -> None:
    window = make_window(start=False)
    window.activateWindow()
    window.page_actions["audit"].trigger()
    assert window.current_page_key() == "audit"
    window.find_action.trigger()
    assert window.focusWidget() is window.audit_page.search_edit
    window.page_actions["models"].trigger()
    window.find_action.trigger()
    assert window.focusWidget() is window.models_page.search_edit


def test_promote_and_export_explain_when_not_possible(qtbot, make_window) -> None:
    window = make_window(start=False)
    window.export_drift_action.trigger()
    assert window.current_page_key() == "drift"
    assert "Compute drift first" in window.notifications.history[-1].message
    window.promote_action.trigger()
    assert window.current_page_key() == "models"
    assert "Select a model version" in window.notifications.history[-1].message


def test_buttons_without_text_have_accessible_names(qtbot, make_window) -> None:
    window = make_window(start=False)
    nameless = [
        button
        for button in window.findChildren(QAbstractButton)
        if button.isVisibleTo(window)
        and not button.text().strip()
        and not button.accessibleName().strip()
        and not button.toolTip().strip()
        and not isinstance(button.parent(), type(window.menuBar()))
    ]
    assert not nameless, [b.objectName() or type(b).__name__ for b in nameless]
    assert all(isinstance(b, QAbstractButton) for b in window.findChildren(QToolButton))


def test_usable_at_1280x720(qtbot, make_window) -> None:
    window = make_window(start=False, size=(1280, 720))
    assert window.width() <= 1280 and window.height() <= 720
    assert window.minimumSizeHint().width() <= 1280
    assert window.minimumSizeHint().height() <= 720
    for key in window.page_keys():
        window.show_page(key)
        page = window.pages.currentWidget()
        assert page.width() <= 1280 and page.isVisible()
    assert Qt.Key.Key_F5  # F5 refresh stays bound
    assert window.refresh_action.shortcut() == QKeySequence(Qt.Key.Key_F5)
