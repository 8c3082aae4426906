"""Typed, versioned configuration (TOML) of workspaces and app settings.

The file lives in :func:`mlops_desktop.core.paths.config_file`. It carries ``schema_version``;
older files are migrated on load, newer ones are refused with a clear message.
"""

from __future__ import annotations

import json
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mlops_desktop.core import paths
from mlops_desktop.core.errors import Conflict, InvalidInput, NotFound
from mlops_desktop.core.files import atomic_write_bytes
from mlops_desktop.core.locations import azure_workspace_key, store_key_of_uri
from mlops_desktop.core.redact import redact_uri, uri_has_password
from mlops_desktop.core.stages import STAGE_ORDER, Stage, StageLayout

SCHEMA_VERSION = 1

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")


class BackendKind(StrEnum):
    """Which backend serves a workspace."""

    MLFLOW = "mlflow"
    AZUREML = "azureml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MlflowConnection(_Model):
    """Where an MLflow workspace lives."""

    tracking_uri: str
    registry_uri: str | None = None
    #: MLflow >= 3.10 servers host several workspaces, chosen by the X-MLFLOW-WORKSPACE header.
    server_workspace: str | None = None
    #: Artifact root for experiments the app creates (local stores keep artifacts beside the db).
    artifact_root: str | None = None

    @field_validator("tracking_uri")
    @classmethod
    def _check_uri(cls, value: str) -> str:
        value = _no_password(value.strip(), "tracking URI")
        if not re.match(r"^(sqlite|https?|file|databricks|postgresql|mysql)(\+\w+)?:", value):
            raise ValueError(
                f"tracking URI {value!r} is not one MLflow understands; use sqlite:///path/to.db, "
                "http(s)://host:port or file:///path"
            )
        return value

    @field_validator("registry_uri")
    @classmethod
    def _check_registry_uri(cls, value: str | None) -> str | None:
        return None if value is None else _no_password(value.strip(), "registry URI")


def _no_password(uri: str, what: str) -> str:
    """Refuse a URI with ``user:password@``: the configuration file is no place for secrets."""
    if uri_has_password(uri):
        raise ValueError(
            f"the {what} {redact_uri(uri)} carries a password, and MLOps Desktop never writes "
            "a secret to its files: give the URI without 'user:password@' and set "
            "MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) "
            "in the environment; a database's password goes in its client's own place "
            "(PGPASSWORD or ~/.pgpass, MySQL's option file)"
        )
    return uri


class AzureConnection(_Model):
    """An Azure Machine Learning workspace, as in Azure ML's ``config.json``."""

    subscription_id: str
    resource_group: str
    workspace_name: str
    tenant_id: str | None = None
    cloud: str = "AzureCloud"
    #: Endpoints of a custom cloud (sovereign or private); keys as azure-ai-ml's cloud metadata.
    cloud_metadata: dict[str, str] | None = None
    #: Azure ML registry used to share models across workspaces during promotion.
    registry_name: str | None = None


