"""The table of model versions across all workspaces, and its search/scope/sort proxy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
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


class ModelVersionsModel(QAbstractTableModel):
    """Model versions of every loaded workspace, one row each.

    Each workspace's rows are replaced as a whole when it (re)loads, with row removals and
    insertions (not a reset), so the selection of other rows survives.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ModelVersion] = []

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
        version = self._rows[index.row()]
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

    # -- content ------------------------------------------------------------------------------

    def set_workspace_versions(self, workspace: str, versions: Sequence[ModelVersion]) -> None:
        """Replace the rows of ``workspace`` with ``versions``."""
        self.remove_workspace(workspace)
        if not versions:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(versions) - 1)
        self._rows.extend(versions)
        self.endInsertRows()

    def remove_workspace(self, workspace: str) -> None:
        """Drop every row of ``workspace``."""
        index = len(self._rows) - 1
        while index >= 0:
            if self._rows[index].workspace != workspace:
                index -= 1
                continue
            last = index
            while index >= 0 and self._rows[index].workspace == workspace:
                index -= 1
            first = index + 1
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._rows[first : last + 1]
            self.endRemoveRows()

    def clear(self) -> None:
        """Remove all rows."""
        if not self._rows:
            return
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def versions(self) -> list[ModelVersion]:
        """Every version in the table."""
        return list(self._rows)

    def version_at(self, row: int) -> ModelVersion:
        """The version in ``row``."""
        return self._rows[row]

    def row_of(self, key: tuple[str, str, str]) -> int:
        """Row of the version with :attr:`ModelVersion.key` ``key``, or -1."""
        for row, version in enumerate(self._rows):
            if version.key == key:
                return row
        return -1

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
    """Search, scope (stage / workspace) and typed sorting over :class:`ModelVersionsModel`.

    The search matches every whitespace-separated term (case-insensitive) against model,
    registered name, version, stage, workspace, aliases, key metric name and source run.
    Sorting compares :data:`SORT_ROLE` keys (numbers stay numbers) with a stable tie-break.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._terms: tuple[str, ...] = ()
        self._stage: Stage | None = None
        self._workspace: str | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

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
        """Scope and search filter."""
        source = self.sourceModel()
        version = source.index(source_row, 0, source_parent).data(VERSION_ROLE)
        if not isinstance(version, ModelVersion):
            return False
        if self._stage is not None and version.stage is not self._stage:
            return False
        if self._workspace is not None and version.workspace != self._workspace:
            return False
        if not self._terms:
            return True
        haystack = search_text(version)
        return all(term in haystack for term in self._terms)

    def lessThan(self, left: AnyIndex, right: AnyIndex) -> bool:
        """Typed comparison of sort keys, ties broken by model, stage, workspace and version."""
        left_key = (left.data(SORT_ROLE), _tie_break(left.data(VERSION_ROLE)))
        right_key = (right.data(SORT_ROLE), _tie_break(right.data(VERSION_ROLE)))
        try:
            return bool(left_key < right_key)
        except TypeError:
            return str(left_key) < str(right_key)


def _tie_break(version: ModelVersion | None) -> tuple[Any, ...]:
    if version is None:
        return ()
    return (
        version.model.lower(),
        version.stage.rank if version.stage else -1,
        version.workspace,
        version_sort_key(version.version),
    )
