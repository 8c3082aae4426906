"""Light and dark themes: palettes, the theme in force, and following the system's scheme.

The light palette is the product's original look; the dark one maps every light colour to a
counterpart (the style sheet is written once, in light colours, and translated). Which theme is
in force comes from Settings → Theme; ``system`` follows ``QStyleHints.colorScheme`` and its
``colorSchemeChanged`` signal (Qt ≥ 6.5). Widgets that draw themselves (charts, icons) listen to
:attr:`ThemeManager.changed`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication

from mlops_desktop.core.settings import Theme
from mlops_desktop.core.stages import Stage


@dataclass(frozen=True)
class ThemePalette:
    """Every colour the app draws with, for one theme."""

    name: str
    dark: bool
    text: str
    text_muted: str
    text_faint: str
    border: str
    accent: str
    surface: str
    sidebar: str
    row_alt: str
    selection: str
    button: str
    tooltip: str
    tooltip_text: str
    icon: str
    icon_faint: str
    chart_background: str
    chart_foreground: str
    chart_axis: str
    stage_colors: dict[Stage, str] = field(default_factory=dict)
    stage_tints: dict[Stage, str] = field(default_factory=dict)
    stage_shades: dict[Stage, str] = field(default_factory=dict)
    #: Light colour -> this theme's colour, for text (``color``) and for the rest.
    foreground_map: dict[str, str] = field(default_factory=dict)
    background_map: dict[str, str] = field(default_factory=dict)

    def foreground(self, light: str) -> str:
        """This theme's counterpart of a light-theme text colour."""
        return self.foreground_map.get(light.upper(), light)

    def background(self, light: str) -> str:
        """This theme's counterpart of a light-theme background or border colour."""
        return self.background_map.get(light.upper(), light)


LIGHT = ThemePalette(
    name="light",
    dark=False,
    text="#1F2328",
    text_muted="#656D76",
    text_faint="#8C959F",
    border="#D8DEE4",
    accent="#2563EB",
    surface="#FFFFFF",
    sidebar="#F5F7FA",
    row_alt="#F8FAFC",
    selection="#DCE9FF",
    button="#F6F8FA",
    tooltip="#1F2328",
    tooltip_text="#FFFFFF",
    icon="#57606A",
    icon_faint="#8C959F",
    chart_background="#FFFFFF",
    chart_foreground="#374151",
    chart_axis="#D8DEE4",
    stage_colors={Stage.DEV: "#2563EB", Stage.STAGING: "#D97706", Stage.PROD: "#16A34A"},
    stage_tints={Stage.DEV: "#E8F0FE", Stage.STAGING: "#FEF3E2", Stage.PROD: "#E6F6EC"},
    stage_shades={Stage.DEV: "#1E4FC2", Stage.STAGING: "#9A5A05", Stage.PROD: "#0F7A36"},
)

_DARK_FOREGROUND = {
    "#111827": "#E6EDF3",
    "#1F2328": "#E6EDF3",
    "#24292F": "#D1D7E0",
    "#374151": "#C5CDD6",
    "#3D444D": "#C5CDD6",
    "#57606A": "#A5AFBA",
    "#656D76": "#9DA7B3",
    "#8C959F": "#7D8896",
    "#9AA1A9": "#6E7781",
    "#2563EB": "#6CA0FF",
    "#1D4ED8": "#8AB4FF",
    "#1E4FC2": "#8AB4FF",
    "#CF222E": "#FF7B72",
    "#DC2626": "#FF7B72",
    "#B91C1C": "#FF7B72",
    "#9A5A05": "#F0B45A",
    "#4D3800": "#F2CC60",
    "#5B32C9": "#C4B1FF",
    "#92400E": "#F6C77D",
    "#991B1B": "#FF9A92",
    "#166534": "#8BE0A8",
    "#0F7A36": "#5FD38A",
    "#16A34A": "#4ACB74",
    "#D97706": "#F0A43A",
    "#15803D": "#5FD38A",
    "#B45309": "#F0B45A",
}
_DARK_BACKGROUND = {
    "#FFFFFF": "#1C2128",
    "#F6F8FA": "#262C34",
    "#F5F7FA": "#161B22",
    "#EEF1F4": "#2D333B",
    "#E6EAEF": "#373E47",
    "#E1E6EB": "#30363D",
    "#D0D7DE": "#444C56",
    "#D8DEE4": "#3D444D",
    "#DCE9FF": "#1F3A66",
    "#E8F0FE": "#1E3354",
    "#EAEEF2": "#2D333B",
    "#E4E8ED": "#30363D",
    "#EEF2F7": "#262C34",
    "#F1F5FB": "#222A36",
    "#F3F5F8": "#22272E",
    "#FBFCFD": "#1E242B",
    "#FAFBFC": "#1E242B",
    "#F1ECFE": "#2E2350",
    "#FEF3C7": "#3A2E12",
    "#DCFCE7": "#15321F",
    "#F3F4F6": "#262C34",
    "#F8FAFC": "#22272E",
    "#FFF8E6": "#3A2E12",
    "#FEF3E2": "#3A2A12",
    "#E6F6EC": "#15321F",
    "#FEE2E2": "#3D1A1A",
    "#FEF2F2": "#3D1A1A",
    "#ECFDF3": "#15321F",
    "#F2D28B": "#8A6A1F",
    "#9DB8F0": "#3B5C99",
    "#DDE3E9": "#3D444D",
    "#C8DBFF": "#23467A",
    "#1F2328": "#373E47",
    "#2563EB": "#2F6FEB",
    "#1D4ED8": "#1F5BD6",
}

