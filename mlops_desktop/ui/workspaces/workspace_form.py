"""What the "Add workspace" dialog validates and builds, free of Qt (tested without a window).

Every failure names the form field it belongs to, so the dialog can show it inline next to the
field and keep everything the person typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlparse

from pydantic import ValidationError

from mlops_desktop.core.azure_clouds import KNOWN_CLOUDS, resolve_cloud
from mlops_desktop.core.azure_settings import AzureSettings, CredentialKind
from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    MlflowConnection,
    StageLayout,
    WorkspaceConfig,
    local_mlflow_workspace,
    workspace_from_azure_config,
)
from mlops_desktop.core.errors import Conflict, InvalidInput, MlopsError
from mlops_desktop.core.redact import redact_uri, uri_has_password
from mlops_desktop.core.stages import STAGE_ORDER, Stage


class WorkspaceKind(StrEnum):
    """The kinds of workspace the dialog offers."""

    LOCAL_MLFLOW = "local-mlflow"
    MLFLOW_SERVER = "mlflow-server"
    AZURE_ML = "azure-ml"

    @property
    def label(self) -> str:
        """Label shown in the dialog."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    WorkspaceKind.LOCAL_MLFLOW: "Local MLflow store",
    WorkspaceKind.MLFLOW_SERVER: "MLflow tracking server",
    WorkspaceKind.AZURE_ML: "Azure Machine Learning workspace",
}

#: Stage choice meaning "one workspace hosting every stage" (name-prefix layout).
ALL_STAGES = "all"


class WorkspaceFormError(InvalidInput):
    """Input the form cannot use; ``field`` names the form field at fault.

    Fields: ``"name"``, ``"stage"``, ``"kind"``, ``"uri"`` and, for Azure ML,
    ``"subscription_id"``, ``"resource_group"``, ``"azure_workspace"``, ``"tenant_id"``,
    ``"cloud"`` and ``"azure_config"`` (the imported ``config.json``).
    """

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


@dataclass(frozen=True, slots=True)
class AzureFields:
    """The raw Azure ML values of the form (as typed, or as imported from ``config.json``)."""

    subscription_id: str = ""
    resource_group: str = ""
    workspace_name: str = ""
    tenant_id: str = ""
    cloud: str = "AzureCloud"
    #: Endpoints of a custom (private or sovereign) cloud; None for the clouds Azure names.
    cloud_metadata: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceForm:
    """The raw values of the form."""

    name: str
    stage: Stage | str  # a Stage, or ALL_STAGES for the name-prefix layout
    kind: WorkspaceKind
    uri: str = ""
    azure: AzureFields = field(default_factory=AzureFields)


@dataclass(frozen=True, slots=True)
class AzureCloudChoice:
    """One entry of the dialog's *Cloud* list."""

    label: str
    cloud: str
    metadata: dict[str, str] | None = None


_KNOWN_CLOUD_LABELS = {
    "AzureCloud": "Azure (global) — AzureCloud",
    "AzureChinaCloud": "Azure operated by 21Vianet — AzureChinaCloud",
    "AzureUSGovernment": "Azure Government — AzureUSGovernment",
}


def azure_cloud_choices(config: AppConfig | None = None) -> list[AzureCloudChoice]:
    """The clouds Azure names, then each custom cloud ``config``'s workspaces already use.

    A private cloud (Azure Stack Hub, a loopback test server) is described once in
    ``config.toml`` (``cloud_metadata``); further workspaces on it can then be added here.
    """
    choices = [AzureCloudChoice(_KNOWN_CLOUD_LABELS.get(n, n), n) for n in KNOWN_CLOUDS]
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    for ws in config.workspaces if config is not None else ():
        azure = ws.azure
        if azure is None or not azure.cloud_metadata:
            continue
        key = (azure.cloud, tuple(sorted(azure.cloud_metadata.items())))
        if key in seen:
            continue
        seen.add(key)
        where = azure.cloud_metadata.get("resource_manager", "").rstrip("/")
        choices.append(
            AzureCloudChoice(
                f"{azure.cloud} — custom cloud at {where} (as {ws.name})",
                azure.cloud,
                dict(azure.cloud_metadata),
            )
        )
    return choices


