"""Azure ML workspaces in the GUI: the Add-workspace form and dialog, sign-in, the navigator.

The end-to-end test runs the real window, azure-ai-ml and azure-identity against the loopback
Azure Resource Manager of ``tests/azureml`` with the same environment as its conftest: the
credential chain pinned (no managed identity: nothing ever asks 169.254.169.254), a stand-in
``az`` first on PATH and the server's certificate trusted through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from mlops_desktop.core.azure_settings import CredentialKind
from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    WorkspaceConfig,
    load_config,
    save_config,
)
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState
from mlops_desktop.core.errors import AuthError
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.shell.workers import WorkerPool
from mlops_desktop.ui.workspaces.add_workspace_dialog import AddWorkspaceDialog
from mlops_desktop.ui.workspaces.azure_sign_in import AzureSignInDialog
from mlops_desktop.ui.workspaces.navigator import NavigatorView
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope
from mlops_desktop.ui.workspaces.workspace_form import (
    AzureFields,
    WorkspaceForm,
    WorkspaceFormError,
    WorkspaceKind,
    add_workspace,
    azure_cloud_choices,
    read_azure_config,
    validate_azure_fields,
)

# The loopback ARM server and its helpers live beside the Azure tests (not a package).
_AZURE_TESTS = str(Path(__file__).resolve().parents[1] / "azureml")
if _AZURE_TESTS not in sys.path:
    sys.path.insert(0, _AZURE_TESTS)

from arm_server import (  # noqa: E402
    ArmTestServer,
    AzStandIn,
    CertificateFiles,
    make_self_signed_certificate,
)
from azure_helpers import (  # noqa: E402
    APP_AZURE_ENV,
    quick_settings,
    sign_in_az,
    use_loopback_arm,
)

pytestmark = pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning")

SUBSCRIPTION = "7d1c3f9e-2b4a-4c8e-9f1a-5e6d7c8b9a01"
TENANT = "3f5c2a1b-8d9e-4f70-a1b2-c3d4e5f60718"


def write_config_json(path: Path, **values: Any) -> Path:
    """An Azure ML ``config.json`` as Studio downloads it (``values`` override its keys)."""
    data = {
        "subscription_id": SUBSCRIPTION,
        "resource_group": "rg-churn-prod",
        "workspace_name": "mlw-churn-prod",
        "tenant_id": TENANT,
    }
    data.update(values)
    path.write_text(json.dumps({k: v for k, v in data.items() if v is not None}), "utf-8")
    return path


def azure_fields(**changes: Any) -> AzureFields:
    values: dict[str, Any] = {
        "subscription_id": SUBSCRIPTION,
        "resource_group": "rg-churn-prod",
        "workspace_name": "mlw-churn-prod",
    }
    values.update(changes)
    return AzureFields(**values)


def loopback_workspace(name: str, metadata: dict[str, str], stage: Stage) -> WorkspaceConfig:
    """A workspace on a custom cloud, as ``python -m tests.azureml.arm_server`` configures."""
    return WorkspaceConfig(
        name=name,
        backend=BackendKind.AZUREML,
        stage=stage,
        azure=AzureConnection(
            subscription_id=SUBSCRIPTION,
            resource_group=f"rg-churn-{stage.value}",
            workspace_name=f"mlw-churn-{stage.value}",
            tenant_id=TENANT,
            cloud="LoopbackArm",
            cloud_metadata=metadata,
        ),
    )


def _dialog(qtbot: Any) -> AddWorkspaceDialog:
    dialog = AddWorkspaceDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _ok(dialog: AddWorkspaceDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


# -- the form, without Qt ----------------------------------------------------------------------


def test_form_builds_an_azure_workspace() -> None:
    form = WorkspaceForm(
        "prod-eu",
        Stage.PROD,
        WorkspaceKind.AZURE_ML,
        azure=azure_fields(
            subscription_id=f" {{{SUBSCRIPTION.upper()}}} ",
            tenant_id="contoso.onmicrosoft.com",
            cloud="AzureUSGovernment",
        ),
    )
    ws = add_workspace(form, AppConfig()).workspace("prod-eu")
    assert ws.backend is BackendKind.AZUREML and ws.stage is Stage.PROD and ws.mlflow is None
    assert ws.azure == AzureConnection(
        subscription_id=SUBSCRIPTION.upper(),
        resource_group="rg-churn-prod",
        workspace_name="mlw-churn-prod",
        tenant_id="contoso.onmicrosoft.com",
        cloud="AzureUSGovernment",
    )


def test_form_refuses_a_second_workspace_on_the_same_store() -> None:
    config = add_workspace(
        WorkspaceForm("prod", Stage.PROD, WorkspaceKind.AZURE_ML, azure=azure_fields()),
        AppConfig(),
    )
    twin = azure_fields(subscription_id=SUBSCRIPTION.upper(), resource_group="RG-churn-prod")
    with pytest.raises(WorkspaceFormError) as caught:
        add_workspace(
            WorkspaceForm("shadow", Stage.STAGING, WorkspaceKind.AZURE_ML, azure=twin), config
        )
    assert caught.value.field == "azure_workspace" and "'prod' already lives" in str(caught.value)
    server = WorkspaceForm(
        "srv", Stage.PROD, WorkspaceKind.MLFLOW_SERVER, uri="http://127.0.0.1:5000"
    )
    config = add_workspace(server, AppConfig())
    again = WorkspaceForm(
        "srv2", Stage.STAGING, WorkspaceKind.MLFLOW_SERVER, uri="http://localhost:5000/"
    )
    with pytest.raises(WorkspaceFormError) as caught:
        add_workspace(again, config)
    assert caught.value.field == "uri"


def test_form_refuses_a_password_in_the_uri_without_repeating_it() -> None:
    form = WorkspaceForm(
        "srv", Stage.PROD, WorkspaceKind.MLFLOW_SERVER, uri="http://u:SECRETpw@127.0.0.1:x"
    )
    with pytest.raises(WorkspaceFormError) as caught:
        add_workspace(form, AppConfig())
    error = caught.value
    assert error.field == "uri" and "SECRETpw" not in f"{error} {error.hint}"
    assert "MLFLOW_TRACKING_PASSWORD" in (error.hint or "")


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"subscription_id": ""}, "subscription_id", "Enter the subscription ID"),
        ({"subscription_id": "Pay-As-You-Go"}, "subscription_id", "not a GUID"),
        ({"subscription_id": SUBSCRIPTION[:-1]}, "subscription_id", "not a GUID"),
        ({"resource_group": " "}, "resource_group", "Enter the workspace's resource group"),
        ({"resource_group": "rg/prod"}, "resource_group", "not a resource group name"),
        ({"resource_group": "rg-prod."}, "resource_group", "not ending in '.'"),
        ({"workspace_name": ""}, "azure_workspace", "Enter the Azure ML workspace's name"),
        ({"workspace_name": "ml"}, "azure_workspace", "3-33 letters"),
        ({"workspace_name": "-mlw"}, "azure_workspace", "starting with a letter or digit"),
        ({"tenant_id": "contoso tenant"}, "tenant_id", "neither a tenant ID"),
        ({"cloud": "AzureGermanCloud"}, "cloud", "Unknown Azure cloud"),
        (
            {"cloud": "Stack", "cloud_metadata": {"resource_manager": "https://arm.local/"}},
            "cloud",
            "lacks",
        ),
    ],
)
def test_form_rejects_bad_azure_fields_naming_the_field(
    changes: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(WorkspaceFormError) as caught:
        validate_azure_fields(azure_fields(**changes))
    assert caught.value.field == field
    assert text in str(caught.value)


def test_cloud_choices_offer_the_custom_clouds_of_the_configuration() -> None:
    metadata = {
        "azure_portal": "https://portal.local",
        "resource_manager": "https://arm.local/",
        "active_directory": "https://login.local",
        "aml_resource_id": "https://ml.local",
        "storage_endpoint": "core.local",
        "registry_discovery_endpoint": "https://registry.local",
    }
    config = AppConfig(
        workspaces=(
            loopback_workspace("a-dev", metadata, Stage.DEV),
            loopback_workspace("a-prod", metadata, Stage.PROD),  # the same cloud: listed once
        )
    )
    choices = azure_cloud_choices(config)
    assert [c.cloud for c in choices] == [
        "AzureCloud",
        "AzureChinaCloud",
        "AzureUSGovernment",
        "LoopbackArm",
    ]
    assert choices[-1].metadata == metadata and "https://arm.local" in choices[-1].label
    ws = add_workspace(
        WorkspaceForm(
            "a-staging",
            Stage.STAGING,
            WorkspaceKind.AZURE_ML,
            azure=azure_fields(
                resource_group="rg-churn-staging",
                workspace_name="mlw-churn-staging",  # a-prod's workspace is taken: one store
                cloud="LoopbackArm",
                cloud_metadata=choices[-1].metadata,
            ),
        ),
        config,
    ).workspace("a-staging")
    assert ws.azure is not None and ws.azure.cloud_metadata == metadata


def test_read_azure_config_and_its_errors_name_the_file(tmp_path: Path) -> None:
    good = write_config_json(tmp_path / "config.json")
    imported = read_azure_config(good)
    assert (imported.subscription_id, imported.resource_group, imported.workspace_name) == (
        SUBSCRIPTION,
        "rg-churn-prod",
        "mlw-churn-prod",
    )
    assert imported.tenant_id == TENANT and imported.stage is Stage.PROD
    studio = tmp_path / "studio.json"  # Studio's older spelling, no stage in the name
    studio.write_text(
        json.dumps(
            {"Subscription ID": SUBSCRIPTION, "Resource Group": "rg", "Workspace name": "mlw-x"}
        ),
        "utf-8",
    )
    assert read_azure_config(studio).stage is None

    bad_json = tmp_path / "broken.json"
    bad_json.write_text("{not json", "utf-8")
    missing_key = write_config_json(tmp_path / "partial.json", resource_group=None)
    listing = tmp_path / "list.json"
    listing.write_text("[]", "utf-8")
    huge = tmp_path / "huge.json"
    huge.write_text(" " * 100_000, "utf-8")
    for path, text in [
        (bad_json, "is not valid JSON"),
        (missing_key, "missing 'resource_group'"),
        (listing, "expected a JSON object"),
        (huge, "a few hundred bytes"),
        (tmp_path / "absent.json", "does not exist"),
        (tmp_path, "is not a file"),
    ]:
        with pytest.raises(WorkspaceFormError) as caught:
            read_azure_config(path)
        assert caught.value.field == "azure_config"
        assert str(path) in str(caught.value) and text in str(caught.value), str(caught.value)


# -- the dialog --------------------------------------------------------------------------------


def test_dialog_shows_azure_fields_only_for_azure(qtbot: Any) -> None:
    dialog = _dialog(qtbot)
    assert dialog.uri_edit.isVisible() and not dialog.subscription_edit.isVisible()
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    for widget in (
        dialog.import_button,
        dialog.subscription_edit,
        dialog.resource_group_edit,
        dialog.azure_workspace_edit,
        dialog.tenant_edit,
        dialog.cloud_combo,
        dialog.sign_in_caption,
    ):
        assert widget.isVisible()
    assert not dialog.uri_edit.isVisible()
    assert [dialog.cloud_combo.itemText(i).rsplit(" ", 1)[-1] for i in range(3)] == [
        "AzureCloud",
        "AzureChinaCloud",
        "AzureUSGovernment",
    ]
    assert "az login" in dialog.sign_in_caption.text()
    dialog.set_kind(WorkspaceKind.MLFLOW_SERVER)
    assert dialog.uri_edit.isVisible() and dialog.uri_edit.isEnabled()
    assert not dialog.subscription_edit.isVisible()


def test_dialog_accepts_azure_fields_and_writes_an_azure_connection(
    qtbot: Any, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot)
    qtbot.keyClicks(dialog.name_edit, "prod-cn")
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(Stage.PROD))
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    qtbot.keyClicks(dialog.subscription_edit, "my subscription")
    qtbot.keyClicks(dialog.resource_group_edit, "rg-churn-prod")
    qtbot.keyClicks(dialog.azure_workspace_edit, "mlw-churn-prod")
    qtbot.keyClicks(dialog.tenant_edit, TENANT)
    dialog.set_cloud("AzureChinaCloud")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "not a GUID" in dialog.error_text("subscription_id")
    assert dialog.subscription_error.isVisible()
    assert dialog.focusWidget() is dialog.subscription_edit
    assert load_config().workspaces == (), "nothing saved"
    assert dialog.resource_group_edit.text() == "rg-churn-prod", "nothing lost"

    dialog.subscription_edit.setText(SUBSCRIPTION)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    saved = load_config().workspace("prod-cn")
    assert dialog.saved_workspace == saved
    assert saved.backend is BackendKind.AZUREML and saved.stage is Stage.PROD
    assert saved.azure == AzureConnection(
        subscription_id=SUBSCRIPTION,
        resource_group="rg-churn-prod",
        workspace_name="mlw-churn-prod",
        tenant_id=TENANT,
        cloud="AzureChinaCloud",
    )

    image = dialog.grab()
    assert not image.isNull() and image.height() > 300
    out = tmp_path / "add-workspace-azure.png"
    assert image.save(str(out)) and not QImage(str(out)).isNull()


def test_config_json_import_fills_the_fields(qtbot: Any, tmp_path: Path) -> None:
    dialog = _dialog(qtbot)
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    path = write_config_json(tmp_path / "config.json")
    imported = dialog.import_azure_config(path)
    assert imported is not None
    assert dialog.subscription_edit.text() == SUBSCRIPTION
    assert dialog.resource_group_edit.text() == "rg-churn-prod"
    assert dialog.azure_workspace_edit.text() == "mlw-churn-prod"
    assert dialog.tenant_edit.text() == TENANT
    assert dialog.name_edit.text() == "mlw-churn-prod", "an empty name takes Azure's"
    assert dialog.stage_combo.currentData() == Stage.PROD.value, "the name says prod"
    assert str(path) in dialog.azure_import_status.text()
    assert dialog.azure_import_status.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.submit()
    saved = load_config().workspace("mlw-churn-prod")
    assert saved.stage is Stage.PROD and saved.azure is not None
    assert saved.azure.subscription_id == SUBSCRIPTION and saved.azure.tenant_id == TENANT


def test_config_json_import_keeps_what_the_person_chose(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot)
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    dialog.name_edit.setText("eu-prod")
    dialog.stage_combo.setCurrentIndex(dialog.stage_combo.findData(Stage.STAGING))
    dialog.stage_combo.activated.emit(dialog.stage_combo.currentIndex())  # chosen by the person
    path = write_config_json(tmp_path / "config.json", tenant_id=None)
    dialog.tenant_edit.setText("contoso.onmicrosoft.com")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kw: (str(path), ""))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.azure_workspace_edit.text() == "mlw-churn-prod"
    assert dialog.name_edit.text() == "eu-prod"
    assert dialog.stage_combo.currentData() == Stage.STAGING.value
    assert dialog.tenant_edit.text() == "contoso.onmicrosoft.com", "the file names no tenant"


def test_bad_config_json_shows_an_inline_error_and_loses_nothing(
    qtbot: Any, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot)
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    dialog.name_edit.setText("prod")
    dialog.subscription_edit.setText(SUBSCRIPTION)
    dialog.resource_group_edit.setText("rg-typed")
    bad = tmp_path / "downloads" / "config.json"
    bad.parent.mkdir()
    bad.write_text('{"subscription_id": "x",', "utf-8")
    assert dialog.import_azure_config(bad) is None
    error = dialog.error_text("azure_config")
    assert str(bad) in error and "not valid JSON" in error
    assert dialog.azure_config_error.isVisible()
    assert not dialog.azure_import_status.isVisible()
    assert (dialog.name_edit.text(), dialog.subscription_edit.text()) == ("prod", SUBSCRIPTION)
    assert dialog.resource_group_edit.text() == "rg-typed"
    assert dialog.isVisible() and load_config().workspaces == ()

    partial = write_config_json(tmp_path / "partial.json", workspace_name=None)
    assert dialog.import_azure_config(partial) is None
    assert str(partial) in dialog.error_text("azure_config")
    assert "missing 'workspace_name'" in dialog.error_text("azure_config")
    qtbot.keyClicks(dialog.azure_workspace_edit, "m")
    assert not dialog.azure_config_error.isVisible(), "typing clears the error"


# -- the navigator: identity and Sign in… ------------------------------------------------------


def _azure_navigator(qtbot: Any, *workspaces: WorkspaceConfig) -> NavigatorView:
    view = NavigatorView()
    qtbot.addWidget(view)
    view.set_config(AppConfig(workspaces=workspaces))
    return view


def test_navigator_tooltip_names_the_signed_in_identity(qtbot: Any) -> None:
    ws = WorkspaceConfig(
        name="prod",
        backend=BackendKind.AZUREML,
        stage=Stage.PROD,
        azure=AzureConnection(
            subscription_id=SUBSCRIPTION, resource_group="rg", workspace_name="mlw"
        ),
    )
    view = _azure_navigator(qtbot, ws)
    (item,) = view.navigator_model.workspace_items("prod")
    view.set_connection(
        "prod",
        ConnectionInfo(ConnectionState.ONLINE, "mlw in westeurope", "morgan.lee@contoso.example"),
    )
    assert "Signed in as morgan.lee@contoso.example" in item.toolTip()
    view.set_connection(
        "prod", ConnectionInfo(ConnectionState.AUTH_REQUIRED, "Please run 'az login'")
    )
    assert item.toolTip().splitlines()[0] == "prod — Sign-in required"
    assert "az login" in item.toolTip() and "Signed in" not in item.toolTip()


def test_sign_in_is_offered_for_interactive_azure_credentials(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    azure = WorkspaceConfig(
        name="prod",
        backend=BackendKind.AZUREML,
        stage=Stage.PROD,
        azure=AzureConnection(
            subscription_id=SUBSCRIPTION, resource_group="rg", workspace_name="mlw"
        ),
    )
    view = _azure_navigator(qtbot, azure)
    view.set_connection("prod", ConnectionInfo(ConnectionState.AUTH_REQUIRED, "sign in"))
    index = view.navigator_model.index_of(Scope(Stage.PROD, "prod"))
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_CREDENTIAL", "device-code")
    assert view.context_menu(index) is None, "nobody handles the request yet"
    requested: list[str] = []
    view.signInRequested.connect(requested.append)
    menu = view.context_menu(index)
    assert menu is not None
    (action,) = menu.actions()
    assert action.text() == "Sign in…"
    action.trigger()
    assert requested == ["prod"]
    assert view.context_menu(view.navigator_model.index_of(Scope(Stage.PROD))) is None
    monkeypatch.setenv("MLOPS_DESKTOP_AZURE_CREDENTIAL", "default")  # `az login` outside
    assert view.context_menu(index) is None


class _SignInBackend:
    """A backend whose interactive sign-in shows a device code, then waits for the person."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.entered = threading.Event()
        self.release = threading.Event()
        self.closed = False

    def sign_in(self, prompt: Any) -> str:
        prompt(
            "https://microsoft.com/devicelogin",
            "F7K2-QX9D",
            datetime.now(UTC) + timedelta(minutes=15),
        )
        self.entered.set()
        assert self.release.wait(10)
        if self.error is not None:
            raise self.error
        return "morgan.lee@contoso.example"

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def pool(qtbot: Any) -> Iterator[WorkerPool]:
    workers = WorkerPool()
    yield workers
    assert workers.shutdown(5000)


