"""A page that a later feature fills; it says what is coming."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mlops_desktop.ui.shell import style


class PlaceholderPage(QWidget):
    """Title, icon and one sentence about what the page will show."""

    def __init__(
        self, title: str, sentence: str, icon: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PlaceholderPage")
        self.title = title
        self.sentence = sentence
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addStretch(2)
        if icon:
            picture = QLabel()
            picture.setPixmap(style.icon(icon).pixmap(48, 48))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(picture)
            layout.addSpacing(12)
        heading = QLabel(title)
        heading.setObjectName("EmptyTitle")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QLabel(sentence)
        body.setObjectName("EmptyBody")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setFixedWidth(520)
        layout.addWidget(heading)
        layout.addSpacing(6)
        # Centred by stretches, not an alignment flag: wrapped labels need height-for-width.
        body_row = QHBoxLayout()
        body_row.addStretch(1)
        body_row.addWidget(body)
        body_row.addStretch(1)
        layout.addLayout(body_row)
        layout.addStretch(3)

    def is_loaded(self) -> bool:
        """Nothing to load."""
        return True
