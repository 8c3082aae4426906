"""The Drift page: reference vs current per feature, distributions, drift over time, export.

Everything heavy (sources, the engine, report writers, pyqtgraph) loads on first use, so the
window opens without it. Computation runs in a worker with progress and cancel; asking again
supersedes the previous request.
"""

from __future__ import annotations

import contextlib
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import paths
from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.drift.report_format import metric_label, severity, verdict_rule
from mlops_desktop.ui.common.chart_library import with_charts
from mlops_desktop.ui.common.column_fit import ColumnFitter
from mlops_desktop.ui.drift.drift_features_table_model import (
    FEATURE_COLUMN,
    SHORT_METRICS,
    SORT_ROLE,
    VALUE_COLUMNS,
    DriftFeaturesModel,
)
from mlops_desktop.ui.drift.tasks_drift import (
    DriftRequest,
    DriftSources,
    compute_drift_task,
    export_report_task,
    list_drift_sources,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

VALUE_COLUMN = VALUE_COLUMNS[0]
REF_COLOR = (37, 99, 235)  # reference: blue
CUR_COLOR = (217, 119, 6)  # current: amber
DEMO_CURRENT = "production-current.parquet"


def demo_current_data() -> Path | None:
    """The demo's production-like current data, when the demo was built."""
    path = paths.data_dir() / "demo" / DEMO_CURRENT
    return path if path.exists() else None


#: The charts' share of a narrow window: at 1280 px all eight columns need ~75 % of it.
CHARTS_MIN_WIDTH = 240


class DriftPage(QWidget):
    """Compare a reference with current data and explain what drifted."""

    #: Emitted once the page's data (reference choices and, where set up, a result) is in.
    dataLoaded = Signal()
    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("driftPage")
        self._pool = pool
        self._config = AppConfig()
        self._choices_request = LatestRequest(self)
        self._compute_request = LatestRequest(self)
        self._export_request = LatestRequest(self)
        self._result: Any = None
        self._loaded = False
        self._charts_built = False
        self._build()

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        title = QLabel("Drift")
        title.setObjectName("PageTitle")
        subtitle = QLabel("Data drift and data quality: is current data still like the reference?")
        subtitle.setObjectName("PageSubtitle")
        layout.addWidget(title)
        layout.addWidget(subtitle)

        form = QFormLayout()
        self.reference_combo = QComboBox()
        self.reference_combo.setAccessibleName("Reference data")
        self.reference_combo.setMinimumWidth(360)
        self.reference_file = QLineEdit()
        self.reference_file.setPlaceholderText("…or a reference file (CSV, Parquet, JSON Lines)")
        ref_row = QHBoxLayout()
        ref_row.addWidget(self.reference_combo, 2)
        ref_row.addWidget(self.reference_file, 2)
        ref_browse = QPushButton("Browse…")
        ref_browse.clicked.connect(lambda: self._browse(self.reference_file))
        ref_row.addWidget(ref_browse)
        form.addRow("Reference", ref_row)

        self.current_combo = QComboBox()
        self.current_combo.setAccessibleName("Current data source")
        self.current_combo.setMinimumWidth(360)
        self.current_combo.addItem("A file (right)", "")
        self.current_file = QLineEdit()
        self.current_file.setAccessibleName("Current data")
        self.current_file.setPlaceholderText("current data: CSV, Parquet, JSON Lines or a folder")
        cur_row = QHBoxLayout()
        cur_row.addWidget(self.current_combo, 2)
        cur_row.addWidget(self.current_file, 2)
        cur_browse = QPushButton("Browse…")
        cur_browse.clicked.connect(lambda: self._browse(self.current_file))
        cur_row.addWidget(cur_browse)
        form.addRow("Current", cur_row)

        options = QHBoxLayout()
        self.target_edit = QLineEdit()
        self.target_edit.setPlaceholderText("label column")
        self.prediction_edit = QLineEdit()
        self.prediction_edit.setPlaceholderText("prediction column")
        self.timestamp_edit = QLineEdit()
        self.timestamp_edit.setPlaceholderText("timestamp column")
        self.window_combo = QComboBox()
        self.window_combo.addItems(["hour", "day", "week"])
        self.window_combo.setCurrentText("day")
        for label, widget in (
            ("Label", self.target_edit),
            ("Prediction", self.prediction_edit),
            ("Timestamp", self.timestamp_edit),
            ("Window", self.window_combo),
        ):
            options.addWidget(QLabel(label))
            options.addWidget(widget)
        options.addStretch(1)
        self.compute_button = QPushButton("Compute drift")
        self.compute_button.setObjectName("primaryButton")
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton("Export report…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._ask_export)
        for button in (self.compute_button, self.cancel_button, self.export_button):
            options.addWidget(button)
        form.addRow("Columns", options)
        layout.addLayout(form)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        layout.addWidget(self.progress)

        self.banner = QLabel("Choose a reference and current data, then compute.")
        self.banner.setObjectName("driftBanner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(_banner_style("#F3F4F6", "#374151"))
        layout.addWidget(self.banner)

        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.features_model = DriftFeaturesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.features_model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("driftTable")
        # Tighter cells than other tables: all nine columns must show at 1280 px.
        self.table.setStyleSheet(
            "QTableView#driftTable::item { padding: 0px 4px; }"
            "QTableView#driftTable QHeaderView::section { padding: 5px 4px; }"
        )
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        # The charts keep their minimum width, so a narrow window shortens feature names
        # (full names in the tooltip) rather than pushing rate columns behind a scroll bar.
        self.column_fitter = ColumnFitter(self.table, shrink=[FEATURE_COLUMN], grow=FEATURE_COLUMN)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        splitter.addWidget(self.table)

        self.charts = QWidget()
        self.charts_layout = QVBoxLayout(self.charts)
        self.charts_layout.setContentsMargins(0, 0, 0, 0)
        self.chart_title = QLabel("")
        self.chart_title.setObjectName("sectionTitle")
        self.charts_layout.addWidget(self.chart_title)
        splitter.addWidget(self.charts)
        splitter.setStretchFactor(0, 7)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([700, 300])
        layout.addWidget(splitter, 1)
        self.status_label = QLabel("")
        self.status_label.setObjectName("mutedLabel")
        layout.addWidget(self.status_label)

    def _build_charts(self) -> None:
        if self._charts_built:
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="w", foreground="#374151")
        self.distribution_plot = pg.PlotWidget()
        # Small minimums: at 1280×720 both plots must fit with their axes (no clipped labels).
        self.distribution_plot.setMinimumHeight(130)
        self.distribution_plot.showGrid(x=False, y=True, alpha=0.2)
        self.distribution_plot.setMouseEnabled(x=True, y=False)
        self.time_plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        self.time_plot.setMinimumHeight(110)
        self.time_plot.showGrid(x=False, y=True, alpha=0.2)
        self.time_plot.setLabel("left", "metric")
        self.time_curve = self.time_plot.plot(
            [],
            [],
            pen=pg.mkPen(CUR_COLOR, width=2),
            symbol="o",
            symbolSize=5,
            symbolBrush=CUR_COLOR,
        )
        self.threshold_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen((220, 38, 38), width=1, style=Qt.PenStyle.DashLine),
            label="threshold",
            # Near the left end: on a narrow chart a label at the right end is cut off.
            labelOpts={"position": 0.08, "color": (220, 38, 38), "anchors": [(0, 1), (0, 1)]},
        )
        for plot in (self.distribution_plot, self.time_plot):
            # Metric values are small numbers: show them as they are, not as "x0.001" units.
            plot.getAxis("left").enableAutoSIPrefix(False)
            style.style_plot(plot)  # light/dark background and axes, following the theme
        self.time_plot.addItem(self.threshold_line)
        # The legend sits outside the plot, where it cannot hide bars on a narrow chart.
        self.distribution_legend = QLabel(
            f'<span style="color: rgb{REF_COLOR}">■ reference</span> vs '
            f'<span style="color: rgb{CUR_COLOR}">■ current</span> distribution'
        )
        self.charts_layout.addWidget(self.distribution_legend)
        self.charts_layout.addWidget(self.distribution_plot, 3)
        self.time_label = QLabel("Drift over time")
        self.charts_layout.addWidget(self.time_label)
        self.charts_layout.addWidget(self.time_plot, 2)
        # The plots' and labels' own minimum widths (about 300 px) would take the splitter
        # back from the table once they exist: the charts give way down to CHARTS_MIN_WIDTH.
        for widget in (self.distribution_plot, self.time_plot):
            widget.setMinimumWidth(CHARTS_MIN_WIDTH)
        for label in (self.chart_title, self.distribution_legend, self.time_label):
            label.setWordWrap(True)
        self._charts_built = True

    # -- data ---------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the page's first load (choices, and a demo result if any) finished."""
        return self._loaded

    @property
    def result(self) -> Any:
        """The latest drift result, or None."""
        return self._result

    def set_config(self, config: AppConfig) -> None:
        """Use these workspaces; reloads the reference choices."""
        self._config = config
        self._load_choices()

    def _load_choices(self) -> None:
        self._choices_request.begin()
        worker = self._pool.submit(list_drift_sources, self._config, name="drift sources")
        self._choices_request.track(worker)
        self._choices_request.connect(worker.signals.result, self._on_choices)
        self._choices_request.connect(worker.signals.error, self._on_choices_error)

    def _on_choices(self, sources: DriftSources) -> None:
        choices = sources.reference
        _fill(self.reference_combo, [(c.label, c.source) for c in choices], "A file (right)")
        _fill(
            self.current_combo,
            [(c.label, c.source) for c in sources.current],
            "A file (right)",
            files_first=True,
        )
        demo = demo_current_data()
        if demo is not None and not self.current_file.text():
            # The demo's production-like data, with its label and time columns.
            self.current_file.setText(str(demo))
            self.target_edit.setText("target")
            self.timestamp_edit.setText("timestamp")
        has_current = bool(self.current_file.text() or self.current_combo.currentData())
        if choices and has_current and self._result is None:
            self.compute()
        else:
            self._mark_loaded()

    def _on_choices_error(self, error: BaseException) -> None:
        self.errorOccurred.emit(error)
        self._mark_loaded()

    def _mark_loaded(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.dataLoaded.emit()

    def current_request(self) -> DriftRequest:
        """The request the form describes."""
        reference = self.reference_file.text().strip() or (self.reference_combo.currentData() or "")
        return DriftRequest(
            reference=reference,
            current=self.current_file.text().strip() or (self.current_combo.currentData() or ""),
            target=self.target_edit.text().strip() or None,
            prediction=self.prediction_edit.text().strip() or None,
            timestamp=self.timestamp_edit.text().strip() or None,
            window=self.window_combo.currentText(),
        )

    def compute(self) -> None:
        """Run the drift computation for the form's request (supersedes a running one)."""
        request = self.current_request()
        if not request.reference or not request.current:
            self._show_banner("Choose both a reference and current data.", "#FEF3C7", "#92400E")
            self._mark_loaded()
            return
        self._compute_request.begin()
        # The result is charted: the worker loads pyqtgraph too, never the GUI thread.
        worker = self._pool.submit(
            with_charts(compute_drift_task), self._config, request, name="drift"
        )
        self._compute_request.track(worker)
        self._compute_request.connect(worker.signals.progress, self._on_progress)
        self._compute_request.connect(worker.signals.result, self._on_result)
        self._compute_request.connect(worker.signals.error, self._on_error)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.compute_button.setEnabled(False)

    def cancel(self) -> None:
        """Stop the running computation; the last result stays."""
        self._compute_request.cancel()
        self._finish_busy("cancelled")

    def _finish_busy(self, message: str) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.compute_button.setEnabled(True)
        self.status_label.setText(message)

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{message} (%p%)")

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self._finish_busy("cancelled")
            return
        self._finish_busy("")
        self._show_banner(f"Could not compute drift: {error}", "#FEE2E2", "#991B1B")
        self.errorOccurred.emit(error)
        self._mark_loaded()

    def _on_result(self, result: Any) -> None:
        self._result = result
        self._finish_busy(
            f"{result.n_reference_rows:,} reference rows ({result.reference_name}) vs "
            f"{result.n_current_rows:,} current rows ({result.current_name})"
        )
        self.export_button.setEnabled(True)
        self._build_charts()
        self.features_model.set_result(result)
        self.table.sortByColumn(VALUE_COLUMN, Qt.SortOrder.DescendingOrder)
        self._fit_table()
        self._show_summary(result)
        # The most drifted feature: the top of the table as sorted.
        drifted = [f for f in result.features if f.drifted]
        first = max(drifted, key=severity) if drifted else None
        self.select_feature(
            first.name if first else (result.features[0].name if result.features else "")
        )
        self._mark_loaded()

    def _fit_table(self) -> None:
        """Give the table the width of its columns (at most 70 %, or all but the charts' last
        :data:`CHARTS_MIN_WIDTH` px in a narrow window), the charts the rest; when that is
        still too narrow the feature names elide instead of hiding the rates."""
        header = self.table.horizontalHeader()
        wanted = sum(
            max(header.sectionSizeHint(c), self.table.sizeHintForColumn(c))
            for c in range(header.count())
        )
        chrome = self.table.width() - self.table.maximumViewportSize().width()
        needed = wanted + self.table.verticalScrollBar().sizeHint().width() + chrome
        total = sum(self.splitter.sizes())
        if total > 0:
            width = min(needed, max(int(total * 0.7), total - CHARTS_MIN_WIDTH))
            self.splitter.setSizes([width, total - width])
        self.column_fitter.schedule()

    def _show_summary(self, result: Any) -> None:
        quality = len(result.quality_violations)
        text = (
            f"<b>{'Dataset drift detected' if result.dataset_drift else 'No dataset drift'}</b>"
            f" — {result.n_drifted} of {result.n_features} features drifted "
            f"({100 * result.drift_share:.0f} %, threshold "
            f"{100 * result.drift_share_threshold:.0f} %)"
        )
        if quality:
            text += f"; {quality} column(s) with data-quality problems"
        if result.performance is not None and result.performance.degraded:
            text += f"; performance degraded: {', '.join(result.performance.degraded)}"
        if result.schema_issues:
            text += f"; {len(result.schema_issues)} schema issue(s)"
        reasons = result.verdict.reasons if result.verdict is not None else ()
        for reason in reasons:
            text += f"<br>• {html.escape(reason)}"
        text += f"<br><small>{html.escape(verdict_rule(result))}</small>"
        if result.dataset_drift:
            self._show_banner(text, "#FEE2E2", "#991B1B")
        elif quality:
            self._show_banner(text, "#FEF3C7", "#92400E")
        else:
            self._show_banner(text, "#DCFCE7", "#166534")

    def _show_banner(self, html: str, background: str, color: str) -> None:
        self.banner.setText(html)
        self.banner.setStyleSheet(_banner_style(background, color))

    # -- charts -------------------------------------------------------------------------------

    def select_feature(self, name: str) -> None:
        """Select a feature row and chart it."""
        row = self.features_model.row_of(name)
        if row < 0:
            return
        proxy_index = self.proxy.mapFromSource(self.features_model.index(row, 0))
        self.table.selectRow(proxy_index.row())
        self.table.setCurrentIndex(proxy_index)
        self._chart(self.features_model.feature_at(row))

    def _on_row_changed(self, current: Any, _previous: Any) -> None:
        if current.isValid():
            source = self.proxy.mapToSource(current)
            self._chart(self.features_model.feature_at(source.row()))

    def _chart(self, feature: Any) -> None:
        import pyqtgraph as pg

        self._build_charts()
        value = (
            "" if feature.value is None else f"{metric_label(feature.metric)} = {feature.value:.3f}"
        )
        self.chart_title.setText(f"<b>{feature.name}</b>  {feature.kind.value}  {value}")
        plot = self.distribution_plot
        plot.clear()
        dist = feature.distribution
        if dist is not None and dist.edges:
            edges = dist.edges
            plot.plot(
                edges,
                dist.reference,
                stepMode="center",
                fillLevel=0,
                brush=(*REF_COLOR, 70),
                pen=pg.mkPen(REF_COLOR, width=2),
                name="reference",
            )
            plot.plot(
                edges,
                dist.current,
                stepMode="center",
                fillLevel=0,
                brush=(*CUR_COLOR, 70),
                pen=pg.mkPen(CUR_COLOR, width=2),
                name="current",
            )
            plot.getAxis("bottom").setTicks(None)
        elif dist is not None and dist.categories:
            positions = list(range(len(dist.categories)))
            width = 0.38
            plot.addItem(
                pg.BarGraphItem(
                    x=[p - width / 2 for p in positions],
                    height=dist.reference,
                    width=width,
                    brush=(*REF_COLOR, 180),
                    name="reference",
                )
            )
            plot.addItem(
                pg.BarGraphItem(
                    x=[p + width / 2 for p in positions],
                    height=dist.current,
                    width=width,
                    brush=(*CUR_COLOR, 180),
                    name="current",
                )
            )
            ticks = [c if len(c) <= 14 else c[:13] + "…" for c in dist.categories]
            plot.getAxis("bottom").setTicks([list(zip(positions, ticks, strict=True))])
        self._chart_time(feature)

    def _chart_time(self, feature: Any) -> None:
        result = self._result
        points = [
            (w.start.timestamp(), w.values.get(feature.name))
            for w in (result.windows if result is not None else [])
        ]
        points = [(x, y) for x, y in points if y is not None]
        self.time_label.setText(
            f"Drift over time ({_WINDOW_ADJECTIVES.get(result.window or '', '')} windows)"
            if points and result
            else "Drift over time: set a timestamp column to see it"
        )
        self.time_curve.setData([p[0] for p in points], [p[1] for p in points])
        if feature.threshold is not None:
            self.threshold_line.setPos(feature.threshold)
            self.threshold_line.setVisible(True)
        else:
            self.threshold_line.setVisible(False)
        short = SHORT_METRICS.get(feature.metric or "", feature.metric or "metric")
        self.time_plot.setLabel("left", short)
        with contextlib.suppress(Exception):
            self.time_plot.enableAutoRange()

    # -- export -------------------------------------------------------------------------------

    def _ask_export(self) -> None:
        self.ask_export()

    def ask_export(self) -> None:
        """Ask where to export (Settings → Reports give the default folder and format)."""
        from mlops_desktop.core.settings import Settings, SettingsError, load_settings

        try:
            reports = load_settings().reports
        except SettingsError:
            reports = Settings().reports
        filters = {
            "html": "HTML report (*.html)",
            "pdf": "PDF report (*.pdf)",
            "json": "JSON (*.json)",
        }
        chosen = filters[reports.format.value]
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export drift report",
            str(reports.folder() / f"drift-report.{reports.format.value}"),
            ";;".join([chosen, *(f for f in filters.values() if f != chosen)]),
        )
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> None:
        """Write the current result to ``path`` in a worker (format by extension)."""
        if self._result is None:
            return
        self._export_request.begin()
        worker = self._pool.submit(export_report_task, self._result, path, name="export")
        self._export_request.track(worker)
        self._export_request.connect(worker.signals.result, self._on_exported)
        self._export_request.connect(worker.signals.error, self.errorOccurred.emit)
        self.status_label.setText(f"writing {path.name}…")

    def _on_exported(self, path: Path) -> None:
        self.status_label.setText(f"report written: {path}")

    def _browse(self, target: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Choose data",
            str(Path.home()),
            "Data (*.csv *.parquet *.jsonl *.json *.csv.gz);;All files (*)",
        )
        if path:
            target.setText(path)


def _fill(
    combo: QComboBox, items: list[tuple[str, str]], file_label: str, *, files_first: bool = False
) -> None:
    """Refill a source combo, keeping the chosen source when it is still offered."""
    previous = combo.currentData()
    combo.clear()
    if files_first:
        combo.addItem(file_label, "")
    for label, source in items:
        combo.addItem(label, source)
    if not files_first:
        combo.addItem(file_label, "")
    index = combo.findData(previous) if previous else -1
    combo.setCurrentIndex(max(index, 0))


_WINDOW_ADJECTIVES = {"hour": "hourly", "day": "daily", "week": "weekly"}


def _banner_style(background: str, color: str) -> str:
    # Light-theme literals, mapped to the theme in force (dark banners on a dark window).
    background, color = style.themed(background, text=False), style.themed(color)
    return (
        f"QLabel#driftBanner {{ background: {background}; color: {color}; "
        "border-radius: 6px; padding: 8px 12px; font-size: 13px; }"
    )
