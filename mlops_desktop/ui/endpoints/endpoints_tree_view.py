"""The Endpoints page's tree: workspace group rows, traffic bars and the view's set-up.

Workspace rows are painted as group headers (stage pill, name, summary); traffic cells as a
small bar per deployment. :func:`make_endpoints_tree` configures the view;
:func:`fitted_tree_height` says how tall it wants to be for its rows.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QIcon,
    QPainter,
    QPainterPath,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
)

from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.common.delegates import draw_item_background, draw_pill
from mlops_desktop.ui.endpoints.endpoints_tree_model import (
    KIND_ROLE,
    STAGE_ROLE,
    SUMMARY_ROLE,
    TRAFFIC_ROLE,
    Column,
    EndpointsModel,
    RowKind,
)
from mlops_desktop.ui.shell import style

AnyIndex = QModelIndex | QPersistentModelIndex

GROUP_ROW_HEIGHT = 32
ROW_HEIGHT = 28
#: Rows the tree always has room for (when it has that many), however small the window.
MIN_TREE_ROWS = 6

_COLUMN_WIDTHS = {
    Column.NAME: 250,
    Column.STATUS: 110,
    Column.MODEL: 190,
    Column.VERSION: 80,
    Column.TRAFFIC: 190,
    Column.MIRROR: 110,
}


@cache
def glyph_icon(kind: str, color: str = "#57606A", size: int = 16) -> QIcon:
    """Play, stop and plus glyphs for the toolbar (drawn, so no icon files are needed)."""
    app = QGuiApplication.instance()
    screen = QGuiApplication.primaryScreen() if app is not None else None
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    match kind:
        case "play":
            painter.drawPolygon(QPolygonF([QPointF(4.5, 3), QPointF(13, 8), QPointF(4.5, 13)]))
        case "stop":
            painter.drawRoundedRect(QRectF(4, 4, 8, 8), 1.5, 1.5)
    painter.end()
    return QIcon(pixmap)


class EndpointsTreeDelegate(QStyledItemDelegate):
    """Paints workspace group rows (stage pill, name, summary) and traffic bars."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Group rows and traffic cells drawn here; everything else as usual."""
        kind = _row_kind(index)
        if kind is RowKind.WORKSPACE and index.column() == Column.NAME:
            _paint_workspace_row(painter, option, index)
        elif index.column() == Column.TRAFFIC and kind in (RowKind.ENDPOINT, RowKind.DEPLOYMENT):
            _paint_traffic(self, painter, option, index)
        else:
            super().paint(painter, option, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        """Taller group rows."""
        size = super().sizeHint(option, index)
        group = index.data(KIND_ROLE) == RowKind.WORKSPACE
        return QSize(size.width(), GROUP_ROW_HEIGHT if group else ROW_HEIGHT)


def _row_kind(index: AnyIndex) -> RowKind | None:
    """What the row of ``index`` is (None for no row)."""
    value = index.data(KIND_ROLE)
    return None if value is None else RowKind(int(value))


def _stage_of(value: object) -> Stage | None:
    try:
        return Stage(str(value)) if value else None
    except ValueError:
        return None


def _paint_workspace_row(painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    rect = QRectF(option.rect)
    painter.fillRect(rect, QColor(style.themed("#F6F8FA", text=False)))
    painter.setPen(QColor(style.themed("#E6EAEF", text=False)))
    painter.drawLine(rect.bottomLeft(), rect.bottomRight())
    stage = _stage_of(index.data(STAGE_ROLE))
    font = QFont(option.font)
    x = rect.left() + 8
    if stage is not None:
        pill_font = QFont(font)
        pill_font.setWeight(QFont.Weight.DemiBold)
        pill_font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        width = draw_pill(
            painter,
            QRectF(x, rect.top(), 120, rect.height()),
            stage.value,
            background=style.stage_tint(stage),
            foreground=style.stage_shade(stage),
            font=pill_font,
            dot=style.stage_color(stage),
        )
        x += width + 10
    name_font = QFont(font)
    name_font.setWeight(QFont.Weight.Bold)
    painter.setFont(name_font)
    painter.setPen(QColor(style.TEXT))
    name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
    metrics = QFontMetrics(name_font)
    painter.drawText(
        QRectF(x, rect.top(), rect.right() - x, rect.height()),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        name,
    )
    x += metrics.horizontalAdvance(name) + 12
    painter.setFont(font)
    summary = str(index.data(SUMMARY_ROLE) or "")
    muted = QColor(style.TEXT_MUTED)
    if summary.startswith(("Endpoints not available", "Could not")):
        muted = QColor("#9A5A05") if summary.startswith("Endpoints") else QColor("#B91C1C")
    painter.setPen(muted)
    painter.drawText(
        QRectF(x, rect.top(), max(rect.right() - x - 8, 0), rect.height()),
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        QFontMetrics(font).elidedText(
            summary, Qt.TextElideMode.ElideRight, int(max(rect.right() - x - 8, 0))
        ),
    )
    painter.restore()


def _paint_traffic(
    delegate: QStyledItemDelegate,
    painter: QPainter,
    option: QStyleOptionViewItem,
    index: AnyIndex,
) -> None:
    segments = index.data(TRAFFIC_ROLE) or []
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    draw_item_background(delegate, painter, option, index)
    rect = QRectF(option.rect).adjusted(8, 0, -6, 0)
    bar_width = 64.0
    bar = QRectF(rect.left(), rect.center().y() - 3, bar_width, 6)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(style.themed("#E6EAEF", text=False)))
    painter.drawRoundedRect(bar, 3, 3)
    x = bar.left()
    clip = QPainterPath()
    clip.addRoundedRect(bar, 3, 3)
    painter.setClipPath(clip)
    for _name, percent, color in segments:
        if percent <= 0:
            continue
        width = bar_width * percent / 100
        painter.setBrush(QColor(color))
        painter.drawRect(QRectF(x, bar.top(), width, bar.height()))
        x += width
    painter.setClipping(False)
    kind = _row_kind(index)
    if kind is RowKind.DEPLOYMENT:
        text = f"{segments[0][1]} %" if segments else ""
    else:
        live = [(n, p) for n, p, _ in segments if p > 0]
        text = (
            " / ".join(str(p) for _n, p in live)
            if len(live) > 1
            else (f"{live[0][0]} 100 %" if live else "no live traffic")
        )
    painter.setFont(option.font)
    painter.setPen(QColor(style.TEXT if kind is RowKind.DEPLOYMENT else style.TEXT_MUTED))
    text_rect = QRectF(bar.right() + 10, rect.top(), rect.right() - bar.right() - 10, rect.height())
    painter.drawText(
        text_rect,
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        QFontMetrics(option.font).elidedText(
            text, Qt.TextElideMode.ElideRight, int(max(text_rect.width(), 0))
        ),
    )
    painter.restore()


def make_endpoints_tree(model: EndpointsModel) -> QTreeView:
    """The tree view of ``model``: single row selection, group rows always open, the
    delegate above, columns at their usual widths."""
    tree = QTreeView()
    tree.setObjectName("EndpointsTree")
    tree.setModel(model)
    tree.setItemDelegate(EndpointsTreeDelegate(tree))
    tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setUniformRowHeights(False)
    tree.setIndentation(18)
    tree.setRootIsDecorated(False)  # workspace rows are group headers, always open
    tree.setMouseTracking(True)
    tree.setAllColumnsShowFocus(True)
    tree.setExpandsOnDoubleClick(False)  # double-click opens the Test tab
    header = tree.header()
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for column, width in _COLUMN_WIDTHS.items():
        header.resizeSection(column, width)
    tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    return tree


def fitted_tree_height(tree: QTreeView, total: int) -> int:
    """The tree's height out of ``total``: its rows' (at least MIN_TREE_ROWS of them, else at
    most about half), never under 120 pixels."""
    model = tree.model()
    heights = []
    index = model.index(0, 0)
    while index.isValid():
        group = index.data(KIND_ROLE) == RowKind.WORKSPACE
        heights.append(GROUP_ROW_HEIGHT if group else ROW_HEIGHT)
        index = tree.indexBelow(index)
    frame = tree.header().sizeHint().height() + 2 * tree.frameWidth() + 2
    wanted = frame + sum(heights)
    floor = frame + sum(heights[:MIN_TREE_ROWS])
    return max(min(wanted, max(int(total * 0.45), floor)), 120)
