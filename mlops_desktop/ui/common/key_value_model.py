"""A two-column (name, value) table for params, metrics and tags in the detail pane."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from mlops_desktop.ui.shell import style

AnyIndex = QModelIndex | QPersistentModelIndex


class KeyValueModel(QAbstractTableModel):
    """Rows of (name, value) text, sorted by name; long values are elided by the view."""

    def __init__(
        self, headers: tuple[str, str] = ("Name", "Value"), parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._headers = headers
        self._rows: list[tuple[str, str]] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of entries."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Two: name and value."""
        return 0 if parent.isValid() else 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < 2
        ):
            return self._headers[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Name or value text; the full value as tooltip."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        name, value = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return name if index.column() == 0 else value.replace("\n", " ")
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name} = {value}" if len(value) > 40 or "\n" in value else None
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 0:
            return QColor(style.TEXT_MUTED)
        return None

    def set_items(self, items: Iterable[tuple[str, str]]) -> None:
        """Replace all entries (sorted by name)."""
        self.beginResetModel()
        self._rows = sorted(((str(k), str(v)) for k, v in items), key=lambda kv: kv[0].lower())
        self.endResetModel()

    def items(self) -> list[tuple[str, str]]:
        """All entries, in display order."""
        return list(self._rows)

    def as_dict(self) -> dict[str, str]:
        """All entries as a dict."""
        return dict(self._rows)
