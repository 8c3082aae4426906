"""Look and feel: stage and state colours, icons, fonts and the application style sheet.

Stage colours are the product's visual language: dev is blue, staging amber, prod green.
The module-level colours below are those of the theme in force
(:mod:`mlops_desktop.ui.shell.theme`);
:func:`apply_style` swaps them, so read them as ``style.TEXT`` at draw time, not at import.
"""

from __future__ import annotations

import gc
import sys
from functools import cache
from typing import Any

from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from mlops_desktop.core import paths
from mlops_desktop.core.entities import ConnectionState
from mlops_desktop.core.files import atomic_write_text
from mlops_desktop.core.resources import resource_path
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.shell import theme
from mlops_desktop.ui.shell.theme import ThemePalette

#: Strong colour of each stage (text, borders, dots).
STAGE_COLORS: dict[Stage, str] = {
    Stage.DEV: "#2563EB",
    Stage.STAGING: "#D97706",
    Stage.PROD: "#16A34A",
}
#: Light tint of each stage (backgrounds of pills and lineage boxes).
STAGE_TINTS: dict[Stage, str] = {
    Stage.DEV: "#E8F0FE",
    Stage.STAGING: "#FEF3E2",
    Stage.PROD: "#E6F6EC",
}
#: Dark shade of each stage (text on the tint).
STAGE_SHADES: dict[Stage, str] = {
    Stage.DEV: "#1E4FC2",
    Stage.STAGING: "#9A5A05",
    Stage.PROD: "#0F7A36",
}

STATE_COLORS: dict[ConnectionState, str] = {
    ConnectionState.UNKNOWN: "#B8BEC6",
    ConnectionState.CONNECTING: "#8C95A1",
    ConnectionState.ONLINE: "#16A34A",
    ConnectionState.OFFLINE: "#DC2626",
    ConnectionState.AUTH_REQUIRED: "#D97706",
    ConnectionState.ERROR: "#B91C1C",
}
STATE_LABELS: dict[ConnectionState, str] = {
    ConnectionState.UNKNOWN: "Not loaded",
    ConnectionState.CONNECTING: "Connecting…",
    ConnectionState.ONLINE: "Online",
    ConnectionState.OFFLINE: "Offline",
    ConnectionState.AUTH_REQUIRED: "Sign-in required",
    ConnectionState.ERROR: "Error",
}
LEVEL_COLORS = {"info": "#2563EB", "warning": "#D97706", "error": "#DC2626"}

TEXT = "#1F2328"
TEXT_MUTED = "#656D76"
TEXT_FAINT = "#8C959F"
BORDER = "#D8DEE4"
ACCENT = "#2563EB"
SURFACE = "#FFFFFF"
SIDEBAR = "#F5F7FA"
ROW_ALT = "#F8FAFC"
SELECTION = "#DCE9FF"

_UI_FONTS = ["Inter", "Segoe UI", "Cantarell", "Noto Sans", "Liberation Sans", "DejaVu Sans"]


def stage_color(stage: Stage | None) -> QColor:
    """The strong colour of ``stage`` (grey for an unknown stage)."""
    return QColor(STAGE_COLORS[stage]) if stage is not None else QColor(TEXT_FAINT)


def stage_tint(stage: Stage | None) -> QColor:
    """The light tint of ``stage``."""
    return (
        QColor(STAGE_TINTS[stage]) if stage is not None else QColor(themed("#EEF1F4", text=False))
    )


def stage_shade(stage: Stage | None) -> QColor:
    """The dark text colour used on the stage tint."""
    return QColor(STAGE_SHADES[stage]) if stage is not None else QColor(TEXT_MUTED)


def _device_ratio() -> float:
    app = QGuiApplication.instance()
    screen = QGuiApplication.primaryScreen() if app is not None else None
    return screen.devicePixelRatio() if screen is not None else 1.0


@cache
def dot_icon(color: str, *, hollow: bool = False, size: int = 10) -> QIcon:
    """A round status dot (filled, or a ring for transitional states)."""
    ratio = _device_ratio()
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(1, 1, size - 2, size - 2)
    if hollow:
        painter.setPen(QPen(QColor(color), 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect.adjusted(0.5, 0.5, -0.5, -0.5))
    else:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(color))
        painter.drawEllipse(rect)
    painter.end()
    return QIcon(pixmap)