def validate_server_uri(uri: str) -> str:
    """A cleaned-up ``http(s)://host[:port][/path]`` tracking URI, or WorkspaceFormError."""
    text = uri.strip()
    if not text:
        raise WorkspaceFormError("uri", "Enter the tracking server's URI, e.g. http://host:5000")
    if uri_has_password(text):
        # Checked first, so no later message repeats the password.
        raise WorkspaceFormError(
            "uri",
            f"{redact_uri(text)} carries a password; MLOps Desktop never stores secrets",
            hint="enter the URI without 'user:password@' and set MLFLOW_TRACKING_USERNAME and "
            "MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) in the environment",
        )
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https"):
        raise WorkspaceFormError(
            "uri", f"{text!r} is not an http(s) URI; use e.g. http://mlflow.example.com:5000"
        )
    if not parsed.hostname:
        raise WorkspaceFormError("uri", f"{text!r} names no host")
    try:
        port = parsed.port
    except ValueError:
        raise WorkspaceFormError("uri", f"{text!r} has an invalid port") from None
    if port == 0:
        raise WorkspaceFormError("uri", f"{text!r} has an invalid port")
    if any(ch.isspace() for ch in text):
        raise WorkspaceFormError("uri", "the URI must not contain spaces")
    return text.rstrip("/")


_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
#: Azure's rules: resource groups 1-90 of letters, digits, '_', '-', '.', '(', ')', not ending
#: in '.'; Azure ML workspaces 3-33 of letters, digits, '-', '_', starting alphanumerically.
_RESOURCE_GROUP_RE = re.compile(r"^[\w().-]{1,90}$")
_AZURE_WORKSPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,32}$")
_TENANT_RE = re.compile(r"^[A-Za-z0-9.-]+$")
_GUID_EXAMPLE = "00000000-0000-0000-0000-000000000000"


def validate_azure_fields(fields: AzureFields) -> AzureConnection:
    """The Azure connection the fields describe, or WorkspaceFormError naming the field.

    Azure Resource Manager refuses anything but a GUID as subscription id and names outside
    Azure's naming rules, so those are errors here rather than a puzzling 400 or 404 later.
    """
    subscription = fields.subscription_id.strip().strip("{}")
    if not subscription:
        raise WorkspaceFormError(
            "subscription_id",
            "Enter the subscription ID (Azure ML Studio: workspace menu → Download config file, "
            "or `az account show --query id`)",
        )
    if not _GUID_RE.match(subscription):
        raise WorkspaceFormError(
            "subscription_id",
            f"Subscription ID {subscription!r} is not a GUID like {_GUID_EXAMPLE}; "
            "use the ID, not the subscription's display name",
        )
    group = fields.resource_group.strip()
    if not group:
        raise WorkspaceFormError("resource_group", "Enter the workspace's resource group")
    if not _RESOURCE_GROUP_RE.match(group) or group.endswith("."):
        raise WorkspaceFormError(
            "resource_group",
            f"{group!r} is not a resource group name: up to 90 letters, digits, '_', '-', '.', "
            "'(' or ')', not ending in '.'",
        )
    workspace = fields.workspace_name.strip()
    if not workspace:
        raise WorkspaceFormError("azure_workspace", "Enter the Azure ML workspace's name")
    if not _AZURE_WORKSPACE_RE.match(workspace):
        raise WorkspaceFormError(
            "azure_workspace",
            f"{workspace!r} is not an Azure ML workspace name: 3-33 letters, digits, '-' or '_', "
            "starting with a letter or digit",
        )
    tenant = fields.tenant_id.strip() or None
    if tenant is not None and not _TENANT_RE.match(tenant):
        raise WorkspaceFormError(
            "tenant_id",
            f"Tenant {tenant!r} is neither a tenant ID ({_GUID_EXAMPLE}) nor a domain such as "
            "contoso.onmicrosoft.com; leave it empty for your account's home tenant",
        )
    cloud = fields.cloud.strip()
    if not fields.cloud_metadata and cloud not in KNOWN_CLOUDS:
        raise WorkspaceFormError(
            "cloud", f"Unknown Azure cloud {cloud!r}; choose one of {', '.join(KNOWN_CLOUDS)}"
        )
    connection = AzureConnection(
        subscription_id=subscription,
        resource_group=group,
        workspace_name=workspace,
        tenant_id=tenant,
        cloud=cloud,
        cloud_metadata=dict(fields.cloud_metadata) if fields.cloud_metadata else None,
    )
    try:
        resolve_cloud(connection)
    except InvalidInput as exc:
        raise WorkspaceFormError("cloud", str(exc)) from None
    return connection


#: Azure ML's config.json is a few hundred bytes; anything much larger is the wrong file.
_CONFIG_JSON_MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ImportedAzureConfig:
    """What an Azure ML ``config.json`` says: the location, and the stage its name suggests."""

    path: Path
    subscription_id: str
    resource_group: str
    workspace_name: str
    tenant_id: str | None
    #: The stage the workspace name suggests (``mlw-churn-prod`` → prod), if any.
    stage: Stage | None