def test_sign_in_dialog_shows_the_device_code_then_signs_in(qtbot: Any, pool: WorkerPool) -> None:
    backend = _SignInBackend()
    ws = WorkspaceConfig(
        name="prod",
        backend=BackendKind.AZUREML,
        stage=Stage.PROD,
        azure=AzureConnection(
            subscription_id=SUBSCRIPTION, resource_group="rg", workspace_name="mlw"
        ),
    )
    dialog = AzureSignInDialog(
        ws,
        pool,
        opener=lambda _ws: backend,  # type: ignore[arg-type,return-value]
        settings=quick_settings(credential=CredentialKind.DEVICE_CODE),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    qtbot.waitUntil(lambda: dialog.device_code() == "F7K2-QX9D", timeout=5000)
    assert "https://microsoft.com/devicelogin" in dialog.status_text()
    assert dialog.running
    with qtbot.waitSignal(dialog.signedIn, timeout=5000) as signed:
        backend.release.set()
    assert signed.args == ["morgan.lee@contoso.example"]
    assert dialog.result() == AzureSignInDialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: backend.closed, timeout=2000)

    failing = _SignInBackend(AuthError("AADSTS70016: the person did not finish", hint="again"))
    second = AzureSignInDialog(
        ws,
        pool,
        opener=lambda _ws: failing,  # type: ignore[arg-type,return-value]
        settings=quick_settings(credential=CredentialKind.BROWSER),
    )
    qtbot.addWidget(second)
    second.show()
    second.start()
    qtbot.waitUntil(failing.entered.is_set, timeout=5000)
    failing.release.set()
    qtbot.waitUntil(lambda: bool(second.error_text()), timeout=5000)
    assert "AADSTS70016" in second.error_text() and second.isVisible()
    assert second.retry_button.isVisible()


