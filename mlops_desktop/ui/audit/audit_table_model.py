"""Table model of audit records (time, who, action, model, from → to, outcome) and its filter."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from mlops_desktop.core.audit import AuditRecord
from mlops_desktop.ui.audit.tasks_audit import (
    action_family,
    from_to,
    local_time,
    outcome,
    search_text,
)
from mlops_desktop.ui.common.flat_table_model import FlatTableModel

COLUMNS = ("#", "Time", "Who", "Action", "Model", "Workspace", "From → to", "Outcome")
SEQ, TIME, WHO, ACTION, MODEL, WORKSPACE, FROM_TO, OUTCOME = range(len(COLUMNS))
#: Role holding the raw sort key (the ISO time, the sequence number).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role holding the row's :class:`AuditRecord`.
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
#: Role holding the lower-case text the search box matches.
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 3

Index = QModelIndex | QPersistentModelIndex


class AuditModel(FlatTableModel):
    """Rows are :class:`~mlops_desktop.core.audit.AuditRecord`, in the order given (newest
    first from :func:`~mlops_desktop.ui.audit.tasks_audit.load_audit_task`)."""

    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[AuditRecord] = []
        self._search: list[str] = []

    def set_records(self, records: list[AuditRecord]) -> None:
        """Show ``records`` (a reset unless they are exactly the rows shown)."""
        records = list(records)
        if [r.hash for r in records] == [r.hash for r in self._records]:
            return
        self.beginResetModel()
        self._records = records
        self._search = [search_text(r) for r in records]
        self.endResetModel()

    def records(self) -> list[AuditRecord]:
        """The rows."""
        return list(self._records)

    def record_at(self, row: int) -> AuditRecord:
        """The record of a source row."""
        return self._records[row]

    def row_of_seq(self, seq: int) -> int:
        """Source row of the record with ``seq`` (-1 when absent)."""
        return next((i for i, r in enumerate(self._records) if r.seq == seq), -1)

    def row_total(self) -> int:
        """Number of records."""
        return len(self._records)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, outcome colour, tooltips, sort and search keys."""
        if not index.isValid() or not (0 <= index.row() < len(self._records)):
            return None
        record = self._records[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(record, column)
        if role == SORT_ROLE:
            if column == TIME:
                return record.time
            if column == SEQ:
                return record.seq
            return self._display(record, column)
        if role == RECORD_ROLE:
            return record
        if role == SEARCH_ROLE:
            return self._search[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole and column == OUTCOME:
            return QColor(outcome(record)[1])
        if role == Qt.ItemDataRole.TextAlignmentRole and column == SEQ:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == TIME:
                return record.time
            if column in (FROM_TO, OUTCOME):
                return self._display(record, column)
        return None

    @staticmethod
    def _display(record: AuditRecord, column: int) -> str | int:
        if column == TIME:
            return local_time(record.time)
        if column == WHO:
            return record.actor
        if column == ACTION:
            return record.action
        if column == MODEL:
            return record.model
        if column == WORKSPACE:
            return record.workspace
        if column == FROM_TO:
            return from_to(record)
        if column == SEQ:
            return record.seq
        return outcome(record)[0]


class AuditFilterProxy(QSortFilterProxyModel):
    """Filters by action family (``"promotion"``, ``"approval"`` …) and a search text."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._family = ""
        self._terms: list[str] = []
        self.setSortRole(SORT_ROLE)

    def set_action_family(self, family: str) -> None:
        """Only records of this family ("" for all)."""
        if family != self._family:
            self.beginFilterChange()
            self._family = family
            self.endFilterChange()

    def set_search(self, text: str) -> None:
        """Only records containing every whitespace-separated term (case-insensitive)."""
        terms = text.lower().split()
        if terms != self._terms:
            self.beginFilterChange()
            self._terms = terms
            self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        """True when the record matches the family and every search term."""
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        record = index.data(RECORD_ROLE)
        if record is None:
            return False
        if self._family and action_family(record.action) != self._family:
            return False
        haystack = str(index.data(SEARCH_ROLE) or "")
        return all(term in haystack for term in self._terms)
