"""The *Keyboard shortcuts* sheet, generated from the window's actual ``QAction`` objects.

Built from the menus at the moment it opens, so it can never list a shortcut that does not
exist or miss one that does.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class ShortcutEntry:
    """One row of the sheet."""

    menu: str
    action: str
    keys: str


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def shortcut_entries(menu_bar: QMenuBar) -> list[ShortcutEntry]:
    """Every menu action that has a shortcut, in menu order (sub-menus included)."""
    entries: list[ShortcutEntry] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            sub = action.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{path} › {_clean(action.text())}")
                continue
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
            keys = [k for k in keys if k]
            if keys and not action.isSeparator():
                entries.append(ShortcutEntry(path, _clean(action.text()), ", ".join(keys)))

    for top in menu_bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            walk(menu, _clean(top.text()))
    return entries


class ShortcutsDialog(QDialog):
    """A searchable-by-eye table: menu, action, keys."""

    def __init__(self, menu_bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 520)
        self.entries = shortcut_entries(menu_bar)
        title = QLabel("Keyboard shortcuts")
        title.setObjectName("DialogTitle")
        self.table = QTableWidget(len(self.entries), 3)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Menu", "Action", "Shortcut"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        for row, entry in enumerate(self.entries):
            for column, text in enumerate((entry.menu, entry.action, entry.keys)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)


def actions_with_shortcuts(menu_bar: QMenuBar) -> list[QAction]:
    """The QActions the sheet lists (for tests and checks)."""
    found: list[QAction] = []
    for top in menu_bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            stack = [menu]
            while stack:
                current = stack.pop()
                for action in current.actions():
                    if isinstance(action.menu(), QMenu):
                        stack.append(action.menu())
                    elif action.shortcuts():
                        found.append(action)
    return found
