"""A tiny bar chart of an endpoint's requests per 5 minutes over the last hour."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from mlops_desktop.ui.shell import style


class SparklineView(QWidget):
    """Bars scaled to the busiest bucket; an empty hour draws a flat baseline."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values: tuple[int, ...] = ()
        self._color = style.ACCENT
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        """As wide as the card lets it be, one line high."""
        return QSize(120, 16)

    def minimumSizeHint(self) -> QSize:
        """Room for 12 thin bars."""
        return QSize(48, 16)

    def values(self) -> tuple[int, ...]:
        """The bars drawn."""
        return self._values

    def set_values(self, values: Sequence[int], color: str) -> None:
        """Draw ``values`` in ``color``."""
        self._values = tuple(values)
        self._color = color
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        """Bars from the bottom, 1 px apart."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0, 1, 0, -1)
        baseline = QColor(style.BORDER)
        painter.fillRect(QRectF(rect.left(), rect.bottom() - 1, rect.width(), 1), baseline)
        if not self._values:
            return
        peak = max(self._values) or 1
        width = rect.width() / len(self._values)
        color = QColor(self._color)
        for i, value in enumerate(self._values):
            if not value:
                continue
            height = max(2.0, (rect.height() - 1) * value / peak)
            bar = QRectF(rect.left() + i * width + 0.5, rect.bottom() - height, width - 1.5, height)
            painter.fillRect(bar, color)
