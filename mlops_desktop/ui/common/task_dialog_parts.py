"""Parts the form dialogs share: heading, model choices, footer (status, thin bar, error,
OK/Cancel), layout, and the busy state of a dialog whose *OK* runs one write in a worker.

While that write runs, the dialog's inputs are locked, a thin busy bar shows, the OK button
says what is happening and *Cancel* stops waiting instead of closing (Azure ML still finishes
what it accepted). The object names are the style sheet's (``DialogTitle``, ``DialogIntro``,
``FieldCaption``, ``FieldError``, ``PrimaryButton``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

if TYPE_CHECKING:
    from mlops_desktop.ui.endpoints.tasks_endpoints import ModelChoice


def heading(title: str, intro: str) -> tuple[QLabel, QLabel]:
    """The dialog's title and its wrapped one-paragraph introduction."""
    title_label = QLabel(title)
    title_label.setObjectName("DialogTitle")
    intro_label = QLabel(intro)
    intro_label.setObjectName("DialogIntro")
    intro_label.setWordWrap(True)
    return title_label, intro_label


def error_label() -> QLabel:
    """The inline error line under a form (red through the style sheet's ``FieldError``)."""
    label = QLabel("")
    label.setObjectName("FieldError")
    label.setWordWrap(True)
    return label


def ok_cancel_buttons(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    """OK/Cancel wired to the dialog's ``accept``/``reject``; OK renamed and primary."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setObjectName("PrimaryButton")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok


def stack(dialog: QDialog, *parts: QWidget | QLayout, spacing: int) -> QVBoxLayout:
    """The dialog's vertical layout holding ``parts`` (widgets and layouts) in order."""
    layout = QVBoxLayout(dialog)
    layout.setSpacing(spacing)
    for part in parts:
        if isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


def show_model_choices(combo: QComboBox, status: QLabel, choices: Sequence[ModelChoice]) -> None:
    """The registry's models into ``combo`` (each item's data is its choice), counted in ``status``.

    The combo's signals are held while it fills: the caller reacts once, to the first model.
    """
    combo.blockSignals(True)
    combo.clear()
    for choice in choices:
        combo.addItem(choice.name, choice)
    combo.blockSignals(False)
    status.setText(
        f"{len(choices)} registered model(s)" if choices else "No registered models here yet."
    )


@dataclass(frozen=True, slots=True)
class TaskFooter:
    """What stands under the form of a dialog that runs a write: status, bar, error, buttons."""

    status_label: QLabel
    progress_bar: QProgressBar
    error_label: QLabel
    buttons: QDialogButtonBox
    ok_button: QPushButton

    @classmethod
    def build(cls, dialog: QDialog, ok_text: str) -> TaskFooter:
        """The footer's widgets (the bar hidden until the write runs)."""
        status = QLabel("")
        status.setObjectName("FieldCaption")
        status.setWordWrap(True)
        bar = QProgressBar()
        bar.setTextVisible(False)
        bar.setFixedHeight(6)
        bar.hide()
        error = error_label()
        style.set_themed_style_sheet(error, "color: #DC2626;")
        buttons, ok = ok_cancel_buttons(dialog, ok_text)
        return cls(status, bar, error, buttons, ok)

    def widgets(self) -> tuple[QWidget, ...]:
        """The footer's widgets top to bottom, for :func:`stack`."""
        return (self.status_label, self.progress_bar, self.error_label, self.buttons)


class DialogTask(QObject):
    """The one write a dialog runs in a worker, and the dialog's busy state around it.

    ``revalidate`` is the dialog's inline check, called with the new state after every change
    (the dialog reads :attr:`running` there to keep OK off while the write runs).
    """

    #: The new state, after inputs, bar and OK button followed it.
    runningChanged = Signal(bool)

    def __init__(
        self,
        dialog: QDialog,
        footer: TaskFooter,
        inputs: Sequence[QWidget],
        *,
        ok_text: str,
        busy_text: str,
        stopped_text: str,
        revalidate: Callable[[bool], object],
    ) -> None:
        super().__init__(dialog)
        self._footer = footer
        self._inputs = tuple(inputs)
        self._ok_text = ok_text
        self._busy_text = busy_text
        self._stopped_text = stopped_text
        # Held by the connection, not by this object: ``revalidate`` refers to the dialog, and a
        # reference from here would keep its wrapper alive after Qt deleted the dialog.
        self.runningChanged.connect(revalidate)
        self._request = LatestRequest(self)
        #: True while the write runs (the dialog's inputs are locked).
        self.running = False

    def set_running(self, running: bool) -> None:
        """Lock or unlock the inputs, show or hide the busy bar, rename OK, check again."""
        self.running = running
        for widget in self._inputs:
            widget.setEnabled(not running)
        bar = self._footer.progress_bar
        bar.setRange(0, 0)
        bar.setVisible(running)
        self._footer.ok_button.setText(self._busy_text if running else self._ok_text)
        self.runningChanged.emit(running)

    def start(
        self,
        pool: WorkerPool,
        fn: Callable[..., Any],
        *args: Any,
        name: str,
        status: str,
        on_result: Callable[[Any], None],
        counted: bool = False,
    ) -> None:
        """Run ``fn(ctx, *args)`` in a worker; ``on_result`` gets its value once unlocked.

        Progress messages show in the status line; with ``counted`` the bar also shows the
        steps (otherwise it stays busy: how long Azure ML takes is not known).
        """
        self.set_running(True)
        self._footer.status_label.setText(status)
        self._request.begin()
        worker = pool.submit(fn, *args, name=name)
        self._request.track(worker)
        self._request.connect(
            worker.signals.progress,
            lambda done, total, text: self._progress(done, total, text, counted),
        )
        self._request.connect(worker.signals.result, lambda value: self._done(value, on_result))
        self._request.connect(worker.signals.error, self._failed)

    def stop_waiting(self) -> bool:
        """While the write runs: stop waiting for it (the dialog stays open) and say so.

        Returns False when nothing runs (the dialog's *Cancel* then closes it).
        """
        if not self.running:
            return False
        self._request.cancel()
        self.set_running(False)
        self._footer.status_label.setText(self._stopped_text)
        return True

    def _progress(self, done: int, total: int, text: str, counted: bool) -> None:
        if counted and total > 0:
            self._footer.progress_bar.setRange(0, total)
            self._footer.progress_bar.setValue(done)
        self._footer.status_label.setText(text[:1].upper() + text[1:])

    def _done(self, value: Any, on_result: Callable[[Any], None]) -> None:
        self.set_running(False)
        on_result(value)

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.set_running(False)
        self._footer.status_label.setText("")
        self._footer.error_label.setText(describe_error(error))
