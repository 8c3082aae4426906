"""Monitoring of one endpoint: headline figures and requests/min, latency and error-rate charts.

pyqtgraph loads on the first telemetry shown; later refreshes update the existing plot items
with ``setData`` (no clearing, no flicker).
"""

from __future__ import annotations

import math
import time
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.ui.endpoints.tasks_endpoints import (
    DEFAULT_WINDOW,
    TELEMETRY_WINDOWS,
    EndpointTelemetry,
)
from mlops_desktop.ui.shell import style

REQUESTS_COLOR = "#2563EB"
ERROR_COLOR = "#DC2626"
_WINDOW_WORDS = {"1 h": "last hour", "24 h": "last 24 hours", "7 d": "last 7 days"}


def window_words(label: str) -> str:
    """Words for a window label, e.g. "last hour" for "1 h"."""
    return _WINDOW_WORDS.get(label, f"last {label}")


def format_ms(value: float | None) -> str:
    """Milliseconds for people: "4.2 ms", "1.3 s", "—"."""
    if value is None or math.isnan(value):
        return "—"
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"


def format_ago(seconds: float | None) -> str:
    """How long ago, e.g. "12 s ago", "4 min ago", "3 h ago"; "—" for never."""
    if seconds is None:
        return "—"
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 86400:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} d ago"


def chart_panel(title: str, plot: Any) -> QWidget:
    """A titled frame around a chart (``QFrame#ChartPanel``), as the monitor and Compute page
    show them."""
    panel = QFrame()
    panel.setObjectName("ChartPanel")
    label = QLabel(title)
    label.setObjectName("ChartTitle")
    box = QVBoxLayout(panel)
    box.setContentsMargins(10, 8, 6, 4)
    box.setSpacing(2)
    box.addWidget(label)
    box.addWidget(plot, 1)
    return panel


