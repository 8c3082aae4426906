"""Typed, versioned user preferences (``settings.toml`` beside ``config.toml``).

Workspaces live in ``config.toml``; this file holds how the app behaves for one person: refresh
intervals, default drift thresholds, report defaults, the Azure sign-in method, the theme,
telemetry opt-in, whether the window may change stages on its own (off by default), where
notifications are sent (``[notifications]``, :mod:`.notify_settings`; never a secret) and whether
the welcome flow has run. It carries ``schema_version``; older files
are migrated on load (see :data:`MIGRATIONS`). A file that cannot be read is never silently lost:
:func:`load_settings_or_defaults` copies it to a ``.bad-<time>`` backup before anything else
writes the path.
"""

from __future__ import annotations

import shutil
import time
import tomllib
from collections.abc import Callable, MutableMapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlops_desktop.core import paths
from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.files import atomic_write_text
from mlops_desktop.core.notify_settings import NotificationSettings

SETTINGS_SCHEMA_VERSION = 4

#: The environment variable the Azure backend reads its credential kind from.
AZURE_CREDENTIAL_ENV = "MLOPS_DESKTOP_AZURE_CREDENTIAL"


class SettingsError(InvalidInput):
    """The settings file or a value given for it is invalid."""


class Theme(StrEnum):
    """Colour scheme of the window."""

    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class ReportFormat(StrEnum):
    """Default format of exported drift reports."""

    HTML = "html"
    PDF = "pdf"
    JSON = "json"


class SignInMethod(StrEnum):
    """How Azure ML workspaces sign in (values of ``MLOPS_DESKTOP_AZURE_CREDENTIAL``)."""

    DEFAULT = "default"
    BROWSER = "browser"
    DEVICE_CODE = "device-code"


class _Section(BaseModel):
    # Unknown keys are errors, not silently dropped: a typo must not lose a preference.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class RefreshSettings(_Section):
    """How often pages reload on their own, in seconds (0 = only on F5 / Refresh)."""

    workspaces_seconds: int = Field(0, ge=0, le=86400)
    endpoints_seconds: int = Field(5, ge=0, le=3600)
    jobs_seconds: int = Field(3, ge=0, le=3600)


class DriftDefaults(_Section):
    """Default drift thresholds (Azure ML model monitoring's defaults)."""

    numeric_threshold: float = Field(0.1, gt=0.0, le=1.0)
    """Normalized Wasserstein distance above which a numeric feature drifts."""
    categorical_threshold: float = Field(0.1, gt=0.0, le=1.0)
    """Jensen–Shannon distance above which a categorical feature drifts."""
    dataset_drift_share: float = Field(0.5, gt=0.0, le=1.0)
    """Share of drifting features above which the whole dataset drifts."""


class ReportDefaults(_Section):
    """Where and how drift reports are exported by default."""

    format: ReportFormat = ReportFormat.HTML
    #: Empty: the home folder.
    output_folder: str = ""

    def folder(self) -> Path:
        """The output folder as a path (the home folder when unset)."""
        return Path(self.output_folder).expanduser() if self.output_folder else Path.home()


class PrivacySettings(_Section):
    """Third-party usage telemetry the person may opt into (off by default)."""

    telemetry: bool = False


class BackgroundSettings(_Section):
    """What the open window may do on its own.

    Read-only work always runs: compute sampling, event notifications, evaluating the
    retraining policies, and restarting local endpoints that died (it brings back what was
    deployed, it changes nothing). What changes a stage — submitting the retraining job of a
    policy that fired, and the promotion chained to that job — is opt-in.
    """

    stage_changes: bool = False
    """Let a fired retraining policy submit its job (and its chained promotion) unasked."""
    announce_seconds: int = Field(60, ge=0, le=3600)
    """How long a fired policy's job waits after it is announced, so it can be cancelled."""


class Settings(_Section):
    """The whole ``settings.toml``."""

    schema_version: int = SETTINGS_SCHEMA_VERSION
    theme: Theme = Theme.SYSTEM
    sign_in: SignInMethod = SignInMethod.DEFAULT
    refresh: RefreshSettings = Field(default_factory=RefreshSettings)
    drift: DriftDefaults = Field(default_factory=DriftDefaults)
    reports: ReportDefaults = Field(default_factory=ReportDefaults)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    background: BackgroundSettings = Field(default_factory=BackgroundSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    #: The welcome flow ran (finished or skipped): never show it again.
    welcome_done: bool = False


# -- migrations ---------------------------------------------------------------------------------


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept flat keys; version 2 groups them into sections.

    v1: ``refresh_seconds``, ``report_format``, ``report_folder``, ``dark_mode`` (bool),
    ``telemetry`` (bool). v2: ``[refresh] workspaces_seconds``, ``[reports] format`` /
    ``output_folder``, ``theme`` ("dark"/"light"), ``[privacy] telemetry``.
    """
    out = dict(raw)
    moves = {
        "refresh_seconds": ("refresh", "workspaces_seconds"),
        "report_format": ("reports", "format"),
        "report_folder": ("reports", "output_folder"),
        "telemetry": ("privacy", "telemetry"),
    }
    for old, (section, key) in moves.items():
        if old in out:
            value = out.pop(old)
            group = out.get(section)
            out[section] = {**(group if isinstance(group, dict) else {}), key: value}
    if "dark_mode" in out:
        dark = out.pop("dark_mode")
        out.setdefault("theme", Theme.DARK.value if dark is True else Theme.LIGHT.value)
    return out


def _v2_to_v3(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 3 adds ``[background]``. Version 2 had no such switch (the window submitted
    fired policies' jobs unasked); nobody opted in, so it is written as off."""
    out = dict(raw)
    group = out.get("background")
    out["background"] = {"stage_changes": False, **(group if isinstance(group, dict) else {})}
    return out


def _v3_to_v4(raw: dict[str, Any]) -> dict[str, Any]:
    """Version 4 adds ``[notifications]`` (targets outside the app): none until one is added."""
    out = dict(raw)
    group = out.get("notifications")
    out["notifications"] = {
        "enabled": True,
        "targets": [],
        **(group if isinstance(group, dict) else {}),
    }
    return out


#: ``version -> function`` turning a raw version-N dict into version N+1.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
}

