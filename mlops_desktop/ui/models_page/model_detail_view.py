"""The detail pane of the Models page: one version's lineage, summary, metrics, params, tags."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from superqt import QElidingLabel

from mlops_desktop.core.entities import ModelVersion
from mlops_desktop.core.identity import same_identity
from mlops_desktop.core.stages import STAGE_ORDER, Stage
from mlops_desktop.ui.common.delegates import ALIAS_TEXT, ALIAS_TINT
from mlops_desktop.ui.common.key_value_model import KeyValueModel
from mlops_desktop.ui.models_page.tasks_promotion import ActionState, RequestRow
from mlops_desktop.ui.models_page.versions_table_model import (
    format_metric,
    format_timestamp,
    source_run_text,
)
from mlops_desktop.ui.shell import style

#: Tags too long or too internal to list (MLflow's own bookkeeping).
_HIDDEN_TAGS = ("mlflow.log-model.history",)


class LineageStripView(QWidget):
    """dev → staging → prod boxes; the stages where a version lives are highlighted.

    Each highlighted box lists the workspace, version and aliases of the version there; the
    box of the selected version has a stronger border.
    """

    MAX_ENTRIES = 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LineageStrip")
        self._current: ModelVersion | None = None
        self._by_stage: dict[Stage, list[ModelVersion]] = {stage: [] for stage in STAGE_ORDER}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self.sizeHint().height())

    def sizeHint(self) -> QSize:
        """Wide strip of three boxes."""
        line = QFontMetrics(self.font()).height()
        return QSize(420, int(line * 4.6) + 16)

    def set_lineage(
        self, current: ModelVersion | None, by_stage: dict[Stage, list[ModelVersion]]
    ) -> None:
        """Show where ``current`` lives (``by_stage`` from ``lineage_by_stage``)."""
        self._current = current
        self._by_stage = {stage: list(by_stage.get(stage, [])) for stage in STAGE_ORDER}
        self.setToolTip(self.lineage_text())
        self.update()

    def stages_present(self) -> list[Stage]:
        """Stages where the version lives, in promotion order."""
        return [stage for stage in STAGE_ORDER if self._by_stage.get(stage)]

    def entries(self, stage: Stage) -> list[ModelVersion]:
        """The versions shown in ``stage``'s box."""
        return list(self._by_stage.get(stage, []))

    def lineage_text(self) -> str:
        """The strip as text, e.g. ``dev: dev v2 @champion → staging: — → prod: prod v1``."""
        parts = []
        for stage in STAGE_ORDER:
            members = self._by_stage.get(stage, [])
            if members:
                described = ", ".join(_entry_text(v) for v in members)
                parts.append(f"{stage.value}: {described}")
            else:
                parts.append(f"{stage.value}: —")
        return " → ".join(parts)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Three boxes with arrows between them."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        arrow = 22.0
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        width = (rect.width() - 2 * arrow) / 3
        base = QFont(self.font())
        small = QFont(base)
        small.setPointSizeF(max(7.0, base.pointSizeF() - 1))
        label_font = QFont(small)
        label_font.setWeight(QFont.Weight.Bold)
        label_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 106)
        line = QFontMetrics(base).height()
        for i, stage in enumerate(STAGE_ORDER):
            box = QRectF(rect.left() + i * (width + arrow), rect.top(), width, rect.height())
            members = self._by_stage.get(stage, [])
            present = bool(members)
            is_current = self._current is not None and any(
                m.key == self._current.key for m in members
            )
            color = style.stage_color(stage)
            if present:
                painter.setBrush(style.stage_tint(stage))
                painter.setPen(QPen(color, 2.0 if is_current else 1.0))
            else:
                painter.setBrush(QColor(style.themed("#FAFBFC", text=False)))
                pen = QPen(QColor(style.BORDER), 1.0)
                pen.setStyle(Qt.PenStyle.DashLine)
                painter.setPen(pen)
            painter.drawRoundedRect(box.adjusted(1, 1, -1, -1), 8, 8)
            inner = box.adjusted(12, 8, -10, -8)
            # Stage label with a dot.
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color if present else QColor(style.TEXT_FAINT))
            label_metrics = QFontMetrics(label_font)
            dot_y = inner.top() + label_metrics.height() / 2
            painter.drawEllipse(QPointF(inner.left() + 4, dot_y), 4, 4)
            painter.setFont(label_font)
            painter.setPen(style.stage_shade(stage) if present else QColor(style.TEXT_FAINT))
            painter.drawText(
                QRectF(inner.left() + 14, inner.top(), inner.width() - 14, label_metrics.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                stage.value.upper(),
            )
            y = inner.top() + label_metrics.height() + 6
            if not present:
                painter.setFont(small)
                painter.setPen(QColor(style.TEXT_FAINT))
                painter.drawText(
                    QRectF(inner.left(), y, inner.width(), line),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    f"Not in {stage.value}",
                )
            for n, member in enumerate(members[: self.MAX_ENTRIES]):
                painter.setFont(base)
                painter.setPen(QColor(style.TEXT))
                metrics = QFontMetrics(base)
                text = metrics.elidedText(
                    f"{member.workspace} · v{member.version}",
                    Qt.TextElideMode.ElideRight,
                    int(inner.width()),
                )
                painter.drawText(
                    QRectF(inner.left(), y, inner.width(), line),
                    int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                    text,
                )
                y += line + 2
                if member.aliases and n == 0:
                    self._draw_aliases(painter, member.aliases, inner.left(), y, inner.width())
                    y += QFontMetrics(small).height() + 6
            extra = len(members) - self.MAX_ENTRIES
            if extra > 0:
                painter.setFont(small)
                painter.setPen(QColor(style.TEXT_MUTED))
                painter.drawText(
                    QRectF(inner.left(), y, inner.width(), line),
                    int(Qt.AlignmentFlag.AlignLeft),
                    f"+{extra} more",
                )
            if i < len(STAGE_ORDER) - 1:
                self._draw_arrow(painter, box.right() + 4, rect.center().y(), arrow - 8)
        painter.end()

    def _draw_aliases(
        self, painter: QPainter, aliases: tuple[str, ...], x: float, y: float, width: float
    ) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1.5))
        metrics = QFontMetrics(font)
        height = metrics.height() + 2
        right = x + width
        painter.setFont(font)
        for alias in aliases:
            text = f"@{alias}"
            chip = metrics.horizontalAdvance(text) + 12
            if x + chip > right:
                break
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(style.themed(ALIAS_TINT, text=False)))
            painter.drawRoundedRect(QRectF(x, y, chip, height), height / 2, height / 2)
            painter.setPen(QColor(style.themed(ALIAS_TEXT)))
            painter.drawText(QRectF(x, y, chip, height), int(Qt.AlignmentFlag.AlignCenter), text)
            x += chip + 4

    @staticmethod
    def _draw_arrow(painter: QPainter, x: float, y: float, length: float) -> None:
        pen = QPen(QColor(style.TEXT_FAINT), 1.6)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(QPointF(x, y))
        path.lineTo(x + length, y)
        path.moveTo(x + length - 4, y - 4)
        path.lineTo(x + length, y)
        path.lineTo(x + length - 4, y + 4)
        painter.drawPath(path)


