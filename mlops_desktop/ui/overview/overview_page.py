"""The Overview page, the window's first: every model across dev → staging → prod at a glance.

Stages are columns (one per stage and workspace, in the stage colours), models are rows; each
cell is an :class:`~.overview_card_view.OverviewCardView` whose parts open the page behind them
(``openRequested(page, target)``; the window does the navigating). The snapshot is read in a
worker (:func:`~.tasks_overview.overview_snapshot`); F5 reloads it with everything else.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.overview import text
from mlops_desktop.overview.entities import Column, Health, OverviewSnapshot, Page
from mlops_desktop.ui.common.backend_tasks import BackendOpener, describe_error
from mlops_desktop.ui.overview.overview_card_view import ElidedLinkButton, OverviewCardView
from mlops_desktop.ui.overview.tasks_overview import overview_snapshot
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

#: The page's sheet in light-theme colours (translated for the dark theme).
_SHEET = """
QFrame#OverviewCard { background: #FFFFFF; border: 1px solid #D8DEE4; border-radius: 8px; }
QFrame#OverviewCard[health="bad"] { border-left: 3px solid #DC2626; }
QFrame#OverviewCard[health="warn"] { border-left: 3px solid #D97706; }
QFrame#OverviewCard[empty="true"] { background: #F8FAFC; border: 1px dashed #D8DEE4; }
QFrame#OverviewColumnHeader { border-radius: 8px; }
QFrame#OverviewColumnHeader[stage="dev"] { background: #E8F0FE; border-top: 3px solid #2563EB; }
QFrame#OverviewColumnHeader[stage="staging"] {
    background: #FEF3E2; border-top: 3px solid #D97706; }
QFrame#OverviewColumnHeader[stage="prod"] { background: #E6F6EC; border-top: 3px solid #16A34A; }
QFrame#OverviewColumnHeader[stage=""] { background: #EEF1F4; border-top: 3px solid #8C959F; }
QLabel#OverviewStage { font-weight: 600; font-size: 14px; }
QLabel#OverviewStage[stage="dev"] { color: #1E4FC2; }
QLabel#OverviewStage[stage="staging"] { color: #9A5A05; }
QLabel#OverviewStage[stage="prod"] { color: #0F7A36; }
QLabel#OverviewWorkspace, QLabel#OverviewMuted, QLabel#OverviewNumbers { color: #656D76; }
QLabel#OverviewMetric { color: #656D76; font-size: 12px; }
QLabel#OverviewShare { color: #B45309; font-size: 12px; }
QLabel#OverviewLineage { color: #656D76; font-size: 12px; }
QLabel#OverviewModel { font-weight: 600; font-size: 13px; color: #1F2328; }
QLabel#OverviewDot[health="ok"] { color: #16A34A; }
QLabel#OverviewDot[health="warn"] { color: #D97706; }
QLabel#OverviewDot[health="bad"] { color: #DC2626; }
QLabel#OverviewDot[health="idle"] { color: #8C959F; }
QPushButton#OverviewLink {
    border: none; background: transparent; color: #2563EB; padding: 1px 0px; text-align: left;
    min-height: 0px; }
QPushButton#OverviewLink:hover { text-decoration: underline; }
QPushButton#OverviewLink[tone="strong"] { color: #1F2328; font-weight: 600; font-size: 13px; }
QPushButton#OverviewLink[tone="muted"] { color: #656D76; }
QPushButton#OverviewLink[health="warn"] { color: #B45309; }
QPushButton#OverviewLink[health="bad"] { color: #B91C1C; }
QToolButton#OverviewPill {
    border: none; border-radius: 9px; padding: 1px 8px; font-size: 12px;
    background: #EEF1F4; color: #656D76; }
QToolButton#OverviewPill[health="ok"] { background: #DCFCE7; color: #166534; }
QToolButton#OverviewPill[health="warn"] { background: #FEF3C7; color: #92400E; }
QToolButton#OverviewPill[health="bad"] { background: #FEE2E2; color: #991B1B; }
QLabel#OverviewChip {
    background: #F3F5F8; border: 1px solid #D8DEE4; border-radius: 10px; padding: 2px 10px;
    color: #1F2328; }
