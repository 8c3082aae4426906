"""The Compute page: local CPU and memory over time, training runs' system metrics, Azure ML.

Local: the machine, each local endpoint and each running job, read from the compute sample
store (the app's background sampler, or ``mlops-desktop compute sample``, fills it). Charts are
pyqtgraph, created once and updated with ``setData``; peak downsampling and clip-to-view keep a
week of 5-s samples fast. Azure: clusters, instances, quota and money-saving hints of every Azure
ML workspace. Every read runs in a worker; the latest request wins.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.retraining.compute_runs import RunSystemMetrics
from mlops_desktop.retraining.jobs import Job
from mlops_desktop.ui.common.chart_library import with_charts
from mlops_desktop.ui.compute.compute_azure_view import AzureComputeView
from mlops_desktop.ui.compute.tasks_compute import (
    WINDOWS,
    LocalCompute,
    list_run_jobs,
    load_azure_compute,
    load_local_compute,
    load_run_metrics,
)
from mlops_desktop.ui.endpoints.endpoint_monitor_view import chart_panel
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

#: Milliseconds between local refreshes while the page is visible.
REFRESH_MS = 10_000
MACHINE_COLOR = "#1F2328"
#: Colours of process lines, in order of the table.
LINE_COLORS = ("#2563EB", "#D97706", "#059669", "#DC2626", "#7C3AED", "#0891B2", "#DB2777")
PROCESS_COLUMNS = ("Kind", "Name", "CPU %", "RSS MB", "Peak CPU", "Peak MB", "Last seen")
PAGE_STYLE = """
QFrame#ChartPanel { background: #FFFFFF; border: 1px solid #E1E6EB; border-radius: 8px; }
#ChartTitle { color: #3D444D; font-weight: 600; }
#SectionTitle { color: #1F2328; font-weight: 600; font-size: 10.5pt; }
#ChartLegend { color: #59636E; font-size: 8pt; }
"""
#: A run longer than this is plotted in minutes since its start, a shorter one in seconds.
RUN_MINUTES_AFTER_S = 900.0
RUN_METRIC_LABELS = {
    "system/cpu_utilization_percentage": "CPU %",
    "system/system_memory_usage_percentage": "memory %",
}


def legend_html(entries: list[tuple[str, str]]) -> str:
    """A one-line legend: a coloured bar per (colour, name). Legends sit above the charts, not
    inside them, so they never cover data."""
    return " &nbsp; ".join(
        f"<span style='color:{color}'>&#9644;</span>&nbsp;{name}" for color, name in entries
    )


def run_time_axis(times: list[float], start: float) -> tuple[list[float], str]:
    """Run metric times as offsets since ``start``: seconds, or minutes for a long run."""
    span = (times[-1] - start) if times else 0.0
    if span > RUN_MINUTES_AFTER_S:
        return [(t - start) / 60 for t in times], "minutes since the run started"
    return [t - start for t in times], "seconds since the run started"


def _number_item(value: float, digits: int = 1) -> QTableWidgetItem:
    item = QTableWidgetItem(f"{value:.{digits}f}")
    item.setData(Qt.ItemDataRole.UserRole, value)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ComputePage(QWidget):
    """Local compute use over time and Azure ML compute."""

    #: Emitted once the first local and Azure reads are in (or failed).
    dataLoaded = Signal()
    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ComputePage")
        style.set_themed_style_sheet(self, PAGE_STYLE)  # light or dark, following the theme
        self._pool = pool
        self._config: AppConfig | None = None
        self._local_loaded = False
        self._azure_loaded = False
        self._charts_built = False
        #: Chart-building steps still to run, and what waits for the charts (see _when_charts).
        self._chart_steps: list[Any] = []
        self._chart_waiters: list[Any] = []
        self._curves: dict[str, Any] = {}
        self.local: LocalCompute | None = None
        self.run_metrics: RunSystemMetrics | None = None
        self._local_request = LatestRequest(self)
        self._azure_request = LatestRequest(self)
        self._runs_request = LatestRequest(self)
        self._build()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh_local)

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        title = QLabel("Compute")
        title.setObjectName("PageTitle")
        subtitle = QLabel(
            "CPU and memory of this machine, its local endpoints and running jobs over time; "
            "Azure ML clusters, instances and quota."
        )
        subtitle.setObjectName("PageSubtitle")
        layout.addWidget(title)
        layout.addWidget(subtitle)

        toolbar = QHBoxLayout()
        toolbar.addWidget(QLabel("Window"))
        self.window_combo = QComboBox()
        self.window_combo.setAccessibleName("Time window")
        for label, seconds in WINDOWS.items():
            self.window_combo.addItem(label, seconds)
        self.window_combo.setCurrentIndex(0)
        self.window_combo.currentIndexChanged.connect(lambda _i: self.refresh_local())
        toolbar.addWidget(self.window_combo)
        self.summary_label = QLabel("")
        self.summary_label.setObjectName("CountLabel")
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        toolbar.addSpacing(12)
        toolbar.addWidget(self.summary_label, 1)
        self.sampler_label = QLabel("")
        self.sampler_label.setObjectName("CountLabel")
        toolbar.addWidget(self.sampler_label)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        toolbar.addWidget(self.refresh_button)
        layout.addLayout(toolbar)

        self.charts_legend_box = QVBoxLayout()
        layout.addLayout(self.charts_legend_box)
        self.charts_row = QHBoxLayout()
        self.charts_row.setSpacing(8)
        self.placeholder = QLabel("Loading samples…")
        self.placeholder.setObjectName("EmptyHint")
        self.placeholder.setMinimumHeight(190)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.charts_row.addWidget(self.placeholder, 1)
        layout.addLayout(self.charts_row)

        lower = QHBoxLayout()
        lower.setSpacing(12)
        left = QVBoxLayout()
        processes_title = QLabel("Watched processes")
        processes_title.setObjectName("SectionTitle")
        left.addWidget(processes_title)
        self.process_table = QTableWidget(0, len(PROCESS_COLUMNS))
        self.process_table.setObjectName("ComputeProcesses")
        self.process_table.setHorizontalHeaderLabels(PROCESS_COLUMNS)
        self.process_table.verticalHeader().setVisible(False)
        self.process_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.process_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.process_table.setAlternatingRowColors(True)
        header = self.process_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The name takes what is left (elided when narrow), so every column shows at 1280 px.
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.process_table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.process_table.setMinimumHeight(150)
        left.addWidget(self.process_table, 1)
        self.process_hint = QLabel("")
        self.process_hint.setObjectName("PageSubtitle")
        self.process_hint.setWordWrap(True)
        left.addWidget(self.process_hint)
        lower.addLayout(left, 8)

        right = QVBoxLayout()
        runs_title = QLabel("System metrics of training runs")
        runs_title.setObjectName("SectionTitle")
        right.addWidget(runs_title)
        self.run_combo = QComboBox()
        self.run_combo.setAccessibleName("Training run")
        self.run_combo.currentIndexChanged.connect(lambda _i: self._load_run_metrics())
        right.addWidget(self.run_combo)
        self.run_chart_box = QVBoxLayout()
        right.addLayout(self.run_chart_box, 1)
        self.run_label = QLabel("No job with an MLflow run yet.")
        self.run_label.setObjectName("PageSubtitle")
        self.run_label.setWordWrap(True)
        right.addWidget(self.run_label)
        lower.addLayout(right, 5)
        layout.addLayout(lower, 1)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setObjectName("Separator")
        layout.addWidget(line)
        self.azure_view = AzureComputeView()
        layout.addWidget(self.azure_view)

    def _build_charts(self) -> None:
        """Create every chart now (what is not built yet)."""
        if self._charts_built:
            return
        if not self._chart_steps:
            self._chart_steps = self._chart_build_steps()
        while self._chart_steps:
            self._chart_steps.pop(0)()

    def _when_charts(self, apply: Any) -> None:
        """Run ``apply`` once the charts exist, building them one plot per event-loop turn:
        a pyqtgraph plot costs tens of ms to create, four at once would freeze the window."""
        if self._charts_built:
            apply()
            return
        self._chart_waiters.append(apply)
        if not self._chart_steps:
            self._chart_steps = self._chart_build_steps()
            QTimer.singleShot(0, self, self._next_chart_step)

    def _next_chart_step(self) -> None:
        if self._chart_steps:
            self._chart_steps.pop(0)()
        if self._chart_steps:
            QTimer.singleShot(0, self, self._next_chart_step)

    def _chart_build_steps(self) -> list[Any]:
        # pyqtgraph is already imported here: the tasks feeding the charts load it in their
        # worker (chart_library.with_charts), so this import is a lookup on the GUI thread.
        import pyqtgraph as pg

        def make_plot(y_max: float | None, *, clock: bool = True) -> Any:
            # Sample times are epoch seconds: a clock axis in local time (utcOffset=None).
            bottom = pg.DateAxisItem(utcOffset=None) if clock else pg.AxisItem("bottom")
            plot = pg.PlotWidget(axisItems={"bottom": bottom})
            plot.setMinimumHeight(150)
            plot.setMaximumHeight(230)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=True, y=False)
            plot.hideButtons()
            plot.showGrid(x=False, y=True, alpha=0.15)
            # Days of 5-s samples: draw each pixel column's min/max only, and only what shows.
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getAxis("left").setWidth(40)
            if y_max is not None:  # percent of the whole: fixed, so 0 and 100 both show
                plot.enableAutoRange(axis="y", enable=False)
                plot.setYRange(0, y_max, padding=0.05)
            style.style_plot(plot)
            return plot

        def cpu() -> None:
            self.cpu_plot = make_plot(None)

        def memory() -> None:
            self.memory_plot = make_plot(100)

        def rss() -> None:
            self.rss_plot = make_plot(None)

        def run() -> None:
            self.run_plot = make_plot(100, clock=False)
            self.run_plot.setMinimumHeight(120)
            # The page's preferred height is what the scroll area shows: keep it within 1400x860.
            self.run_plot.setMaximumHeight(185)
            self.run_plot.getAxis("bottom").enableAutoSIPrefix(False)
            self.run_plot.setLabel("bottom", "seconds since the run started")

        return [cpu, memory, rss, run, lambda: self._finish_charts(pg)]

    def _finish_charts(self, pg: Any) -> None:
        self.memory_plot.setXLink(self.cpu_plot)
        self.rss_plot.setXLink(self.cpu_plot)
        self.cpu_legend = _legend_label()
        self.run_legend = _legend_label()
        self.run_legend.setText(
            legend_html(
                [(LINE_COLORS[i], label) for i, label in enumerate(RUN_METRIC_LABELS.values())]
            )
        )
        pen = pg.mkPen(MACHINE_COLOR, width=1.5)
        # NaN points mark sampling gaps (tasks_compute.break_gaps): no line drawn across them.
        self.machine_cpu_curve = self.cpu_plot.plot(
            [], [], pen=pen, name="machine", connect="finite"
        )
        self.machine_memory_curve = self.memory_plot.plot(
            [], [], pen=pen, fillLevel=0, brush=pg.mkBrush(37, 99, 235, 40), connect="finite"
        )
        self.charts_row.removeWidget(self.placeholder)
        self.placeholder.hide()
        # One legend above the row: the CPU and RSS charts (and the table) share the colours.
        self.charts_legend_box.addWidget(self.cpu_legend)
        for title, plot in (
            ("CPU % (100 = one core for processes)", self.cpu_plot),
            ("Machine memory %", self.memory_plot),
            ("Process memory (RSS MB)", self.rss_plot),
        ):
            self.charts_row.addWidget(chart_panel(title, plot), 1)
        self.run_chart_box.addWidget(self.run_legend)
        self.run_chart_box.addWidget(self.run_plot, 1)
        self._charts_built = True
        waiters, self._chart_waiters = self._chart_waiters, []
        for apply in waiters:
            apply()

    # -- state --------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the local samples and the Azure section have loaded (or failed to)."""
        return self._local_loaded and self._azure_loaded

    def window_seconds(self) -> int:
        """The selected window in seconds."""
        return int(self.window_combo.currentData())

    def set_window(self, label: str) -> None:
        """Select a window by its label ("15 min", "1 h", "24 h", "7 d")."""
        self.window_combo.setCurrentIndex(list(WINDOWS).index(label))

    def set_sampler_status(self, text: str) -> None:
        """Say whether (and how often) the app samples."""
        self.sampler_label.setText(text)

    def set_config(self, config: AppConfig) -> None:
        """Use ``config`` (Azure workspaces) and read everything."""
        self._config = config
        self.refresh()

    def refresh(self) -> None:
        """Re-read local samples, the training runs and Azure ML compute."""
        self.refresh_local()
        self.refresh_runs()
        self.refresh_azure()

    # -- local --------------------------------------------------------------------------------

    def refresh_local(self) -> None:
        """Re-read the samples of the selected window."""
        self._local_request.begin()
        worker = self._pool.submit(
            with_charts(load_local_compute), self.window_seconds(), name="load compute samples"
        )
        self._local_request.track(worker)
        self._local_request.connect(worker.signals.result, self._on_local)
        self._local_request.connect(worker.signals.error, self._on_local_error)

    def _on_local(self, local: LocalCompute) -> None:
        self._when_charts(lambda: self._show_local(local))

    def _show_local(self, local: LocalCompute) -> None:
        import pyqtgraph as pg  # loaded by the worker (with_charts): a lookup here

        self._build_charts()
        self.local = local
        self.machine_cpu_curve.setData(*local.machine_cpu)
        self.machine_memory_curve.setData(*local.machine_memory)
        labels = [p.label for p in local.processes]
        for label in list(self._curves):
            if label not in labels:
                cpu_curve, rss_curve = self._curves.pop(label)
                self.cpu_plot.removeItem(cpu_curve)
                self.rss_plot.removeItem(rss_curve)
        for index, process in enumerate(local.processes):
            color = LINE_COLORS[index % len(LINE_COLORS)]
            pen = pg.mkPen(color, width=1.5)
            if process.label not in self._curves:
                cpu_curve = self.cpu_plot.plot([], [], pen=pen, connect="finite")
                rss_curve = self.rss_plot.plot([], [], pen=pen, connect="finite")
                self._curves[process.label] = (cpu_curve, rss_curve)
            cpu_curve, rss_curve = self._curves[process.label]
            cpu_curve.setPen(pen)
            rss_curve.setPen(pen)
            cpu_curve.setData(*local.process_cpu.get(process.label, ([], [])))
            rss_curve.setData(*local.process_rss.get(process.label, ([], [])))
        self.cpu_legend.setText(
            legend_html(
                [(MACHINE_COLOR, "machine")]
                + [
                    (LINE_COLORS[i % len(LINE_COLORS)], p.name)
                    for i, p in enumerate(local.processes)
                ]
            )
        )
        for plot in (self.cpu_plot, self.memory_plot, self.rss_plot):
            plot.setXRange(local.since, local.until, padding=0)
        self.cpu_plot.enableAutoRange(axis="y")
        self.rss_plot.enableAutoRange(axis="y")
        self._fill_processes(local)
        self._fill_summary(local)
        self._mark_local_loaded()

    def _fill_summary(self, local: LocalCompute) -> None:
        m = local.machine
        if not m.samples:
            self.summary_label.setText(
                f"<span style='color:{style.TEXT_MUTED}'>No samples in this window: the app "
                "samples while it runs (or run <code>mlops-desktop compute sample</code>).</span>"
            )
            return
        self.summary_label.setText(
            f"Machine CPU <b>{m.cpu:.0f}%</b> (peak {m.peak_cpu:.0f}%) · memory "
            f"<b>{m.memory:.0f}%</b> (peak {m.peak_memory:.0f}%) · {m.samples:,} samples"
        )

    def _fill_processes(self, local: LocalCompute) -> None:
        table = self.process_table
        table.setSortingEnabled(False)
        table.setRowCount(len(local.processes))
        now = time.time()
        for row, p in enumerate(local.processes):
            color = QColor(LINE_COLORS[row % len(LINE_COLORS)])
            kind = QTableWidgetItem(p.kind)
            kind.setIcon(style.dot_icon(color.name()))
            table.setItem(row, 0, kind)
            name = QTableWidgetItem(p.name)
            name.setToolTip(p.label)  # the column elides long names
            table.setItem(row, 1, name)
            table.setItem(row, 2, _number_item(p.cpu))
            table.setItem(row, 3, _number_item(p.rss_mb, 0))
            table.setItem(row, 4, _number_item(p.peak_cpu))
            table.setItem(row, 5, _number_item(p.peak_rss_mb, 0))
            ago = now - p.last_seen
            seen = "now" if ago < 30 else time.strftime("%H:%M", time.localtime(p.last_seen))
            table.setItem(row, 6, QTableWidgetItem(seen))
        self.process_hint.setText(
            ""
            if local.processes
            else "No local endpoint or job was running in this window. Endpoints and running "
            "jobs are watched automatically."
        )

    def _on_local_error(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.errorOccurred.emit(error)
        self._mark_local_loaded()

    def _mark_local_loaded(self) -> None:
        if not self._local_loaded:
            self._local_loaded = True
            self._emit_if_loaded()

    # -- training runs ------------------------------------------------------------------------

    def refresh_runs(self) -> None:
        """Re-list the jobs that have an MLflow run."""
        self._runs_request.begin()
        worker = self._pool.submit(list_run_jobs, name="list jobs with runs")
        self._runs_request.track(worker)
        self._runs_request.connect(worker.signals.result, self._on_run_jobs)
        self._runs_request.connect(worker.signals.error, self._on_run_error)

    def _on_run_jobs(self, jobs: list[Job]) -> None:
        current = self.run_combo.currentData()
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for job in jobs:
            what = job.spec.model or job.spec.script or "job"
            self.run_combo.addItem(f"{job.id} · {what} in {job.workspace} · {job.status}", job.id)
        index = max(self.run_combo.findData(current), 0)
        self.run_combo.setCurrentIndex(index)
        self.run_combo.blockSignals(False)
        if jobs:
            self._load_run_metrics()
        else:
            self.run_label.setText("No job with an MLflow run yet (Jobs → Retrain…).")

    def _load_run_metrics(self) -> None:
        job_id = self.run_combo.currentData()
        if not job_id:
            return
        worker = self._pool.submit(
            with_charts(load_run_metrics), job_id, name="load run system metrics"
        )
        self._runs_request.track(worker)
        self._runs_request.connect(
            worker.signals.result,
            lambda metrics: self._when_charts(lambda: self._on_run_metrics(metrics)),
        )
        self._runs_request.connect(worker.signals.error, self._on_run_error)

    def _on_run_metrics(self, metrics: RunSystemMetrics) -> None:
        import pyqtgraph as pg

        self._build_charts()
        self.run_metrics = metrics
        self.run_plot.clear()
        starts = [metrics.series[n][0][0] for n in RUN_METRIC_LABELS if metrics.series.get(n)]
        start = min(starts, default=0.0)
        unit = "seconds since the run started"
        for index, (name, label) in enumerate(RUN_METRIC_LABELS.items()):
            times, values = metrics.series.get(name, ([], []))
            if times:
                offsets, unit = run_time_axis(times, start)
                pen = pg.mkPen(LINE_COLORS[index], width=1.5)
                self.run_plot.addItem(pg.PlotDataItem(offsets, values, pen=pen, name=label))
        self.run_plot.setLabel("bottom", unit)
        self.run_plot.enableAutoRange(axis="x")
        cpu_s = metrics.resources.get("cpu_seconds")
        rss = metrics.resources.get("peak_rss_mb")
        own = []
        if cpu_s is not None:
            own.append(f"{cpu_s:.1f} CPU s")
        if rss is not None:
            own.append(f"peak {rss:.0f} MB")
        samples = len(metrics.series.get(next(iter(RUN_METRIC_LABELS)), ([], []))[0])
        self.run_label.setText(
            f"Run {metrics.run_id[:12]}: {samples} system samples (host-wide)"
            + (f"; the job's own processes used {', '.join(own)}" if own else "")
        )

    def _on_run_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        if isinstance(error, MlopsError):
            self.run_label.setText(error.message)
        else:
            self.errorOccurred.emit(error)

    # -- Azure --------------------------------------------------------------------------------

    def refresh_azure(self) -> None:
        """Re-read Azure ML computes and quota (network: only on config change or Refresh)."""
        config = self._config or AppConfig()
        self._azure_request.begin()
        self.azure_view.set_loading(config)
        worker = self._pool.submit(load_azure_compute, config, name="load Azure ML compute")
        self._azure_request.track(worker)
        self._azure_request.connect(worker.signals.result, self._on_azure)
        self._azure_request.connect(worker.signals.error, self._on_azure_error)

    def _on_azure(self, results: list[Any]) -> None:
        self.azure_view.set_results(results)
        self._mark_azure_loaded()

    def _on_azure_error(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.azure_view.set_error(str(error))
            self.errorOccurred.emit(error)
        self._mark_azure_loaded()

    def _mark_azure_loaded(self) -> None:
        if not self._azure_loaded:
            self._azure_loaded = True
            self._emit_if_loaded()

    def _emit_if_loaded(self) -> None:
        if self.is_loaded:
            self.dataLoaded.emit()

    # -- visibility ---------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh the local section now and every few seconds while visible."""
        super().showEvent(event)
        self.refresh_timer.start()
        if self._local_loaded:
            self.refresh_local()

    def hideEvent(self, event: QHideEvent) -> None:
        """Stop polling while hidden."""
        super().hideEvent(event)
        self.refresh_timer.stop()


def _legend_label() -> QLabel:
    label = QLabel("")
    label.setObjectName("ChartLegend")
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    return label