def state_icon(state: ConnectionState) -> QIcon:
    """The status dot of a workspace connection state."""
    hollow = state in (ConnectionState.CONNECTING, ConnectionState.UNKNOWN)
    return dot_icon(STATE_COLORS[state], hollow=hollow)


def stage_icon(stage: Stage) -> QIcon:
    """A square-ish stage marker for the navigator."""
    return _stage_marker(STAGE_COLORS[stage])


@cache
def _stage_marker(color: str, size: int = 12) -> QIcon:
    ratio = _device_ratio()
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawRoundedRect(QRectF(1, 1, size - 2, size - 2), 3, 3)
    painter.setBrush(QColor("#FFFFFF"))
    painter.drawEllipse(QPointF(size / 2, size / 2), 1.6, 1.6)
    painter.end()
    return QIcon(pixmap)


def level_icon(level: str) -> QIcon:
    """The dot of a notification level (info, warning, error)."""
    return dot_icon(LEVEL_COLORS.get(level, TEXT_MUTED))


#: Colours the shipped monochrome icons are drawn in (replaced by the theme's icon colours).
_ICON_STROKES = {"#57606A": "icon", "#8C959F": "icon_faint"}


def icon_folder(palette: ThemePalette | None = None) -> Any:
    """Folder of the shipped SVG icons tinted for ``palette`` (the light ones as shipped).

    Dark icons are written once into the cache dir; SVG keeps them sharp at any device pixel
    ratio.
    """
    palette = palette or theme.current()
    shipped = resource_path("icons")
    if not palette.dark:
        return shipped
    folder = paths.cache_dir() / "icons" / palette.name
    for source in shipped.glob("*.svg"):
        text = source.read_text(encoding="utf-8")
        for light, role in _ICON_STROKES.items():
            text = text.replace(light, getattr(palette, role))
        target = folder / source.name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            atomic_write_text(target, text, fsync=False)
    return folder


@cache
def _icon(name: str, palette_name: str) -> QIcon:
    palette = theme.DARK if palette_name == "dark" else theme.LIGHT
    path = icon_folder(palette) / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def icon(name: str) -> QIcon:
    """A shipped SVG icon from ``resources/icons``, tinted for the theme in force (empty icon
    when missing)."""
    return _icon(name, theme.current().name)


def style_sheet(palette: ThemePalette | None = None) -> str:
    """The application style sheet (``resources/styles/app.qss``) in ``palette``'s colours,
    icon paths resolved."""
    palette = palette or theme.current()
    path = resource_path("styles", "app.qss")
    if not path.exists():
        return ""
    icons = icon_folder(palette).as_posix()
    sheet = path.read_text(encoding="utf-8").replace("@ICONS@", icons)
    return theme.translate_style_sheet(sheet, palette)


def _set_colors(palette: ThemePalette) -> None:
    """Point the module-level colours at ``palette`` (read at draw time by delegates)."""
    global TEXT, TEXT_MUTED, TEXT_FAINT, BORDER, ACCENT, SURFACE, SIDEBAR, ROW_ALT, SELECTION
    TEXT, TEXT_MUTED, TEXT_FAINT = palette.text, palette.text_muted, palette.text_faint
    BORDER, ACCENT, SURFACE = palette.border, palette.accent, palette.surface
    SIDEBAR, ROW_ALT, SELECTION = palette.sidebar, palette.row_alt, palette.selection
    STAGE_COLORS.update(palette.stage_colors)
    STAGE_TINTS.update(palette.stage_tints)
    STAGE_SHADES.update(palette.stage_shades)


def themed(color: str, *, text: bool = True) -> str:
    """The theme's counterpart of a light-theme colour literal (text or background)."""
    palette = theme.current()
    return palette.foreground(color) if text else palette.background(color)


def style_plot(plot: Any) -> None:
    """Colour a pyqtgraph ``PlotWidget`` for the theme in force, and again on every change.

    The connection is made with ``plot`` as context, so it ends when the plot is deleted.
    """
    _paint_plot(plot, theme.current())
    follower = _PlotThemeFollower(plot)
    theme.manager().changed.connect(follower.repaint)


