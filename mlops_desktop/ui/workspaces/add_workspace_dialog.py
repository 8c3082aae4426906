"""The *Add workspace…* dialog: name, stage and kind; validated inline, nothing is lost.

Kinds: a local MLflow store, an MLflow tracking server (its URI) or an Azure Machine Learning
workspace (subscription, resource group, workspace, optional tenant, cloud; or *Import
config.json…* as Azure ML Studio downloads it). Only the fields of the chosen kind are shown.

An Azure ML workspace that does not exist yet can be created on the way ("Create the workspace
if it does not exist"): the creation runs in a worker with progress and *Cancel*; its errors
(a missing permission, a conflict) show in the dialog with everything typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig, WorkspaceConfig, load_config, save_config
from mlops_desktop.core.errors import Cancelled, MlopsError
from mlops_desktop.core.stages import STAGE_ORDER, Stage
from mlops_desktop.ports.workspace_admin import WorkspaceCreation
from mlops_desktop.ui.common.backend_tasks import describe_error
from mlops_desktop.ui.common.task_dialog_parts import heading
from mlops_desktop.ui.shell.workers import Worker, WorkerPool
from mlops_desktop.ui.workspaces.azure_create_fields import AzureCreateFields
from mlops_desktop.ui.workspaces.tasks_azure_workspace import ensure_azure_workspace_task
from mlops_desktop.ui.workspaces.workspace_form import (
    ALL_STAGES,
    AzureCloudChoice,
    AzureFields,
    ImportedAzureConfig,
    WorkspaceForm,
    WorkspaceFormError,
    WorkspaceKind,
    add_workspace,
    azure_cloud_choices,
    build_workspace,
    describe_azure_sign_in,
    read_azure_config,
)

ConfigLoader = Callable[[], AppConfig]
ConfigSaver = Callable[[AppConfig], Path]

_KIND_CAPTIONS = {
    WorkspaceKind.LOCAL_MLFLOW: "SQLite + artifacts in the app's data folder; no server needed",
    WorkspaceKind.MLFLOW_SERVER: "Any `mlflow server`; credentials from MLFLOW_TRACKING_* vars",
    WorkspaceKind.AZURE_ML: "A workspace in your Azure subscription, read with the Azure ML SDK",
}

#: Form fields of the Azure ML kind, in the order they are shown.
AZURE_FIELDS = (
    "azure_config",
    "subscription_id",
    "resource_group",
    "azure_workspace",
    "tenant_id",
    "cloud",
)


class AddWorkspaceDialog(QDialog):
    """Collects a new workspace and saves it with ``save_config(load_config().with_workspace())``.

    Bad input shows an inline message next to the field at fault; the dialog stays open with
    everything typed so far.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        load: ConfigLoader = load_config,
        save: ConfigSaver = save_config,
        pool: WorkerPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("AddWorkspaceDialog")
        self.setWindowTitle("Add workspace")
        self.setMinimumWidth(560)
        self._load = load
        self._save = save
        self.saved_workspace: WorkspaceConfig | None = None
        #: The Azure workspace found or created on the way (None when none was asked for).
        self.azure_creation: WorkspaceCreation | None = None
        self._pool = pool
        self._create_worker: Worker | None = None
        #: True once the person picked a stage (an imported config.json then leaves it alone).
        self._stage_chosen = False

        title, intro = heading(
            "Add a workspace",
            "A workspace is one stage of your setup (or one registry hosting several).",
        )

        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. prod-eu")
        self.name_error = self._error_label()
        self.stage_combo = QComboBox()
        for stage in STAGE_ORDER:
            self.stage_combo.addItem(stage.label, stage.value)
        self.stage_combo.addItem(
            "All stages in one registry (names prefixed dev./staging./prod.)", ALL_STAGES
        )
        self.stage_combo.activated.connect(self._stage_activated)
        self.stage_error = self._error_label()

        self.kind_group = QButtonGroup(self)
        self.kind_buttons: dict[WorkspaceKind, QRadioButton] = {}
        kind_box = QWidget()
        kind_layout = QVBoxLayout(kind_box)
        kind_layout.setContentsMargins(0, 0, 0, 0)
        kind_layout.setSpacing(2)
        for kind in WorkspaceKind:
            button = QRadioButton(kind.label)
            caption = QLabel(_KIND_CAPTIONS[kind])
            caption.setObjectName("FieldCaption")
            caption.setContentsMargins(24, 0, 0, 6)
            self.kind_group.addButton(button)
            self.kind_buttons[kind] = button
            kind_layout.addWidget(button)
            kind_layout.addWidget(caption)
        self.kind_buttons[WorkspaceKind.LOCAL_MLFLOW].setChecked(True)
        self.kind_group.buttonToggled.connect(lambda *_: self._kind_changed())
        self.kind_error = self._error_label()

        self.uri_edit = QLineEdit()
        self.uri_edit.setPlaceholderText("http://127.0.0.1:5000")
        self.uri_error = self._error_label()
        self.general_error = self._error_label()

        self._build_azure_fields()

        form = QFormLayout()
        form.setVerticalSpacing(4)
        form.setHorizontalSpacing(14)
        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("Stage", self.stage_combo)
        form.addRow("", self.stage_error)
        form.addRow("Kind", kind_box)
        form.addRow("", self.kind_error)
        self._uri_row = self._with_error(self.uri_edit, self.uri_error)
        form.addRow("Tracking URI", self._uri_row)
        self._azure_rows: list[QWidget] = [
            self._with_error(self._import_row, self.azure_import_status, self.azure_config_error),
            self._with_error(self.subscription_edit, self.subscription_error),
            self._with_error(self.resource_group_edit, self.resource_group_error),
            self._with_error(self.azure_workspace_edit, self.azure_workspace_error),
            self._with_error(self.tenant_edit, self.tenant_error),
            self._with_error(self.cloud_combo, self.cloud_error),
            self.create_fields,
            self._with_error(self.sign_in_caption),
        ]
        labels = (
            "config.json",
            "Subscription ID",
            "Resource group",
            "Azure workspace",
            "Tenant",
            "Cloud",
            "Create",
            "Sign-in",
        )
        for label, row in zip(labels, self._azure_rows, strict=True):
            form.addRow(label, row)
        self._form = form

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add workspace")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        # The dialog follows its contents (inline errors appear and disappear).
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.setContentsMargins(22, 18, 22, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

        self._errors = {
            "name": self.name_error,
            "stage": self.stage_error,
            "kind": self.kind_error,
            "uri": self.uri_error,
            "azure_config": self.azure_config_error,
            "subscription_id": self.subscription_error,
            "resource_group": self.resource_group_error,
            "azure_workspace": self.azure_workspace_error,
            "tenant_id": self.tenant_error,
            "cloud": self.cloud_error,
            "location": self.create_fields.location_error,
        }
        self._targets: dict[str, QWidget] = {
            "name": self.name_edit,
            "uri": self.uri_edit,
            "stage": self.stage_combo,
            "azure_config": self.import_button,
            "subscription_id": self.subscription_edit,
            "resource_group": self.resource_group_edit,
            "azure_workspace": self.azure_workspace_edit,
            "tenant_id": self.tenant_edit,
            "cloud": self.cloud_combo,
            "location": self.create_fields.location_combo,
        }
        for edit in (
            self.name_edit,
            self.uri_edit,
            self.subscription_edit,
            self.resource_group_edit,
            self.azure_workspace_edit,
            self.tenant_edit,
        ):
            edit.textEdited.connect(lambda *_: self._clear_errors())
        self._kind_changed()

    def _build_azure_fields(self) -> None:
        self.import_button = QPushButton("Import config.json…")
        self.import_button.setToolTip(
            "Azure ML Studio: open the workspace menu (top right) → Download config file"
        )
        self.import_button.clicked.connect(self._choose_azure_config)
        import_hint = QLabel("or type the workspace's location below")
        import_hint.setObjectName("FieldCaption")
        self._import_row = QWidget()
        row = QHBoxLayout(self._import_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(10)
        row.addWidget(self.import_button)
        row.addWidget(import_hint, 1)
        self.azure_import_status = QLabel()
        self.azure_import_status.setObjectName("FieldCaption")
        self.azure_import_status.setWordWrap(True)
        self.azure_import_status.setFixedWidth(400)
        self.azure_import_status.hide()
        self.azure_config_error = self._error_label()

        self.subscription_edit = QLineEdit()
        self.subscription_edit.setPlaceholderText("00000000-0000-0000-0000-000000000000")
        self.subscription_edit.setToolTip("The subscription's ID (a GUID), not its display name")
        self.subscription_error = self._error_label()
        self.resource_group_edit = QLineEdit()
        self.resource_group_edit.setPlaceholderText("e.g. rg-churn-prod")
        self.resource_group_error = self._error_label()
        self.azure_workspace_edit = QLineEdit()
        self.azure_workspace_edit.setPlaceholderText("e.g. mlw-churn-prod")
        self.azure_workspace_edit.setToolTip("The Azure ML workspace's name in the portal")
        self.azure_workspace_error = self._error_label()
        self.tenant_edit = QLineEdit()
        self.tenant_edit.setPlaceholderText("optional: tenant ID or contoso.onmicrosoft.com")
        self.tenant_edit.setToolTip(
            "Microsoft Entra tenant to sign in to; empty: your account's home tenant"
        )
        self.tenant_error = self._error_label()
        self.cloud_combo = QComboBox()
        self.cloud_error = self._error_label()
        self._cloud_choices: list[AzureCloudChoice] = azure_cloud_choices(self._existing())
        for index, choice in enumerate(self._cloud_choices):
            self.cloud_combo.addItem(choice.label, index)
        self.create_fields = AzureCreateFields()
        self.create_fields.edited.connect(self._clear_errors)
        self.sign_in_caption = QLabel(describe_azure_sign_in())
        self.sign_in_caption.setObjectName("FieldCaption")
        self.sign_in_caption.setWordWrap(True)
        self.sign_in_caption.setFixedWidth(400)

    def _existing(self) -> AppConfig | None:
        """The saved configuration (for custom clouds), or None when it cannot be read."""
        try:
            return self._load()
        except (MlopsError, OSError):
            return None

    @staticmethod
    def _error_label() -> QLabel:
        label = QLabel()
        label.setObjectName("FieldError")
        label.setWordWrap(True)
        label.setFixedWidth(400)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.hide()
        return label

    @staticmethod
    def _with_error(field: QWidget, *notes: QLabel) -> QWidget:
        """``field`` with its inline notes below it, as one form row that can be hidden."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(field)
        for note in notes:
            column.addWidget(note)
        return box

    # -- state --------------------------------------------------------------------------------

    def kind(self) -> WorkspaceKind:
        """The chosen kind."""
        for kind, button in self.kind_buttons.items():
            if button.isChecked():
                return kind
        return WorkspaceKind.LOCAL_MLFLOW

    def set_kind(self, kind: WorkspaceKind) -> None:
        """Choose ``kind`` (no effect for a disabled kind)."""
        button = self.kind_buttons[kind]
        if button.isEnabled():
            button.setChecked(True)

    def cloud_choices(self) -> list[AzureCloudChoice]:
        """The entries of the *Cloud* list, in order."""
        return list(self._cloud_choices)

    def set_cloud(self, cloud: str) -> None:
        """Choose the first *Cloud* entry called ``cloud`` (e.g. ``AzureChinaCloud``)."""
        for index, choice in enumerate(self._cloud_choices):
            if choice.cloud == cloud:
                self.cloud_combo.setCurrentIndex(index)
                return
        raise KeyError(cloud)

    def azure_fields(self) -> AzureFields:
        """The Azure ML values typed (or imported) so far."""
        index = self.cloud_combo.currentData()
        choice = self._cloud_choices[index if isinstance(index, int) else 0]
        return AzureFields(
            subscription_id=self.subscription_edit.text(),
            resource_group=self.resource_group_edit.text(),
            workspace_name=self.azure_workspace_edit.text(),
            tenant_id=self.tenant_edit.text(),
            cloud=choice.cloud,
            cloud_metadata=dict(choice.metadata) if choice.metadata else None,
        )

    def form(self) -> WorkspaceForm:
        """The values typed so far."""
        data = self.stage_combo.currentData()
        return WorkspaceForm(
            name=self.name_edit.text(),
            stage=ALL_STAGES if data == ALL_STAGES else Stage(data),
            kind=self.kind(),
            uri=self.uri_edit.text(),
            azure=self.azure_fields(),
        )

    def error_text(self, field: str | None = None) -> str:
        """The inline error of ``field`` (or of the form as a whole)."""
        label = self._errors.get(field, self.general_error) if field else self.general_error
        return label.text()

    def _stage_activated(self, _index: int) -> None:
        self._stage_chosen = True

    def _kind_changed(self) -> None:
        kind = self.kind()
        azure = kind is WorkspaceKind.AZURE_ML
        self.uri_edit.setEnabled(kind is WorkspaceKind.MLFLOW_SERVER)
        self._form.setRowVisible(self._uri_row, not azure)
        for row in self._azure_rows:
            self._form.setRowVisible(row, azure)
        self._clear_errors()

    def _clear_errors(self) -> None:
        for label in (*self._errors.values(), self.general_error):
            label.clear()
            label.hide()

    def _show_error(self, field: str | None, message: str) -> None:
        label = self._errors.get(field or "", self.general_error)
        label.setText(message)
        label.show()
        target = self._targets.get(field or "")
        if target is not None:
            target.setFocus()

    # -- config.json --------------------------------------------------------------------------

    def _choose_azure_config(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import Azure ML config.json",
            str(Path.home()),
            "Azure ML workspace config (*.json);;All files (*)",
        )
        if path:
            self.import_azure_config(Path(path))

    def import_azure_config(self, path: Path) -> ImportedAzureConfig | None:
        """Fill the Azure fields from ``path``; a bad file leaves every field as it was.

        Also fills an empty *Name* with the workspace's name, and the stage its name suggests
        (``…-prod``) unless the person already chose one. Returns what was read, or None
        after showing the error.
        """
        self._clear_errors()
        self.azure_import_status.hide()
        try:
            imported = read_azure_config(path)
        except WorkspaceFormError as exc:
            self._show_error(exc.field, str(exc))
            return None
        self.subscription_edit.setText(imported.subscription_id)
        self.resource_group_edit.setText(imported.resource_group)
        self.azure_workspace_edit.setText(imported.workspace_name)
        if imported.tenant_id:
            self.tenant_edit.setText(imported.tenant_id)
        filled = [f"Filled in from {path}"]
        if not self.name_edit.text().strip():
            self.name_edit.setText(imported.workspace_name)
        if imported.stage is not None and not self._stage_chosen:
            self.stage_combo.setCurrentIndex(self.stage_combo.findData(imported.stage.value))
            filled.append(f"stage {imported.stage.label} from the workspace's name")
        self.azure_import_status.setText("; ".join(filled))
        self.azure_import_status.show()
        return imported

    # -- submit -------------------------------------------------------------------------------

    def submit(self) -> None:
        """Validate, save and close; on bad input show the error and keep everything.

        With "Create the workspace if it does not exist" (Azure ML), the workspace is looked
        up and, when missing, created in a worker first; it is saved once Azure has it.
        """
        if self.is_creating:
            return
        self._clear_errors()
        if self.kind() is WorkspaceKind.AZURE_ML and self.create_fields.wants_create():
            self._start_creation()
            return
        self._save_form()

    def _save_form(self) -> None:
        try:
            config = self._load()
            updated = add_workspace(self.form(), config)
            workspace = updated.workspace(self.name_edit.text().strip())
            self._save(updated)
        except WorkspaceFormError as exc:
            self._show_error(exc.field, str(exc))
            return
        except MlopsError as exc:
            self._show_error(None, str(exc))
            return
        except OSError as exc:
            self._show_error(None, f"Cannot save the configuration: {exc}")
            return
        self.saved_workspace = workspace
        self.accept()

    # -- creating the Azure ML workspace ------------------------------------------------------

    @property
    def is_creating(self) -> bool:
        """True while the Azure ML workspace is being looked up or created."""
        return self._create_worker is not None

    def _start_creation(self) -> None:
        try:  # every field checked (name free, store not yet added) before Azure is asked
            config = self._load()
            add_workspace(self.form(), config)
            workspace = build_workspace(self.form(), config)
        except WorkspaceFormError as exc:
            self._show_error(exc.field, str(exc))
            return
        except (MlopsError, OSError) as exc:
            self._show_error(None, str(exc))
            return
        location = self.create_fields.location()
        if not location:
            self._show_error("location", "Choose or type the Azure region, e.g. westeurope")
            return
        if self._pool is None:
            self._pool = WorkerPool(self)
        worker = self._pool.submit(
            ensure_azure_workspace_task,
            workspace,
            location=location,
            display_name=self.create_fields.display_name(),
            description=self.create_fields.description(),
            name="create Azure ML workspace",
        )
        self._create_worker = worker
        worker.signals.progress.connect(lambda d, t, m: self._creation_progress(worker, d, t, m))
        worker.signals.result.connect(lambda value: self._created(worker, value))
        worker.signals.error.connect(lambda error: self._creation_failed(worker, error))
        self._set_locked(True)
        azure = workspace.azure
        where = f"{azure.workspace_name} in {azure.resource_group}" if azure else workspace.name
        self.create_fields.set_running(True, f"Looking for {where}…")

    def _creation_progress(self, worker: Worker, done: int, total: int, message: str) -> None:
        if worker is self._create_worker:
            self.create_fields.show_progress(done, total, message)

    def _created(self, worker: Worker, creation: WorkspaceCreation) -> None:
        if worker is not self._create_worker:
            return  # cancelled meanwhile: the person chose to keep editing
        self._create_worker = None
        self._set_locked(False)
        self.azure_creation = creation
        verb = "Created" if creation.created else "Found"
        self.create_fields.set_running(
            False, f"{verb} {creation.info.name} in {creation.info.location}"
        )
        self._save_form()

    def _creation_failed(self, worker: Worker, error: BaseException) -> None:
        if worker is not self._create_worker or isinstance(error, Cancelled):
            return
        self._create_worker = None
        self._set_locked(False)
        self.create_fields.set_running(False)
        self._show_error(None, describe_error(error))

    def cancel_creation(self) -> None:
        """Stop waiting for Azure; the dialog stays open with everything typed."""
        worker = self._create_worker
        if worker is None:
            return
        self._create_worker = None
        worker.cancel()
        self._set_locked(False)
        name = self.azure_workspace_edit.text().strip()
        # Azure finishes an accepted deployment regardless: adding again finds it then.
        self.create_fields.set_running(
            False,
            f"Stopped waiting. Azure may still finish creating {name}; choose Add workspace "
            "again to add it (an existing workspace is only added).",
        )

    def _set_locked(self, locked: bool) -> None:
        for widget in (
            self.name_edit,
            self.stage_combo,
            *self.kind_buttons.values(),
            self.import_button,
            self.subscription_edit,
            self.resource_group_edit,
            self.azure_workspace_edit,
            self.tenant_edit,
            self.cloud_combo,
        ):
            widget.setEnabled(not locked)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not locked)
        ok.setText("Creating…" if locked else "Add workspace")

    def reject(self) -> None:
        """Cancel while creating stops waiting (the dialog stays); otherwise close."""
        if self.is_creating:
            self.cancel_creation()
            return
        super().reject()
