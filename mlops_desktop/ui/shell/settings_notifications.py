"""Settings → Notifications: the targets events are sent to outside the app.

A table of targets with Add… / Edit… / Remove and *Send test*. Everything that touches the
outside — the OS keyring (where each secret is, storing a typed secret), the test delivery, the
dispatcher's "start this target now" — runs in a worker; the tab only shows results. Targets are
saved with the dialog's Apply/OK like every other setting.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.notify_kinds import EventKind
from mlops_desktop.core.notify_settings import NotificationSettings, NotifyTarget
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.shell.notify_target_dialog import NotifyTargetDialog
from mlops_desktop.ui.shell.workers import WorkerPool

_COLUMNS = ["Target", "Kind", "Where", "Events", "Secret"]
#: Short kind names for the table (the target dialog spells them out).
_KIND_SHORT = {"webhook": "Webhook", "slack": "Slack", "teams": "Teams", "email": "E-mail"}


# -- task bodies (plain functions, run in workers) ---------------------------------------------


def secret_sources_task(ctx: TaskContext, targets: tuple[NotifyTarget, ...]) -> tuple[bool, dict]:
    """Whether a keyring is usable here, and where each target's secret is found."""
    from mlops_desktop.notify.secrets import keyring_available, secret_source

    ctx.check()
    return keyring_available(), {t.name: secret_source(t) for t in targets}


def store_secret_task(ctx: TaskContext, name: str, secret: str) -> str:
    """Put a typed secret in the OS keyring."""
    from mlops_desktop.notify.secrets import store_secret

    ctx.check()
    store_secret(name, secret)
    return name


def send_test_task(ctx: TaskContext, target: NotifyTarget) -> Any:
    """Send the test message to ``target`` (as edited, saved or not)."""
    from mlops_desktop.notify.dispatcher import send_test

    return send_test(target, ctx=ctx)


def start_targets_task(ctx: TaskContext, settings: NotificationSettings, names: list[str]) -> None:
    """New targets get what happens from now on, not the history."""
    from mlops_desktop.notify.dispatcher import Dispatcher

    ctx.check()
    Dispatcher(settings).mark_present(names)


def _short_source(source: str) -> str:
    """ "$MLOPS_DESKTOP_NOTIFY_X" → "environment" (the tooltip names the variable)."""
    if source.startswith("$"):
        return "environment"
    return "missing" if source.startswith("missing") else source