def read_azure_config(path: Path) -> ImportedAzureConfig:
    """Read Azure ML's ``config.json``; WorkspaceFormError(``"azure_config"``) names the file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise WorkspaceFormError("azure_config", f"{path} does not exist") from None
    except OSError as exc:
        raise WorkspaceFormError("azure_config", f"Cannot read {path}: {exc}") from None
    if not path.is_file():
        raise WorkspaceFormError("azure_config", f"{path} is not a file")
    if size > _CONFIG_JSON_MAX_BYTES:
        raise WorkspaceFormError(
            "azure_config",
            f"{path} is {size // 1024} KB; Azure ML's config.json is a few hundred bytes",
            hint="download it from Azure ML Studio: workspace menu → Download config file",
        )
    try:  # the stage does not matter for reading; the workspace name is checked as Azure's
        parsed = workspace_from_azure_config(path, name="imported", stage=Stage.DEV)
    except MlopsError as exc:
        message = exc.message if str(path) in exc.message else f"{path}: {exc.message}"
        raise WorkspaceFormError("azure_config", message, hint=exc.hint) from None
    try:  # the same stage guess as `mlops-desktop workspaces import-azure-config`
        stage = workspace_from_azure_config(path).stage
    except MlopsError:
        stage = None
    azure = parsed.azure
    assert azure is not None
    return ImportedAzureConfig(
        path=path,
        subscription_id=azure.subscription_id,
        resource_group=azure.resource_group,
        workspace_name=azure.workspace_name,
        tenant_id=azure.tenant_id,
        stage=stage,
    )


def describe_azure_sign_in(settings: AzureSettings | None = None) -> str:
    """One sentence on how Azure ML workspaces will sign in (from ``MLOPS_DESKTOP_AZURE_*``)."""
    if settings is None:
        try:
            settings = AzureSettings.from_env()
        except InvalidInput as exc:
            return f"Sign-in settings are invalid: {exc}"
    how = {
        CredentialKind.DEFAULT: "your Azure CLI sign-in (`az login`), VS Code or AZURE_* "
        "environment variables",
        CredentialKind.CLI: "your Azure CLI sign-in (`az login`)",
        CredentialKind.BROWSER: "your browser, once you choose Sign in… on the workspace",
        CredentialKind.DEVICE_CODE: "a device code, once you choose Sign in… on the workspace",
    }[settings.credential]
    return (
        f"Signs in with {how}; no secret is stored. "
        "MLOPS_DESKTOP_AZURE_CREDENTIAL chooses another way."
    )


def build_workspace(form: WorkspaceForm, existing: AppConfig) -> WorkspaceConfig:
    """The workspace the form describes, checked against the existing configuration."""
    name = form.name.strip()
    if not name:
        raise WorkspaceFormError("name", "Enter a name for the workspace")
    if any(ws.name == name for ws in existing.workspaces):
        raise WorkspaceFormError("name", f"A workspace named {name!r} already exists")
    try:  # the name first: its rules come from the configuration model itself
        local_mlflow_workspace(name, Stage.DEV)
    except ValidationError as exc:
        raise _form_error_from_validation(exc) from None
    if form.stage == ALL_STAGES:
        layout, stage = StageLayout.NAME_PREFIX, None
    elif isinstance(form.stage, Stage):
        layout, stage = StageLayout.WORKSPACE, form.stage
    else:
        raise WorkspaceFormError("stage", "Choose a stage")
    try:
        if form.kind is WorkspaceKind.LOCAL_MLFLOW:
            return local_mlflow_workspace(name, stage, layout=layout)
        if form.kind is WorkspaceKind.AZURE_ML:
            return WorkspaceConfig(
                name=name,
                backend=BackendKind.AZUREML,
                layout=layout,
                stage=stage,
                stages=STAGE_ORDER,
                azure=validate_azure_fields(form.azure),
            )
        uri = validate_server_uri(form.uri)
        return WorkspaceConfig(
            name=name,
            backend=BackendKind.MLFLOW,
            layout=layout,
            stage=stage,
            stages=STAGE_ORDER,
            mlflow=MlflowConnection(tracking_uri=uri),
        )
    except ValidationError as exc:
        raise _form_error_from_validation(exc) from None


def add_workspace(form: WorkspaceForm, config: AppConfig) -> AppConfig:
    """``config`` with the form's workspace added (nothing is written here)."""
    workspace = build_workspace(form, config)
    try:
        return config.with_workspace(workspace)
    except Conflict as exc:
        # The name was checked above: this is another workspace on the same store.
        field = {
            WorkspaceKind.MLFLOW_SERVER: "uri",
            WorkspaceKind.AZURE_ML: "azure_workspace",
        }.get(form.kind, "name")
        raise WorkspaceFormError(field, exc.message, hint=exc.hint) from None


def _form_error_from_validation(error: ValidationError) -> WorkspaceFormError:
    first = error.errors()[0]
    location = [str(part) for part in first.get("loc", ())]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    if "name" in location or "workspace name" in message:
        field = "name"
    elif "tracking_uri" in location or "tracking URI" in message:
        field = "uri"
    else:
        field = "stage" if "stage" in message else "name"
    return WorkspaceFormError(field, message[:1].upper() + message[1:])
