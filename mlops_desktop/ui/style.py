"""Look and feel: stage and state colours, icons, fonts and the application style sheet.

Stage colours are the product's visual language: dev is blue, staging amber, prod green.
"""

from __future__ import annotations

import sys
from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QApplication

from mlops_desktop.core.entities import ConnectionState
from mlops_desktop.core.resources import resource_path
from mlops_desktop.core.stages import Stage

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
    return QColor(STAGE_TINTS[stage]) if stage is not None else QColor("#EEF1F4")


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


@cache
def icon(name: str) -> QIcon:
    """A shipped SVG icon from ``resources/icons`` (empty icon when missing)."""
    path = resource_path("icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()


def style_sheet() -> str:
    """The application style sheet (``resources/styles/app.qss``), icon paths resolved."""
    path = resource_path("styles", "app.qss")
    if not path.exists():
        return ""
    icons = resource_path("icons").as_posix()
    return path.read_text(encoding="utf-8").replace("@ICONS@", icons)


def apply_style(app: QApplication) -> None:
    """Fusion style, a light palette, a readable UI font and the style sheet."""
    app.setStyle("Fusion")
    palette = QPalette()
    colors = {
        QPalette.ColorRole.Window: SURFACE,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: SURFACE,
        QPalette.ColorRole.AlternateBase: ROW_ALT,
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: "#F6F8FA",
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: SELECTION,
        QPalette.ColorRole.HighlightedText: TEXT,
        QPalette.ColorRole.ToolTipBase: "#1F2328",
        QPalette.ColorRole.ToolTipText: "#FFFFFF",
        QPalette.ColorRole.PlaceholderText: TEXT_FAINT,
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(TEXT_FAINT))
    palette.setColor(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(TEXT_FAINT)
    )
    palette.setColor(
        QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(TEXT_FAINT)
    )
    app.setPalette(palette)
    if sys.platform.startswith("linux"):
        font = QFont()
        font.setFamilies(_UI_FONTS)
        font.setPointSizeF(10)
        app.setFont(font)
    app.setStyleSheet(style_sheet())
