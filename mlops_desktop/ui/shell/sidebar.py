"""The left sidebar: brand, page switcher and the stage/workspace navigator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
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

from mlops_desktop import __version__
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.workspaces.navigator import NavigatorView


@dataclass(frozen=True, slots=True)
class PageEntry:
    """A page the sidebar can switch to."""

    key: str
    title: str
    icon: str


class SidebarView(QFrame):
    """Page buttons above the navigator; emits ``pageRequested(key)``."""

    pageRequested = Signal(str)
    addWorkspaceRequested = Signal()

    def __init__(self, pages: Sequence[PageEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self._buttons: dict[str, QToolButton] = {}
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)

        brand = QWidget()
        brand.setObjectName("Brand")
        brand_layout = QHBoxLayout(brand)
        brand_layout.setContentsMargins(14, 14, 14, 10)
        brand_layout.setSpacing(10)
        logo = QLabel()
        logo.setPixmap(style.icon("app").pixmap(28, 28))
        title = QLabel("MLOps Desktop")
        title.setObjectName("BrandTitle")
        version = QLabel(f"v{__version__}")
        version.setObjectName("BrandVersion")
        brand_layout.addWidget(logo)
        brand_layout.addWidget(title)
        brand_layout.addStretch(1)
        brand_layout.addWidget(version)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(brand)
        layout.addWidget(self._section("Pages"))
        for page in pages:
            button = QToolButton()
            button.setObjectName("PageButton")
            button.setText(f"  {page.title}")  # room between icon and text
            button.setAccessibleName(page.title)
            button.setIcon(style.icon(page.icon))
            button.setIconSize(QSize(16, 16))
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(
                lambda _checked=False, key=page.key: self.pageRequested.emit(key)
            )
            self._group.addButton(button)
            self._buttons[page.key] = button
            layout.addWidget(button)
        layout.addSpacing(10)

        header = QWidget()
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(0, 0, 10, 0)
        header_layout.addWidget(self._section("Workspaces"), 1)
        add = QToolButton()
        add.setObjectName("SidebarAdd")
        add.setIcon(style.icon("plus"))
        add.setToolTip("Add workspace…")
        add.setCursor(Qt.CursorShape.PointingHandCursor)
        add.clicked.connect(self.addWorkspaceRequested)
        header_layout.addWidget(add)
        layout.addWidget(header)
        self.navigator = NavigatorView()
        layout.addWidget(self.navigator, 1)

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text.upper())
        label.setObjectName("SectionLabel")
        return label

    def set_current_page(self, key: str) -> None:
        """Check the button of page ``key``."""
        button = self._buttons.get(key)
        if button is not None:
            button.setChecked(True)

    def page_button(self, key: str) -> QToolButton:
        """The button of page ``key``."""
        return self._buttons[key]
