"""The table of model versions across all workspaces, and its search/scope/sort proxy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from mlops_desktop.core.entities import (
    LINEAGE_SOURCE_MODEL,
    LINEAGE_SOURCE_VERSION,
    LINEAGE_SOURCE_WORKSPACE,
    ModelVersion,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.common.backend_tasks import version_sort_key
from mlops_desktop.ui.shell import style

AnyIndex = QModelIndex | QPersistentModelIndex

#: Role giving a cell's sort key (numbers for numeric columns, never display text).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role giving the row's :class:`~mlops_desktop.core.entities.ModelVersion`.
VERSION_ROLE = Qt.ItemDataRole.UserRole + 2
#: Role giving the row's stage value ("dev", "staging", "prod"; None when unknown).
STAGE_ROLE = Qt.ItemDataRole.UserRole + 3
#: Role giving the row's aliases as a tuple of strings.
ALIASES_ROLE = Qt.ItemDataRole.UserRole + 4


class Column(IntEnum):
    """Columns of :class:`ModelVersionsModel`."""

    MODEL = 0
    VERSION = 1
    STAGE = 2
    WORKSPACE = 3
    ALIASES = 4
    KEY_METRIC = 5
    CREATED = 6
    SOURCE_RUN = 7


HEADERS: dict[Column, tuple[str, str]] = {
    Column.MODEL: ("Model", "Logical model name (without any stage prefix)"),
    Column.VERSION: ("Version", "Version number in its workspace's registry"),
    Column.STAGE: ("Stage", "Stage the version lives in"),
    Column.WORKSPACE: ("Workspace", "Workspace (registry) holding the version"),
    Column.ALIASES: ("Aliases", "Registry aliases pointing at this version"),
    Column.KEY_METRIC: ("Key metric", "The metric the training run declared as its key metric"),
    Column.CREATED: ("Created", "When the version was registered (local time)"),
    Column.SOURCE_RUN: ("Source run", "The run that produced the version, and where it came from"),
}


def format_metric(value: float | None) -> str:
    """A metric value with sensible precision ("53.210", "0.9934", "1,204")."""
    if value is None:
        return ""
    if value != value:  # NaN
        return "NaN"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:.3f}"
    return f"{value:.4f}"


def format_timestamp(moment: datetime | None) -> str:
    """A timestamp in local time, to the minute ("2025-11-26 22:36")."""
    if moment is None:
        return ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def source_run_text(version: ModelVersion) -> str:
    """The training run's name (or short id); for a copied version, where it was copied from."""
    lineage = version.lineage
    source_ws = lineage.get(LINEAGE_SOURCE_WORKSPACE)
    if source_ws:
        source_model = lineage.get(LINEAGE_SOURCE_MODEL, "")
        model = (
            f" {source_model}" if source_model and source_model != version.registered_name else ""
        )
        return f"copy of {source_ws}{model} v{lineage.get(LINEAGE_SOURCE_VERSION, '?')}"
    run = version.run
    if run is not None and run.name:
        return run.name
    return version.run_id[:8] if version.run_id else ""


def search_text(version: ModelVersion) -> str:
    """Everything the search box matches, lower-cased."""
    parts = [
        version.model,
        version.registered_name,
        version.version,
        f"v{version.version}",
        version.workspace,
        version.stage.value if version.stage else "",
        version.status,
        version.run_id or "",
        version.key_metric_name or "",
        source_run_text(version),
        *version.aliases,
        *(f"@{alias}" for alias in version.aliases),
    ]
    return "\n".join(parts).lower()


class _Row:
    """A version and what sorting and searching need of it, computed once per row (lazily)."""

    __slots__ = ("haystack", "keys", "version")

    def __init__(self, version: ModelVersion) -> None:
        self.version = version
        #: Sort key per column (with the tie-break), filled the first time a column sorts.
        self.keys: list[Any] = [None] * len(Column)
        #: :func:`search_text`, filled the first time a search runs.
        self.haystack: str | None = None

    def sort_key(self, column: Column) -> Any:
        key = self.keys[column]
        if key is None:
            key = self.keys[column] = (
                ModelVersionsModel._sort_key(self.version, column),
                _tie_break(self.version),
            )
        return key

    def search_text(self) -> str:
        if self.haystack is None:
            self.haystack = search_text(self.version)
        return self.haystack


