"""The ``[notifications]`` section of ``settings.toml``: where events are sent outside the app.

A target is a generic JSON webhook, a Slack or Microsoft Teams incoming webhook, or an e-mail
address list reached through an SMTP server. The settings file never holds a secret: a webhook's
URL (Slack's and Teams' carry their token in the path) and an SMTP password live in the OS
keyring, or in the environment variable the target names (:func:`secret_env_name`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mlops_desktop.core.notify_kinds import EventKind, Severity, TargetKind

#: Target names: short, for a CLI argument and a keyring entry.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def secret_env_name(target_name: str) -> str:
    """The default environment variable of a target's secret: ``MLOPS_DESKTOP_NOTIFY_<NAME>``."""
    return "MLOPS_DESKTOP_NOTIFY_" + re.sub(r"[^A-Za-z0-9]", "_", target_name).upper()


class NotifyTarget(BaseModel):
    """One place notifications go. No secret here: see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    name: str
    kind: TargetKind
    enabled: bool = True
    #: Events sent (all of them by default).
    events: tuple[EventKind, ...] = tuple(EventKind)
    min_severity: Severity = Severity.INFO
    #: The environment variable holding the secret when the keyring has none ("" = default).
    secret_env: str = ""
    #: Where the webhook goes, for display only (host, never the path): "hooks.slack.com".
    url_hint: str = ""
    # -- e-mail -----------------------------------------------------------------------------
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    starttls: bool = True
    #: The SMTP login name ("" = no login); its password is the secret.
    username: str = ""
    from_addr: str = ""
    to: tuple[str, ...] = ()
    #: Seconds one HTTP request or SMTP conversation may take.
    timeout_seconds: float = Field(10.0, gt=0, le=120)
    #: Attempts per delivery (1 = no retry).
    attempts: int = Field(4, ge=1, le=10)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "a target name is 1-63 letters, digits, '.', '_' or '-', starting with a letter "
                "or digit"
            )
        return value

    @field_validator("secret_env")
    @classmethod
    def _check_env(cls, value: str) -> str:
        if value and not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value

    @field_validator("url_hint")
    @classmethod
    def _no_url_path(cls, value: str) -> str:
        # A webhook URL carries its token: only the host may be written to the file.
        if "/" in value.removeprefix("https://").removeprefix("http://"):
            raise ValueError(
                "url_hint is the host only; the webhook URL (which carries its token) is kept in "
                "the keyring or the target's environment variable, never in the settings file"
            )
        return value.removeprefix("https://").removeprefix("http://")

    @model_validator(mode="after")
    def _check_email(self) -> NotifyTarget:
        if self.kind is TargetKind.EMAIL:
            missing = [
                n
                for n, v in (("smtp_host", self.smtp_host), ("from_addr", self.from_addr))
                if not v
            ]
            if not self.to:
                missing.append("to")
            if missing:
                raise ValueError(f"an e-mail target needs {', '.join(missing)}")
            for address in (self.from_addr, *self.to):
                if not _EMAIL.match(address):
                    raise ValueError(f"{address!r} is not an e-mail address")
        return self

    @property
    def env_name(self) -> str:
        """The environment variable read for the secret."""
        return self.secret_env or secret_env_name(self.name)

    def wants(self, kind: EventKind | str, severity: Severity | str) -> bool:
        """True when this target is enabled, subscribes to ``kind`` and ``severity`` is enough."""
        if not self.enabled:
            return False
        return EventKind(kind) in self.events and Severity(severity).rank >= self.min_severity.rank

    def where(self) -> str:
        """A short, secret-free description: "smtp.example.com:587 → ops@example.com"."""
        if self.kind is TargetKind.EMAIL:
            return f"{self.smtp_host}:{self.smtp_port} → {', '.join(self.to)}"
        return self.url_hint or f"URL in keyring or ${self.env_name}"


class NotificationSettings(BaseModel):
    """``[notifications]``: the targets (``[[notifications.targets]]``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    #: False stops every delivery without losing the targets.
    enabled: bool = True
    targets: tuple[NotifyTarget, ...] = ()

    @field_validator("targets")
    @classmethod
    def _unique_names(cls, value: tuple[NotifyTarget, ...]) -> tuple[NotifyTarget, ...]:
        names = [t.name for t in value]
        doubles = sorted({n for n in names if names.count(n) > 1})
        if doubles:
            raise ValueError(f"two targets are named {', '.join(doubles)}")
        return value

    def target(self, name: str) -> NotifyTarget | None:
        """The target called ``name`` (None: no such target)."""
        return next((t for t in self.targets if t.name == name), None)
