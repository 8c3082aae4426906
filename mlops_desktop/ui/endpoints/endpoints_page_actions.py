"""The Endpoints page's actions: the context menu, and the changes that run in workers
(traffic, start, stop, create, deploy), with the activity line and the dialogs they open.

A mixin of :class:`~mlops_desktop.ui.endpoints.endpoints_page.EndpointsPage` (it uses the
page's pool, selection, model, views and signals). Which actions an endpoint offers is read
from its declared traits — local processes start and stop, managed instances get *Deploy
version…* — never from which backend it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QMessageBox, QProgressBar, QToolButton

from mlops_desktop.core.errors import Cancelled
from mlops_desktop.serving.entities import Endpoint, EndpointStatus
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.endpoints.endpoints_tree_view import glyph_icon
from mlops_desktop.ui.shell import style
from mlops_desktop.ui.shell.workers import Worker, WorkerPool

DEPLOY_TIP = "Deploy a registered model version to the selected Azure ML endpoint (0 % traffic)"


def toolbar_button(text: str, icon: QIcon, tip: str) -> QToolButton:
    """A tool button of the page's header (text beside a 16 px icon)."""
    button = QToolButton()
    button.setObjectName("ToolbarButton")
    button.setText(text)
    button.setIcon(icon)
    button.setIconSize(QSize(16, 16))
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


def deploy_blocked_reason(endpoint: Endpoint | None) -> str:
    """Why the identity may not deploy to this endpoint ("" when it may, or not applicable)."""
    return str(getattr(endpoint, "deploy_blocked", "") or "")


class EndpointActions:
    """Context menu and worker-run changes of the Endpoints page (a mixin: the page holds
    the state, its selection methods and signals)."""

    _pool: WorkerPool
    _actions: list[Worker]
    activity_label: QLabel
    activity_bar: QProgressBar
    #: Asks before stopping an endpoint; tests replace it.
    confirm: Callable[[str, str], bool]

    def _build_action_buttons(self) -> None:
        """Create endpoint…, Deploy version…, Start and Stop, wired to the actions below."""
        self.create_button = toolbar_button(
            "Create endpoint…", style.icon("plus"), "Serve a registered model version"
        )
        self.create_button.clicked.connect(self.open_create_dialog)
        self.deploy_button = toolbar_button("Deploy version…", style.icon("plus"), DEPLOY_TIP)
        self.deploy_button.clicked.connect(self.open_deploy_dialog)
        self.start_button = toolbar_button(
            "Start", glyph_icon("play", "#16A34A"), "Start the endpoint, or restart what died"
        )
        self.start_button.clicked.connect(self.start_selected)
        self.stop_button = toolbar_button(
            "Stop", glyph_icon("stop", "#DC2626"), "Stop the endpoint's processes"
        )
        self.stop_button.clicked.connect(lambda: self.stop_selected())

    def _update_actions(self) -> None:
        endpoint = self.selected_endpoint()
        busy = bool(self._actions)
        stopped = endpoint is not None and endpoint.status is EndpointStatus.STOPPED
        needs_start = endpoint is not None and endpoint.status is not EndpointStatus.RUNNING
        # Endpoints without local processes (Azure ML's): nothing to start or stop here.
        local = endpoint is not None and endpoint.traits.local_processes
        self.start_button.setEnabled(local and needs_start and not busy)
        self.stop_button.setEnabled(local and not stopped and not busy)
        # Create endpoint… makes the kinds the app creates; others get Deploy version….
        supported = any(i.supported and i.traits.creates_endpoints for i in self.model.workspaces())
        self.create_button.setEnabled(supported and not busy)
        # Endpoints on managed instances: a new deployment of a registered version
        # (permission-gated).
        blocked = deploy_blocked_reason(endpoint)
        managed = endpoint is not None and endpoint.traits.managed_instances
        self.deploy_button.setEnabled(managed and not blocked and not busy)
        self.deploy_button.setToolTip(
            f"You may not create deployments in {endpoint.workspace}: {blocked}"
            if blocked and endpoint is not None
            else DEPLOY_TIP
        )

    def context_actions(self) -> list[tuple[str, Callable[[], None], bool]]:
        """(text, action, enabled) of the selected row's context menu."""
        endpoint = self.selected_endpoint()
        if endpoint is None:
            return []
        idle = not self._actions
        local = endpoint.traits.local_processes  # e.g. Azure ML's are no processes of ours
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
                idle and endpoint.traits.managed_instances and not deploy_blocked_reason(endpoint),
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
        if endpoint is None or target is None or not endpoint.traits.local_processes:
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
        if endpoint is None or target is None or not endpoint.traits.local_processes:
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
            if i.supported and i.traits.creates_endpoints
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
        """*Deploy version…* of the selected endpoint on managed instances (non-blocking);
        returns it (None when the selected endpoint has none)."""
        from mlops_desktop.ui.endpoints.deploy_version_dialog import DeployVersionDialog

        endpoint, target = self.selected_endpoint(), self._target()
        if endpoint is None or target is None or not endpoint.traits.managed_instances:
            return None
        dialog = DeployVersionDialog(
            target[0],
            endpoint.name,
            self._pool,
            taken=tuple(d.name for d in endpoint.deployments),
            blocked=deploy_blocked_reason(endpoint),
            traits=endpoint.traits,
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
