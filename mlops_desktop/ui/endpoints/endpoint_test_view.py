"""The Test panel: send a request (the model's input example, editable) and see the answer.

The page owns the workers; this view validates the JSON as it is typed, says where it is broken,
and shows the answer: status, the deployment that answered, latency and the body.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.serving.entities import Endpoint
from mlops_desktop.ui.endpoints.tasks_endpoints import format_request_json, parse_request_body
from mlops_desktop.ui.shell import style

#: The target item that lets the router choose by the traffic split.
TRAFFIC_SPLIT = "(traffic split)"


def _pill_style(background: str, color: str) -> str:
    return (
        f"background: {background}; color: {color}; border-radius: 9px; padding: 2px 9px; "
        "font-weight: 600;"
    )


class EndpointTestView(QWidget):
    """Request editor, target deployment, Send, and the answer."""

    #: (body bytes, deployment name or "" for the traffic split)
    sendRequested = Signal(bytes, str)
    #: Reload the input example for this deployment ("" = the busiest one).
    resetRequested = Signal(str)

    VALIDATE_DELAY_MS = 200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointTest")
        self._endpoint_key: tuple[str, str] | None = None
        self._busy = False
        self._valid = False
        #: Why the identity may not call the endpoint (Azure RBAC), or "".
        self._blocked = ""
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(8.0, mono.pointSizeF() - 0.5))

        self.target_combo = QComboBox()
        self.target_combo.setAccessibleName("Send to")
        self.target_combo.setMinimumWidth(260)
        self.target_combo.setToolTip(
            "Let the router choose by the traffic split, or send to one deployment "
            "(azureml-model-deployment header)"
        )
        self.reset_button = QToolButton()
        self.reset_button.setObjectName("LinkButton")
        self.reset_button.setText("Reset to input example")
        self.reset_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.reset_button.clicked.connect(
            lambda: self.resetRequested.emit(self.target_deployment())
        )
        self.format_button = QToolButton()
        self.format_button.setObjectName("LinkButton")
        self.format_button.setText("Format")
        self.format_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.format_button.clicked.connect(self.format_request)
        self.send_button = QPushButton("Send")
        self.send_button.setObjectName("PrimaryButton")
        self.send_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.send_button.setToolTip("Send the request (Ctrl+Enter)")
        self.send_button.clicked.connect(self.send)
        top = QHBoxLayout()
        top.setSpacing(8)
        caption = QLabel("Send to")
        caption.setObjectName("FormLabel")
        top.addWidget(caption)
        top.addWidget(self.target_combo)
        top.addStretch(1)
        top.addWidget(self.format_button)
        top.addWidget(self.reset_button)
        top.addSpacing(6)
        top.addWidget(self.send_button)

        self.editor = QPlainTextEdit()
        self.editor.setObjectName("RequestEditor")
        self.editor.setFont(mono)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.editor.setPlaceholderText("Request body (JSON): the model's input example loads here")
        self.editor.setTabChangesFocus(False)
        self.editor.textChanged.connect(self._schedule_validation)
        self.request_status = QLabel("")
        self.request_status.setObjectName("FieldError")
        self.request_status.setWordWrap(True)
        request_box = QWidget()
        request_layout = QVBoxLayout(request_box)
        request_layout.setContentsMargins(0, 0, 6, 0)
        request_layout.setSpacing(4)
        request_title = QLabel("REQUEST")
        request_title.setObjectName("DetailSection")
        request_layout.addWidget(request_title)
        request_layout.addWidget(self.editor, 1)
        request_layout.addWidget(self.request_status)

        self.status_pill = QLabel("")
        self.status_pill.setObjectName("StatusPill")
        self.status_pill.hide()
        self.answer_label = QLabel("No request sent yet.")
        self.answer_label.setObjectName("MutedNote")
        self.answer_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.response_view = QPlainTextEdit()
        self.response_view.setObjectName("ResponseView")
        self.response_view.setReadOnly(True)
        self.response_view.setFont(mono)
        self.response_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        response_box = QWidget()
        response_layout = QVBoxLayout(response_box)
        response_layout.setContentsMargins(6, 0, 0, 0)
        response_layout.setSpacing(4)
        response_title = QLabel("RESPONSE")
        response_title.setObjectName("DetailSection")
        answer_row = QHBoxLayout()
        answer_row.setSpacing(8)
        answer_row.addWidget(self.status_pill)
        answer_row.addWidget(self.answer_label, 1)
        response_layout.addWidget(response_title)
        response_layout.addLayout(answer_row)
        response_layout.addWidget(self.response_view, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(request_box)
        splitter.addWidget(response_box)
        splitter.setSizes([560, 440])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.timeout.connect(self.validate)
        for sequence in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(sequence), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.send)
        self._update_send()

    # -- endpoint -----------------------------------------------------------------------------

    def set_endpoint(self, endpoint: Endpoint | None) -> bool:
        """Target ``endpoint``; True when it is another endpoint than before (editor cleared)."""
        key = (endpoint.workspace, endpoint.name) if endpoint is not None else None
        changed = key != self._endpoint_key
        self._endpoint_key = key
        self._blocked = str(getattr(endpoint, "invoke_blocked", "") or "")
        previous = self.target_deployment()
        items = [(TRAFFIC_SPLIT, "")] if endpoint is not None else []
        for d in endpoint.deployments if endpoint is not None else ():
            items.append((f"{d.name} — {d.registered_model} v{d.version} ({d.traffic} %)", d.name))
        shown = [
            (self.target_combo.itemText(i), self.target_combo.itemData(i) or "")
            for i in range(self.target_combo.count())
        ]
        if items != shown:  # a refresh with nothing new leaves the combo (and its popup) alone
            self.target_combo.blockSignals(True)
            self.target_combo.clear()
            for label, name in items:
                self.target_combo.addItem(label, name)
            index = self.target_combo.findData(previous) if not changed else 0
            self.target_combo.setCurrentIndex(max(index, 0))
            self.target_combo.blockSignals(False)
        elif changed:
            self.target_combo.setCurrentIndex(0)
        if changed:
            self.editor.blockSignals(True)
            self.editor.setPlainText("")
            self.editor.blockSignals(False)
            self._valid = False
            self.request_status.setText("Loading the input example…" if endpoint else "")
            self.request_status.setStyleSheet(f"color: {style.TEXT_MUTED};")
            self.clear_response()
        self._update_send()
        return changed

    @property
    def endpoint_key(self) -> tuple[str, str] | None:
        """(workspace, endpoint) the panel targets."""
        return self._endpoint_key

    def target_deployment(self) -> str:
        """The chosen deployment ("" for the traffic split)."""
        data = self.target_combo.currentData()
        return str(data) if data else ""

    def set_target_deployment(self, name: str) -> None:
        """Choose deployment ``name`` ("" for the traffic split)."""
        index = self.target_combo.findData(name)
        if index >= 0:
            self.target_combo.setCurrentIndex(index)

    # -- request ------------------------------------------------------------------------------

    def set_example(self, text: str) -> None:
        """Put the input example into the editor."""
        self.editor.setPlainText(text)
        self.validate()

    def set_example_error(self, message: str) -> None:
        """The input example could not be loaded."""
        self.request_status.setText(f"No input example: {message}")
        self.request_status.setStyleSheet("")

    def request_text(self) -> str:
        """The editor's text."""
        return self.editor.toPlainText()

    def _schedule_validation(self) -> None:
        self._validate_timer.start(self.VALIDATE_DELAY_MS)

    def validate(self) -> bytes | None:
        """Check the editor's JSON now: the body, or None (and an inline error)."""
        self._validate_timer.stop()
        try:
            body = parse_request_body(self.request_text())
        except InvalidInput as exc:
            self._valid = False
            self.request_status.setText(exc.message)
            self.request_status.setStyleSheet("")
            self._update_send()
            return None
        self._valid = True
        self.request_status.setText("Valid JSON")
        self.request_status.setStyleSheet(f"color: {style.themed('#15803D')};")
        self._update_send()
        return body

    def format_request(self) -> None:
        """Re-indent the request (when it is valid JSON)."""
        try:
            data = json.loads(self.request_text())
        except ValueError:
            self.validate()
            return
        self.editor.setPlainText(format_request_json(data))

    def send(self) -> None:
        """Validate, then ask the page to send the request."""
        body = self.validate()
        if body is None or self._endpoint_key is None or self._busy or self._blocked:
            return
        self.sendRequested.emit(body, self.target_deployment())

    def set_busy(self, busy: bool) -> None:
        """A request is on its way."""
        self._busy = busy
        if busy:
            self.answer_label.setText("Sending…")
            self.status_pill.hide()
        self._update_send()

    def _update_send(self) -> None:
        self.send_button.setEnabled(
            self._valid and not self._busy and self._endpoint_key is not None and not self._blocked
        )
        self.send_button.setText("Sending…" if self._busy else "Send")
        # Azure RBAC: say which action is missing rather than fail on Send.
        self.send_button.setToolTip(
            f"You may not call this endpoint: {self._blocked}"
            if self._blocked
            else "Send the request (Ctrl+Enter)"
        )

    def blocked_reason(self) -> str:
        """Why the signed-in identity may not call this (Azure ML) endpoint, or ""."""
        return self._blocked

    # -- response -----------------------------------------------------------------------------

    def clear_response(self) -> None:
        """No answer on display."""
        self.status_pill.hide()
        self.answer_label.setText("No request sent yet.")
        self.response_view.setPlainText("")

    def show_result(self, result: Any) -> None:
        """Show an :class:`~mlops_desktop.serving.entities.InvocationResult`."""
        self.set_busy(False)
        ok = bool(result.ok)
        reason = "OK" if ok else "error"
        self.status_pill.setText(f"{result.status} {reason}")
        self.status_pill.setStyleSheet(
            _pill_style("#DCFCE7", "#166534") if ok else _pill_style("#FEE2E2", "#991B1B")
        )
        self.status_pill.show()
        who = f"answered by <b>{result.deployment}</b>" if result.deployment else "no deployment"
        request_id = f" · request {result.request_id[:8]}" if result.request_id else ""
        self.answer_label.setText(f"{who} · {result.latency_ms:.1f} ms{request_id}")
        self.answer_label.setToolTip(f"Request id {result.request_id}")
        try:
            text = format_request_json(json.loads(result.body))
        except ValueError:
            text = result.body.decode("utf-8", errors="replace")
        self.response_view.setPlainText(text)

    def show_error(self, message: str) -> None:
        """The request could not be sent (endpoint down, timeout…)."""
        self.set_busy(False)
        self.status_pill.setText("failed")
        self.status_pill.setStyleSheet(_pill_style("#FEE2E2", "#991B1B"))
        self.status_pill.show()
        self.answer_label.setText("The request did not get an answer.")
        self.response_view.setPlainText(message)

    def response_text(self) -> str:
        """The response body on display."""
        return self.response_view.toPlainText()
