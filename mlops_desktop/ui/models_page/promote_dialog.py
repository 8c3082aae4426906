"""The *Promote* dialog: source → target, canary choice, live steps, Cancel and the outcome.

The promotion runs in a worker
(:func:`~mlops_desktop.ui.models_page.tasks_promotion.run_promotion`) with its own
:class:`~mlops_desktop.core.tasks.TaskContext`: Cancel sets that context's flag, the workflow
stops at its next step boundary and rolls back, and the journaled outcome still comes back (a
cancelled *worker* would drop it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QCloseEvent, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.entities import ModelVersion
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.entities import OperationResult, StepState
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.models_page import tasks_promotion as tasks
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import Worker, WorkerPool

#: Canary choices: label → canary steps passed to the promotion (None: the policy's).
CANARY_CHOICES: tuple[tuple[str, list[int] | None], ...] = (
    ("None — all traffic at once", []),
    ("10 % → 100 %", [10]),
    ("As the target's policy says", None),
)

#: How each step state is shown: (text, colour).
_STATE_LOOK: dict[str, tuple[str, str]] = {
    "waiting": ("waiting", style.TEXT_FAINT),
    "running": ("● running…", "#2563EB"),
    "done": ("✓ done", "#15803D"),
    "failed": ("✗ failed", "#B91C1C"),
    "undoing": ("↺ undoing…", "#B45309"),
    "undone": ("↺ undone", "#B45309"),
    "undo-failed": ("✗ undo failed", "#B91C1C"),
    "skipped": ("— not run", style.TEXT_FAINT),
}

_OUTCOME_COLORS = {
    tasks.OutcomeKind.PROMOTED: "#15803D",
    tasks.OutcomeKind.UNCHANGED: "#15803D",
    tasks.OutcomeKind.ROLLED_BACK: "#B45309",
    tasks.OutcomeKind.AWAITING_APPROVAL: "#2563EB",
    tasks.OutcomeKind.ROLLBACK_FAILED: "#B91C1C",
    tasks.OutcomeKind.FAILED: "#B91C1C",
}


class PromoteDialog(QDialog):
    """Runs one promotion of ``version`` along ``action`` (from ``promote_action``).

    Emits ``promotionFinished(OperationResult)`` when the workflow returns (any outcome) and
    ``promotionFailed(exception)`` when it could not start (unknown version, busy target).
    """

    promotionFinished = Signal(object)
    promotionFailed = Signal(object)
    #: Internal: progress from the worker thread, delivered in the GUI thread.
    _progressed = Signal(int, int, str)

    def __init__(
        self,
        pool: WorkerPool,
        version: ModelVersion,
        action: tasks.ActionState,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("PromoteDialog")
        self.setWindowTitle(f"{action.label} — {version.model} v{version.version}")
        self.setMinimumWidth(620)
        self._pool = pool
        self._version = version
        self._action = action
        self._worker: Worker | None = None
        self._operation: TaskContext | None = None
        self._result: OperationResult | None = None
        self._outcome: tasks.Outcome | None = None
        self._progressed.connect(self._on_progress)

        title = QLabel(f"{action.label}: {version.model} v{version.version}")
        title.setObjectName("DialogTitle")
        title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.route_label = QLabel(f"{where(action.source)}  →  {where(action.target)}")
        self.route_label.setObjectName("RouteLabel")
        self.route_label.setStyleSheet("font-size: 13px;")
        self.canary_combo = QComboBox()
        for label, _steps in CANARY_CHOICES:
            self.canary_combo.addItem(label)
        form = QFormLayout()
        form.addRow("From → to", self.route_label)
        form.addRow("Canary", self.canary_combo)

        self.steps_view = QTreeWidget()
        self.steps_view.setObjectName("PromotionSteps")
        self.steps_view.setColumnCount(3)
        self.steps_view.setHeaderLabels(("Step", "Status", "Detail"))
        self.steps_view.setRootIsDecorated(False)
        self.steps_view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.steps_view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.steps_view.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(1, 120)
        header.setStretchLastSection(True)
        self._items: dict[str, QTreeWidgetItem] = {}
        for name in tasks.PROMOTION_STEPS:
            item = QTreeWidgetItem([name, "", tasks.STEP_TITLES.get(name, "")])
            self.steps_view.addTopLevelItem(item)
            self._items[name] = item
            self._set_state(name, "waiting")
        rows = self.steps_view.sizeHintForRow(0) * len(tasks.PROMOTION_STEPS)
        # One spare row: the style sheet pads rows after this hint is taken, and a cut-off
        # last step ("audit") is exactly the one people look for.
        spare = self.steps_view.sizeHintForRow(0) + 2 * self.steps_view.frameWidth()
        self.steps_view.setMinimumHeight(
            rows + self.steps_view.header().sizeHint().height() + spare + 8
        )

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, len(tasks.PROMOTION_STEPS))
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setFixedHeight(8)
        self.status_label = QLabel("Press Start to promote.")
        self.status_label.setObjectName("StatusText")
        self.outcome_label = QLabel()
        self.outcome_label.setObjectName("OutcomeLabel")
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome_label.hide()

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("PrimaryButton")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("SecondaryButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("SecondaryButton")
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.start_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.steps_view, 1)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.outcome_label)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- public API ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the promotion runs."""
        return self._worker is not None

    @property
    def result(self) -> OperationResult | None:
        """The journaled outcome, once the workflow returned."""
        return self._result

    @property
    def outcome(self) -> tasks.Outcome | None:
        """What the dialog tells about the end."""
        return self._outcome

    def step_status(self, name: str) -> str:
        """The status text shown for step ``name``."""
        return self._items[name].text(1)

    def canary_steps(self) -> list[int] | None:
        """The canary steps chosen (None: the policy's)."""
        return CANARY_CHOICES[self.canary_combo.currentIndex()][1]

    def set_canary_index(self, index: int) -> None:
        """Choose a canary option by position in :data:`CANARY_CHOICES`."""
        self.canary_combo.setCurrentIndex(index)

    def start(self) -> None:
        """Run the promotion in a worker."""
        if self._worker is not None or self._result is not None:
            return
        self._operation = TaskContext(on_progress=self._progressed.emit)
        worker = self._pool.submit(
            tasks.run_promotion,
            self._version.model,
            self._version.version,
            source=self._action.source,
            target=self._action.target,
            canary=self.canary_steps(),
            operation=self._operation,
            name=f"promote {self._version.model} v{self._version.version}",
        )
        self._worker = worker
        worker.signals.result.connect(self._on_result)
        worker.signals.error.connect(self._on_error)
        worker.signals.finished.connect(self._on_finished)
        self.progress_bar.setRange(0, 0)
        self.status_label.setText("Starting…")
        self._update_buttons()

    def cancel(self) -> None:
        """Ask the running promotion to stop at the next step and roll back; else close."""
        if self._operation is not None and self._worker is not None:
            self._operation.cancel()
            self.status_label.setText("Cancelling — undoing what was done…")
            self.cancel_button.setEnabled(False)
            return
        self.reject()

    def reject(self) -> None:
        """Escape / window close: while running, cancel instead of closing."""
        if self.running:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Never close under a running promotion (it would lose its outcome)."""
        if self.running:
            event.ignore()
            self.cancel()
            return
        super().closeEvent(event)

    # -- worker events ------------------------------------------------------------------------

    def _on_progress(self, done: int, total: int, message: str) -> None:
        name, undoing = tasks.step_for_message(message)
        if total > 0 and not undoing:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        self.status_label.setText(message[:1].upper() + message[1:] if message else "")
        if name is None:
            return
        if undoing:
            self._set_state(name, "undoing")
            return
        position = list(tasks.PROMOTION_STEPS).index(name)
        for earlier in tasks.PROMOTION_STEPS[:position]:
            if self._items[earlier].data(1, Qt.ItemDataRole.UserRole) in ("waiting", "running"):
                self._set_state(earlier, "done")
        self._set_state(name, "running")
        if message != tasks.STEP_TITLES.get(name):
            self._items[name].setText(2, message)

    def _on_result(self, result: OperationResult) -> None:
        self._result = result
        for record in result.steps:
            if record.name not in self._items:
                continue
            state = "skipped" if record.state is StepState.PENDING else record.state.value
            self._set_state(record.name, state)
            if record.message:
                self._items[record.name].setText(2, record.message)
                self._items[record.name].setToolTip(2, record.message)
        outcome = tasks.outcome_of(result)
        self._outcome = outcome
        self._show_outcome(outcome)
        self.promotionFinished.emit(result)

    def _on_error(self, error: BaseException) -> None:
        message = describe_error(error)
        self._outcome = tasks.Outcome(tasks.OutcomeKind.FAILED, f"Not started: {message}")
        self._show_outcome(self._outcome)
        self.promotionFailed.emit(error)

    def _on_finished(self) -> None:
        self._worker = None
        self._operation = None
        self._update_buttons()

    # -- helpers ------------------------------------------------------------------------------

    def _set_state(self, name: str, state: str) -> None:
        text, color = _STATE_LOOK.get(state, (state, style.TEXT))
        item = self._items[name]
        item.setText(1, text)
        item.setData(1, Qt.ItemDataRole.UserRole, state)
        item.setForeground(1, QBrush(QColor(style.themed(color))))

    def _show_outcome(self, outcome: tasks.Outcome) -> None:
        color = style.themed(_OUTCOME_COLORS[outcome.kind])
        details = "".join(f"<br>{_escape(line)}" for line in outcome.details)
        self.outcome_label.setText(
            f"<b style='color:{color}'>{_escape(outcome.kind.value.capitalize())}</b> — "
            f"{_escape(outcome.headline)}{details}"
        )
        self.outcome_label.show()
        total = len(tasks.PROMOTION_STEPS)
        self.progress_bar.setRange(0, total)
        if outcome.kind is tasks.OutcomeKind.UNCHANGED:
            self.progress_bar.setValue(total)
            self.status_label.setText("Nothing to do.")
            return
        done = outcome.kind is tasks.OutcomeKind.PROMOTED
        self.progress_bar.setValue(total if done else self.progress_bar.value())
        self.status_label.setText("Finished." if done else "Stopped.")

    def _update_buttons(self) -> None:
        running = self._worker is not None
        finished = self._result is not None or self._outcome is not None
        self.start_button.setVisible(not finished)
        self.start_button.setEnabled(not running and not finished)
        self.canary_combo.setEnabled(not running and not finished)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.close_button.setVisible(not running)
        self.close_button.setText("Close" if finished else "Not now")


def where(spec: str) -> str:
    """``WORKSPACE:STAGE`` for people: ``staging`` when both are called so, else
    ``team (staging)``."""
    workspace, _, stage = spec.partition(":")
    return workspace if not stage or stage == workspace else f"{workspace} ({stage})"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