class KpiCard(QFrame):
    """One headline figure: caption, value and a small note."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("KpiCard")
        self.title_label = QLabel(title.upper())
        self.title_label.setObjectName("KpiTitle")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("KpiValue")
        self.note_label = QLabel(" ")
        self.note_label.setObjectName("KpiNote")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.value_label)
        layout.addWidget(self.note_label)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_value(self, value: str, note: str = "", color: str = "") -> None:
        """Show ``value`` (coloured when ``color``) and ``note``."""
        self.value_label.setText(value)
        self.value_label.setStyleSheet(f"color: {color};" if color else "")
        self.note_label.setText(note or " ")

    def value(self) -> str:
        """The value on display."""
        return self.value_label.text()


class WindowSelectorView(QWidget):
    """Segmented 1 h / 24 h / 7 d buttons; emits ``windowChanged(label)``."""

    windowChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        labels = list(TELEMETRY_WINDOWS)
        for position, label in enumerate(labels):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            edge = "Left" if position == 0 else "Right" if position == len(labels) - 1 else "Mid"
            button.setObjectName(f"Segment{edge}")
            button.setToolTip(f"Show the {window_words(label)}")
            self.group.addButton(button)
            self.buttons[label] = button
            layout.addWidget(button)
            button.toggled.connect(
                lambda checked, key=label: checked and self.windowChanged.emit(key)
            )
        self.buttons[DEFAULT_WINDOW].setChecked(True)

    def current(self) -> str:
        """The chosen window label."""
        return next((k for k, b in self.buttons.items() if b.isChecked()), DEFAULT_WINDOW)

    def set_current(self, label: str) -> None:
        """Choose ``label`` (emits ``windowChanged`` when it changes)."""
        self.buttons[label].setChecked(True)


class EndpointMonitorView(QWidget):
    """Headline figures and three linked time charts of one endpoint."""

    def __init__(self, parent: QWidget | None = None, *, with_toolbar: bool = True) -> None:
        """``with_toolbar=False``: the host places :attr:`caption` and :attr:`window_selector`."""
        super().__init__(parent)
        self.setObjectName("EndpointMonitor")
        self._telemetry: EndpointTelemetry | None = None
        self._charts_built = False
        self.latency_curves: dict[str, tuple[Any, Any]] = {}
        self._colors: dict[str, str] = {}
        self._local = True

        self.requests_card = KpiCard("Requests")
        self.rate_card = KpiCard("Throughput")
        self.p50_card = KpiCard("Latency p50")
        self.p95_card = KpiCard("Latency p95")
        self.errors_card = KpiCard("Error rate")
        self.last_card = KpiCard("Last request")
        self.cards_row = QWidget()
        cards = QHBoxLayout(self.cards_row)
        cards.setContentsMargins(0, 0, 0, 0)
        cards.setSpacing(10)
        for card in (
            self.requests_card,
            self.rate_card,
            self.p50_card,
            self.p95_card,
            self.errors_card,
            self.last_card,
        ):
            cards.addWidget(card)

        self.caption = QLabel("")
        self.caption.setObjectName("MutedNote")
        self.window_selector = WindowSelectorView()
        top = QHBoxLayout()
        top.setSpacing(10)
        if with_toolbar:
            top.addWidget(self.caption, 1)
            top.addWidget(self.window_selector)

        self.charts_row = QHBoxLayout()
        self.charts_row.setSpacing(12)
        self.placeholder = QLabel("Loading telemetry…")
        self.placeholder.setObjectName("EmptyHint")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.charts_row.addWidget(self.placeholder)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.cards_row)
        layout.addLayout(self.charts_row, 1)

    # -- charts -------------------------------------------------------------------------------

    def _build_charts(self) -> None:
        if self._charts_built:
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True, background="w", foreground=style.TEXT_MUTED)

        def make_plot() -> Any:
            plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=None)})
            plot.setMinimumHeight(120)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.showGrid(x=False, y=True, alpha=0.15)
            item = plot.getPlotItem()
            item.layout.setContentsMargins(0, 4, 6, 0)
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(style.BORDER))
                axis.setTextPen(pg.mkPen(style.TEXT_MUTED))
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getAxis("left").setWidth(38)
            style.style_plot(plot)  # light/dark background and axes, following the theme
            return plot

        self.requests_plot = make_plot()
        self.latency_plot = make_plot()
        self.errors_plot = make_plot()
        self.latency_plot.setXLink(self.requests_plot)
        self.errors_plot.setXLink(self.requests_plot)
        # Requests per bucket as a filled step line: x holds bucket edges (one more than y).
        self.requests_curve = self.requests_plot.plot(
            [0.0, 1.0],
            [0.0],
            stepMode="center",
            pen=pg.mkPen(REQUESTS_COLOR, width=1.5),
            fillLevel=0,
            brush=pg.mkBrush(37, 99, 235, 60),
        )
        self.requests_curve.setData([], [])
        self.errors_curve = self.errors_plot.plot(
            [],
            [],
            pen=pg.mkPen(ERROR_COLOR, width=2),
            connect="finite",
            symbol="o",
            symbolSize=4,
            symbolPen=None,
            symbolBrush=ERROR_COLOR,
        )
        self.latency_legend = self.latency_plot.addLegend(
            offset=(4, 2),
            labelTextColor=style.TEXT_MUTED,
            labelTextSize="8pt",
            brush=(255, 255, 255, 225),
            pen=style.BORDER,
        )
        self.latency_legend.setColumnCount(2)
        style.style_plot(self.latency_plot)  # the legend too, light or dark
        self.charts_row.removeWidget(self.placeholder)
        self.placeholder.hide()
        self.charts_row.addWidget(chart_panel("Requests / min", self.requests_plot), 1)
        self.charts_row.addWidget(
            chart_panel("Latency (ms) — p50 solid, p95 dashed", self.latency_plot), 1
        )
        self.charts_row.addWidget(chart_panel("Error rate (%)", self.errors_plot), 1)
        self._charts_built = True

    def _latency_pair(self, name: str, color: str) -> tuple[Any, Any]:
        import pyqtgraph as pg

        pair = self.latency_curves.get(name)
        if pair is None:
            p50 = self.latency_plot.plot(
                [],
                [],
                pen=pg.mkPen(color, width=2),
                connect="finite",
                symbol="o",
                symbolSize=4,
                symbolPen=None,
                symbolBrush=color,
                name=f"{name} p50",
            )
            p95 = self.latency_plot.plot(
                [],
                [],
                pen=pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine),
                connect="finite",
                symbol="t1",
                symbolSize=5,
                symbolPen=None,
                symbolBrush=color,
                name=f"{name} p95",
            )
            pair = (p50, p95)
            self.latency_curves[name] = pair
        else:
            pair[0].setPen(pg.mkPen(color, width=2))
            pair[0].setSymbolBrush(color)
            pair[1].setPen(pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine))
            pair[1].setSymbolBrush(color)
        return pair

    def _sync_legend(self) -> None:
        """List only curves that draw something (a deployment without requests in the window
        has none), and show no legend box at all without entries."""
        legend = self.latency_legend
        legend.clear()
        for _name, pair in sorted(self.latency_curves.items()):
            for curve in pair:
                ys = curve.getData()[1]
                if ys is not None and any(math.isfinite(v) for v in ys):
                    legend.addItem(curve, curve.name())
        legend.setVisible(bool(legend.items))

    def _drop_latency(self, name: str) -> None:
        pair = self.latency_curves.pop(name, None)
        if pair is None:
            return
        for curve in pair:
            self.latency_legend.removeItem(curve)
            self.latency_plot.removeItem(curve)

    # -- content ------------------------------------------------------------------------------

    @property
    def telemetry(self) -> EndpointTelemetry | None:
        """The telemetry on display."""
        return self._telemetry

    @property
    def charts_built(self) -> bool:
        """True once pyqtgraph is loaded and the plots exist."""
        return self._charts_built

    def window_label(self) -> str:
        """The window the selector shows."""
        return self.window_selector.current()

    def clear(self) -> None:
        """Nothing selected: empty figures and charts."""
        self._telemetry = None
        for card in (
            self.requests_card,
            self.rate_card,
            self.p50_card,
            self.p95_card,
            self.errors_card,
            self.last_card,
        ):
            card.set_value("—")
        self.caption.setText("")
        if self._charts_built:
            self.requests_curve.setData([], [])
            self.errors_curve.setData([], [])
            for name in list(self.latency_curves):
                self._drop_latency(name)
            self._sync_legend()

    def set_telemetry(self, telemetry: EndpointTelemetry, colors: dict[str, str]) -> None:
        """Show ``telemetry``; ``colors`` are the deployments' colours."""
        self._build_charts()
        self._telemetry = telemetry
        self._colors = dict(colors)
        words = window_words(telemetry.window_label)
        self.caption.setText(f"Collected requests, {words}, per {_bucket_words(telemetry)}")
        self._fill_cards(telemetry, words)
        xs = list(telemetry.times)
        half = telemetry.bucket_seconds / 2
        edges = [x - half for x in xs] + ([xs[-1] + half] if xs else [])
        self.requests_curve.setData(edges, list(telemetry.requests_per_min) if xs else [])
        self.errors_curve.setData(xs, [v * 100 for v in telemetry.error_rate])
        for name in [n for n in self.latency_curves if n not in telemetry.by_deployment]:
            self._drop_latency(name)
        for position, (name, series) in enumerate(sorted(telemetry.by_deployment.items())):
            color = colors.get(name) or _fallback_color(position)
            p50, p95 = self._latency_pair(name, color)
            p50.setData(xs, list(series.latency_p50_ms))
            p95.setData(xs, list(series.latency_p95_ms))
        self._sync_legend()
        self._set_ranges(telemetry)
        if not telemetry.total_requests:
            self.caption.setText(f"No requests in the {words} — send one from the Test tab")

    def show_unavailable(self, text: str, explanation: str = "") -> None:
        """No local telemetry for this endpoint (Azure ML): empty figures, ``text`` as the
        caption and ``explanation`` (what to do instead) where the figures would be."""
        self.clear()
        self.show_note(text)
        if not self._charts_built:
            self.placeholder.setText(explanation or text)

    @property
    def local_telemetry(self) -> bool:
        """False for an Azure ML endpoint (its telemetry is in Azure Monitor)."""
        return self._local

    def set_local_telemetry(self, local: bool) -> None:
        """``False`` (Azure ML): hide the time window and the figures, there are none to show."""
        self._local = local
        self.cards_row.setVisible(local)
        self.window_selector.setVisible(local)

    def show_note(self, text: str) -> None:
        """A line above the charts (e.g. why telemetry could not be read)."""
        self.caption.setText(text)

    def _fill_cards(self, t: EndpointTelemetry, words: str) -> None:
        self.requests_card.set_value(f"{t.total_requests:,}", words)
        rate = t.mean_requests_per_min
        self.rate_card.set_value(
            f"{rate:.1f}/min" if rate < 100 else f"{rate:,.0f}/min",
            f"peak {t.peak_requests_per_min:,.0f}/min",
        )
        self.p50_card.set_value(format_ms(t.p50_ms), "median, live traffic")
        self.p95_card.set_value(format_ms(t.p95_ms), "95th percentile")
        fraction = t.error_fraction
        if fraction is None:
            self.errors_card.set_value("—", "no requests")
        else:
            color = "#B91C1C" if fraction >= 0.05 else "#B45309" if fraction > 0 else "#15803D"
            self.errors_card.set_value(
                f"{fraction * 100:.1f} %", f"{t.total_errors:,} error answers", color
            )
        ago = None if t.last_request is None else time.time() - t.last_request
        self.last_card.set_value(format_ago(ago), "live traffic" if ago is not None else "")

    def _set_ranges(self, t: EndpointTelemetry) -> None:
        self.requests_plot.setXRange(t.start, t.end, padding=0.01)
        peak = max(t.requests_per_min, default=0.0)
        self.requests_plot.setYRange(0, max(peak * 1.15, 1.0), padding=0)
        latencies = [
            v
            for series in t.by_deployment.values()
            for v in (*series.latency_p95_ms, *series.latency_p50_ms)
            if not math.isnan(v)
        ]
        self.latency_plot.setYRange(0, max(max(latencies, default=0.0) * 1.15, 1.0), padding=0)
        errors = [v * 100 for v in t.error_rate if not math.isnan(v)]
        self.errors_plot.setYRange(0, max(max(errors, default=0.0) * 1.2, 5.0), padding=0)

    def shown_series(self) -> dict[str, tuple[list[float], list[float]]]:
        """What the charts plot, by curve name (for tests and diagnostics)."""
        if not self._charts_built:
            return {}

        def data(curve: Any) -> tuple[list[float], list[float]]:
            xs, ys = curve.getData()
            return ([] if xs is None else list(xs), [] if ys is None else list(ys))

        shown = {"requests": data(self.requests_curve), "errors": data(self.errors_curve)}
        for name, (p50, p95) in self.latency_curves.items():
            shown[f"{name} p50"] = data(p50)
            shown[f"{name} p95"] = data(p95)
        return shown


def _bucket_words(telemetry: EndpointTelemetry) -> str:
    seconds = telemetry.bucket_seconds
    if seconds >= 3600:
        hours = seconds / 3600
        return "hour" if hours == 1 else f"{hours:g} hours"
    minutes = seconds / 60
    return "minute" if minutes == 1 else f"{minutes:g} minutes"


def _fallback_color(position: int) -> str:
    palette = ("#2563EB", "#16A34A", "#9333EA", "#EA580C", "#0891B2")
    return palette[position % len(palette)]
