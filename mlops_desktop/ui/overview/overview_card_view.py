"""One cell of the Overview grid: a model in one stage, each part a link to the page behind it.

The card shows the champion (→ Models page on that version), each endpoint serving it with a
health dot and its last hour as a sparkline and numbers (→ Endpoints page on that endpoint), the
drift verdict (→ Drift page), pending approvals (→ Models page on the requested version), last
and next retraining (→ Jobs page) and every open problem (→ its page). Colours come from the
page's themed style sheet through the ``health`` / ``tone`` properties.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.overview import text
from mlops_desktop.overview.entities import Cell, Column, EndpointGlance, Health, Page
from mlops_desktop.ui.overview.sparkline_view import SparklineView
from mlops_desktop.ui.shell import style

#: Bar colour of a sparkline per endpoint health (light theme; the dark one maps them).
SPARK_COLORS = {
    Health.OK: "#2563EB",
    Health.WARN: "#D97706",
    Health.BAD: "#DC2626",
    Health.IDLE: "#8C959F",
}


class ElidedLinkButton(QPushButton):
    """A flat, left-aligned link whose text elides to its width (all of it in the tooltip)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = label
        self.setObjectName("OverviewLink")
        self.setFlat(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(label)
        self.setText(label)

    def sizeHint(self) -> QSize:
        """The whole text's width, so the layout offers it room; eliding never changes it."""
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(self.full_text) + 8, metrics.height() + 4)

    def minimumSizeHint(self) -> QSize:
        """Narrow: the text elides instead."""
        return QSize(40, self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-elide for the new width."""
        super().resizeEvent(event)
        room = max(10, self.width() - 6)
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            self.setText(shown)


class ElidedLabel(QLabel):
    """A one-line label that elides to its width instead of clipping (all of it in
    :attr:`full_text` and the tooltip)."""

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(label, parent)
        self.full_text = label
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(30)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-elide for the new width."""
        super().resizeEvent(event)
        room = max(10, self.width() - 2)
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, room)
        if shown != self.text():
            self.setText(shown)


