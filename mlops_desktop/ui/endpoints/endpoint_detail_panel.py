"""The Endpoints page's detail panel: a header (the selected endpoint's name, status and
stage pills, scoring URI with *Copy*, its one-line summary) over the Monitoring, Test and
Traffic tabs; a hint while nothing is selected.

The summary and the state come from the endpoint itself (``endpoint.summary``,
``endpoint.service_state``), so a local endpoint and an Azure ML one each say what matters
for their kind. The time window and its caption (the Monitoring tab's) sit at the right of
the header, as dashboards put their time picker.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.stages import Stage
from mlops_desktop.serving.entities import Endpoint
from mlops_desktop.ui.endpoints.endpoint_monitor_view import EndpointMonitorView
from mlops_desktop.ui.endpoints.endpoint_test_view import EndpointTestView
from mlops_desktop.ui.endpoints.endpoint_traffic_view import EndpointTrafficView
from mlops_desktop.ui.endpoints.endpoints_tree_model import status_text
from mlops_desktop.ui.shell import style

_STATUS_TINTS = {
    "running": ("#DCFCE7", "#166534"),
    "degraded": ("#FEF3C7", "#92400E"),
    "dead": ("#FEE2E2", "#991B1B"),
    "stopped": ("#EEF1F4", "#57606A"),
}


def pill_style(background: str, color: str) -> str:
    """Style sheet of a rounded status pill (themed)."""
    background, color = style.themed(background, text=False), style.themed(color)
    return (
        f"background: {background}; color: {color}; border-radius: 10px; padding: 2px 10px; "
        "font-weight: 600;"
    )


class EndpointDetailHeader(QWidget):
    """Title row and subtitle row of the selected endpoint."""

    #: *Copy scoring URI* was clicked.
    copyRequested = Signal()

    def __init__(
        self, window_selector: QWidget, caption: QWidget, parent: QWidget | None = None
    ) -> None:
        """``window_selector`` and ``caption`` (the monitor's) are placed at the right."""
        super().__init__(parent)
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
        self.copy_button.clicked.connect(self.copyRequested)
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
        title_row.addWidget(window_selector, 0, Qt.AlignmentFlag.AlignVCenter)
        subtitle_row = QHBoxLayout()
        subtitle_row.setSpacing(10)
        subtitle_row.addWidget(self.detail_subtitle, 1)
        subtitle_row.addWidget(caption)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(title_row)
        layout.addLayout(subtitle_row)

    def show_endpoint(self, endpoint: Endpoint, stage: Stage | None) -> None:
        """Show ``endpoint`` of a workspace at ``stage``."""
        status = endpoint.status.value
        self.detail_title.setText(endpoint.name)
        background, color = _STATUS_TINTS.get(status, ("#EEF1F4", "#57606A"))
        # A managed service's own state (as the tree shows it), else the health.
        self.status_pill.setText(f"● {endpoint.service_state or status_text(status)}")
        self.status_pill.setStyleSheet(pill_style(background, color))
        if stage is not None:
            self.stage_pill.setText(stage.value)
            self.stage_pill.setStyleSheet(
                pill_style(style.STAGE_TINTS[stage], style.STAGE_SHADES[stage])
            )
            self.stage_pill.show()
        else:
            self.stage_pill.hide()
        self.url_label.setText(endpoint.scoring_uri)
        self.detail_subtitle.setText(endpoint.summary)


class EndpointDetailPanel(QFrame):
    """Header and tabs of the selected endpoint (``show_hint`` while there is none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EndpointDetail")
        self.monitor_view = EndpointMonitorView(with_toolbar=False)
        self.header = EndpointDetailHeader(
            self.monitor_view.window_selector, self.monitor_view.caption
        )
        self.test_view = EndpointTestView()
        self.traffic_view = EndpointTrafficView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.monitor_view, "Monitoring")
        self.tabs.addTab(self.test_view, "Test")
        self.tabs.addTab(self.traffic_view, "Traffic")

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(24, 12, 24, 10)
        content_layout.setSpacing(4)
        content_layout.addWidget(self.header)
        content_layout.addSpacing(6)
        content_layout.addWidget(self.tabs, 1)

        self.detail_hint = QLabel("Select an endpoint to see its traffic, latency and errors.")
        self.detail_hint.setObjectName("EmptyHint")
        self.detail_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail_stack = QStackedWidget()
        self.detail_stack.addWidget(self.detail_hint)
        self.detail_stack.addWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.detail_stack)
