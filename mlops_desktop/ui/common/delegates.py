"""Item delegates that paint stage pills, alias chips and navigator count badges."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.shell import style

AnyIndex = QModelIndex | QPersistentModelIndex

ALIAS_TINT = "#F1ECFE"
ALIAS_TEXT = "#5B32C9"


def draw_item_background(
    delegate: QStyledItemDelegate,
    painter: QPainter,
    option: QStyleOptionViewItem,
    index: AnyIndex,
) -> None:
    """Let the style paint selection / hover / alternate background, without text."""
    opt = QStyleOptionViewItem(option)
    delegate.initStyleOption(opt, index)
    opt.text = ""
    opt.icon = QIcon()
    widget = option.widget
    app_style = widget.style() if widget is not None else QApplication.style()
    app_style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)


def draw_pill(
    painter: QPainter,
    rect: QRectF,
    text: str,
    *,
    background: QColor,
    foreground: QColor,
    font: QFont,
    dot: QColor | None = None,
) -> float:
    """Draw a rounded pill left-aligned in ``rect``; returns its width."""
    metrics = QFontMetrics(font)
    height = min(rect.height() - 6, metrics.height() + 6)
    dot_space = 12 if dot is not None else 0
    width = metrics.horizontalAdvance(text) + 16 + dot_space
    pill = QRectF(rect.left(), rect.center().y() - height / 2, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(background)
    painter.drawRoundedRect(pill, height / 2, height / 2)
    x = pill.left() + 8
    if dot is not None:
        painter.setBrush(dot)
        painter.drawEllipse(QRectF(x, pill.center().y() - 3, 6, 6))
        x += dot_space
    painter.setPen(foreground)
    painter.setFont(font)
    painter.drawText(
        QRectF(x, pill.top(), width, pill.height()),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        text,
    )
    return width


def _as_stage(value: object) -> Stage | None:
    """A Stage from item data (StrEnums arrive as plain ``str`` through QVariant)."""
    if isinstance(value, Stage):
        return value
    if isinstance(value, str):
        try:
            return Stage(value)
        except ValueError:
            return None
    return None


class StagePillDelegate(QStyledItemDelegate):
    """Paints a cell's stage (``stage_role`` data) as a coloured pill: dev, staging, prod."""

    def __init__(self, stage_role: int, parent: object | None = None) -> None:
        super().__init__(parent)
        self._stage_role = stage_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Background as usual, then the pill."""
        stage = _as_stage(index.data(self._stage_role))
        if stage is None:
            super().paint(painter, option, index)
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_item_background(self, painter, option, index)
        font = QFont(option.font)
        font.setWeight(QFont.Weight.DemiBold)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 0.5))
        draw_pill(
            painter,
            QRectF(option.rect).adjusted(8, 0, -4, 0),
            stage.value,
            background=style.stage_tint(stage),
            foreground=style.stage_shade(stage),
            font=font,
            dot=style.stage_color(stage),
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """Room for the pill."""
        size = super().sizeHint(option, index)
        return QSize(max(size.width(), 96), size.height())


class AliasChipsDelegate(QStyledItemDelegate):
    """Paints a cell's aliases (``aliases_role`` data: tuple of str) as ``@alias`` chips."""

    def __init__(self, aliases_role: int, parent: object | None = None) -> None:
        super().__init__(parent)
        self._aliases_role = aliases_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Background as usual, then one chip per alias (as many as fit)."""
        aliases = index.data(self._aliases_role) or ()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw_item_background(self, painter, option, index)
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 0.5))
        rect = QRectF(option.rect).adjusted(8, 0, -4, 0)
        x = rect.left()
        for alias in aliases:
            remaining = QRectF(x, rect.top(), rect.right() - x, rect.height())
            if remaining.width() < 40:
                break
            width = draw_pill(
                painter,
                remaining,
                f"@{alias}",
                background=QColor(style.themed(ALIAS_TINT, text=False)),
                foreground=QColor(style.themed(ALIAS_TEXT)),
                font=font,
            )
            x += width + 4
        painter.restore()


class CountBadgeDelegate(QStyledItemDelegate):
    """Navigator rows: the usual icon and text, plus a grey count badge on the right."""

    def __init__(self, count_role: int, parent: object | None = None) -> None:
        super().__init__(parent)
        self._count_role = count_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Default painting, then the badge."""
        count = index.data(self._count_role)
        if count is None:
            super().paint(painter, option, index)
            return
        text = str(count)
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        metrics = QFontMetrics(font)
        badge_width = max(22, metrics.horizontalAdvance(text) + 12)
        # Full-width background (selection, hover), then icon and text beside the badge.
        draw_item_background(self, painter, option, index)
        opt = QStyleOptionViewItem(option)
        opt.rect = option.rect.adjusted(0, 0, -(badge_width + 8), 0)
        opt.state &= ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver)
        opt.backgroundBrush = QBrush()
        super().paint(painter, opt, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        height = metrics.height() + 2
        badge = QRectF(
            option.rect.right() - badge_width - 6,
            option.rect.center().y() - height / 2 + 0.5,
            badge_width,
            height,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(style.themed("#E6EAEF", text=False)))
        painter.drawRoundedRect(badge, height / 2, height / 2)
        painter.setPen(QColor(style.TEXT_MUTED))
        painter.setFont(font)
        painter.drawText(badge, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()