def _pill(label: str, health: Health, tip: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName("OverviewPill")
    button.setProperty("health", health.value)
    button.setText(label)
    button.setToolTip(tip)
    button.setAccessibleName(label)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def _dot(health: Health, tip: str) -> QLabel:
    dot = QLabel("●")
    dot.setObjectName("OverviewDot")
    dot.setProperty("health", health.value)
    dot.setToolTip(tip)
    return dot


def _muted(label: str, tip: str = "") -> QLabel:
    widget = QLabel(label)
    widget.setObjectName("OverviewMuted")
    widget.setToolTip(tip or label)
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    widget.setWordWrap(True)
    return widget


def _row(*widgets: QWidget, stretch_last: bool = False) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for widget in widgets:
        row.addWidget(widget)
    if not stretch_last:
        row.addStretch(1)
    return row


def _drift_label(verdict: str, features: tuple[str, ...]) -> str:
    """A short pill label: ``drift: bmi +2``, ``no drift``, ``drift: unchecked``."""
    if verdict == "drift":
        if not features:
            return "drift"
        more = f" +{len(features) - 1}" if len(features) > 1 else ""
        return f"drift: {features[0]}{more}"
    if verdict == "not checked":
        return "drift: unchecked"
    if verdict == "error":
        return "drift: check failed"
    return verdict


class OverviewCardView(QFrame):
    """A model in one (stage, workspace); emits ``openRequested(page, target)``."""

    openRequested = Signal(str, object)

    def __init__(self, cell: Cell, column: Column, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cell = cell
        self.column = column
        self.setObjectName("OverviewCard")
        self.setProperty("health", cell.health.value)
        # Ignored: every column of the grid gets the same width, whatever its texts say.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(170)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(5)
        self.endpoint_buttons: list[QPushButton] = []
        self.sparklines: list[SparklineView] = []
        self.share_labels: list[QLabel] = []
        self.problem_buttons: list[QPushButton] = []
        self.retraining_button: QPushButton | None = None
        self._build_champion(layout)
        self._build_endpoints(layout)
        self._build_pills(layout)
        self._build_retraining(layout)
        self._build_problems(layout)
        layout.addStretch(1)

    # -- parts ----------------------------------------------------------------------------------

    def _open(self, page: Page | str, target: tuple[str, ...] = ()) -> None:
        self.openRequested.emit(str(page), tuple(target))

    def _scope_target(self) -> tuple[str, ...]:
        stage = self.column.stage.value if self.column.stage else ""
        return (self.column.workspace, stage)

    def _build_champion(self, layout: QVBoxLayout) -> None:
        cell = self.cell
        champion = cell.champion
        if champion is None:
            self.champion_button = ElidedLinkButton(cell.note[:1].upper() + cell.note[1:])
            self.champion_button.setProperty("tone", "muted")
            self.champion_button.setToolTip(f"{cell.note} — open the Models page on this stage")
            self.champion_button.clicked.connect(
                lambda: self._open(Page.MODELS, self._scope_target())
            )
            self.metric_label = QLabel("")
            layout.addLayout(_row(self.champion_button, stretch_last=True))
            return
        alias = "champion" if champion.alias else "newest"
        self.champion_button = ElidedLinkButton(f"v{champion.version}  {alias}")
        self.champion_button.setProperty("tone", "strong")
        tip = f"{champion.registered_name} v{champion.version}"
        tip += f" · {champion.versions} version(s) here"
        if cell.note:
            tip += f"\n{cell.note}"
        self.champion_button.setToolTip(tip + "\nOpen it on the Models page")
        target = (*self._scope_target(), champion.registered_name, champion.version)
        self.champion_button.clicked.connect(lambda: self._open(Page.MODELS, target))
        self.metric_label = QLabel(text.metric_text(champion))
        self.metric_label.setObjectName("OverviewMetric")
        self.metric_label.setToolTip("The version's key metric, as its training run logged it")
        row = _row(self.champion_button, stretch_last=True)
        row.addWidget(self.metric_label, 0, Qt.AlignmentFlag.AlignRight)
        layout.addLayout(row)
        self.lineage_label = _muted(
            champion.lineage,
            "Versions with the same training run in other stages are the same model promoted",
        )
        self.lineage_label.setObjectName("OverviewLineage")
        if champion.lineage:
            layout.addWidget(self.lineage_label)

    def _build_endpoints(self, layout: QVBoxLayout) -> None:
        cell = self.cell
        if not cell.endpoints:
            if cell.champion is not None:
                layout.addWidget(_muted("No endpoint serves it here"))
            return
        for endpoint in cell.endpoints:
            self._build_endpoint(layout, endpoint)

    def _build_endpoint(self, layout: QVBoxLayout, endpoint: EndpointGlance) -> None:
        target = (self.cell.workspace, endpoint.name)
        dot = _dot(endpoint.health, f"endpoint {endpoint.status}")
        button = ElidedLinkButton(endpoint.name)
        serving = ", ".join(endpoint.serving) or "no deployment takes traffic"
        button.setToolTip(f"{text.endpoint_text(endpoint)}\nServing: {serving}\nOpen it")
        button.clicked.connect(lambda: self._open(Page.ENDPOINTS, target))
        self.endpoint_buttons.append(button)
        status = QLabel(endpoint.status)
        status.setObjectName("OverviewDot")
        status.setProperty("health", endpoint.health.value)
        status.setToolTip(f"Serving: {serving}")
        row = _row(dot, button)
        row.addWidget(status)
        layout.addLayout(row)
        note = text.share_note(endpoint)
        if note:
            share = ElidedLabel(note[:1].upper() + note[1:])
            share.setObjectName("OverviewShare")
            share.setToolTip(f"{note}: {serving} (a canary or a rollout in progress?)")
            self.share_labels.append(share)
            layout.addWidget(share)
        traffic = endpoint.traffic
        numbers = ElidedLabel(text.traffic_text(traffic, short=True))
        numbers.setObjectName("OverviewNumbers")
        numbers.setToolTip(
            f"Last hour, from the endpoint's collected requests: {text.traffic_text(traffic)}"
        )
        if traffic is not None and traffic.collected:
            spark = SparklineView()
            spark.set_values(traffic.buckets, style.themed(SPARK_COLORS[endpoint.health]))
            spark.setToolTip(
                "Requests per 5 minutes over the last hour: "
                + " ".join(str(v) for v in traffic.buckets)
            )
            self.sparklines.append(spark)
            layout.addWidget(spark)
            layout.addWidget(numbers)
        else:
            wrapped = _muted(text.traffic_text(traffic))
            layout.addWidget(wrapped)

    def _build_pills(self, layout: QVBoxLayout) -> None:
        cell = self.cell
        drift = cell.drift
        if drift is None:
            label, health = "drift: off", Health.IDLE
            tip = "No retraining policy compares this stage's data (see the Drift page)"
        else:
            label = _drift_label(drift.verdict, drift.features)
            health = drift.health
            when = text.ago(drift.at)
            tip = f"{text.drift_text(drift)}\n{drift.detail}\npolicy {drift.policy}"
            tip += f" · checked {when}" if when else ""
        self.drift_button = _pill(label, health, tip + "\nOpen the Drift page")
        self.drift_button.clicked.connect(lambda: self._open(Page.DRIFT))
        count = len(cell.approvals)
        approvals_label = f"{count} approval{'s' if count != 1 else ''}"
        self.approvals_button = _pill(
            approvals_label,
            Health.WARN if count else Health.IDLE,
            text.approvals_text(cell) + "\nOpen the version on the Models page to decide",
        )
        if cell.approvals:
            first = cell.approvals[0]
            approval_target = (
                first.source_workspace,
                first.source_stage,
                first.source_name,
                first.version,
            )
        else:
            approval_target = self._scope_target()
        self.approvals_button.clicked.connect(lambda: self._open(Page.MODELS, approval_target))
        if cell.champion is None and not cell.approvals and drift is None:
            return  # nothing here yet: no pills to make it look busy
        layout.addLayout(_row(self.drift_button, self.approvals_button))

    def _build_retraining(self, layout: QVBoxLayout) -> None:
        if not self.cell.retraining:
            return
        plan = self.cell.retraining[0]
        last, upcoming = text.retraining_text(plan)
        short_next = text.ago(plan.next_at) if plan.next_at else upcoming
        button = ElidedLinkButton(f"↻ last {last} · next {short_next}")
        button.setProperty("tone", "muted")
        more = f" (+{len(self.cell.retraining) - 1} more)" if len(self.cell.retraining) > 1 else ""
        button.setToolTip(
            f"Policy {plan.policy}{more}\nLast retraining: {last}\nNext: {upcoming}\n"
            "Open the Jobs page"
        )
        target = (plan.last_job,) if plan.last_job else ()
        button.clicked.connect(lambda: self._open(Page.JOBS, target))
        self.retraining_button = button
        layout.addWidget(button)

    def _build_problems(self, layout: QVBoxLayout) -> None:
        for problem in self.cell.problems:
            button = ElidedLinkButton(f"⚠ {problem.text}")
            button.setProperty("health", problem.severity.value)
            button.setToolTip(problem.text)
            page = problem.page or Page.MODELS
            button.clicked.connect(lambda _=False, p=page, t=problem.target: self._open(p, t))
            self.problem_buttons.append(button)
            layout.addWidget(button)