class ModelVersionsModel(QAbstractTableModel):
    """Model versions of every loaded workspace, one row each, kept in the sorted order.

    Each workspace's rows are replaced as a whole when it (re)loads, with row removals and
    insertions (not a reset), so the selection of other rows survives.

    The model sorts itself (:meth:`sort`), in Python over keys computed once per row: a
    ``QSortFilterProxyModel`` sort calls ``data()`` (Python) twice per comparison, which for
    a few thousand rows freezes the GUI thread for tenths of a second; one ``list.sort`` over
    cached keys takes a millisecond. The proxy only filters.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder

    # -- Qt model API -------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of versions (0 under any valid parent: this is a flat table)."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        """Column titles and their tooltips."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        title, tip = HEADERS[Column(section)]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole and section == Column.KEY_METRIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell contents for the display, tooltip, sort and custom roles."""
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        version = self._rows[index.row()].version
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(version, column)
        if role == SORT_ROLE:
            return self._sort_key(version, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(version, column)
        if role == VERSION_ROLE:
            return version
        if role == STAGE_ROLE:
            return version.stage.value if version.stage else None
        if role == ALIASES_ROLE:
            return tuple(version.aliases)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in (Column.KEY_METRIC, Column.VERSION):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column in (Column.CREATED, Column.SOURCE_RUN):
            return QColor(style.TEXT_MUTED)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Order the rows by ``column``'s :data:`SORT_ROLE` key, ties broken by model, stage,
        workspace and version (-1: keep the order rows arrived in). Rows added later are
        placed in this order too."""
        self._sort_column = column if 0 <= column < len(Column) else -1
        self._sort_order = order
        self._apply_sort()

    def sort_column(self) -> int:
        """The column the rows are sorted by (-1: none)."""
        return self._sort_column

    def sort_order(self) -> Qt.SortOrder:
        """The order of :meth:`sort_column`."""
        return self._sort_order

    # -- content ------------------------------------------------------------------------------

    def set_workspace_versions(self, workspace: str, versions: Sequence[ModelVersion]) -> None:
        """Replace the rows of ``workspace`` with ``versions``."""
        self.remove_workspace(workspace)
        if not versions:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(versions) - 1)
        self._rows.extend(_Row(version) for version in versions)
        self.endInsertRows()
        self._apply_sort()

    def remove_workspace(self, workspace: str) -> None:
        """Drop every row of ``workspace``."""
        doomed = [row for row, r in enumerate(self._rows) if r.version.workspace == workspace]
        if not doomed:
            return
        first = len(self._rows) - len(doomed)
        if doomed[0] != first:
            # Sorted rows interleave workspaces: move them to the end in one layout change,
            # then remove one range, instead of one removal per run of rows.
            kept = [row for row, r in enumerate(self._rows) if r.version.workspace != workspace]
            self._reorder(kept + doomed)
        self.beginRemoveRows(QModelIndex(), first, len(self._rows) - 1)
        del self._rows[first:]
        self.endRemoveRows()

    def remove_workspaces_not_in(self, names: set[str]) -> None:
        """Drop the rows of every workspace whose name is not in ``names``."""
        for workspace in {r.version.workspace for r in self._rows} - names:
            self.remove_workspace(workspace)

    def clear(self) -> None:
        """Remove all rows."""
        if not self._rows:
            return
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def versions(self) -> list[ModelVersion]:
        """Every version in the table, in row order."""
        return [r.version for r in self._rows]

    def version_at(self, row: int) -> ModelVersion:
        """The version in ``row``."""
        return self._rows[row].version

    def row_of(self, key: tuple[str, str, str]) -> int:
        """Row of the version with :attr:`ModelVersion.key` ``key``, or -1."""
        for row, r in enumerate(self._rows):
            if r.version.key == key:
                return row
        return -1

    def filter_fields(self, row: int) -> tuple[ModelVersion, str]:
        """The version in ``row`` and its lower-cased search text (computed once)."""
        r = self._rows[row]
        return r.version, r.search_text()

    # -- ordering -----------------------------------------------------------------------------

    def _apply_sort(self) -> None:
        if self._sort_column < 0 or len(self._rows) < 2:
            return
        column = Column(self._sort_column)
        rows = self._rows
        order = sorted(
            range(len(rows)),
            key=lambda row: rows[row].sort_key(column),
            reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
        )
        if any(new != old for old, new in enumerate(order)):
            self._reorder(order)

    def _reorder(self, order: list[int]) -> None:
        """Rows become ``[rows[i] for i in order]`` in one layout change; persistent indexes
        (the selection, the current row) follow their rows."""
        self.layoutAboutToBeChanged.emit()
        new_row = [0] * len(order)
        for new, old in enumerate(order):
            new_row[old] = new
        self._rows = [self._rows[old] for old in order]
        before = self.persistentIndexList()
        after = [self.index(new_row[index.row()], index.column()) for index in before]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    # -- cells --------------------------------------------------------------------------------

    @staticmethod
    def _display(version: ModelVersion, column: Column) -> str:
        if column is Column.MODEL:
            return version.model
        if column is Column.VERSION:
            return version.version
        if column is Column.STAGE:
            return version.stage.value if version.stage else "—"
        if column is Column.WORKSPACE:
            return version.workspace
        if column is Column.ALIASES:
            return ", ".join(f"@{alias}" for alias in version.aliases)
        if column is Column.KEY_METRIC:
            value = version.key_metric_value
            if value is None:
                return "—"
            return f"{version.key_metric_name}  {format_metric(value)}"
        if column is Column.CREATED:
            return format_timestamp(version.created_at)
        return source_run_text(version)

    @staticmethod
    def _sort_key(version: ModelVersion, column: Column) -> Any:
        if column is Column.MODEL:
            return version.model.lower()
        if column is Column.VERSION:
            return version_sort_key(version.version)
        if column is Column.STAGE:
            return version.stage.rank if version.stage else -1
        if column is Column.WORKSPACE:
            return version.workspace.lower()
        if column is Column.ALIASES:
            return (len(version.aliases) == 0, ",".join(version.aliases))
        if column is Column.KEY_METRIC:
            value = version.key_metric_value
            # Versions without a key metric sort after every number (ascending).
            return (1, 0.0) if value is None or value != value else (0, float(value))
        if column is Column.CREATED:
            return version.created_at.timestamp() if version.created_at else 0.0
        return source_run_text(version).lower()

    @staticmethod
    def _tooltip(version: ModelVersion, column: Column) -> str | None:
        if column is Column.MODEL and version.registered_name != version.model:
            return f"Registered as {version.registered_name}"
        if column is Column.KEY_METRIC and version.run is not None:
            goal = version.run.tags.get("mlops.key_metric_goal", "")
            name = version.key_metric_name
            if name:
                suffix = f" ({goal})" if goal else ""
                return f"{name} = {version.key_metric_value!r}{suffix}"
        if column is Column.CREATED and version.created_at:
            return version.created_at.astimezone().isoformat(timespec="seconds")
        if column is Column.SOURCE_RUN:
            lines = []
            if version.run_id:
                lines.append(f"Run {version.run_id}")
            for key, value in version.lineage.items():
                lines.append(f"{key} = {value}")
            return "\n".join(lines) or None
        return None


class ModelVersionsProxyModel(QSortFilterProxyModel):
    """Search and scope (stage / workspace) over :class:`ModelVersionsModel`.

    The search matches every whitespace-separated term (case-insensitive) against model,
    registered name, version, stage, workspace, aliases, key metric name and source run.
    Sorting is the source model's (:meth:`ModelVersionsModel.sort`, typed keys, stable
    tie-break): this proxy never compares rows in Python, it keeps the source order.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._terms: tuple[str, ...] = ()
        self._stage: Stage | None = None
        self._workspace: str | None = None
        self._versions: ModelVersionsModel | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        """Filter ``model`` (a :class:`ModelVersionsModel`)."""
        self._versions = model if isinstance(model, ModelVersionsModel) else None
        super().setSourceModel(model)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the source rows (the view's header calls this); the proxy keeps their order."""
        if self._versions is not None:
            self._versions.sort(column, order)

    # -- filter settings ----------------------------------------------------------------------

    @property
    def search(self) -> str:
        """The current search terms, joined by spaces."""
        return " ".join(self._terms)

    def set_search(self, text: str) -> None:
        """Keep only versions matching every term of ``text``."""
        terms = tuple(text.lower().split())
        if terms == self._terms:
            return
        self.beginFilterChange()
        self._terms = terms
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    @property
    def scope(self) -> tuple[Stage | None, str | None]:
        """(stage, workspace) the table is limited to; None means any."""
        return (self._stage, self._workspace)

    def set_scope(self, stage: Stage | None, workspace: str | None) -> None:
        """Keep only versions in ``stage`` and/or ``workspace`` (None: any)."""
        if (stage, workspace) == (self._stage, self._workspace):
            return
        self.beginFilterChange()
        self._stage, self._workspace = stage, workspace
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def version_at(self, proxy_row: int) -> ModelVersion:
        """The version shown in ``proxy_row``."""
        return self.index(proxy_row, 0).data(VERSION_ROLE)

    # -- QSortFilterProxyModel ----------------------------------------------------------------

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:
        """Scope and search filter, over the search text the model computed once per row."""
        if self._stage is None and self._workspace is None and not self._terms:
            return True  # nothing to filter: the common case costs one call
        if self._versions is None or source_parent.isValid():
            return False
        version, haystack = self._versions.filter_fields(source_row)
        if self._stage is not None and version.stage is not self._stage:
            return False
        if self._workspace is not None and version.workspace != self._workspace:
            return False
        return all(term in haystack for term in self._terms)


def _tie_break(version: ModelVersion | None) -> tuple[Any, ...]:
    if version is None:
        return ()
    return (
        version.model.lower(),
        version.stage.rank if version.stage else -1,
        version.workspace,
        version_sort_key(version.version),
    )
