"""Light and dark themes: palette, style sheet, icons, charts, following the system."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from mlops_desktop.core.settings import Theme
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.shell import style, theme


@pytest.fixture
def restore_light(qapp: QApplication) -> Iterator[QApplication]:
    yield qapp
    style.apply_theme(qapp, Theme.LIGHT)


def _luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_theme_restyles_widgets(restore_light: QApplication) -> None:
    app = restore_light
    style.apply_theme(app, Theme.DARK)
    assert theme.current() is theme.DARK
    window = app.palette().color(QPalette.ColorRole.Window).name().upper()
    text = app.palette().color(QPalette.ColorRole.WindowText).name().upper()
    assert _luminance(window) < 0.2 < 0.7 < _luminance(text)
    assert "#FFFFFF;" not in app.styleSheet().split("QToolTip")[0], "no white backgrounds"
    assert theme.DARK.text == style.TEXT
    assert style.STAGE_TINTS[Stage.PROD] == "#15321F"
    style.apply_theme(app, Theme.LIGHT)
    assert app.palette().color(QPalette.ColorRole.Window).name().upper() == "#FFFFFF"
    assert theme.LIGHT.text == style.TEXT


def test_stage_colours_keep_contrast_on_both(restore_light: QApplication) -> None:
    for palette in (theme.LIGHT, theme.DARK):
        surface = _luminance(palette.surface)
        for stage in Stage:
            shade, tint = palette.stage_shades[stage], palette.stage_tints[stage]
            # Text on its pill must stand apart from the pill and the pill from nothing.
            assert abs(_luminance(shade) - _luminance(tint)) > 0.35, (palette.name, stage)
            assert abs(_luminance(palette.stage_colors[stage]) - surface) > 0.2


def test_style_sheet_maps_text_and_backgrounds_apart() -> None:
    sheet = "QLabel {\n    color: #FFFFFF;\n    background: #FFFFFF;\n    color: #111827;\n}\n"
    dark = theme.translate_style_sheet(sheet, theme.DARK)
    assert "color: #FFFFFF;" in dark, "white text on accent buttons stays white"
    assert "background: #1C2128;" in dark
    assert "color: #E6EDF3;" in dark
    assert theme.translate_style_sheet(sheet, theme.LIGHT) == sheet


def test_icons_are_tinted_for_dark(restore_light: QApplication, app_home: Path) -> None:
    style.apply_theme(restore_light, Theme.DARK)
    folder = Path(style.icon_folder())
    text = (folder / "models.svg").read_text()
    assert theme.DARK.icon in text and "#57606A" not in text
    assert not style.icon("models").isNull()
    assert Path(style.icon_folder(theme.LIGHT)).joinpath("models.svg").read_text().count("#57606A")


def test_charts_follow_the_theme(qtbot, restore_light: QApplication) -> None:
    import pyqtgraph as pg

    style.apply_theme(restore_light, Theme.LIGHT)
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    style.style_plot(plot)
    assert plot.backgroundBrush().color().name().upper() == theme.LIGHT.chart_background
    style.apply_theme(restore_light, Theme.DARK)
    assert plot.backgroundBrush().color().name().upper() == theme.DARK.chart_background
    axis = plot.getPlotItem().getAxis("left")
    assert axis.textPen().color().name().upper() == theme.DARK.chart_foreground


def test_system_theme_follows_the_colour_scheme(
    restore_light: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    dark = {"on": False}
    monkeypatch.setattr(theme, "system_prefers_dark", lambda: dark["on"])
    manager = theme.manager()
    style.apply_theme(restore_light, Theme.SYSTEM)
    assert manager.palette is theme.LIGHT
    seen: list[object] = []
    manager.changed.connect(seen.append)
    dark["on"] = True
    manager.update()  # what colorSchemeChanged triggers
    assert manager.palette is theme.DARK and seen == [theme.DARK]
    manager.changed.disconnect(seen.append)
    assert manager._following, "listens to QStyleHints.colorSchemeChanged"


def test_settings_switch_the_running_window(qtbot, make_window, restore_light) -> None:
    from mlops_desktop.core.settings import Settings

    window = make_window(start=False)
    window.apply_settings(Settings(theme=Theme.DARK))
    assert theme.current() is theme.DARK
    surface = window.palette().color(QPalette.ColorRole.Window).name().upper()
    assert surface == theme.DARK.surface
    window.apply_settings(Settings(theme=Theme.LIGHT))
    assert theme.current() is theme.LIGHT


def test_one_line_rules_are_translated_per_declaration() -> None:
    sheet = "QLabel#KpiValue { font-size: 20px; color: #111827; background: #FFFFFF; }"
    dark = theme.translate_style_sheet(sheet, theme.DARK)
    assert "color: #E6EDF3;" in dark and "background: #1C2128;" in dark
    assert "QTreeView::item:hover { color: #E6EDF3; }" in theme.translate_style_sheet(
        "QTreeView::item:hover { color: #111827; }", theme.DARK
    )


def test_status_colours_get_dark_counterparts(qtbot, restore_light: QApplication) -> None:
    """Jobs, promote-dialog and traffic status colours (light literals) read on dark too."""
    from mlops_desktop.retraining.jobs import JobStatus
    from mlops_desktop.ui.jobs.jobs_page import JobsPage
    from mlops_desktop.ui.jobs.jobs_table_model import STATUS_COLORS
    from mlops_desktop.ui.models_page import promote_dialog
    from mlops_desktop.ui.shell.workers import WorkerPool

    used = {
        *STATUS_COLORS.values(),
        *(color for _text, color in promote_dialog._STATE_LOOK.values()),
        *promote_dialog._OUTCOME_COLORS.values(),
        "#CF222E",  # the traffic editor's "must be 100 %"
    }
    surface = _luminance(theme.DARK.surface)
    for color in used:
        assert theme.DARK.foreground(color) != color, color
        assert _luminance(theme.DARK.foreground(color)) - surface > 0.3, color

    pool = WorkerPool()
    page = JobsPage(pool)
    qtbot.addWidget(page)
    style.apply_theme(restore_light, Theme.DARK)
    assert style.themed(STATUS_COLORS[JobStatus.FAILED]) == "#FF7B72"
    assert "#F0B45A" in page.azure_problem_label.styleSheet()  # follows the theme change
    style.apply_theme(restore_light, Theme.LIGHT)
    assert "#B45309" in page.azure_problem_label.styleSheet()
    assert pool.shutdown(10_000)