class WorkspaceConfig(_Model):
    """One workspace entry: a name, its stage(s) and how to reach its backend."""

    name: str
    backend: BackendKind = BackendKind.MLFLOW
    layout: StageLayout = StageLayout.WORKSPACE
    stage: Stage | None = None
    #: For the name-prefix layout: the stages this workspace holds.
    stages: tuple[Stage, ...] = STAGE_ORDER
    prefix_separator: str = "."
    mlflow: MlflowConnection | None = None
    azure: AzureConnection | None = None
    #: Metric that ranks versions (e.g. "rmse"); by default the one the training run declares.
    key_metric: str | None = None
    description: str = ""

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME_RE.match(value):
            raise ValueError(
                f"workspace name {value!r} must start with a letter or digit and use only "
                "letters, digits, '.', '_' or '-' (at most 63 characters)"
            )
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        if self.backend is BackendKind.MLFLOW and self.mlflow is None:
            raise ValueError(
                f"workspace {self.name!r}: an MLflow workspace needs [mlflow] settings"
            )
        if self.backend is BackendKind.AZUREML and self.azure is None:
            raise ValueError(
                f"workspace {self.name!r}: an Azure ML workspace needs [azure] settings"
            )
        if self.layout is StageLayout.WORKSPACE and self.stage is None:
            raise ValueError(
                f"workspace {self.name!r}: say which stage it is (dev, staging or prod), "
                "or use layout 'name-prefix'"
            )
        if self.layout is StageLayout.NAME_PREFIX and not self.stages:
            raise ValueError(f"workspace {self.name!r}: the name-prefix layout needs stages")
        return self

    @property
    def hosted_stages(self) -> tuple[Stage, ...]:
        """Stages whose models live in this workspace, in promotion order."""
        if self.layout is StageLayout.WORKSPACE:
            assert self.stage is not None
            return (self.stage,)
        return tuple(s for s in STAGE_ORDER if s in self.stages)

    def split_model_name(self, registered_name: str) -> tuple[Stage | None, str]:
        """Stage and logical model name of a registered model name.

        Per-stage workspaces: ``("churn") -> (stage, "churn")``. Name-prefix layout:
        ``("prod.churn") -> (Stage.PROD, "churn")``; names without a known prefix have no stage.
        """
        if self.layout is StageLayout.WORKSPACE:
            return self.stage, registered_name
        prefix, sep, rest = registered_name.partition(self.prefix_separator)
        if sep and rest:
            try:
                stage = Stage.parse(prefix)
            except ValueError:
                return None, registered_name
            if stage in self.stages:
                return stage, rest
        return None, registered_name

    def registered_model_name(self, model: str, stage: Stage) -> str:
        """Registered model name of a logical model in one of this workspace's stages."""
        if stage not in self.hosted_stages:
            raise InvalidInput(f"workspace {self.name!r} does not hold stage {stage.value!r}")
        if self.layout is StageLayout.WORKSPACE:
            return model
        return f"{stage.value}{self.prefix_separator}{model}"

    @property
    def stage_label(self) -> str:
        """E.g. 'staging' or 'dev+staging+prod'."""
        return "+".join(s.value for s in self.hosted_stages)

    @property
    def location(self) -> str:
        """Where the workspace lives, for people (URI or Azure resource path)."""
        if self.mlflow is not None:
            return self.mlflow.tracking_uri
        assert self.azure is not None
        a = self.azure
        return f"azureml://{a.subscription_id}/{a.resource_group}/{a.workspace_name}"

    @property
    def registry_store_key(self) -> str:
        """Canonical key of the store whose registry (and aliases) this workspace changes."""
        if self.mlflow is not None:
            conn = self.mlflow
            key = store_key_of_uri(conn.registry_uri or conn.tracking_uri)
            return f"{key}#{conn.server_workspace}" if conn.server_workspace else key
        assert self.azure is not None
        a = self.azure
        return azure_workspace_key(a.subscription_id, a.resource_group, a.workspace_name)

    @property
    def store_keys(self) -> frozenset[str]:
        """Canonical keys of every store the workspace uses (tracking and registry)."""
        keys = {self.registry_store_key}
        if self.mlflow is not None:
            key = store_key_of_uri(self.mlflow.tracking_uri)
            server = self.mlflow.server_workspace
            keys.add(f"{key}#{server}" if server else key)
        return frozenset(keys)


class TelemetrySettings(_Model):
    """Third-party usage telemetry the person may opt into (off by default)."""

    mlflow_usage_stats: bool = False