class NotificationsTab(QWidget):
    """The Notifications tab of the Settings dialog."""

    #: A test delivery finished: its DeliveryResult (or the exception).
    testFinished = Signal(object)
    #: Where each target's secret is was read (after load and after a secret was stored).
    secretsRead = Signal()

    def __init__(self, pool: WorkerPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._targets: list[NotifyTarget] = []
        self._sources: dict[str, str] = {}
        self.keyring = False
        self._workers: list[Any] = []
        #: The latest secret look-up: an older one's late result is dropped.
        self._generation = 0
        # The window's pool outlives this tab (the dialog deletes itself on close): a result
        # arriving after that must not reach the deleted widgets.
        alive = self._alive = [True]
        self.destroyed.connect(lambda *_: alive.__setitem__(0, False))
        self.enabled_check = QCheckBox("Send notifications to the targets below")
        self.enabled_check.setAccessibleName("Notifications on")
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setAccessibleName("Notification targets")
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setMinimumWidth(620)
        self.table.setMinimumHeight(130)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.doubleClicked.connect(lambda _index: self.open_edit())
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.test_button = QPushButton("Send test")
        self.test_button.setAccessibleName("Send a test message to the selected target")
        self.add_button.clicked.connect(self.open_add)
        self.edit_button.clicked.connect(self.open_edit)
        self.remove_button.clicked.connect(self.remove_selected)
        self.test_button.clicked.connect(self.send_test)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.test_button)
        self.test_result = QLabel()
        self.test_result.setObjectName("NotifyTestResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note = QLabel(
            "Secrets (webhook URLs, SMTP passwords) stay in the OS keyring or an environment "
            "variable, never in the settings file. Failed deliveries are retried; "
            "`mlops-desktop notify log` lists every delivery."
        )
        note.setWordWrap(True)
        note.setObjectName("Caption")
        layout = QVBoxLayout(self)
        layout.addWidget(self.enabled_check)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.test_result)
        layout.addWidget(note)
        self._selection_changed()

    # -- values ---------------------------------------------------------------------------------

    def load(self, settings: NotificationSettings) -> None:
        """Show ``settings``; where each secret is, is read in a worker."""
        self.enabled_check.setChecked(settings.enabled)
        self._targets = list(settings.targets)
        self._refill()
        self.read_secret_sources()

    def value(self) -> dict[str, Any]:
        """The section as edited, JSON-ready (validated with the rest of the settings)."""
        return {
            "enabled": self.enabled_check.isChecked(),
            "targets": [t.model_dump(mode="json") for t in self._targets],
        }

    def targets(self) -> list[NotifyTarget]:
        """The targets as edited."""
        return list(self._targets)

    def _refill(self) -> None:
        selected = self.selected_name()
        self.table.setRowCount(len(self._targets))
        for row, t in enumerate(self._targets):
            events = (
                "all" if set(t.events) == set(EventKind) else f"{len(t.events)} of {len(EventKind)}"
            )
            if t.min_severity.rank:
                events += f", ≥ {t.min_severity.value}"
            name = t.name if t.enabled else f"{t.name} (off)"
            source = self._sources.get(t.name, "…")
            cells = [name, _KIND_SHORT[t.kind.value], t.where(), events, _short_source(source)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(source if column == 4 else text)
                item.setData(Qt.ItemDataRole.UserRole, t.name)
                self.table.setItem(row, column, item)
            if t.name == selected:
                self.table.selectRow(row)
        self._selection_changed()

    def selected_name(self) -> str | None:
        """The name of the selected target."""
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _selected(self) -> NotifyTarget | None:
        name = self.selected_name()
        return next((t for t in self._targets if t.name == name), None)

    def _selection_changed(self) -> None:
        has = self._selected() is not None
        for button in (self.edit_button, self.remove_button, self.test_button):
            button.setEnabled(has)

    def select(self, name: str) -> None:
        """Select the target called ``name``."""
        for row, t in enumerate(self._targets):
            if t.name == name:
                self.table.selectRow(row)

    # -- add / edit / remove --------------------------------------------------------------------

    def _dialog(self, target: NotifyTarget | None) -> NotifyTargetDialog:
        taken = {t.name for t in self._targets}
        dialog = NotifyTargetDialog(target, self, taken=taken, keyring=self.keyring)
        dialog.accepted.connect(lambda: self._dialog_done(dialog, target))
        dialog.open()
        return dialog

    def open_add(self) -> NotifyTargetDialog:
        """The add dialog (non-modal; the target is added when it is accepted)."""
        return self._dialog(None)

    def open_edit(self) -> NotifyTargetDialog | None:
        """The edit dialog of the selected target."""
        target = self._selected()
        return self._dialog(target) if target is not None else None

    def _dialog_done(self, dialog: NotifyTargetDialog, before: NotifyTarget | None) -> None:
        target = dialog.result_target
        if target is None:
            return
        if before is None:
            self._targets.append(target)
        else:
            self._targets[self._targets.index(before)] = target
        self._refill()
        self.select(target.name)
        if dialog.secret:
            worker = self._pool.submit(
                store_secret_task, target.name, dialog.secret, name="store notification secret"
            )
            self._track(worker)
            worker.signals.result.connect(self._live(lambda _name: self.read_secret_sources()))
            worker.signals.error.connect(
                self._live(
                    lambda error: self._show_result(f"The secret was not stored: {error}", ok=False)
                )
            )
        else:
            self.read_secret_sources()

    def remove_selected(self) -> None:
        """Remove the selected target (its keyring entry stays until the CLI removes it)."""
        target = self._selected()
        if target is not None:
            self._targets.remove(target)
            self._refill()

    # -- workers --------------------------------------------------------------------------------

    def _live(self, fn: Any) -> Any:
        """``fn`` called only while this tab exists."""
        alive = self._alive

        def call(*args: Any) -> None:
            if alive[0]:
                fn(*args)

        return call

    def _track(self, worker: Any) -> None:
        self._workers.append(worker)
        workers = self._workers
        worker.signals.finished.connect(lambda: workers.remove(worker))

    def read_secret_sources(self) -> None:
        """Find out, in a worker, where each target's secret is."""
        self._generation += 1
        generation = self._generation
        worker = self._pool.submit(
            secret_sources_task, tuple(self._targets), name="read notification secrets"
        )
        self._track(worker)
        worker.signals.result.connect(
            self._live(lambda result: self._sources_read(generation, result))
        )

    def _sources_read(self, generation: int, result: tuple[bool, dict[str, str]]) -> None:
        if generation != self._generation:
            return  # a newer look-up is under way
        self.keyring, self._sources = result
        self._refill()
        self.secretsRead.emit()

    def send_test(self) -> None:
        """Send the test message to the selected target in a worker; the result shows below."""
        target = self._selected()
        if target is None:
            return
        self.test_button.setEnabled(False)
        self._show_result(f"Sending a test message to {target.name}…", ok=True)
        worker = self._pool.submit(send_test_task, target, name=f"test {target.name}")
        self._track(worker)
        worker.signals.result.connect(self._live(lambda result: self._test_done(target, result)))
        worker.signals.error.connect(self._live(lambda error: self._test_done(target, error)))

    def _test_done(self, target: NotifyTarget, result: Any) -> None:
        self._selection_changed()
        if isinstance(result, BaseException):
            self._show_result(f"{target.name}: the test failed: {result}", ok=False)
        else:
            self._show_result(f"{target.name}: {result.describe()}", ok=result.ok)
        self.testFinished.emit(result)

    def _show_result(self, text: str, *, ok: bool) -> None:
        self.test_result.setText(text)
        self.test_result.setStyleSheet("" if ok else "color: #CF222E;")

    def saved(self, before: NotificationSettings, after: NotificationSettings) -> None:
        """After a save: targets new in ``after`` start from now (in a worker)."""
        old = {t.name for t in before.targets}
        new = [t.name for t in after.targets if t.name not in old]
        if new:
            worker = self._pool.submit(start_targets_task, after, new, name="start targets")
            self._track(worker)
