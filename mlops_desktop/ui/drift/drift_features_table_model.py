"""Table model of a drift result: one row per column compared."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from mlops_desktop.drift.report_format import metric_label
from mlops_desktop.ui.common.flat_table_model import FlatTableModel
from mlops_desktop.ui.shell import style

STATUS_COLORS = {
    "drift": "#DC2626",
    "quality": "#D97706",
    "ok": "#16A34A",
    "not evaluated": "#8C959F",
}
# Short (two-line) titles and metric names keep every column in view at 1280 px; the column
# kind is in the feature's tooltip and the chart title, the full names in tooltips.
COLUMNS = (
    "Feature",
    "Metric",
    "Value",
    "Thres-\nhold",
    "Status",
    "Null\n%",
    "Type\nerr. %",
    "Out of\nrange %",
)
HEADER_TIPS = (
    "Column name (prediction and target columns are marked)",
    "Metric deciding drift",
    "Value of the deciding metric",
    "Drift threshold of the metric",
    "drift, quality (a data-quality rate over its threshold), ok, not evaluated",
    "Null values, % of current rows",
    "Values of the wrong type, % of current rows",
    "Out of bounds: numbers outside the reference range or unseen categories, % of current rows",
)
#: The feature-name column (it elides first when the table is narrow).
FEATURE_COLUMN = 0
#: Columns holding numbers (right-aligned, sorted as numbers) and quality rates.
VALUE_COLUMNS = (2, 3)
RATE_COLUMNS = (5, 6, 7)
RATE_NAMES = ("null_rate", "type_error_rate", "out_of_bounds_rate")
STATUS_COLUMN = 4
#: Short metric names for the table (the tooltip and the chart title give the full name).
SHORT_METRICS = {
    "normalized_wasserstein": "norm. W₁",
    "wasserstein": "W₁",
    "jensen_shannon": "JS dist.",
    "psi": "PSI",
    "ks_statistic": "KS",
    "ks_pvalue": "KS p",
    "chi2_pvalue": "χ² p",
}
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

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles, and what they mean as tooltips."""
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(HEADER_TIPS)
        ):
            return HEADER_TIPS[section]
        return super().headerData(section, orientation, role)

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
            SHORT_METRICS.get(feature.metric or "", feature.metric or ""),
            feature.value,
            feature.threshold,
            feature.status,
            quality.null_rate,
            quality.type_error_rate,
            quality.out_of_bounds_rate,
        ]
        raw = values[column]
        if role == Qt.ItemDataRole.DisplayRole:
            if column in VALUE_COLUMNS:
                return "" if raw is None else f"{raw:.3g}"
            if column in RATE_COLUMNS:
                return _pct(raw)
            return raw
        if role == SORT_ROLE:
            if column in VALUE_COLUMNS or column in RATE_COLUMNS:
                return float("inf") if raw is None else float(raw)
            return str(raw)
        if role == Qt.ItemDataRole.ForegroundRole and column == STATUS_COLUMN:
            return QColor(style.themed(STATUS_COLORS.get(feature.status, "#1F2328")))
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column in RATE_COLUMNS
            and raw
            and RATE_NAMES[RATE_COLUMNS.index(column)] in quality.violations
        ):
            return QColor(STATUS_COLORS["quality"])
        if role == Qt.ItemDataRole.TextAlignmentRole and (
            column in VALUE_COLUMNS or column in RATE_COLUMNS
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 0:
                return f"{feature.name} ({feature.kind.value})"
            if column == 1 and feature.metric:
                return metric_label(feature.metric)
            return feature.note or ", ".join(
                f"{k}={v:.4g}" for k, v in feature.metrics.items() if v is not None
            )
        return None