QLabel#OverviewChip[health="bad"] { background: #FEE2E2; color: #991B1B; border-color: #FEE2E2; }
QLabel#OverviewChip[health="warn"] { background: #FEF3C7; color: #92400E; border-color: #FEF3C7; }
QLabel#OverviewChip[health="ok"] { background: #DCFCE7; color: #166534; border-color: #DCFCE7; }
"""

#: Width of the model names' column.
ROW_HEADER_WIDTH = 132


def _stage_key(column: Column) -> str:
    return column.stage.value if column.stage else ""


class OverviewPage(QWidget):
    """Models × stages across every workspace; emits ``openRequested(page, target)``."""

    #: The first snapshot is in (or failed).
    dataLoaded = Signal()
    errorOccurred = Signal(object)
    #: A part of a cell was clicked: the page key and what to select there (a tuple).
    openRequested = Signal(str, object)
    #: A snapshot was shown (tests and the window's status).
    snapshotShown = Signal(object)
    #: The empty page's buttons (no workspaces yet): the window's own actions.
    createDemoRequested = Signal()
    addWorkspaceRequested = Signal()

    def __init__(
        self,
        pool: WorkerPool,
        *,
        opener: BackendOpener | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("OverviewPage")
        self._pool = pool
        self._opener = opener
        self._config: AppConfig | None = None
        self._loaded = False
        #: The configuration changed since the last read (read when next shown).
        self._stale = False
        self._snapshot: OverviewSnapshot | None = None
        self._cards: dict[tuple[str, str, str], OverviewCardView] = {}
        self._request = LatestRequest(self)
        self._build()
        style.set_themed_style_sheet(self, _SHEET)

    # -- layout ---------------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        title = QLabel("Overview")
        title.setObjectName("PageTitle")
        self.subtitle = QLabel(
            "Every model across dev → staging → prod: champion, endpoint health and last-hour "
            "traffic, drift, approvals, retraining and what is wrong. Click any part to open it."
        )
        self.subtitle.setObjectName("PageSubtitle")
        self.subtitle.setWordWrap(True)
        titles.addWidget(title)
        titles.addWidget(self.subtitle)
        header.addLayout(titles, 1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("Read every workspace again (F5)")
        self.refresh_button.clicked.connect(self.refresh)
        header.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(header)

        self.summary_row = QHBoxLayout()
        self.summary_row.setSpacing(6)
        self.status_label = QLabel("")
        self.status_label.setObjectName("PageSubtitle")
        self.summary_row.addWidget(self.status_label)
        self.summary_row.addStretch(1)
        layout.addLayout(self.summary_row)

        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(10)
        self.scroll = QScrollArea()
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid_host)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        layout.addWidget(self.scroll, 1)

    # -- loading --------------------------------------------------------------------------------

    def is_loaded(self) -> bool:
        """True once the first snapshot is in (or failed), and while the page is hidden: it
        reads only when shown, so a hidden Overview keeps nobody waiting (nor busy)."""
        return self._loaded or not self.isVisible()

    def snapshot(self) -> OverviewSnapshot | None:
        """The snapshot on display."""
        return self._snapshot

    def set_config(self, config: AppConfig) -> None:
        """The configuration changed (start, F5, a new workspace): read everything again now
        if the page is shown, else when it is next shown."""
        self._config = config
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:
        """Read what changed while the page was hidden."""
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def refresh(self) -> None:
        """Read the snapshot in a worker (supersedes a running read)."""
        if self._config is None:
            return
        self._stale = False
        if not self._config.workspaces:
            self._request.cancel()
            self._show_empty()
            self._mark_loaded()
            return
        self._request.begin()
        worker = self._pool.submit(
            overview_snapshot, self._config, opener=self._opener, name="overview"
        )
        self._request.track(worker)
        self._request.connect(worker.signals.result, self._on_snapshot)
        self._request.connect(worker.signals.error, self._on_error)
        self.refresh_button.setEnabled(False)
        count = len(self._config.workspaces)
        self.status_label.setText(f"Reading {count} workspace{'s' if count != 1 else ''}…")

    def _mark_loaded(self) -> None:
        self.refresh_button.setEnabled(True)
        if not self._loaded:
            self._loaded = True
            self.dataLoaded.emit()

    def _on_error(self, error: BaseException) -> None:
        if not isinstance(error, Cancelled):
            self.status_label.setText(f"Could not read the overview: {describe_error(error)}")
            self.errorOccurred.emit(error)
        self._mark_loaded()

    def _on_snapshot(self, snapshot: OverviewSnapshot) -> None:
        self._snapshot = snapshot
        self._show(snapshot)
        self._mark_loaded()
        self.snapshotShown.emit(snapshot)

    # -- drawing --------------------------------------------------------------------------------

    def _clear(self) -> None:
        self._cards.clear()
        for r in range(self.grid.rowCount()):
            self.grid.setRowStretch(r, 0)
        for c in range(self.grid.columnCount()):
            self.grid.setColumnStretch(c, 0)
            self.grid.setColumnMinimumWidth(c, 0)
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        while self.summary_row.count() > 2:  # keep the status label and the stretch
            item = self.summary_row.takeAt(1)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()

    def _show_empty(self) -> None:
        self._clear()
        self.status_label.setText("")
        note = QLabel(
            "No workspaces yet. Create the demo — dev, staging and prod with trained models and "
            "live endpoints — or add your own workspace: this page then shows every model in "
            "every stage at a glance."
        )
        note.setObjectName("PageSubtitle")
        note.setWordWrap(True)
        self.demo_button = QPushButton("Create demo workspaces")
        self.demo_button.setObjectName("PrimaryButton")
        self.demo_button.clicked.connect(self.createDemoRequested)
        self.add_button = QPushButton("Add workspace…")
        self.add_button.clicked.connect(self.addWorkspaceRequested)
        buttons = QWidget()
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.demo_button)
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.grid.addWidget(note, 0, 0)
        self.grid.addWidget(buttons, 1, 0)
        self.grid.setRowStretch(2, 1)

    def _show(self, snapshot: OverviewSnapshot) -> None:
        self._clear()
        self.status_label.setText(f"Updated {snapshot.taken_at[11:19]} UTC")
        for chip in self._summary_chips(snapshot):
            self.summary_row.insertWidget(self.summary_row.count() - 1, chip)
        grid = self.grid
        grid.addWidget(QWidget(), 0, 0)
        for c, column in enumerate(snapshot.columns, start=1):
            grid.addWidget(self._column_header(column), 0, c)
            grid.setColumnStretch(c, 1)
            grid.setColumnMinimumWidth(c, 170)
        grid.setColumnMinimumWidth(0, ROW_HEADER_WIDTH)
        if not snapshot.models:
            note = QLabel(
                "No registered models yet: train one (`mlops-desktop demo` or a training job) "
                "and it appears here in every stage it reaches."
            )
            note.setObjectName("PageSubtitle")
            note.setWordWrap(True)
            grid.addWidget(note, 1, 1, 1, max(1, len(snapshot.columns)))
        for r, model in enumerate(snapshot.models, start=1):
            grid.addWidget(self._row_header(model, snapshot), r, 0, Qt.AlignmentFlag.AlignTop)
            for c, column in enumerate(snapshot.columns, start=1):
                cell = snapshot.cell(model, column)
                if cell is None:
                    continue
                card = OverviewCardView(cell, column)
                if cell.champion is None:
                    card.setProperty("empty", "true")
                card.openRequested.connect(self.openRequested)
                self._cards[cell.key] = card
                grid.addWidget(card, r, c)
        row = len(snapshot.models) + 1
        extra = self._global_problems(snapshot)
        if extra is not None:
            grid.addWidget(extra, row, 0, 1, len(snapshot.columns) + 1)
            row += 1
        grid.setRowStretch(row, 1)
        grid.addWidget(QWidget(), row, 0)

    def _column_header(self, column: Column) -> QFrame:
        frame = QFrame()
        frame.setObjectName("OverviewColumnHeader")
        frame.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        frame.setMinimumWidth(170)
        frame.setProperty("stage", _stage_key(column))
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        top = QHBoxLayout()
        stage = QLabel(column.stage.label if column.stage else "No stage")
        stage.setObjectName("OverviewStage")
        stage.setProperty("stage", _stage_key(column))
        top.addWidget(stage)
        top.addStretch(1)
        health = {"online": Health.OK, "connecting": Health.IDLE, "unknown": Health.IDLE}.get(
            column.state, Health.BAD
        )
        state = style.STATE_LABELS.get(_state(column.state), column.state)
        dot = QLabel("●")
        dot.setObjectName("OverviewDot")
        dot.setProperty("health", health.value)
        dot.setToolTip(f"{state}{': ' + column.state_detail if column.state_detail else ''}")
        top.addWidget(dot)
        layout.addLayout(top)
        where = QLabel(f"{column.workspace} · {column.kind} · {state.lower()}")
        where.setObjectName("OverviewWorkspace")
        where.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        where.setToolTip(where.text())
        layout.addWidget(where)
        for problem in column.problems:
            link = ElidedLinkButton(f"⚠ {problem.text}")
            link.setProperty("health", problem.severity.value)
            link.setToolTip(problem.text)
            link.clicked.connect(
                lambda _=False, p=problem: self.openRequested.emit(
                    str(p.page or Page.MODELS), tuple(p.target)
                )
            )
            layout.addWidget(link)
        return frame

    def _row_header(self, model: str, snapshot: OverviewSnapshot) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 8, 4, 0)
        layout.setSpacing(2)
        name = QLabel(model)
        name.setObjectName("OverviewModel")
        name.setWordWrap(True)
        name.setFixedWidth(ROW_HEADER_WIDTH - 8)
        layout.addWidget(name)
        cells = [c for c in snapshot.cells if c.model == model]
        stages = sum(1 for c in cells if c.champion is not None)
        problems = sum(len(c.problems) for c in cells)
        detail = f"in {stages} of {len(cells)} stage{'s' if len(cells) != 1 else ''}"
        if problems:
            detail += f"\n{problems} open problem{'s' if problems != 1 else ''}"
        summary = QLabel(detail)
        summary.setObjectName("OverviewWorkspace")
        layout.addWidget(summary)
        return box

    def _summary_chips(self, snapshot: OverviewSnapshot) -> list[QLabel]:
        endpoints = [e for c in snapshot.cells for e in c.endpoints]
        healthy = sum(1 for e in endpoints if e.health is Health.OK)
        requests = sum(e.traffic.requests for e in endpoints if e.traffic is not None)
        drifting = sum(1 for c in snapshot.cells if c.drift and c.drift.verdict == "drift")
        approvals = sum(len(c.approvals) for c in snapshot.cells)
        problems = len(snapshot.all_problems())
        chips = [
            (
                f"{healthy}/{len(endpoints)} endpoints healthy",
                Health.OK if healthy == len(endpoints) else Health.WARN,
            ),
            (f"{requests} requests in the last hour", None),
            (f"{drifting} drifting", Health.BAD if drifting else Health.OK),
            (
                f"{approvals} approval{'s' if approvals != 1 else ''} pending",
                Health.WARN if approvals else None,
            ),
            (
                f"{problems} open problem{'s' if problems != 1 else ''}",
                Health.BAD if problems else Health.OK,
            ),
        ]
        labels = []
        for label, health in chips:
            chip = QLabel(label)
            chip.setObjectName("OverviewChip")
            if health is not None:
                chip.setProperty("health", health.value)
            labels.append(chip)
        return labels

    def _global_problems(self, snapshot: OverviewSnapshot) -> QWidget | None:
        if not snapshot.problems:
            return None
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 4, 0, 0)
        heading = QLabel("Across every stage")
        heading.setObjectName("OverviewModel")
        layout.addWidget(heading)
        self.global_problem_buttons = []
        for problem in snapshot.problems:
            link = ElidedLinkButton(f"⚠ {problem.text}")
            link.setProperty("health", problem.severity.value)
            link.clicked.connect(
                lambda _=False, p=problem: self.openRequested.emit(
                    str(p.page or Page.MODELS), tuple(p.target)
                )
            )
            self.global_problem_buttons.append(link)
            layout.addWidget(link)
        return box

    # -- for tests and the window ---------------------------------------------------------------

    def card(self, model: str, workspace: str, stage: str) -> OverviewCardView | None:
        """The card of ``model`` in (``workspace``, ``stage``)."""
        return self._cards.get((model, workspace, stage))

    def cards(self) -> list[OverviewCardView]:
        """Every card, row by row."""
        return list(self._cards.values())

    def column_titles(self) -> list[str]:
        """The columns' titles, left to right."""
        if self._snapshot is None:
            return []
        return [text.column_title(c) for c in self._snapshot.columns]


def _state(value: str) -> Any:
    from mlops_desktop.core.entities import ConnectionState

    try:
        return ConnectionState(value)
    except ValueError:
        return value