#: Keys edited by their own commands (``notify targets …``), not by ``settings set``.
_LIST_KEYS = frozenset({"notifications.targets"})


def migrate(raw: dict[str, Any], source: str = "settings") -> dict[str, Any]:
    """Bring a raw settings dict up to :data:`SETTINGS_SCHEMA_VERSION`."""
    version = raw.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        raise SettingsError(f"{source}: schema_version must be a positive integer")
    if version > SETTINGS_SCHEMA_VERSION:
        raise SettingsError(
            f"{source} was written by a newer MLOps Desktop (settings schema {version}, this "
            f"one reads up to {SETTINGS_SCHEMA_VERSION})",
            hint="upgrade MLOps Desktop, or reset the settings",
        )
    while version < SETTINGS_SCHEMA_VERSION:
        raw = MIGRATIONS[version](raw)
        version += 1
        raw["schema_version"] = version
    return raw


# -- reading and writing ------------------------------------------------------------------------


def settings_file() -> Path:
    """Where the settings live (the config directory)."""
    return paths.config_dir() / "settings.toml"


def describe_errors(error: ValidationError) -> str:
    """A one-line, person-readable account of every invalid field."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = "unknown setting" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def parse_settings(raw: dict[str, Any], source: str = "settings") -> Settings:
    """Migrate and validate a raw dict; :class:`SettingsError` names the file and fields."""
    raw = migrate(dict(raw), source)
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(
            f"{source}: {describe_errors(exc)}",
            hint="fix the file, or `mlops-desktop settings reset` (the old file is kept)",
        ) from None


def load_settings(path: Path | None = None) -> Settings:
    """The saved settings (defaults when there is no file); raises :class:`SettingsError`."""
    path = path or settings_file()
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(
            f"cannot read {path}: {exc}",
            hint="fix the file, or `mlops-desktop settings reset` (the old file is kept)",
        ) from None
    return parse_settings(raw, str(path))


def backup_file(path: Path) -> Path:
    """Copy ``path`` aside as ``<name>.bad-<UTC time>`` and return the copy's path."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while target.exists():
        target = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
        counter += 1
    shutil.copy2(path, target)
    return target


def load_settings_or_defaults(path: Path | None = None) -> tuple[Settings, str | None]:
    """Settings for the GUI, which must start even with a broken file.

    On an unreadable or invalid file: defaults, plus a message saying what was wrong and where
    the file was backed up (the file itself is left as is until settings are saved).
    """
    path = path or settings_file()
    try:
        return load_settings(path), None
    except SettingsError as exc:
        backup = backup_file(path)
        return Settings(), f"{exc} — using defaults; the file was backed up to {backup}"


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write the settings atomically (a crash leaves the old file or the new, never half)."""
    path = path or settings_file()
    data = settings.model_dump(mode="json")
    return atomic_write_text(path, tomli_w.dumps(data))


def reset_settings(path: Path | None = None) -> tuple[Settings, Path | None]:
    """Write the defaults; the previous file (if any) is backed up first. Keeps welcome_done."""
    path = path or settings_file()
    backup = backup_file(path) if path.exists() else None
    try:
        welcome_done = load_settings(path).welcome_done
    except SettingsError:
        welcome_done = False
    settings = Settings(welcome_done=welcome_done)
    save_settings(settings, path)
    return settings, backup


# -- keys for the CLI and the dialog -------------------------------------------------------------


def setting_keys() -> list[str]:
    """Every settable key, dotted (``refresh.jobs_seconds``, ``theme``)."""
    keys: list[str] = []
    for name, field in Settings.model_fields.items():
        if name == "schema_version":
            continue
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys.extend(
                f"{name}.{sub}"
                for sub in annotation.model_fields
                if f"{name}.{sub}" not in _LIST_KEYS
            )
        else:
            keys.append(name)
    return keys


def flatten(settings: Settings) -> dict[str, Any]:
    """``{dotted key: JSON value}`` of every settable key."""
    data = settings.model_dump(mode="json")
    out: dict[str, Any] = {}
    for key in setting_keys():
        section, _, sub = key.partition(".")
        out[key] = data[section][sub] if sub else data[section]
    return out


def with_value(settings: Settings, key: str, value: Any) -> Settings:
    """A copy with ``key`` set to ``value`` (text is converted: "30", "true", "dark")."""
    if key not in setting_keys():
        raise SettingsError(
            f"unknown setting {key!r}", hint="known settings: " + ", ".join(setting_keys())
        )
    data: dict[str, Any] = settings.model_dump(mode="json")
    section, _, sub = key.partition(".")
    target: MutableMapping[str, Any] = data[section] if sub else data
    name = sub or section
    target[name] = value.strip() if isinstance(value, str) else value  # pydantic converts text
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def apply_sign_in_method(settings: Settings, environ: MutableMapping[str, str]) -> None:
    """Hand the chosen sign-in method to the Azure backend through its environment variable.

    A value already in the environment (CI, a person's shell) wins over the saved choice.
    """
    if settings.sign_in is not SignInMethod.DEFAULT and not environ.get(AZURE_CREDENTIAL_ENV):
        environ[AZURE_CREDENTIAL_ENV] = settings.sign_in.value