def set_themed_style_sheet(widget: Any, sheet: str) -> None:
    """Give ``widget`` a style sheet written in light-theme colours, translated to the theme in
    force now and again on every theme change (for pages with their own sheet)."""
    widget.setStyleSheet(theme.translate_style_sheet(sheet, theme.current()))
    follower = _SheetThemeFollower(widget, sheet)
    theme.manager().changed.connect(follower.restyle)


class _SheetThemeFollower(QObject):
    """Child of a widget that re-translates its own style sheet on theme changes."""

    def __init__(self, widget: Any, sheet: str) -> None:
        super().__init__(widget)
        self._widget = widget
        self._sheet = sheet

    def restyle(self, palette: ThemePalette) -> None:
        import shiboken6

        if shiboken6.isValid(self._widget):
            self._widget.setStyleSheet(theme.translate_style_sheet(self._sheet, palette))


class _PlotThemeFollower(QObject):
    """Child of a plot that repaints it on theme changes; dies (and disconnects) with it."""

    def __init__(self, plot: Any) -> None:
        super().__init__(plot)
        self._plot = plot

    def repaint(self, palette: ThemePalette) -> None:
        import shiboken6

        if shiboken6.isValid(self._plot):
            _paint_plot(self._plot, palette)


def _paint_plot(plot: Any, palette: ThemePalette) -> None:
    import pyqtgraph as pg

    item = plot.getPlotItem()
    if item is None:  # closed, not yet deleted
        return
    plot.setBackground(palette.chart_background)
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(palette.chart_axis))
        axis.setTextPen(pg.mkPen(palette.chart_foreground))
    legend = item.legend
    if legend is not None:
        legend.setLabelTextColor(palette.chart_foreground)
        background = pg.mkColor(palette.chart_background)
        background.setAlpha(225)
        legend.setBrush(pg.mkBrush(background))
        legend.setPen(pg.mkPen(palette.chart_axis))


def apply_theme(app: QApplication, preference: Any) -> None:
    """Use Settings → Theme ``preference`` (system/light/dark) and restyle the application."""
    manager = theme.manager()
    manager.set_preference(preference)
    apply_style(app)


def apply_style(app: QApplication) -> None:
    """Fusion style, the theme's palette, a readable UI font and the style sheet."""
    palette_in_force = theme.current()
    _set_colors(palette_in_force)
    app.setStyle("Fusion")
    palette = QPalette()
    p = palette_in_force
    colors = {
        QPalette.ColorRole.Window: p.surface,
        QPalette.ColorRole.WindowText: p.text,
        QPalette.ColorRole.Base: p.surface,
        QPalette.ColorRole.AlternateBase: p.row_alt,
        QPalette.ColorRole.Text: p.text,
        QPalette.ColorRole.Button: p.button,
        QPalette.ColorRole.ButtonText: p.text,
        QPalette.ColorRole.Highlight: p.selection,
        QPalette.ColorRole.HighlightedText: p.text,
        QPalette.ColorRole.ToolTipBase: p.tooltip,
        QPalette.ColorRole.ToolTipText: p.tooltip_text,
        QPalette.ColorRole.PlaceholderText: p.text_faint,
        QPalette.ColorRole.Link: p.accent,
        QPalette.ColorRole.BrightText: p.text,
        QPalette.ColorRole.Light: p.surface,
        QPalette.ColorRole.Midlight: p.button,
        QPalette.ColorRole.Mid: p.border,
        QPalette.ColorRole.Dark: p.border,
    }
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.text_faint))
    sheet = style_sheet()
    # Restyling walks every widget and runs Python event handlers; if the garbage collector
    # ran then, it could delete a widget caught in a reference cycle in the middle of the walk
    # (a crash inside Qt). Collect first, and not during.
    gc.collect()
    gc.disable()
    try:
        app.setPalette(palette)
        if sys.platform.startswith("linux"):
            font = QFont()
            font.setFamilies(_UI_FONTS)
            font.setPointSizeF(10)
            app.setFont(font)
        app.setStyleSheet(sheet)
    finally:
        gc.enable()