DARK = ThemePalette(
    name="dark",
    dark=True,
    text="#E6EDF3",
    text_muted="#9DA7B3",
    text_faint="#7D8896",
    border="#3D444D",
    accent="#6CA0FF",
    surface="#1C2128",
    sidebar="#161B22",
    row_alt="#22272E",
    selection="#1F3A66",
    button="#2D333B",
    tooltip="#373E47",
    tooltip_text="#E6EDF3",
    icon="#C5CDD6",
    icon_faint="#7D8896",
    chart_background="#1C2128",
    chart_foreground="#C5CDD6",
    chart_axis="#444C56",
    # Brighter stage colours so they keep their contrast on a dark surface.
    stage_colors={Stage.DEV: "#4C8DFF", Stage.STAGING: "#F0A43A", Stage.PROD: "#3FB96A"},
    stage_tints={Stage.DEV: "#1E3354", Stage.STAGING: "#3A2A12", Stage.PROD: "#15321F"},
    stage_shades={Stage.DEV: "#A8C7FF", Stage.STAGING: "#F6C77D", Stage.PROD: "#8BE0A8"},
    foreground_map=_DARK_FOREGROUND,
    background_map=_DARK_BACKGROUND,
)

_HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
#: ``property: value`` (several may share a line); group 2 keeps the original spacing.
_DECLARATION = re.compile(r"([A-Za-z-]+)(\s*:\s*)([^;{}]*)")
_FOREGROUND_PROPS = ("color", "selection-color")


def translate_style_sheet(sheet: str, palette: ThemePalette) -> str:
    """A light-theme style sheet in ``palette``'s colours (text and backgrounds mapped apart)."""
    if not palette.foreground_map and not palette.background_map:
        return sheet

    def declaration(match: re.Match[str]) -> str:
        prop = match.group(1).lower()
        convert = palette.foreground if prop in _FOREGROUND_PROPS else palette.background
        value = _HEX.sub(lambda m: convert(m.group(0)), match.group(3))
        return f"{match.group(1)}{match.group(2)}{value}"

    return _DECLARATION.sub(declaration, sheet)


def system_prefers_dark() -> bool:
    """True when the platform's colour scheme is dark (Qt ≥ 6.5; light when unknown)."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return bool(scheme is not None and scheme() == Qt.ColorScheme.Dark)


def resolve(preference: Theme) -> ThemePalette:
    """The palette for a Settings → Theme choice."""
    if preference is Theme.SYSTEM:
        return DARK if system_prefers_dark() else LIGHT
    return DARK if preference is Theme.DARK else LIGHT


class ThemeManager(QObject):
    """Holds the theme preference and the palette in force; emits :attr:`changed`."""

    #: The palette in force changed (argument: the new :class:`ThemePalette`).
    changed = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.preference = Theme.SYSTEM
        self.palette: ThemePalette = LIGHT
        self._following = False

    def set_preference(self, preference: Theme) -> None:
        """Use ``preference`` (system/light/dark) and re-resolve the palette."""
        self.preference = Theme(preference)
        self._follow_system()
        self.update()

    def update(self) -> None:
        """Re-resolve the palette; emit :attr:`changed` when it is a different one."""
        palette = resolve(self.preference)
        if palette is not self.palette:
            self.palette = palette
            self.changed.emit(palette)

    def _follow_system(self) -> None:
        if self._following or QGuiApplication.instance() is None:
            return
        signal = getattr(QGuiApplication.styleHints(), "colorSchemeChanged", None)
        if signal is not None:
            signal.connect(lambda _scheme: self.update())
            self._following = True


_MANAGER: ThemeManager | None = None


def manager() -> ThemeManager:
    """The application's theme manager (created on first use)."""
    global _MANAGER
    if _MANAGER is None:
        _MANAGER = ThemeManager()
    return _MANAGER


def current() -> ThemePalette:
    """The palette in force."""
    return manager().palette
