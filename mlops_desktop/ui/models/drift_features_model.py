"""Table model of a drift result: one row per column compared."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from mlops_desktop.ui import style
from mlops_desktop.ui.models.flat_table_model import FlatTableModel

STATUS_COLORS = {
    "drift": "#DC2626",
    "quality": "#D97706",
    "ok": "#16A34A",
    "not evaluated": "#8C959F",
}
COLUMNS = (
    "Feature",
    "Type",
    "Metric",
    "Value",
    "Threshold",
    "Status",
    "Null %",
    "Type errors %",
    "Out of bounds %",
)
#: Role holding the raw sort key (numbers sort as numbers, missing values last).
SORT_ROLE = Qt.ItemDataRole.UserRole + 1

Index = QModelIndex | QPersistentModelIndex


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


class DriftFeaturesModel(FlatTableModel):
    """Rows are ``FeatureDrift`` objects (features, then prediction/target when present)."""

    columns = COLUMNS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_result(self, result: Any | None) -> None:
        """Show ``result`` (a ``DriftResult``), or nothing."""
        self.beginResetModel()
        self._rows = list(result.all_columns) if result is not None else []
        self.endResetModel()

    def feature_at(self, row: int) -> Any:
        """The ``FeatureDrift`` of a source row."""
        return self._rows[row]

    def row_of(self, name: str) -> int:
        """Source row of a column name, -1 when absent."""
        return next((i for i, f in enumerate(self._rows) if f.name == name), -1)

    def row_total(self) -> int:
        """Number of compared columns."""
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, colours, alignment and sort keys."""
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        feature = self._rows[index.row()]
        column = index.column()
        quality = feature.quality
        values: list[Any] = [
            feature.name + ("" if feature.role == "feature" else f" ({feature.role})"),
            feature.kind.value,
            feature.metric or "",
            feature.value,
            feature.threshold,
            feature.status,
            quality.null_rate,
            quality.type_error_rate,
            quality.out_of_bounds_rate,
        ]
        raw = values[column]
        if role == Qt.ItemDataRole.DisplayRole:
            if column in (3, 4):
                return "" if raw is None else f"{raw:.4f}"
            if column >= 6:
                return _pct(raw)
            return raw
        if role == SORT_ROLE:
            if column in (3, 4) or column >= 6:
                return float("inf") if raw is None else float(raw)
            return str(raw)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5:
            return QColor(style.themed(STATUS_COLORS.get(feature.status, "#1F2328")))
        if role == Qt.ItemDataRole.ForegroundRole and column >= 6 and raw:
            name = ("null_rate", "type_error_rate", "out_of_bounds_rate")[column - 6]
            if name in quality.violations:
                return QColor(STATUS_COLORS["quality"])
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 3 and column != 5:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return feature.note or ", ".join(
                f"{k}={v:.4g}" for k, v in feature.metrics.items() if v is not None
            )
        return None
