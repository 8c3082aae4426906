"""What the "Add workspace" dialog validates and builds, free of Qt (tested without a window).

Every failure names the form field it belongs to, so the dialog can show it inline next to the
field and keep everything the person typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlparse

from pydantic import ValidationError

from mlops_desktop.core.config import (
    AppConfig,
    BackendKind,
    MlflowConnection,
    StageLayout,
    WorkspaceConfig,
    local_mlflow_workspace,
)
from mlops_desktop.core.errors import Conflict, InvalidInput
from mlops_desktop.core.stages import STAGE_ORDER, Stage

#: Why the Azure ML choice is disabled in this version.
AZURE_UNAVAILABLE_REASON = "arrives with the Azure ML backend"


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
    """Input the form cannot use; ``field`` is ``"name"``, ``"stage"``, ``"kind"`` or ``"uri"``."""

    def __init__(self, field: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


@dataclass(frozen=True, slots=True)
class WorkspaceForm:
    """The raw values of the form."""

    name: str
    stage: Stage | str  # a Stage, or ALL_STAGES for the name-prefix layout
    kind: WorkspaceKind
    uri: str = ""


def validate_server_uri(uri: str) -> str:
    """A cleaned-up ``http(s)://host[:port][/path]`` tracking URI, or WorkspaceFormError."""
    text = uri.strip()
    if not text:
        raise WorkspaceFormError("uri", "Enter the tracking server's URI, e.g. http://host:5000")
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
    if form.kind is WorkspaceKind.AZURE_ML:
        raise WorkspaceFormError("kind", f"Azure ML workspaces {AZURE_UNAVAILABLE_REASON}")
    if form.stage == ALL_STAGES:
        layout, stage = StageLayout.NAME_PREFIX, None
    elif isinstance(form.stage, Stage):
        layout, stage = StageLayout.WORKSPACE, form.stage
    else:
        raise WorkspaceFormError("stage", "Choose a stage")
    try:
        if form.kind is WorkspaceKind.LOCAL_MLFLOW:
            return local_mlflow_workspace(name, stage, layout=layout)
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
        raise WorkspaceFormError("name", exc.message, hint=exc.hint) from None


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