class AppConfig(_Model):
    """The whole configuration file."""

    schema_version: int = SCHEMA_VERSION
    workspaces: tuple[WorkspaceConfig, ...] = ()
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        seen: set[str] = set()
        for ws in self.workspaces:
            if ws.name in seen:
                raise ValueError(f"workspace name {ws.name!r} appears twice")
            seen.add(ws.name)
        return self

    def workspace(self, name: str) -> WorkspaceConfig:
        """The workspace called ``name``; NotFound lists the known names."""
        for ws in self.workspaces:
            if ws.name == name:
                return ws
        known = ", ".join(w.name for w in self.workspaces) or "none configured"
        raise NotFound(
            f"no workspace named {name!r} (known: {known})",
            hint="see `mlops-desktop workspaces list`",
        )

    def with_workspace(self, workspace: WorkspaceConfig, *, replace: bool = False) -> AppConfig:
        """A copy with ``workspace`` added (or replaced when ``replace``).

        Conflict when the name is taken (and not ``replace``) or when another workspace
        already lives in the same store: one store is one workspace, with one policy.
        """
        others = tuple(w for w in self.workspaces if w.name != workspace.name)
        if len(others) != len(self.workspaces) and not replace:
            raise Conflict(
                f"a workspace named {workspace.name!r} already exists",
                hint="choose another name or remove the existing one first",
            )
        same = [w.name for w in others if w.store_keys & workspace.store_keys]
        if same:
            raise Conflict(
                f"workspace {same[0]!r} already lives in the store of {workspace.name!r} "
                f"({workspace.location}); one store is one workspace",
                hint=f"use {same[0]!r}, or remove it first; a store that holds several stages "
                "is one workspace with --layout name-prefix",
            )
        return self.model_copy(update={"workspaces": (*others, workspace)})

    def shared_stores(self) -> list[tuple[str, ...]]:
        """Names of workspaces that share a store, one tuple per group (older configs)."""
        groups: list[tuple[str, ...]] = []
        seen: set[str] = set()
        for ws in self.workspaces:
            if ws.name in seen:
                continue
            group = [w.name for w in self.workspaces if w is ws or (w.store_keys & ws.store_keys)]
            if len(group) > 1:
                groups.append(tuple(group))
                seen.update(group)
        return groups

    def shared_store_problems(self) -> list[str]:
        """One sentence per group of :meth:`shared_stores`, for the CLI and the window."""
        problems = []
        for group in self.shared_stores():
            names = ", ".join(repr(n) for n in group)
            problems.append(
                f"workspaces {names} are one store ({self.workspace(group[0]).location}); "
                "promotion into any of them is refused until all but one are removed "
                "(`mlops-desktop workspaces remove NAME`)"
            )
        return problems

    def workspaces_sharing_store(self, name: str) -> tuple[str, ...]:
        """Other workspaces living in the store of workspace ``name`` (empty: none)."""
        ws = self.workspace(name)
        return tuple(
            w.name for w in self.workspaces if w.name != name and w.store_keys & ws.store_keys
        )

    def require_own_store(self, name: str) -> None:
        """Conflict when workspace ``name`` shares its store with another entry: nothing may
        promote into (or roll back in) either until one is removed."""
        others = self.workspaces_sharing_store(name)
        if others:
            listed = ", ".join(repr(o) for o in others)
            raise Conflict(
                f"workspace {name!r} shares its store ({self.workspace(name).location}) with "
                f"{listed}; promotion into either is refused, as their policies would both "
                "govern one registry",
                hint="remove one of them: `mlops-desktop workspaces remove NAME`",
            )

    def without_workspace(self, name: str) -> AppConfig:
        """A copy without workspace ``name`` (NotFound if absent)."""
        self.workspace(name)
        remaining = tuple(w for w in self.workspaces if w.name != name)
        return self.model_copy(update={"workspaces": remaining})

    def workspaces_by_stage(self) -> list[tuple[Stage, list[WorkspaceConfig]]]:
        """Workspaces grouped under each stage they hold, in promotion order."""
        return [
            (stage, [w for w in self.workspaces if stage in w.hosted_stages])
            for stage in STAGE_ORDER
        ]


# Migrations: version N -> N+1 on the raw TOML dict. Empty while we are at version 1.
_MIGRATIONS: dict[int, Any] = {}


