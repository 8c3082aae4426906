"""Where the main window remembers its geometry, layout and page between sessions (a part of
:class:`~mlops_desktop.ui.shell.main_window.MainWindow`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QSettings, QSize, Qt
from PySide6.QtGui import QGuiApplication

from mlops_desktop.core import paths


def ui_state_path() -> Path:
    """Where window geometry and layout are remembered."""
    return paths.config_dir() / "ui-state.ini"


def open_ui_settings() -> QSettings:
    """The UI state store (INI format at :func:`ui_state_path`)."""
    path = ui_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return QSettings(str(path), QSettings.Format.IniFormat)


class WindowState:
    """Restores and saves the window's state in its QSettings (a mixin of ``MainWindow``)."""

    _settings: QSettings | None

    def _restore_state(self) -> None:
        settings = self._settings
        if settings is None:
            return
        size = settings.value("window/size")
        if isinstance(size, QSize) and size.isValid():
            self.resize(size)
        position = settings.value("window/pos")
        if isinstance(position, QPoint) and any(
            screen.availableGeometry().contains(position) for screen in QGuiApplication.screens()
        ):
            self.move(position)
        if str(settings.value("window/maximized", "false")).lower() == "true":
            self.setWindowState(self.windowState() | Qt.WindowState.WindowMaximized)
        for key, splitter in (
            ("window/splitter", self.splitter),
            ("models/splitter", self.models_page.splitter),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray) and not value.isEmpty():
                splitter.restoreState(value)
        header = settings.value("models/header")
        if isinstance(header, QByteArray) and not header.isEmpty():
            self.models_page.table.horizontalHeader().restoreState(header)
        page = settings.value("window/page")
        if isinstance(page, str) and page in self._pages:
            self.show_page(page)

    def save_state(self) -> None:
        """Remember geometry, layout and the current page."""
        settings = self._settings
        if settings is None:
            return
        maximized = self.isMaximized()
        settings.setValue("window/maximized", maximized)
        if not maximized:
            settings.setValue("window/size", self.size())
            settings.setValue("window/pos", self.pos())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("models/splitter", self.models_page.splitter.saveState())
        settings.setValue("models/header", self.models_page.table.horizontalHeader().saveState())
        settings.setValue("window/page", self.current_page_key())
        settings.sync()