# -- end to end: the loopback Azure Resource Manager -------------------------------------------


@pytest.fixture(scope="module")
def arm_cert(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    """The loopback server's self-signed certificate (also the CA bundle to trust)."""
    return make_self_signed_certificate(tmp_path_factory.mktemp("arm-tls"))


@pytest.fixture(scope="module")
def arm_server(arm_cert: CertificateFiles) -> Iterator[ArmTestServer]:
    """The dev/staging/prod data set on https://127.0.0.1:PORT (as tests/azureml starts it)."""
    server = ArmTestServer(arm_cert, page_size=2, lro_polls=2, lro_retry_after=0).start()
    yield server
    server.stop()


@pytest.fixture
def azure_env(
    arm_server: ArmTestServer,
    arm_cert: CertificateFiles,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AzStandIn]:
    """tests/azureml/conftest.py's environment, and its ``az`` stand-in signed in (ml-lead)."""
    use_loopback_arm(monkeypatch, arm_cert, cleared=APP_AZURE_ENV)
    standin = sign_in_az(arm_server, tmp_path, monkeypatch)
    before = len(arm_server.unknown_routes)
    yield standin
    assert arm_server.unknown_routes[before:] == [], "the SDK called unmodelled routes"


@pytest.mark.slow
def test_window_adds_an_azure_workspace_and_loads_it(
    qtbot: Any, make_window: Any, arm_server: ArmTestServer, azure_env: AzStandIn, tmp_path: Path
) -> None:
    # The private cloud is described once in config.toml (as --configure-home does) ...
    save_config(
        AppConfig(
            workspaces=(
                loopback_workspace("azure-staging", arm_server.cloud_metadata(), Stage.STAGING),
            )
        )
    )
    window = make_window(start=False)
    with qtbot.waitSignal(window.dataLoaded, timeout=60_000):
        window.start()

    # ... and the person adds prod on it from Studio's config.json.
    dialog = window.add_workspace()
    dialog.set_kind(WorkspaceKind.AZURE_ML)
    assert dialog.import_azure_config(write_config_json(tmp_path / "config.json"))
    dialog.set_cloud("LoopbackArm")
    assert dialog.name_edit.text() == "mlw-churn-prod"
    with qtbot.waitSignal(window.loader.loadFinished, timeout=60_000):
        dialog.submit()
    assert [ws.name for ws in window.loader.config.workspaces] == [
        "azure-staging",
        "mlw-churn-prod",
    ]
    info = window.loader.connection("mlw-churn-prod")
    assert info.state is ConnectionState.ONLINE, info.detail
    assert info.detail == "mlw-churn-prod in westeurope"
    prod = [v for v in window.models_page.visible_versions() if v.workspace == "mlw-churn-prod"]
    assert sorted((v.model, v.version, v.aliases, v.stage) for v in prod) == [
        ("churn", "1", ("previous",), Stage.PROD),
        ("churn", "2", ("champion",), Stage.PROD),
    ]
    model = window.navigator.navigator_model
    assert model.index_of(Scope(Stage.PROD, "mlw-churn-prod")).isValid()
    (item,) = model.workspace_items("mlw-churn-prod")
    tooltip = item.toolTip()
    assert tooltip.splitlines()[0] == "mlw-churn-prod — Online"
    assert "Signed in as morgan.lee@contoso.example" in tooltip
    assert {r.principal for r in arm_server.requests[-3:]} == {"morgan.lee@contoso.example"}

    # Signed out of the CLI: the next load says sign-in is required, and how.
    azure_env.logout()
    with qtbot.waitSignal(window.loader.loadFinished, timeout=60_000):
        window.refresh()
    assert window.loader.connection("mlw-churn-prod").state is ConnectionState.AUTH_REQUIRED
    (item,) = model.workspace_items("mlw-churn-prod")
    assert item.toolTip().splitlines()[0] == "mlw-churn-prod — Sign-in required"
    assert "az login" in item.toolTip()
    assert "sign-in required" in window.workspace_summary_text()
