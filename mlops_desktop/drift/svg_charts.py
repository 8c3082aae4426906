"""Small, dependency-free SVG charts for the HTML report (inline, no scripts, no fonts fetched)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

from mlops_desktop.drift.kinds import ColumnKind
from mlops_desktop.drift.result import Distribution

REFERENCE_COLOUR = "#4c78a8"
CURRENT_COLOUR = "#f58518"
THRESHOLD_COLOUR = "#d62728"
SERIES_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d")
#: Line charts with more points than this draw no point markers (keeps reports small).
MAX_MARKERS = 60
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'


def format_number(value: float) -> str:
    """A compact axis label: 3 significant digits, thousands as k/M."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{value / 1e6:.3g}M"
    if magnitude >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _nice_ticks(high: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``high``."""
    if high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < high - 1e-12 * high:
        ticks.append(ticks[-1] + step)
    return ticks


class _Frame:
    """Plot-area geometry: data coordinates to pixels."""

    def __init__(self, width: int, height: int, left: int = 44, bottom: int = 34) -> None:
        self.width, self.height = width, height
        self.left, self.right, self.top, self.bottom = left, 10, 10, bottom

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    def y(self, value: float, high: float) -> float:
        return self.top + self.plot_height * (1.0 - value / high if high else 1.0)

    def y_axis(self, ticks: Sequence[float], label: str | None = None) -> list[str]:
        high = ticks[-1]
        parts = []
        for tick in ticks:
            y = self.y(tick, high)
            parts.append(
                f'<line x1="{self.left}" y1="{y:.1f}" x2="{self.width - self.right}" '
                f'y2="{y:.1f}" stroke="#e3e3e3" stroke-width="1"/>'
                f'<text x="{self.left - 4}" y="{y + 3.5:.1f}" font-size="10" text-anchor="end" '
                f'fill="#555">{escape(format_number(tick))}</text>'
            )
        if label:
            parts.append(
                f'<text x="10" y="{self.top + self.plot_height / 2:.1f}" font-size="10" '
                f'fill="#555" text-anchor="middle" transform="rotate(-90 10 '
                f'{self.top + self.plot_height / 2:.1f})">{escape(label)}</text>'
            )
        return parts


def _svg(width: int, height: int, body: list[str], label: str, responsive: bool = False) -> str:
    size = (
        'width="100%" style="max-width: 100%; height: auto"'
        if responsive
        else (f'width="{width}" height="{height}"')
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" {size} role="img" '
        f'aria-label="{escape(label)}" {_FONT}>' + "".join(body) + "</svg>"
    )


def _legend(x: float, y: float, items: Sequence[tuple[str, str]]) -> list[str]:
    parts = []
    for label, colour in items:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="10" height="10" fill="{colour}" '
            f'fill-opacity="0.75"/><text x="{x + 14:.1f}" y="{y + 1:.1f}" font-size="10" '
            f'fill="#333">{escape(label)}</text>'
        )
        x += 22 + 6.2 * len(label)
    return parts


def distribution_svg(distribution: Distribution, width: int = 420, height: int = 200) -> str:
    """Reference vs current: overlaid histogram (numeric) or paired bars (categorical)."""
    if distribution.kind is ColumnKind.NUMERIC and distribution.edges:
        return _histogram(distribution, width, height)
    return _bars(distribution, width, height)


def _histogram(distribution: Distribution, width: int, height: int) -> str:
    frame = _Frame(width, height)
    edges = distribution.edges or []
    low, high_x = edges[0], edges[-1]
    span = (high_x - low) or 1.0
    top = max(max(distribution.reference, default=0.0), max(distribution.current, default=0.0))
    ticks = _nice_ticks(top)
    high = ticks[-1]
    body = frame.y_axis(ticks, "density")

    def x(value: float) -> float:
        return frame.left + frame.plot_width * (value - low) / span

    for values, colour, opacity in (
        (distribution.reference, REFERENCE_COLOUR, 0.55),
        (distribution.current, CURRENT_COLOUR, 0.45),
    ):
        for i, value in enumerate(values):
            if not value or not math.isfinite(value):
                continue
            x0, x1 = x(edges[i]), x(edges[i + 1])
            y = frame.y(value, high)
            body.append(
                f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0 - 0.5, 0.5):.1f}" '
                f'height="{frame.top + frame.plot_height - y:.1f}" fill="{colour}" '
                f'fill-opacity="{opacity}"/>'
            )
    base = frame.top + frame.plot_height
    body.append(
        f'<line x1="{frame.left}" y1="{base:.1f}" x2="{width - frame.right}" y2="{base:.1f}" '
        'stroke="#999" stroke-width="1"/>'
    )
    for fraction, anchor in ((0.0, "start"), (0.5, "middle"), (1.0, "end")):
        value = low + span * fraction
        body.append(
            f'<text x="{x(value):.1f}" y="{base + 13:.1f}" font-size="10" '
            f'text-anchor="{anchor}" fill="#555">{escape(format_number(value))}</text>'
        )
    body += _legend(
        frame.left, height - 6, [("reference", REFERENCE_COLOUR), ("current", CURRENT_COLOUR)]
    )
    return _svg(width, height, body, "reference and current distribution")


def _bars(distribution: Distribution, width: int, height: int) -> str:
    categories = distribution.categories or []
    frame = _Frame(width, height, bottom=58)
    top = max(max(distribution.reference, default=0.0), max(distribution.current, default=0.0))
    ticks = _nice_ticks(top)
    high = ticks[-1]
    body = frame.y_axis(ticks, "share")
    slot = frame.plot_width / max(len(categories), 1)
    bar = max(min(slot * 0.4, 28.0), 1.0)
    base = frame.top + frame.plot_height
    for i, category in enumerate(categories):
        centre = frame.left + slot * (i + 0.5)
        for offset, value, colour in (
            (-bar, distribution.reference[i], REFERENCE_COLOUR),
            (0.0, distribution.current[i], CURRENT_COLOUR),
        ):
            y = frame.y(value or 0.0, high)
            body.append(
                f'<rect x="{centre + offset:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{base - y:.1f}" fill="{colour}" fill-opacity="0.8">'
                f"<title>{escape(category)}: {value:.3%}</title></rect>"
            )
        label = category if len(category) <= 14 else category[:13] + "…"
        body.append(
            f'<text x="{centre:.1f}" y="{base + 10:.1f}" font-size="9" fill="#555" '
            f'text-anchor="end" transform="rotate(-35 {centre:.1f} {base + 10:.1f})">'
            f"{escape(label)}</text>"
        )
    body.append(
        f'<line x1="{frame.left}" y1="{base:.1f}" x2="{width - frame.right}" y2="{base:.1f}" '
        'stroke="#999" stroke-width="1"/>'
    )
    body += _legend(
        frame.left, height - 4, [("reference", REFERENCE_COLOUR), ("current", CURRENT_COLOUR)]
    )
    return _svg(width, height, body, "reference and current category shares")


def line_chart_svg(
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    threshold: float | None = None,
    y_label: str = "",
    width: int = 820,
    height: int = 240,
    responsive: bool = False,
) -> str:
    """Lines over time windows (``labels`` on x), with a dashed threshold line labelled at its
    right end; ``responsive`` charts scale to the width of their container."""
    frame = _Frame(width, height, left=50, bottom=52)
    if threshold is not None:
        frame.right = 58
    finite = [v for values in series.values() for v in values if v is not None and math.isfinite(v)]
    top = max([*finite, threshold or 0.0, 1e-9])
    ticks = _nice_ticks(top)
    high = ticks[-1]
    body = frame.y_axis(ticks, y_label)
    count = len(labels)

    def x(i: int) -> float:
        if count <= 1:
            return frame.left + frame.plot_width / 2
        return frame.left + frame.plot_width * i / (count - 1)

    base = frame.top + frame.plot_height
    body.append(
        f'<line x1="{frame.left}" y1="{base:.1f}" x2="{width - frame.right}" y2="{base:.1f}" '
        'stroke="#999" stroke-width="1"/>'
    )
    longest = max((len(label) for label in labels), default=1)
    fitting = max(2, int(frame.plot_width // (6.5 * longest + 14)))
    step = max(1, math.ceil(count / fitting))
    for i in range(0, count, step):
        body.append(
            f'<text x="{x(i):.1f}" y="{base + 14:.1f}" font-size="10" fill="#555" '
            f'text-anchor="middle">{escape(labels[i])}</text>'
        )
    if threshold is not None:
        y = frame.y(threshold, high)
        body.append(
            f'<line x1="{frame.left}" y1="{y:.1f}" x2="{width - frame.right}" y2="{y:.1f}" '
            f'stroke="{THRESHOLD_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text x="{width - frame.right + 4}" y="{y - 2:.1f}" font-size="10" '
            f'fill="{THRESHOLD_COLOUR}">threshold</text>'
            f'<text x="{width - frame.right + 4}" y="{y + 10:.1f}" font-size="10" '
            f'fill="{THRESHOLD_COLOUR}">{escape(format_number(threshold))}</text>'
        )
    legend: list[tuple[str, str]] = []
    for n, (name, values) in enumerate(series.items()):
        colour = SERIES_COLOURS[n % len(SERIES_COLOURS)]
        legend.append((name, colour))
        points: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(values):
            if value is None or not math.isfinite(value):
                if points:
                    segments.append(points)
                points = []
                continue
            points.append(f"{x(i):.1f},{frame.y(value, high):.1f}")
        if points:
            segments.append(points)
        for segment in segments:
            body.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{colour}" '
                'stroke-width="2"/>'
            )
            if count <= MAX_MARKERS:
                for point in segment:
                    px, py = point.split(",")
                    body.append(f'<circle cx="{px}" cy="{py}" r="2.5" fill="{colour}"/>')
    if len(legend) > 1 or (legend and not y_label):
        body += _legend(frame.left, height - 6, legend[:6])
    return _svg(width, height, body, y_label or "drift over time", responsive)