def _migrate(raw: dict[str, Any], source: Path) -> dict[str, Any]:
    version = raw.get("schema_version", 1)
    # bool is an int to Python; "1" or 1.0 are not what this file writes either.
    if type(version) is not int or version < 1:
        raise InvalidInput(
            f"{source}: schema_version: expected a whole number (this version writes "
            f"{SCHEMA_VERSION}), got {version!r}",
            hint=f"set schema_version = {SCHEMA_VERSION} (the app left the file as it is)",
        )
    if version > SCHEMA_VERSION:
        raise InvalidInput(
            f"{source} was written by a newer MLOps Desktop (schema {version}, this one reads "
            f"up to {SCHEMA_VERSION})",
            hint="upgrade MLOps Desktop, or point MLOPS_DESKTOP_HOME elsewhere",
        )
    while version < SCHEMA_VERSION:
        raw = _MIGRATIONS[version](raw)
        version += 1
        raw["schema_version"] = version
    return raw


def _describe_validation_error(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


def parse_config(raw: dict[str, Any], source: Path) -> AppConfig:
    """Validate a raw config dict (after migration); errors name the file and field."""
    raw = _migrate(dict(raw), source)
    try:
        return AppConfig.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(
            f"{source}: {_describe_validation_error(exc)}",
            hint="fix the file, or remove it to start with no workspaces",
        ) from None


def load_config(path: Path | None = None) -> AppConfig:
    """Load the configuration; a missing file is an empty configuration."""
    path = path or paths.config_file()
    if not path.exists():
        return AppConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", hint="fix or remove the file") from None
    return parse_config(raw, path)


def save_config(config: AppConfig, path: Path | None = None) -> Path:
    """Write the configuration atomically (a crash never leaves half a file)."""
    path = path or paths.config_file()
    data = config.model_dump(mode="json", exclude_none=True)
    return atomic_write_bytes(path, tomli_w.dumps(data).encode("utf-8"))


def workspace_from_azure_config(
    config_json: Path, *, name: str | None = None, stage: Stage | None = None
) -> WorkspaceConfig:
    """A workspace entry from Azure ML's standard ``config.json`` (as Studio downloads it)."""
    try:
        raw = json.loads(config_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"{config_json} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{config_json} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise InvalidInput(f"{config_json}: expected a JSON object")
    aliases = {
        "subscription_id": ("subscription_id", "Subscription ID", "subscriptionId"),
        "resource_group": ("resource_group", "Resource Group", "resourceGroup"),
        "workspace_name": ("workspace_name", "Workspace name", "workspaceName", "workspace"),
    }
    values: dict[str, str] = {}
    for key, names in aliases.items():
        found = next((raw[n] for n in names if isinstance(raw.get(n), str) and raw[n]), None)
        if found is None:
            raise InvalidInput(f"{config_json}: missing {key!r}", hint="download config.json again")
        values[key] = found
    tenant = raw.get("tenant_id") or raw.get("tenantId")
    ws_name = name or values["workspace_name"]
    if stage is None:
        stage = _guess_stage(ws_name)
    if stage is None:
        raise InvalidInput(
            f"cannot tell the stage of workspace {ws_name!r}",
            hint="pass --stage dev|staging|prod",
        )
    try:
        return WorkspaceConfig(
            name=ws_name,
            backend=BackendKind.AZUREML,
            stage=stage,
            azure=AzureConnection(tenant_id=tenant, **values),
        )
    except ValidationError as exc:
        raise InvalidInput(f"{config_json}: {_describe_validation_error(exc)}") from None


def _guess_stage(name: str) -> Stage | None:
    tokens = re.split(r"[^a-z]+", name.lower())
    for token in reversed(tokens):
        try:
            return Stage.parse(token)
        except ValueError:
            continue
    return None


def local_mlflow_workspace(
    name: str,
    stage: Stage | None,
    *,
    layout: StageLayout = StageLayout.WORKSPACE,
    description: str = "",
) -> WorkspaceConfig:
    """A workspace on an embedded MLflow store (SQLite + artifacts) under the data dir."""
    folder = paths.local_workspace_dir(name)
    return WorkspaceConfig(
        name=name,
        backend=BackendKind.MLFLOW,
        layout=layout,
        stage=stage,
        description=description,
        mlflow=MlflowConnection(
            tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
            artifact_root=(folder / "artifacts").as_uri(),
        ),
    )
