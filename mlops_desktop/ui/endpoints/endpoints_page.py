"""The Endpoints page: every workspace's local endpoints, their health, telemetry and traffic.

Top: a tree of workspaces (newest stage first) → endpoints → deployments with status, model
version, traffic and mirror shares. Bottom: the selected endpoint — headline figures and
requests/min, latency and error-rate charts (*Monitoring*), a request console (*Test*) and the
traffic editor (*Traffic*).

All I/O runs in workers. Each kind of request follows "latest request wins"
(:class:`~mlops_desktop.ui.shell.workers.LatestRequest`); while the page is visible a timer
refreshes the selected endpoint's telemetry every few seconds and the health of every endpoint less
often, never starting a refresh while the previous one of the same kind is still running.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QHideEvent,
    QIcon,
    QPainter,
    QPainterPath,
    QPixmap,
    QPolygonF,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import Capability
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.stages import Stage
from mlops_desktop.serving.entities import Endpoint, EndpointStatus
from mlops_desktop.ui.common.backend_tasks import BackendOpener, describe_error
from mlops_desktop.ui.common.delegates import draw_item_background, draw_pill
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.endpoints.endpoint_monitor_view import EndpointMonitorView
from mlops_desktop.ui.endpoints.endpoint_test_view import EndpointTestView
from mlops_desktop.ui.endpoints.endpoint_traffic_view import EndpointTrafficView
from mlops_desktop.ui.endpoints.endpoints_tree_model import (
    KIND_ROLE,
    STAGE_ROLE,
    SUMMARY_ROLE,
    TRAFFIC_ROLE,
    Column,
    EndpointsModel,
    Key,
    RowKind,
    status_text,
)
from mlops_desktop.ui.endpoints.tasks_azure_endpoints import (
    AZURE_TELEMETRY_HINT,
    AZURE_TELEMETRY_NOTE,
    azure_endpoint_summary,
    is_azure_endpoint,
)
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, Worker, WorkerPool

AnyIndex = QModelIndex | QPersistentModelIndex

DEPLOY_TIP = "Deploy a registered model version to the selected Azure ML endpoint (0 % traffic)"


def deploy_blocked_reason(endpoint: Endpoint | None) -> str:
    """Why the identity may not deploy to this Azure endpoint ("" when it may, or local)."""
    return str(getattr(endpoint, "deploy_blocked", "") or "")


#: Telemetry refresh while the page is visible; endpoint health every HEALTH_EVERY ticks.
REFRESH_MS = 5000
HEALTH_EVERY = 2
#: After a test request, the router has written it within about half a second.
AFTER_SEND_REFRESH_MS = 900

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

#: Page-local style: cards, charts, tree, segmented buttons (the app sheet styles the rest).
PAGE_STYLE = """
QTreeView#EndpointsTree {
    border: none;
    border-top: 1px solid #E6EAEF;
    background: #FFFFFF;
    selection-background-color: #DCE9FF;
    selection-color: #111827;
    outline: 0;
}
QTreeView#EndpointsTree::item { padding: 0px 4px; border: none; }
QTreeView#EndpointsTree::item:hover { background: #F1F5FB; }
QTreeView#EndpointsTree::item:selected { background: #DCE9FF; color: #111827; }
#EndpointDetail { background: #FBFCFD; border-top: 1px solid #E6EAEF; }
#EndpointDetail QTabWidget::pane { border: none; background: transparent; }
#EndpointDetail QTabBar::tab {
    background: transparent; color: #656D76; padding: 6px 14px; margin-right: 2px;
    border: none; border-bottom: 2px solid transparent;
}
#EndpointDetail QTabBar::tab:selected {
    color: #111827; font-weight: 600; border-bottom: 2px solid #2563EB;
}
#EndpointDetail QTabBar::tab:hover { color: #1F2328; }
QFrame#KpiCard { background: #FFFFFF; border: 1px solid #E1E6EB; border-radius: 8px; }
#KpiTitle { color: #8C959F; font-size: 7.5pt; font-weight: 700; letter-spacing: 0.5px; }
#KpiValue { color: #111827; font-size: 15pt; font-weight: 700; }
#KpiNote, #MutedNote { color: #8C959F; }
QFrame#ChartPanel { background: #FFFFFF; border: 1px solid #E1E6EB; border-radius: 8px; }
#ChartTitle { color: #3D444D; font-weight: 600; }
QToolButton#SegmentLeft, QToolButton#SegmentMid, QToolButton#SegmentRight {
    border: 1px solid #D0D7DE; background: #FFFFFF; color: #57606A; padding: 3px 12px;
}
QToolButton#SegmentLeft { border-top-left-radius: 6px; border-bottom-left-radius: 6px; }
QToolButton#SegmentRight { border-top-right-radius: 6px; border-bottom-right-radius: 6px; }
QToolButton#SegmentMid, QToolButton#SegmentRight { border-left: none; }
QToolButton#SegmentLeft:checked, QToolButton#SegmentMid:checked,
QToolButton#SegmentRight:checked {
    background: #E8F0FE; color: #1E4FC2; font-weight: 600;
}
QToolButton#SegmentLeft:hover, QToolButton#SegmentMid:hover, QToolButton#SegmentRight:hover {
    background: #F3F6FA;
}
QPlainTextEdit#RequestEditor, QPlainTextEdit#ResponseView { background: #FFFFFF; }
#CommandBox {
    background: #F6F8FA; border: 1px solid #D8DEE4; border-radius: 6px; padding: 8px 12px;
    color: #1F2328;
}
#UrlLabel { color: #2563EB; }
QToolButton#ToolbarButton:disabled { color: #A0A7B0; }
"""


# -- small pieces -------------------------------------------------------------------------------


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
    if kind == "play":
        painter.drawPolygon(QPolygonF([QPointF(4.5, 3), QPointF(13, 8), QPointF(4.5, 13)]))
    elif kind == "stop":
        painter.drawRoundedRect(QRectF(4, 4, 8, 8), 1.5, 1.5)
    painter.end()
    return QIcon(pixmap)


def _pill_style(background: str, color: str) -> str:
    background, color = style.themed(background, text=False), style.themed(color)
    return (
        f"background: {background}; color: {color}; border-radius: 10px; padding: 2px 10px; "
        "font-weight: 600;"
    )


_STATUS_TINTS = {
    "running": ("#DCFCE7", "#166534"),
    "degraded": ("#FEF3C7", "#92400E"),
    "dead": ("#FEE2E2", "#991B1B"),
    "stopped": ("#EEF1F4", "#57606A"),
}


class EndpointsTreeDelegate(QStyledItemDelegate):
    """Paints workspace group rows (stage pill, name, summary) and traffic bars."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        """Group rows and traffic cells drawn here; everything else as usual."""
        kind = index.data(KIND_ROLE)
        if kind == RowKind.WORKSPACE and index.column() == Column.NAME:
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
    kind = index.data(KIND_ROLE)
    if kind == RowKind.DEPLOYMENT:
        text = f"{segments[0][1]} %" if segments else ""
    else:
        live = [(n, p) for n, p, _ in segments if p > 0]
        text = (
            " / ".join(str(p) for _n, p in live)
            if len(live) > 1
            else (f"{live[0][0]} 100 %" if live else "no live traffic")
        )
    painter.setFont(option.font)
    painter.setPen(QColor(style.TEXT if kind == RowKind.DEPLOYMENT else style.TEXT_MUTED))
    text_rect = QRectF(bar.right() + 10, rect.top(), rect.right() - bar.right() - 10, rect.height())
    painter.drawText(
        text_rect,
        int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
        QFontMetrics(option.font).elidedText(
            text, Qt.TextElideMode.ElideRight, int(max(text_rect.width(), 0))
        ),
    )
    painter.restore()


class EndpointsEmptyView(QWidget):
    """No endpoint yet: what an endpoint is, the command that makes one, and a button."""

    createRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointsEmpty")
        picture = QLabel()
        picture.setPixmap(style.icon("endpoints").pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel("No endpoints yet")
        self.title.setObjectName("EmptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QLabel(
            "An endpoint serves a registered model version at a stable local address "
            "(http://127.0.0.1:PORT), splits traffic between deployments (blue/green, mirror) "
            "and records every request for telemetry and drift. Create one here or from a "
            "terminal:"
        )
        self.body.setObjectName("EmptyBody")
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setFixedWidth(580)
        self.command = QLabel(tasks.CREATE_COMMAND)
        self.command.setObjectName("CommandBox")
        self.command.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = self.command.font()
        mono.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        self.command.setFont(mono)
        self.command.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note = QLabel("")
        self.note.setObjectName("EmptyHint")
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.note.setFixedWidth(580)
        self.create_button = QPushButton("Create endpoint…")
        self.create_button.setObjectName("PrimaryButton")
        self.create_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.create_button.clicked.connect(self.createRequested)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        layout.addStretch(2)
        layout.addWidget(picture)
        layout.addSpacing(12)
        layout.addWidget(self.title)
        layout.addSpacing(8)
        for widget in (self.body, self.command, self.create_button, self.note):
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(widget)
            row.addStretch(1)
            layout.addLayout(row)
            layout.addSpacing(14)
        layout.addStretch(3)

    def set_situation(self, items: list[tasks.WorkspaceEndpoints], has_workspaces: bool) -> None:
        """Explain what stands in the way (no workspace, unsupported backends)."""
        supported = [i for i in items if i.supported]
        unsupported = [i for i in items if not i.supported]
        self.create_button.setEnabled(bool(supported))
        if not has_workspaces:
            self.title.setText("No workspaces yet")
            self.note.setText(
                "Endpoints serve models of a workspace: add one (File → Add workspace…) or "
                "create the demo from the Models page."
            )
            return
        self.title.setText("No endpoints yet")
        lines = [f"{i.workspace}: endpoints not available — {i.reason}" for i in unsupported]
        if not supported:
            lines.insert(0, "None of these workspaces can serve local endpoints.")
        self.note.setText("\n".join(lines))


# -- the page -----------------------------------------------------------------------------------


class EndpointsPage(QWidget):
    """Endpoints per workspace with deployments, health, telemetry, a test console and the
    traffic editor."""

    #: The first load (list, and the selected endpoint's telemetry) finished or failed.
    dataLoaded = Signal()
    #: Errors for the app's one notification place.
    errorOccurred = Signal(object)
    #: Things that went well, for the status bar.
    infoPosted = Signal(str)
    #: The selected endpoint changed: Endpoint or None.
    selectedEndpointChanged = Signal(object)

    def __init__(
        self,
        pool: WorkerPool,
        *,
        opener: BackendOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointsPage")
        style.set_themed_style_sheet(self, PAGE_STYLE)  # light or dark, following the theme
        self._pool = pool
        self._opener = opener
        self._config = AppConfig()
        self._configured = False
        self._loaded = False
        self._awaiting_telemetry = False
        self._selected_key: Key = ()
        self._reset_key: Key = ()
        self._pending_select: Key = ()
        self._list_request = LatestRequest(self)
        self._telemetry_request = LatestRequest(self)
        self._example_request = LatestRequest(self)
        self._invoke_request = LatestRequest(self)
        self._list_busy = False
        self._telemetry_busy = False
        self._actions: list[Worker] = []
        #: Capabilities asked of each workspace's backend (they do not change with a config).
        self._capabilities: dict[str, Capability] = {}
        self._ticks = 0
        self._telemetry_failing: Key = ()
        #: Asks before stopping an endpoint; tests replace it.
        self.confirm: Callable[[str, str], bool] = self._ask

        self.model = EndpointsModel(self)
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._tick)

    # -- layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self.title_label = QLabel("Endpoints")
        self.title_label.setObjectName("PageTitle")
        self.subtitle_label = QLabel("Local endpoints across your workspaces")
        self.subtitle_label.setObjectName("PageSubtitle")
        titles = QVBoxLayout()
        titles.setSpacing(2)
        titles.addWidget(self.title_label)
        titles.addWidget(self.subtitle_label)

        def tool(text: str, icon: QIcon, tip: str) -> QToolButton:
            button = QToolButton()
            button.setObjectName("ToolbarButton")
            button.setText(text)
            button.setIcon(icon)
            button.setIconSize(QSize(16, 16))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(tip)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            return button

        self.create_button = tool(
            "Create endpoint…", style.icon("plus"), "Serve a registered model version"
        )
        self.create_button.clicked.connect(self.open_create_dialog)
        self.deploy_button = tool("Deploy version…", style.icon("plus"), DEPLOY_TIP)
        self.deploy_button.clicked.connect(self.open_deploy_dialog)
        self.start_button = tool(
            "Start", glyph_icon("play", "#16A34A"), "Start the endpoint, or restart what died"
        )
        self.start_button.clicked.connect(self.start_selected)
        self.stop_button = tool(
            "Stop", glyph_icon("stop", "#DC2626"), "Stop the endpoint's processes"
        )
        self.stop_button.clicked.connect(lambda: self.stop_selected())
        self.refresh_button = tool(
            "Refresh", style.icon("refresh"), "Reload endpoints, health and telemetry"
        )
        self.refresh_button.clicked.connect(self.refresh)
        header = QHBoxLayout()
        header.setContentsMargins(24, 14, 24, 8)
        header.setSpacing(8)
        header.addLayout(titles, 1)
        for button in (self.create_button, self.deploy_button, self.start_button, self.stop_button):
            header.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        header.addSpacing(6)
        header.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.activity_label = QLabel("")
        self.activity_label.setObjectName("CountLabel")
        self.activity_label.hide()
        self.activity_bar = QProgressBar()
        self.activity_bar.setTextVisible(False)
        self.activity_bar.setFixedSize(120, 6)
        self.activity_bar.setRange(0, 0)
        self.activity_bar.hide()
        activity = QHBoxLayout()
        activity.setContentsMargins(24, 0, 24, 6)
        activity.setSpacing(8)
        activity.addWidget(self.activity_label)
        activity.addWidget(self.activity_bar, 0, Qt.AlignmentFlag.AlignVCenter)
        activity.addStretch(1)

        self.tree = QTreeView()
        self.tree.setObjectName("EndpointsTree")
        self.tree.setModel(self.model)
        self.tree.setItemDelegate(EndpointsTreeDelegate(self.tree))
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(False)
        self.tree.setIndentation(18)
        self.tree.setRootIsDecorated(False)  # workspace rows are group headers, always open
        self.tree.setMouseTracking(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setExpandsOnDoubleClick(False)  # double-click opens the Test tab
        tree_header = self.tree.header()
        tree_header.setStretchLastSection(True)
        tree_header.setHighlightSections(False)
        tree_header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        tree_header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in _COLUMN_WIDTHS.items():
            tree_header.resizeSection(column, width)
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._tree_menu)
        self.tree.doubleClicked.connect(self._tree_double_clicked)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        self.model.modelReset.connect(self._after_reset)

        self.detail = self._build_detail()

        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("EndpointsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(1)
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([236, 520])
        # Fitted to its rows on every resize (the page may load while hidden, at a size it
        # never shows at) until the user drags the divider.
        self._user_sized_tree = False
        self.splitter.splitterMoved.connect(self._splitter_dragged)
        self.splitter.installEventFilter(self)

        self.empty_view = EndpointsEmptyView()
        self.empty_view.createRequested.connect(self.open_create_dialog)
        self.loading_label = QLabel("Loading endpoints…")
        self.loading_label.setObjectName("EmptyHint")
        self.loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.loading_label)
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.empty_view)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(activity)
        layout.addWidget(self.stack, 1)
        self._update_actions()

    def _build_detail(self) -> QWidget:
        detail = QFrame()
        detail.setObjectName("EndpointDetail")
        self.monitor_view = EndpointMonitorView(with_toolbar=False)
        self.monitor_view.window_selector.windowChanged.connect(lambda _w: self.request_telemetry())
        self.detail_title = QLabel("")
        self.detail_title.setObjectName("DetailTitle")
        self.status_pill = QLabel("")
        self.stage_pill = QLabel("")
        self.url_label = QLabel("")
        self.url_label.setObjectName("UrlLabel")
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_button = QToolButton()
        self.copy_button.setObjectName("LinkButton")
        self.copy_button.setText("Copy scoring URI")
        self.copy_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.copy_button.clicked.connect(self.copy_scoring_uri)
        self.detail_subtitle = QLabel("")
        self.detail_subtitle.setObjectName("DetailSubtitle")
        title_row = QHBoxLayout()
        title_row.setSpacing(10)
        title_row.addWidget(self.detail_title)
        title_row.addWidget(self.status_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addWidget(self.stage_pill, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addSpacing(8)
        title_row.addWidget(self.url_label, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignVCenter)
        title_row.addStretch(1)
        title_row.addWidget(self.monitor_view.window_selector, 0, Qt.AlignmentFlag.AlignVCenter)
        subtitle_row = QHBoxLayout()
        subtitle_row.setSpacing(10)
        subtitle_row.addWidget(self.detail_subtitle, 1)
        subtitle_row.addWidget(self.monitor_view.caption)

        self.test_view = EndpointTestView()
        self.test_view.sendRequested.connect(self._send)
        self.test_view.resetRequested.connect(self._load_example)
        self.traffic_view = EndpointTrafficView()
        self.traffic_view.applyRequested.connect(self._apply_traffic)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.monitor_view, "Monitoring")
        self.tabs.addTab(self.test_view, "Test")
        self.tabs.addTab(self.traffic_view, "Traffic")
        # The time window and its caption sit in the title rows, right-aligned (as dashboards
        # put their time picker); they apply to the Monitoring tab only.
        self.tabs.currentChanged.connect(lambda _index: self._show_window_selector())

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(24, 12, 24, 10)
        content_layout.setSpacing(4)
        content_layout.addLayout(title_row)
        content_layout.addLayout(subtitle_row)
        content_layout.addSpacing(6)
        content_layout.addWidget(self.tabs, 1)

        self.detail_hint = QLabel("Select an endpoint to see its traffic, latency and errors.")
        self.detail_hint.setObjectName("EmptyHint")
        self.detail_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_stack = QStackedWidget()
        self.detail_stack.addWidget(self.detail_hint)
        self.detail_stack.addWidget(content)
        layout = QVBoxLayout(detail)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.detail_stack)
        return detail

    # -- public API ---------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        """True once the first list (and the selected endpoint's telemetry) came in or failed."""
        return self._loaded

    def set_config(self, config: AppConfig) -> None:
        """Show these workspaces' endpoints (reloads)."""
        if config is not self._config:
            self._capabilities = {}
        self._config = config
        self._configured = True
        self.refresh()

    def set_refresh_interval(self, milliseconds: int) -> None:
        """How often telemetry refreshes while the page is visible."""
        self._timer.setInterval(milliseconds)

    @property
    def refresh_timer(self) -> QTimer:
        """The periodic refresh timer (runs only while the page is visible)."""
        return self._timer

    def workspace(self, name: str) -> WorkspaceConfig:
        """A configured workspace."""
        return self._config.workspace(name)

    def _target(self) -> tuple[WorkspaceConfig, str] | None:
        """The selected endpoint's workspace and name (None when none, or when its workspace
        left the configuration and the list has not caught up yet)."""
        key = self._selected_key
        if len(key) < 2:
            return None
        workspace = next((w for w in self._config.workspaces if w.name == key[0]), None)
        return (workspace, key[1]) if workspace is not None else None

    def selected_key(self) -> Key:
        """Key of the selected row (``()`` when nothing is selected)."""
        return self._selected_key

    def selected_endpoint(self) -> Endpoint | None:
        """The endpoint of the selected row."""
        return self.model.endpoint(self._selected_key) if len(self._selected_key) >= 2 else None

    def select(self, key: Key) -> bool:
        """Select the row with ``key``; False when there is none."""
        index = self.model.index_of(key)
        if not index.isValid():
            return False
        flags = (
            self.tree.selectionModel().SelectionFlag.ClearAndSelect
            | self.tree.selectionModel().SelectionFlag.Rows
        )
        self.tree.selectionModel().setCurrentIndex(index, flags)
        self.tree.scrollTo(index)
        return True

    def refresh(self) -> None:
        """Reload every workspace's endpoints (and then the selected endpoint's telemetry)."""
        if not self._configured:
            return
        self._list_request.begin()
        self._list_busy = True
        worker = self._pool.submit(
            tasks.list_workspace_endpoints,
            self._config,
            opener=self._opener,
            known=dict(self._capabilities),
            name="list endpoints",
        )
        self._list_request.track(worker)
        self._list_request.connect(worker.signals.result, self._on_list)
        self._list_request.connect(worker.signals.error, self._on_list_error)
        self._list_request.connect(worker.signals.finished, self._list_finished)
        if not self.model.workspaces():
            self.stack.setCurrentWidget(self.loading_label)

    def request_telemetry(self) -> None:
        """(Re)load the selected endpoint's telemetry; supersedes a running request."""
        target = self._target()
        if target is None:
            return
        self._telemetry_request.begin()
        if is_azure_endpoint(self.selected_endpoint()):
            # Requests to Azure endpoints are not collected here: nothing local to chart.
            self.monitor_view.show_unavailable(AZURE_TELEMETRY_NOTE, AZURE_TELEMETRY_HINT)
            if self._awaiting_telemetry:
                self._mark_loaded()
            return
        self._telemetry_busy = True
        worker = self._pool.submit(
            tasks.endpoint_telemetry,
            *target,
            self.monitor_view.window_label(),
            name="endpoint telemetry",
        )
        self._telemetry_request.track(worker)
        self._telemetry_request.connect(worker.signals.result, self._on_telemetry)
        self._telemetry_request.connect(worker.signals.error, self._on_telemetry_error)
        self._telemetry_request.connect(worker.signals.finished, self._telemetry_finished)

    def context_actions(self) -> list[tuple[str, Callable[[], None], bool]]:
        """(text, action, enabled) of the selected row's context menu."""
        endpoint = self.selected_endpoint()
        if endpoint is None:
            return []
        idle = not self._actions
        local = not is_azure_endpoint(endpoint)  # Azure ML endpoints are no local processes
        running = endpoint.status is EndpointStatus.RUNNING
        stopped = endpoint.status is EndpointStatus.STOPPED
        deployment = self._selected_key[2] if len(self._selected_key) > 2 else ""
        test_text = (
            f"Send a test request to {deployment}…" if deployment else "Send a test request…"
        )
        return [
            ("Copy scoring URI", self.copy_scoring_uri, True),
            (test_text, self.show_test, not stopped),
            ("Edit traffic…", lambda: self.tabs.setCurrentWidget(self.traffic_view), True),
            ("Start", self.start_selected, idle and local and not running),
            ("Stop…", lambda: self.stop_selected(), idle and local and not stopped),
            (
                "Deploy version…",
                self.open_deploy_dialog,
                idle and not local and not deploy_blocked_reason(endpoint),
            ),
        ]

    def _tree_menu(self, position: Any) -> None:
        from PySide6.QtWidgets import QMenu

        actions = self.context_actions()
        if not actions:
            return
        menu = QMenu(self.tree)
        for position_in_menu, (text, slot, enabled) in enumerate(actions):
            if position_in_menu == 3:
                menu.addSeparator()
            action = menu.addAction(text)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _checked=False, run=slot: run())
        menu.popup(self.tree.viewport().mapToGlobal(position))

    def _tree_double_clicked(self, index: QModelIndex) -> None:
        if self.model.kind(index) in (RowKind.ENDPOINT, RowKind.DEPLOYMENT):
            self.show_test()

    def show_test(self) -> None:
        """Open the Test tab (targeting the selected deployment, if one is selected)."""
        self.tabs.setCurrentWidget(self.test_view)
        self.test_view.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def copy_scoring_uri(self) -> None:
        """Put the selected endpoint's scoring URI on the clipboard."""
        endpoint = self.selected_endpoint()
        if endpoint is not None:
            QGuiApplication.clipboard().setText(endpoint.scoring_uri)
            self.infoPosted.emit(f"Copied {endpoint.scoring_uri}")

    # -- visibility and the refresh timer -----------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Refresh while visible."""
        super().showEvent(event)
        if not self._timer.isActive():
            self._timer.start()
            if self._loaded:
                self._tick()

    def hideEvent(self, event: QHideEvent) -> None:
        """No refreshing while hidden."""
        super().hideEvent(event)
        self._timer.stop()

    def _tick(self) -> None:
        if not self._configured or not self.isVisible():
            return
        self._ticks += 1
        if not self._telemetry_busy and len(self._selected_key) >= 2:
            self.request_telemetry()
        if self._ticks % HEALTH_EVERY == 0 and not self._list_busy and not self._actions:
            self.refresh()

    # -- list results -------------------------------------------------------------------------

    def _on_list(self, items: list[tasks.WorkspaceEndpoints]) -> None:
        self._capabilities = {i.workspace: Capability(i.supported, i.reason) for i in items}
        reset = self.model.set_workspaces(items)
        if not reset:
            self._refresh_detail()
        self._update_header(items)
        first_load = not self._loaded and not self._awaiting_telemetry
        if self.model.endpoint_count():
            self.stack.setCurrentWidget(self.splitter)
        else:
            self.empty_view.set_situation(items, bool(self._config.workspaces))
            self.stack.setCurrentWidget(self.empty_view)
        pending, self._pending_select = self._pending_select, ()
        if pending and self.model.index_of(pending).isValid():
            self.select(pending)
        elif len(self._selected_key) < 2 or not self.model.index_of(self._selected_key).isValid():
            first = self.model.endpoints()[0] if self.model.endpoint_count() else None
            if first is not None:
                self.select((first.workspace, first.name))
            else:
                self._set_selected(())
        if first_load:
            if len(self._selected_key) >= 2 and self._telemetry_busy:
                self._awaiting_telemetry = True
            else:
                self._mark_loaded()

    def _on_list_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.errorOccurred.emit(error)
        self._set_activity(f"Could not list endpoints: {describe_error(error)}")
        if self.stack.currentWidget() is self.loading_label:
            self.empty_view.set_situation([], bool(self._config.workspaces))
            self.stack.setCurrentWidget(self.empty_view)
        self._mark_loaded()

    def _list_finished(self) -> None:
        self._list_busy = False

    def _mark_loaded(self) -> None:
        self._awaiting_telemetry = False
        if not self._loaded:
            self._loaded = True
            self.dataLoaded.emit()

    def _before_reset(self) -> None:
        self._reset_key = self._selected_key

    def _after_reset(self) -> None:
        self.tree.expandAll()
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        QTimer.singleShot(0, self, self._fit_tree)
        key, self._reset_key = self._reset_key, ()
        # A deployment that went keeps its endpoint selected; a gone endpoint clears it.
        if key and not self.select(key) and not (len(key) > 2 and self.select(key[:2])):
            self._set_selected(())

    def _splitter_dragged(self, _pos: int, _index: int) -> None:
        self._user_sized_tree = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Re-fit the tree when the splitter gets its real size (shown, window resized)."""
        if watched is self.splitter and event.type() == QEvent.Type.Resize:
            QTimer.singleShot(0, self, self._fit_tree)
        return super().eventFilter(watched, event)

    def _fit_tree(self) -> None:
        """Give the tree the height of its rows (at least MIN_TREE_ROWS of them, else at most
        about half the page), the rest to the details; a divider the user moved stays."""
        if self._user_sized_tree:
            return
        heights = []
        index = self.model.index(0, 0)
        while index.isValid():
            group = index.data(KIND_ROLE) == RowKind.WORKSPACE
            heights.append(GROUP_ROW_HEIGHT if group else ROW_HEIGHT)
            index = self.tree.indexBelow(index)
        frame = self.tree.header().sizeHint().height() + 2 * self.tree.frameWidth() + 2
        wanted = frame + sum(heights)
        floor = frame + sum(heights[:MIN_TREE_ROWS])
        total = sum(self.splitter.sizes())
        if total <= 0:
            return
        top = max(min(wanted, max(int(total * 0.45), floor)), 120)
        self.splitter.setSizes([top, total - top])

    def _update_header(self, items: list[tasks.WorkspaceEndpoints]) -> None:
        endpoints = [e for i in items for e in i.endpoints]
        running = sum(1 for e in endpoints if e.status is EndpointStatus.RUNNING)
        deployments = sum(len(e.deployments) for e in endpoints)
        attention = [
            e for e in endpoints if e.status in (EndpointStatus.DEGRADED, EndpointStatus.DEAD)
        ]
        parts = [
            f"{len(endpoints)} endpoint(s) across {len(items)} workspace(s)",
            f"{running} running",
            f"{deployments} deployment(s)",
        ]
        if attention:
            parts.append(f"{len(attention)} need attention")
        self.subtitle_label.setText(" · ".join(parts))

    # -- selection ----------------------------------------------------------------------------

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.tree.selectionModel().selectedRows()
        key = self.model.key(rows[0]) if rows else ()
        if key and len(key) < 2:
            return  # a workspace group row
        self._set_selected(key)

    def _set_selected(self, key: Key) -> None:
        previous = self._selected_key[:2]
        self._selected_key = key
        endpoint_changed = key[:2] != previous
        if endpoint_changed:
            self._telemetry_request.begin()
            self._telemetry_busy = False
            self._invoke_request.begin()
            self._example_request.begin()
            self.monitor_view.clear()
        self._refresh_detail(force=endpoint_changed)
        if len(key) > 2:
            self.test_view.set_target_deployment(key[2])
        if endpoint_changed:
            endpoint = self.selected_endpoint()
            self.selectedEndpointChanged.emit(endpoint)
            if endpoint is not None:
                self.request_telemetry()
                self._load_example(key[2] if len(key) > 2 else "")
            elif self._awaiting_telemetry:
                self._mark_loaded()
        self._update_actions()

    def _refresh_detail(self, *, force: bool = False) -> None:
        endpoint = self.selected_endpoint()
        if endpoint is None:
            self.detail_stack.setCurrentWidget(self.detail_hint)
            self.test_view.set_endpoint(None)
            self.traffic_view.set_endpoint(None, {}, force=True)
            self._update_actions()
            return
        self.detail_stack.setCurrentIndex(1)
        colors = self.model.colors(self._selected_key)
        status = endpoint.status.value
        self.detail_title.setText(endpoint.name)
        background, color = _STATUS_TINTS.get(status, ("#EEF1F4", "#57606A"))
        # Azure ML: its provisioning state, as the tree shows it.
        azure_state = getattr(endpoint, "provisioning_state", "")
        self.status_pill.setText(f"● {azure_state or status_text(status)}")
        self.status_pill.setStyleSheet(_pill_style(background, color))
        item = self.model.workspace_at(self.model.index_of(self._selected_key[:1]))
        stage = item.stage if item is not None else None
        if stage is not None:
            self.stage_pill.setText(stage.value)
            self.stage_pill.setStyleSheet(
                _pill_style(style.STAGE_TINTS[stage], style.STAGE_SHADES[stage])
            )
            self.stage_pill.show()
        else:
            self.stage_pill.hide()
        self.url_label.setText(endpoint.scoring_uri)
        models = sorted({f"{d.registered_model} v{d.version}" for d in endpoint.deployments})
        healthy = sum(1 for d in endpoint.deployments if d.status.value == "healthy")
        if is_azure_endpoint(endpoint):
            self.detail_subtitle.setText(azure_endpoint_summary(endpoint))
        else:
            self.detail_subtitle.setText(
                f"Workspace {endpoint.workspace} · {len(endpoint.deployments)} deployment(s), "
                f"{healthy} healthy · serves {', '.join(models) or 'nothing'}"
                + (f" · router pid {endpoint.router_pid}" if endpoint.router_pid else "")
            )
        self.test_view.set_endpoint(endpoint)
        self.traffic_view.set_endpoint(endpoint, colors, force=force)
        # Azure ML: no local window or figures (the telemetry is in Azure Monitor).
        self.monitor_view.set_local_telemetry(not is_azure_endpoint(endpoint))
        self._show_window_selector()
        self._update_actions()

    def _show_window_selector(self) -> None:
        """The time window and caption belong to the Monitoring tab (window: local only)."""
        monitoring = self.tabs.currentIndex() == 0
        local = self.monitor_view.local_telemetry
        self.monitor_view.window_selector.setVisible(monitoring and local)
        self.monitor_view.caption.setVisible(monitoring)

    def _update_actions(self) -> None:
        endpoint = self.selected_endpoint()
        busy = bool(self._actions)
        stopped = endpoint is not None and endpoint.status is EndpointStatus.STOPPED
        needs_start = endpoint is not None and endpoint.status is not EndpointStatus.RUNNING
        # Azure ML endpoints are not local processes: nothing to start or stop here.
        local = endpoint is not None and not is_azure_endpoint(endpoint)
        self.start_button.setEnabled(local and needs_start and not busy)
        self.stop_button.setEnabled(local and not stopped and not busy)
        # Create endpoint… makes local endpoints; Azure ML endpoints get Deploy version….
        supported = any(i.supported and not i.azure for i in self.model.workspaces())
        self.create_button.setEnabled(supported and not busy)
        # Azure ML endpoints: a new deployment of a registered version (permission-gated).
        blocked = deploy_blocked_reason(endpoint)
        azure = endpoint is not None and is_azure_endpoint(endpoint)
        self.deploy_button.setEnabled(azure and not blocked and not busy)
        self.deploy_button.setToolTip(
            f"You may not create deployments in {endpoint.workspace}: {blocked}"
            if blocked and endpoint is not None
            else DEPLOY_TIP
        )

    # -- telemetry ----------------------------------------------------------------------------

    def _on_telemetry(self, telemetry: tasks.EndpointTelemetry) -> None:
        if telemetry.key != self._selected_key[:2]:
            return  # an older selection's answer (belt and braces: LatestRequest drops them)
        self._telemetry_failing = ()
        self.monitor_view.set_telemetry(telemetry, self.model.colors(self._selected_key))
        if self._awaiting_telemetry:
            self._mark_loaded()

    def _on_telemetry_error(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.monitor_view.show_note(f"Could not read telemetry: {describe_error(error)}")
            if self._telemetry_failing != self._selected_key[:2]:
                # Reported once per endpoint, not on every refresh, until it reads again.
                self._telemetry_failing = self._selected_key[:2]
                self.errorOccurred.emit(error)
        if self._awaiting_telemetry:
            self._mark_loaded()

    def _telemetry_finished(self) -> None:
        self._telemetry_busy = False

    # -- test panel ---------------------------------------------------------------------------

    def _load_example(self, deployment: str) -> None:
        target = self._target()
        if target is None:
            return
        self._example_request.begin()
        worker = self._pool.submit(
            tasks.load_input_example,
            *target,
            deployment or None,
            name="input example",
        )
        self._example_request.track(worker)
        self._example_request.connect(worker.signals.result, self.test_view.set_example)
        self._example_request.connect(
            worker.signals.error,
            lambda error: (
                isinstance(error, Cancelled)
                or self.test_view.set_example_error(describe_error(error))
            ),
        )

    def _send(self, body: bytes, deployment: str) -> None:
        target = self._target()
        if target is None:
            return
        self._invoke_request.begin()
        self.test_view.set_busy(True)
        worker = self._pool.submit(
            tasks.invoke_endpoint,
            *target,
            body,
            deployment or None,
            name="test request",
        )
        self._invoke_request.track(worker)
        self._invoke_request.connect(worker.signals.result, self._on_invoked)
        self._invoke_request.connect(worker.signals.error, self._on_invoke_error)

    def _on_invoked(self, result: Any) -> None:
        self.test_view.show_result(result)
        # The router stores the request within about half a second: show it in the charts.
        QTimer.singleShot(AFTER_SEND_REFRESH_MS, self, self._refresh_telemetry_if_idle)

    def _refresh_telemetry_if_idle(self) -> None:
        if not self._telemetry_busy:
            self.request_telemetry()

    def _on_invoke_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            self.test_view.set_busy(False)
            return
        self.test_view.show_error(describe_error(error))

    # -- actions (traffic, start, stop, create) -----------------------------------------------

    def _set_activity(self, text: str) -> None:
        self.activity_label.setText(text)
        self.activity_label.setVisible(bool(text))

    def _run_action(
        self,
        fn: Callable[..., Any],
        *args: Any,
        message: str,
        on_result: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Worker:
        worker = self._pool.submit(fn, *args, name=message, **kwargs)
        self._actions.append(worker)
        self._set_activity(message)
        self.activity_bar.show()
        worker.signals.progress.connect(
            lambda _d, _t, text: self._set_activity(text[:1].upper() + text[1:])
        )
        worker.signals.result.connect(on_result)

        def failed(error: BaseException) -> None:
            if on_error is not None:
                on_error(error)
            if not isinstance(error, Cancelled):
                self.errorOccurred.emit(error)

        worker.signals.error.connect(failed)
        worker.signals.finished.connect(lambda: self._action_finished(worker))
        self._update_actions()
        return worker

    def _action_finished(self, worker: Worker) -> None:
        if worker in self._actions:
            self._actions.remove(worker)
        if not self._actions:
            self.activity_bar.hide()
            if self.activity_label.text().endswith("…"):
                self._set_activity("")
        self._update_actions()
        self.refresh()

    @property
    def busy(self) -> bool:
        """True while an action (traffic, start, stop, create) runs."""
        return bool(self._actions)

    def _apply_traffic(self, traffic: dict[str, int], mirror: dict[str, int]) -> None:
        key = self._selected_key[:2]
        if len(key) < 2:
            return
        self.traffic_view.set_busy(True)

        def applied(endpoint: Endpoint) -> None:
            split = ", ".join(f"{k} {v} %" for k, v in endpoint.traffic.items())
            self.infoPosted.emit(f"Traffic of {key[1]} ({key[0]}): {split}")
            if (
                self.traffic_view.endpoint is not None
                and (
                    self.traffic_view.endpoint.workspace,
                    self.traffic_view.endpoint.name,
                )
                == key
            ):
                self.traffic_view.show_applied(endpoint, self.model.colors(key))
            self._set_activity(f"Traffic of {key[1]} applied: {split}")

        def failed(error: BaseException) -> None:
            self.traffic_view.show_error(describe_error(error))
            self._set_activity("")

        target = self._target()
        if target is None:
            self.traffic_view.show_error("the endpoint's workspace is no longer configured")
            return
        self._run_action(
            tasks.apply_traffic,
            *target,
            traffic,
            mirror,
            message=f"Applying the traffic split of {key[1]}…",
            on_result=applied,
            on_error=failed,
        )

    def start_selected(self) -> None:
        """Start the selected endpoint (or restart what died in it)."""
        endpoint, target = self.selected_endpoint(), self._target()
        if endpoint is None or target is None or is_azure_endpoint(endpoint):
            return
        self._run_action(
            tasks.start_endpoint,
            *target,
            message=f"Starting {endpoint.name}…",
            on_result=lambda e: self._action_done(f"Endpoint {e.name} serves at {e.url}"),
        )

    def stop_selected(self, *, confirm: bool = True) -> None:
        """Stop the selected endpoint (after asking, unless ``confirm`` is False)."""
        endpoint, target = self.selected_endpoint(), self._target()
        if endpoint is None or target is None or is_azure_endpoint(endpoint):
            return
        if confirm and not self.confirm(
            f"Stop {endpoint.name}?",
            f"Stop endpoint {endpoint.name} in workspace {endpoint.workspace}? Its address "
            f"{endpoint.url} stops answering until you start it again; port, deployments and "
            "collected data are kept.",
        ):
            return
        self._run_action(
            tasks.stop_endpoint,
            *target,
            message=f"Stopping {endpoint.name}…",
            on_result=lambda e: self._action_done(f"Endpoint {e.name} stopped"),
        )

    def _action_done(self, message: str) -> None:
        self._set_activity(message)
        self.infoPosted.emit(message)

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def open_create_dialog(self) -> Any:
        """The *Create endpoint* dialog (non-blocking); returns it."""
        from mlops_desktop.ui.endpoints.create_endpoint_dialog import CreateEndpointDialog

        supported = [
            self._config.workspace(i.workspace)
            for i in self.model.workspaces()
            if i.supported and not i.azure
        ]
        taken = {i.workspace: {e.name for e in i.endpoints} for i in self.model.workspaces()}
        dialog = CreateEndpointDialog(
            supported, self._pool, opener=self._opener, taken=taken, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.createRequested.connect(self.create_endpoint)
        dialog.open()
        return dialog

    def create_endpoint(
        self, workspace: str, name: str, model: str, version: str, port: int | None
    ) -> Worker:
        """Create an endpoint in a worker; selects it when ready."""

        def created(endpoint: Endpoint) -> None:
            self._pending_select = (endpoint.workspace, endpoint.name)
            self._action_done(f"Endpoint {endpoint.name} serves at {endpoint.scoring_uri}")

        return self._run_action(
            tasks.create_endpoint,
            self.workspace(workspace),
            name,
            model,
            version,
            port,
            message=f"Creating endpoint {name} in {workspace}…",
            on_result=created,
        )

    def open_deploy_dialog(self) -> Any:
        """*Deploy version…* of the selected Azure ML endpoint (non-blocking); returns it."""
        from mlops_desktop.ui.endpoints.deploy_version_dialog import DeployVersionDialog

        endpoint, target = self.selected_endpoint(), self._target()
        if endpoint is None or target is None or not is_azure_endpoint(endpoint):
            return None
        dialog = DeployVersionDialog(
            target[0],
            endpoint.name,
            self._pool,
            taken=tuple(d.name for d in endpoint.deployments),
            blocked=deploy_blocked_reason(endpoint),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.deployed.connect(self._deployed)
        dialog.open()
        return dialog

    def _deployed(self, workspace: str, endpoint: str, deployment: str) -> None:
        """Select the new deployment once the tree has it (the list is read again)."""
        self._pending_select = (workspace, endpoint, deployment)
        self._action_done(f"Deployment {deployment} of {endpoint} created at 0 % traffic")
        self.refresh()
