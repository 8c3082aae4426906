"""The main window's menus, status bar and the commands behind them (settings, shortcuts,
find, promote, export, about, notification details): a part of
:class:`~mlops_desktop.ui.shell.main_window.MainWindow`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QProgressBar, QToolButton, QWidget

from mlops_desktop import __version__
from mlops_desktop.core.settings import Settings
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.notifications import (
    NotificationCenter,
    NotificationDetailsDialog,
    NotificationLevel,
    NotificationStatusView,
)
from mlops_desktop.ui.shell.settings_dialog import SettingsDialog
from mlops_desktop.ui.shell.shortcuts_sheet import ShortcutsDialog
from mlops_desktop.ui.shell.window_pages import PAGES


class TaskProgressView(QWidget):
    """Status-bar progress of a long task: message, bar and Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("StatusText")
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(140)
        self.bar.setFixedHeight(6)
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("LinkButton")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setCursor(Qt.CursorShape.PointingHandCursor)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(8)
        layout.addWidget(self.label)
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, message: str, *, cancellable: bool) -> None:
        """Show an indeterminate bar with ``message``."""
        self.label.setText(message)
        self.bar.setRange(0, 0)
        self.cancel_button.setVisible(cancellable)
        self.cancel_button.setEnabled(cancellable)
        self.show()

    def set_progress(self, done: int, total: int, message: str = "") -> None:
        """Determinate progress."""
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        if message:
            self.label.setText(message)


class WindowMenus:
    """Menus, status bar and their commands (a mixin of ``MainWindow``)."""

    notifications: NotificationCenter
    app_settings: Settings
    _details_dialog: NotificationDetailsDialog | None

    # -- construction -------------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("StatusBar")
        bar.setSizeGripEnabled(False)
        self.status_view = NotificationStatusView(self.notifications)
        self.status_view.detailsRequested.connect(self.show_notification_details)
        bar.addWidget(self.status_view, 1)
        self.task_progress = TaskProgressView()
        self.task_progress.cancel_button.clicked.connect(self.cancel_demo)
        bar.addPermanentWidget(self.task_progress)
        self.load_progress = QProgressBar()
        self.load_progress.setTextVisible(False)
        self.load_progress.setFixedWidth(110)
        self.load_progress.setFixedHeight(6)
        self.load_progress.hide()
        bar.addPermanentWidget(self.load_progress)
        self.workspace_summary = QLabel()
        self.workspace_summary.setObjectName("StatusText")
        self.workspace_summary.setTextFormat(Qt.TextFormat.RichText)
        self.workspace_summary.setContentsMargins(0, 0, 12, 0)
        bar.addPermanentWidget(self.workspace_summary)

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.add_workspace_action = QAction("&Add workspace…", self)
        self.add_workspace_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.add_workspace_action.triggered.connect(self.add_workspace)
        self.create_demo_action = QAction("Create &demo workspaces", self)
        self.create_demo_action.triggered.connect(self.create_demo)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(self.add_workspace_action)
        file_menu.addAction(self.create_demo_action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        view_menu = menu.addMenu("&View")
        self.refresh_action = QAction(style.icon("refresh"), "&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.triggered.connect(self.refresh)
        view_menu.addAction(self.refresh_action)
        self.find_action = QAction(style.icon("search"), "&Find…", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        view_menu.addAction(self.find_action)
        view_menu.addSeparator()
        self.page_actions: dict[str, QAction] = {}
        for number, entry in enumerate(PAGES, start=1):
            action = QAction(style.icon(entry.icon), entry.title, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, key=entry.key: self.show_page(key))
            view_menu.addAction(action)
            self.page_actions[entry.key] = action

        actions_menu = menu.addMenu("&Actions")
        self.promote_action = QAction("&Promote selected version…", self)
        self.promote_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.promote_action.triggered.connect(self.promote_selected)
        self.export_drift_action = QAction("&Export drift report…", self)
        self.export_drift_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_drift_action.triggered.connect(self.export_drift_report)
        actions_menu.addAction(self.promote_action)
        actions_menu.addAction(self.export_drift_action)

        help_menu = menu.addMenu("&Help")
        self.shortcuts_action = QAction("&Keyboard shortcuts", self)
        self.shortcuts_action.setShortcuts([QKeySequence("Ctrl+/"), QKeySequence("F1")])
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        self.about_action = QAction("&About MLOps Desktop", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _retint_icons(self) -> None:
        """Icons are tinted per theme: hand the menus and sidebar this theme's."""
        self.refresh_action.setIcon(style.icon("refresh"))
        self.find_action.setIcon(style.icon("search"))
        for entry in PAGES:
            self.page_actions[entry.key].setIcon(style.icon(entry.icon))
            self.sidebar.page_button(entry.key).setIcon(style.icon(entry.icon))

    # -- commands -------------------------------------------------------------------------------

    def open_settings(self) -> SettingsDialog:
        """Open the Settings dialog (Ctrl+,); applied settings take effect at once."""
        dialog = SettingsDialog(self.app_settings, self, pool=self.pool)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settingsApplied.connect(self.apply_settings)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        """The keyboard shortcuts sheet, built from this window's menus."""
        dialog = ShortcutsDialog(self.menuBar(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def focus_search(self) -> None:
        """Ctrl+F: put the cursor in the current page's search or filter box."""
        page = self.page(self.current_page_key())
        edit = getattr(page, "search_edit", None) or getattr(page, "filter_edit", None)
        if edit is not None:
            edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
            edit.selectAll()

    def promote_selected(self) -> None:
        """Promote the version selected on the Models page (its gated dialog)."""
        self.show_page("models")
        if self.models_page.selected_version() is None:
            self.notifications.info("Select a model version to promote")
            return
        self.models_page.open_promote_dialog()

    def export_drift_report(self) -> None:
        """Export the Drift page's result (compute it first)."""
        self.show_page("drift")
        if self.drift_page.result is None:
            self.notifications.info("Compute drift first, then export the report")
            return
        self.drift_page.ask_export()

    def about_text(self) -> str:
        """The About box text."""
        return (
            f"<h3>MLOps Desktop {__version__}</h3>"
            "<p>A desktop control room for the MLOps loop: dev, staging and prod workspaces "
            "(local MLflow stores, MLflow servers, later Azure ML) side by side.</p>"
            "<p>Every action is also a command: <code>mlops-desktop --help</code>.</p>"
        )

    def show_about(self) -> None:
        """Help → About."""
        QMessageBox.about(self, "About MLOps Desktop", self.about_text())

    # -- notifications ----------------------------------------------------------------------------

    def show_notification_details(self, notification: object | None = None) -> None:
        """Open the (non-modal) details dialog on ``notification`` (default: the latest)."""
        target = notification or self.notifications.latest
        if target is None:
            return
        if self._details_dialog is None:
            self._details_dialog = NotificationDetailsDialog(self.notifications, self)
        self._details_dialog.show_notification(target)

    @property
    def details_dialog(self) -> NotificationDetailsDialog | None:
        """The details dialog, once opened."""
        return self._details_dialog

    def _notified(self, notification: Any) -> None:
        if getattr(notification, "unexpected", False) and notification.level is (
            NotificationLevel.ERROR
        ):
            self.show_notification_details(notification)
