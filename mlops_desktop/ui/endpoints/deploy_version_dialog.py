"""The *Deploy version…* dialog of an endpoint on managed instances (Azure ML online
endpoints): a new deployment at 0 % traffic.

Model and version come from the workspace's registry (read in a worker); the deployment name
(blue/green when free, by the kind's name rule), instance type and count are checked inline.
*Deploy* runs in a worker with progress; *Cancel* then stops waiting (the service still
finishes an accepted deployment). Where the signed-in identity may not create deployments,
*Deploy* is off and says why.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import Cancelled, InvalidInput
from mlops_desktop.serving.entities import EndpointTraits
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.common.task_dialog_parts import (
    DialogTask,
    TaskFooter,
    heading,
    show_model_choices,
    stack,
)
from mlops_desktop.ui.endpoints import tasks_endpoints as tasks
from mlops_desktop.ui.endpoints.tasks_deploy import (
    DeployRequest,
    check_deploy_request,
    deploy_version_task,
    suggested_deployment_name,
)
from mlops_desktop.ui.shell.workers import LatestRequest, WorkerPool


class DeployVersionDialog(QDialog):
    """Deploys a registered model version behind an endpoint; emits ``deployed``."""

    #: (workspace, endpoint, deployment) once the service created it.
    deployed = Signal(str, str, str)

    def __init__(
        self,
        workspace: WorkspaceConfig,
        endpoint: str,
        pool: WorkerPool,
        *,
        taken: tuple[str, ...] = (),
        blocked: str = "",
        traits: EndpointTraits | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``taken``: the endpoint's deployments; ``blocked``: why deploying is not allowed;
        ``traits``: the endpoint's kind (default: the workspace's)."""
        super().__init__(parent)
        if traits is None:
            from mlops_desktop.ports.provider import ports_of

            traits = ports_of(workspace).endpoints().traits
        self._traits = traits
        self.setObjectName("DeployVersionDialog")
        self.setWindowTitle("Deploy version")
        self.setMinimumWidth(560)
        self._workspace = workspace
        self._endpoint = endpoint
        self._pool = pool
        self._taken = taken
        self._blocked = blocked
        self._choices: list[tasks.ModelChoice] | None = None
        self._name_touched = False
        self._models_request = LatestRequest(self)

        title, intro = heading(
            f"Deploy a version to {endpoint}",
            f"Adds a managed online deployment to {endpoint} in {traits.label} workspace "
            f"{workspace.name} at 0 % traffic. Shift traffic in the Traffic tab once it is "
            "healthy.",
        )

        self.model_combo = QComboBox()
        self.model_combo.setAccessibleName("Model")
        self.version_combo = QComboBox()
        self.version_combo.setAccessibleName("Version")
        self.models_status = QLabel("")
        self.models_status.setObjectName("FieldCaption")
        self.name_edit = QLineEdit(suggested_deployment_name(taken))
        self.name_edit.setAccessibleName("Deployment name")
        self.name_edit.setPlaceholderText("e.g. green")
        self.name_edit.textEdited.connect(self._name_edited)
        self.instance_combo = QComboBox()
        self.instance_combo.setEditable(True)
        self.instance_combo.addItems(list(traits.instance_types))
        self.instance_combo.setCurrentText(traits.default_instance_type)
        self.instance_combo.setAccessibleName("Instance type")
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 50)
        self.count_spin.setAccessibleName("Instance count")
        existing = QLabel(", ".join(taken) or "none yet")
        existing.setObjectName("FieldCaption")

        form = QFormLayout()
        form.setHorizontalSpacing(12)
        form.setVerticalSpacing(8)
        form.addRow("Model", self.model_combo)
        form.addRow("Version", self.version_combo)
        form.addRow("", self.models_status)
        form.addRow("Deployment", self.name_edit)
        form.addRow("Existing", existing)
        form.addRow("Instance type", self.instance_combo)
        form.addRow("Instances", self.count_spin)
        form.addRow("Traffic", QLabel("0 % (shift it later in the Traffic tab)"))

        footer = TaskFooter.build(self, "Deploy")
        self.status_label = footer.status_label
        self.progress_bar = footer.progress_bar
        self.error_label = footer.error_label
        self.buttons = footer.buttons
        self.deploy_button = footer.ok_button
        stack(self, title, intro, form, *footer.widgets(), spacing=8)

        # The service finishes an accepted deployment even when the dialog stops waiting.
        self._deploy = DialogTask(
            self,
            footer,
            (
                self.model_combo,
                self.version_combo,
                self.name_edit,
                self.instance_combo,
                self.count_spin,
            ),
            ok_text="Deploy",
            busy_text="Deploying…",
            stopped_text=(
                f"Stopped waiting; {traits.label} may still finish the deployment "
                "(Refresh shows it)."
            ),
            revalidate=lambda _running: self.validate(),
        )
        self.model_combo.currentIndexChanged.connect(lambda _i: self._model_changed())
        self.version_combo.currentIndexChanged.connect(lambda _i: self._version_changed())
        self.name_edit.textChanged.connect(lambda _t: self.validate())
        self.instance_combo.editTextChanged.connect(lambda _t: self.validate())
        self.count_spin.valueChanged.connect(lambda _v: self.validate())
        self.load_models()

    # -- registry -----------------------------------------------------------------------------

    def load_models(self) -> None:
        """Read the workspace's registered models and versions in a worker."""
        self._models_request.begin()
        self.models_status.setText(f"Reading the models of {self._workspace.name}…")
        worker = self._pool.submit(
            tasks.list_model_choices, self._workspace, name="model choices to deploy"
        )
        self._models_request.track(worker)
        self._models_request.connect(worker.signals.result, self._on_models)
        self._models_request.connect(worker.signals.error, self._on_models_error)
        self.validate()

    def _on_models(self, choices: list[tasks.ModelChoice]) -> None:
        self._choices = list(choices)
        show_model_choices(self.model_combo, self.models_status, choices)
        self._model_changed()

    def _on_models_error(self, error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        self.models_status.setText(f"Could not read the models: {describe_error(error)}")
        self.validate()

    def _model_changed(self) -> None:
        choice = self.model_combo.currentData()
        self.version_combo.blockSignals(True)
        self.version_combo.clear()
        if isinstance(choice, tasks.ModelChoice):
            tags = {v: a for a, v in choice.aliases.items()}
            for version in choice.versions:
                alias = f"  (@{tags[version]})" if version in tags else ""
                self.version_combo.addItem(f"version {version}{alias}", version)
        self.version_combo.blockSignals(False)
        self._version_changed()

    def _version_changed(self) -> None:
        if not self._name_touched:
            model = self.model_combo.currentText()
            version = str(self.version_combo.currentData() or "")
            self.name_edit.setText(suggested_deployment_name(self._taken, model, version))
        self.validate()

    def _name_edited(self, _text: str) -> None:
        self._name_touched = True

    # -- the request --------------------------------------------------------------------------

    def request(self) -> DeployRequest:
        """The deployment the form describes, checked (:class:`InvalidInput` when not)."""
        return check_deploy_request(
            DeployRequest(
                endpoint=self._endpoint,
                deployment=self.name_edit.text().strip(),
                model=self.model_combo.currentText(),
                version=str(self.version_combo.currentData() or ""),
                instance_type=self.instance_combo.currentText().strip(),
                instance_count=self.count_spin.value(),
            ),
            self._taken,
            self._traits.deployment_name_rule,
        )

    def validate(self) -> bool:
        """Inline check; *Deploy* is on for a complete request the identity may make."""
        why = (
            f"You may not create deployments in {self._workspace.name}: {self._blocked}"
            if self._blocked
            else ""
        )
        self.deploy_button.setToolTip(why)
        error = ""
        try:
            self.request()
            ok = True
        except InvalidInput as exc:
            ok = False
            if self._choices is not None:  # not while the registry is still being read
                error = describe_error(exc)
        if not self._deploy.running:
            self.error_label.setText(why or error)
        self.deploy_button.setEnabled(ok and not why and not self._deploy.running)
        return ok and not why

    # -- deploy -------------------------------------------------------------------------------

    def accept(self) -> None:
        """Deploy in a worker; the dialog closes once the service created the deployment."""
        if self._deploy.running or not self.validate():
            return
        request = self.request()
        self._deploy.start(
            self._pool,
            deploy_version_task,
            self._workspace,
            request,
            name=f"deploy to {self._traits.label}",
            status=f"Deploying {request.model} version {request.version} as {request.deployment}…",
            on_result=self._on_deployed,
            counted=True,
        )

    def _on_deployed(self, deployment: object) -> None:
        name = str(getattr(deployment, "name", "") or self.name_edit.text().strip())
        self.deployed.emit(self._workspace.name, self._endpoint, name)
        super().accept()

    def reject(self) -> None:
        """While deploying: stop waiting (the dialog stays open); otherwise close."""
        if self._deploy.stop_waiting():
            return
        self._models_request.cancel()
        super().reject()
