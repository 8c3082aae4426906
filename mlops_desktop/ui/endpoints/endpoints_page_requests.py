"""The Endpoints page's reads of one endpoint: its telemetry (Monitoring tab), its input
example and test requests (Test tab), each "latest request wins".

A mixin of :class:`~mlops_desktop.ui.endpoints.endpoints_page.EndpointsPage` (the page holds
the requests, the selection and the views). An endpoint whose requests are not collected here
(``traits.collects_requests``) gets its kind's note instead of charts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.endpoints.endpoint_monitor_view import EndpointMonitorView
from mlops_desktop.ui.endpoints.endpoint_test_view import EndpointTestView
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool

#: After a test request, the router has written it within about half a second.
AFTER_SEND_REFRESH_MS = 900


class EndpointRequests:
    """Telemetry, input example and test requests of the selected endpoint."""

    _pool: WorkerPool
    _telemetry_request: LatestRequest
    _example_request: LatestRequest
    _invoke_request: LatestRequest
    _telemetry_busy: bool
    _awaiting_telemetry: bool
    monitor_view: EndpointMonitorView
    test_view: EndpointTestView

    def request_telemetry(self) -> None:
        """(Re)load the selected endpoint's telemetry; supersedes a running request."""
        target = self._target()
        if target is None:
            return
        self._telemetry_request.begin()
        endpoint = self.selected_endpoint()
        if endpoint is not None and not endpoint.traits.collects_requests:
            # Its requests are not collected here (e.g. Azure Monitor has them): no charts.
            traits = endpoint.traits
            self.monitor_view.show_unavailable(traits.telemetry_note, traits.telemetry_hint)
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