class ElidedLabel(QLabel):
    """A one-line label that elides its text in the middle instead of clipping it."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setText(text)

    def setText(self, text: str) -> None:
        """Set the full text (shown elided when too wide)."""
        self._full = text
        self._elide()

    def full_text(self) -> str:
        """The text before eliding."""
        return self._full

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-elide for the new width."""
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 40)
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width)
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


def _entry_text(version: ModelVersion) -> str:
    aliases = " ".join(f"@{a}" for a in version.aliases)
    return f"{version.workspace} v{version.version}" + (f" {aliases}" if aliases else "")


class ModelVersionDetailView(QStackedWidget):
    """Everything about the selected version; a hint when nothing is selected.

    Also the promotion actions — "Promote to <next stage>", "Roll back <stage>" — and the
    pending approval requests of the model, with Approve / Reject / Approve and execute. The
    view only emits what was asked; the page runs it.
    """

    #: The promote button was clicked.
    promoteRequested = Signal()
    #: The rollback button was clicked.
    rollbackRequested = Signal()
    #: (request id, approve?) from Approve / Reject.
    decideRequested = Signal(str, bool)
    #: Request id from "Approve and execute".
    executeRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DetailPane")
        self._version: ModelVersion | None = None
        self._identity = ""

        hint = QLabel("Select a model version to see its lineage, metrics, params and tags.")
        hint.setObjectName("EmptyHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.addWidget(hint)

        content = QWidget()
        content.setObjectName("DetailContent")
        outer = QVBoxLayout(content)
        outer.setContentsMargins(24, 14, 24, 12)
        outer.setSpacing(4)

        # Header: model name, where this version lives, stage pill and alias chips.
        self.title_label = QLabel()
        self.title_label.setObjectName("DetailTitle")
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._chips = QHBoxLayout()
        self._chips.setSpacing(6)
        self._chips.setContentsMargins(8, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.setSpacing(4)
        title_row.addWidget(self.title_label)
        title_row.addLayout(self._chips)
        title_row.addStretch(1)
        actions = self._build_actions()
        title_row.addWidget(self.rollback_button)
        title_row.addWidget(self.promote_button)
        self.subtitle_label = QLabel()
        self.subtitle_label.setObjectName("DetailSubtitle")
        subtitle_row = QHBoxLayout()
        subtitle_row.addWidget(self.subtitle_label)
        subtitle_row.addWidget(actions, 1)  # takes the rest of the row, elides what won't fit
        outer.addLayout(title_row)
        outer.addLayout(subtitle_row)
        outer.addSpacing(10)

        # Body: lineage and summary on the left, metrics/params/tags on the right.
        body = QHBoxLayout()
        body.setSpacing(28)
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self._section("Lineage across stages"))
        self.lineage_view = LineageStripView()
        left.addWidget(self.lineage_view)
        left.addSpacing(10)
        left.addWidget(self._section("Summary"))
        form = QFormLayout()
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(5)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self._summary: dict[str, ElidedLabel] = {}
        for key in ("Key metric", "Source run", "Trained on", "Status", "Registered", "Source"):
            label = QLabel(key)
            label.setObjectName("FormLabel")
            value = ElidedLabel()
            value.setObjectName("FormValue")
            form.addRow(label, value)
            self._summary[key] = value
        left.addLayout(form)
        left.addSpacing(8)
        left.addLayout(self._build_requests())
        left.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("DetailTabs")
        self.tabs.setDocumentMode(True)
        self.metrics_model = KeyValueModel(("Metric", "Value"), self)
        self.params_model = KeyValueModel(("Parameter", "Value"), self)
        self.tags_model = KeyValueModel(("Tag", "Value"), self)
        self._tables: dict[str, QTableView] = {}
        for name, model in (
            ("Metrics", self.metrics_model),
            ("Params", self.params_model),
            ("Tags", self.tags_model),
        ):
            table = self._make_table(model)
            self._tables[name] = table
            self.tabs.addTab(table, name)
        body.addLayout(left, 11)
        body.addWidget(self.tabs, 9)
        outer.addLayout(body, 1)
        self.addWidget(content)

    def _build_actions(self) -> QLabel:
        self.promote_button = QPushButton("Promote")
        self.promote_button.setObjectName("PrimaryButton")
        self.promote_button.clicked.connect(self.promoteRequested)
        self.rollback_button = QPushButton("Roll back")
        self.rollback_button.setObjectName("SecondaryButton")
        self.rollback_button.clicked.connect(self.rollbackRequested)
        # One line, elided: the full reasons are in its tooltip, and the pane keeps its room
        # for the version's summary (a long reason must not widen the window either).
        self.action_hint = QElidingLabel()
        self.action_hint.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.action_hint.setObjectName("ActionHint")
        self.action_hint.setStyleSheet(f"color: {style.TEXT_MUTED};")
        self.action_hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return self.action_hint

    def _build_requests(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setSpacing(4)
        self.requests_section = self._section("Approval requests")
        self.requests_list = QListWidget()
        self.requests_list.setObjectName("ApprovalRequests")
        self.requests_list.setMaximumHeight(84)
        self.requests_list.currentRowChanged.connect(lambda _row: self._update_request_buttons())
        self.approve_button = QPushButton("Approve")
        self.reject_button = QPushButton("Reject")
        self.execute_button = QPushButton("Approve and execute")
        for button in (self.approve_button, self.reject_button, self.execute_button):
            button.setObjectName("SecondaryButton")
        self.approve_button.clicked.connect(lambda: self._decide(True))
        self.reject_button.clicked.connect(lambda: self._decide(False))
        self.execute_button.clicked.connect(self._execute)
        # The gate verdicts recorded when the request was filed: seen before deciding.
        self.request_gates = QLabel()
        self.request_gates.setObjectName("RequestGates")
        self.request_gates.setWordWrap(True)
        self.request_gates.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_message = QLabel()
        self.request_message.setObjectName("RequestMessage")
        self.request_message.setWordWrap(True)
        self.request_message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.execute_button)
        buttons.addStretch(1)
        box.addWidget(self.requests_section)
        box.addWidget(self.requests_list)
        box.addWidget(self.request_gates)
        box.addLayout(buttons)
        box.addWidget(self.request_message)
        self._request_rows: list[RequestRow] = []
        self.set_requests([], "")
        self.set_request_message("")
        return box

    # -- promotion actions ----------------------------------------------------------------------

    def set_actions(self, promote: ActionState, rollback: ActionState) -> None:
        """Label and enable the promote and rollback buttons (reasons when disabled)."""
        reasons = []
        for button, state in ((self.promote_button, promote), (self.rollback_button, rollback)):
            button.setText(state.label)
            button.setEnabled(state.enabled)
            button.setToolTip(state.reason)
            button.setVisible(state.offered)
        if not promote.enabled and promote.reason:
            reasons.append(f"{promote.label}: {promote.reason}")
        if not rollback.offered and rollback.reason:
            reasons.append(f"Roll back: {rollback.reason}")
        # The line says what; the explanation in brackets is in the tooltip.
        self.action_hint.setText(" · ".join(reason.split(" (")[0] for reason in reasons))
        self.action_hint.setToolTip("\n".join(reasons))

    def set_actions_busy(self, message: str) -> None:
        """Disable both actions while one runs, saying what runs."""
        self.promote_button.setEnabled(False)
        self.rollback_button.setEnabled(False)
        self.action_hint.setText(message)

    def action_reason(self) -> str:
        """Why the promote button is disabled (empty when enabled)."""
        return "" if self.promote_button.isEnabled() else self.promote_button.toolTip()

    # -- approval requests ----------------------------------------------------------------------

    def set_requests(self, rows: list[RequestRow], identity: str) -> None:
        """List the model's open requests; ``identity`` is who is using the app."""
        current = self.selected_request()
        self._request_rows = list(rows)
        self._identity = identity
        self.requests_list.clear()
        for row in rows:
            item = QListWidgetItem(row.text)
            item.setToolTip(
                f"requested {row.request.requested_at} by {row.request.requested_by}\n"
                + "\n".join(row.gate_lines)
            )
            self.requests_list.addItem(item)
        visible = bool(rows)
        for widget in (
            self.requests_section,
            self.requests_list,
            self.request_gates,
            self.approve_button,
            self.reject_button,
            self.execute_button,
        ):
            widget.setVisible(visible)
        if rows:
            ids = [r.request.id for r in rows]
            wanted = current.request.id if current is not None else None
            self.requests_list.setCurrentRow(ids.index(wanted) if wanted in ids else 0)
        self._update_request_buttons()

    def request_rows(self) -> list[RequestRow]:
        """The requests listed."""
        return list(self._request_rows)

    def selected_request(self) -> RequestRow | None:
        """The request selected in the list."""
        row = self.requests_list.currentRow() if hasattr(self, "requests_list") else -1
        rows = getattr(self, "_request_rows", [])
        return rows[row] if 0 <= row < len(rows) else None

    def set_request_message(self, text: str, *, error: bool = False) -> None:
        """A line under the requests (a decision's outcome or why it was refused)."""
        color = "#B91C1C" if error else style.TEXT_MUTED
        self.request_message.setStyleSheet(f"color: {color};")
        self.request_message.setText(text)
        self.request_message.setVisible(bool(text))

    def _update_request_buttons(self) -> None:
        selected = self.selected_request()
        self.request_gates.setText("\n".join(selected.gate_lines) if selected else "")
        pending = selected is not None and selected.request.status.value == "pending"
        who = (selected.viewer if selected is not None else "") or self._identity
        own = selected is not None and same_identity(selected.request.requested_by, who)
        reason = f"{who} requested it: a second person must decide" if own else ""
        self.approve_button.setEnabled(pending and not own)
        self.reject_button.setEnabled(pending and not own)
        self.execute_button.setEnabled(selected is not None and not (own and pending))
        for button in (self.approve_button, self.reject_button, self.execute_button):
            button.setToolTip(reason)

    def _decide(self, approve: bool) -> None:
        selected = self.selected_request()
        if selected is not None:
            self.decideRequested.emit(selected.request.id, approve)

    def _execute(self) -> None:
        selected = self.selected_request()
        if selected is not None:
            self.executeRequested.emit(selected.request.id)

    @staticmethod
    def _section(text: str) -> QLabel:
        label = QLabel(text.upper())
        label.setObjectName("DetailSection")
        return label

    @staticmethod
    def _make_table(model: KeyValueModel) -> QTableView:
        table = QTableView()
        table.setObjectName("KeyValueTable")
        table.setModel(model)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 180)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        table.verticalHeader().setDefaultSectionSize(26)
        return table

    @property
    def version(self) -> ModelVersion | None:
        """The version on display."""
        return self._version

    def summary_text(self, key: str) -> str:
        """Full text of one summary row (e.g. ``"Key metric"``)."""
        return self._summary[key].full_text()

    def set_version(
        self,
        version: ModelVersion | None,
        lineage: dict[Stage, list[ModelVersion]] | None = None,
    ) -> None:
        """Show ``version`` (None: the hint) with its lineage (stage -> versions)."""
        self._version = version
        if version is None:
            self.setCurrentIndex(0)
            self.lineage_view.set_lineage(None, {})
            for model in (self.metrics_model, self.params_model, self.tags_model):
                model.set_items([])
            return
        self.setCurrentIndex(1)
        self.title_label.setText(version.model)
        where = f"Version {version.version} · workspace {version.workspace}"
        if version.registered_name != version.model:
            where += f" · registered as {version.registered_name}"
        self.subtitle_label.setText(where)
        self._set_chips(version)
        self.lineage_view.set_lineage(version, lineage or {})

        run = version.run
        metric_name = version.key_metric_name
        if metric_name and version.key_metric_value is not None:
            goal = run.tags.get("mlops.key_metric_goal", "") if run else ""
            suffix = f"   ({'lower' if goal == 'minimize' else 'higher'} is better)" if goal else ""
            self._summary["Key metric"].setText(
                f"{metric_name} = {format_metric(version.key_metric_value)}{suffix}"
            )
        else:
            self._summary["Key metric"].setText("—")
        run_text = source_run_text(version) or "—"
        if version.run_id:
            run_text += f"   ({version.run_id[:12]})"
        self._summary["Source run"].setText(run_text)
        datasets = []
        if run is not None:
            for dataset in run.datasets:
                context = f" [{dataset.context}]" if dataset.context else ""
                datasets.append(f"{dataset.name}{context}")
        self._summary["Trained on"].setText(", ".join(datasets) or "—")
        self._summary["Status"].setText(version.status or "—")
        self._summary["Registered"].setText(format_timestamp(version.created_at) or "—")
        source = version.source or "—"
        self._summary["Source"].setText(source)

        metrics = run.metrics if run else {}
        params = run.params if run else {}
        tags: dict[str, str] = dict(run.tags) if run else {}
        tags.update(version.tags)
        for hidden in _HIDDEN_TAGS:
            tags.pop(hidden, None)
        self.metrics_model.set_items((k, format_metric(v)) for k, v in metrics.items())
        self.params_model.set_items(params.items())
        self.tags_model.set_items(tags.items())
        self.tabs.setTabText(0, f"Metrics  {len(metrics)}")
        self.tabs.setTabText(1, f"Params  {len(params)}")
        self.tabs.setTabText(2, f"Tags  {len(tags)}")

    def _set_chips(self, version: ModelVersion) -> None:
        while self._chips.count():
            item = self._chips.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        if version.stage is not None:
            self._chips.addWidget(
                _chip(
                    version.stage.value,
                    style.STAGE_TINTS[version.stage],
                    style.STAGE_SHADES[version.stage],
                    bold=True,
                )
            )
        for alias in version.aliases:
            self._chips.addWidget(
                _chip(f"@{alias}", style.themed(ALIAS_TINT, text=False), style.themed(ALIAS_TEXT))
            )
        self._chips.addStretch(1)


def _chip(text: str, background: str, foreground: str, *, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName("Chip")
    weight = "600" if bold else "500"
    label.setStyleSheet(
        f"QLabel#Chip {{ background: {background}; color: {foreground}; border-radius: 9px;"
        f" padding: 1px 9px; font-weight: {weight}; }}"
    )
    return label
