"""How the Azure ML backend signs in and how patient it is with the network.

Plain configuration (no SDK): it lives in core because the workspace form and the sign-in
dialog edit it as much as the backend reads it.

Settings come from the constructor or, by default, from ``MLOPS_DESKTOP_AZURE_*`` environment
variables (so the GUI, the CLI and CI runners share them without a secret in any file):

``MLOPS_DESKTOP_AZURE_CREDENTIAL``
    ``default`` (DefaultAzureCredential, the default), ``cli`` (Azure CLI only), ``browser``
    (interactive browser sign-in) or ``device-code``.
``MLOPS_DESKTOP_AZURE_MANAGED_IDENTITY``
    ``1`` to include managed identity in the default chain. Off by default: on a laptop it only
    costs a probe of the instance metadata endpoint (169.254.169.254) before every sign-in.
``MLOPS_DESKTOP_AZURE_EXCLUDE``
    Comma-separated further members of the default chain to skip: ``environment``,
    ``workload_identity``, ``shared_token_cache``, ``visual_studio_code``, ``cli``,
    ``powershell``, ``developer_cli``, ``interactive_browser``, ``broker``.
``MLOPS_DESKTOP_AZURE_RETRIES`` / ``MLOPS_DESKTOP_AZURE_BACKOFF``
    Retries of throttled (429), failing (5xx) or dropped requests, and the exponential backoff
    factor in seconds (``Retry-After`` from the service always wins).
``MLOPS_DESKTOP_AZURE_CONNECT_TIMEOUT`` / ``MLOPS_DESKTOP_AZURE_READ_TIMEOUT``
    Seconds to connect and to wait for an answer.
``MLOPS_DESKTOP_AZURE_POLL_INTERVAL``
    Seconds between polls of a long-running operation when the service does not say.
``MLOPS_DESKTOP_AZURE_CA_BUNDLE``
    A PEM bundle to trust instead of the default roots (TLS-inspecting corporate proxies);
    ``REQUESTS_CA_BUNDLE`` works as well, for every library of the process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from mlops_desktop.core.errors import InvalidInput

ENV_PREFIX = "MLOPS_DESKTOP_AZURE_"

#: DefaultAzureCredential chain members that ``exclude`` may name (its ``exclude_*`` kwargs).
CHAIN_MEMBERS = (
    "environment",
    "workload_identity",
    "managed_identity",
    "shared_token_cache",
    "visual_studio_code",
    "cli",
    "powershell",
    "developer_cli",
    "interactive_browser",
    "broker",
)


class CredentialKind(StrEnum):
    """Which azure-identity credential signs in."""

    DEFAULT = "default"
    CLI = "cli"
    BROWSER = "browser"
    DEVICE_CODE = "device-code"

    @property
    def is_interactive(self) -> bool:
        """True for the kinds that need a person to sign in (and keep a token cache)."""
        return self in (CredentialKind.BROWSER, CredentialKind.DEVICE_CODE)


@dataclass(frozen=True)
class AzureSettings:
    """Sign-in and network behaviour of one Azure ML backend."""

    credential: CredentialKind = CredentialKind.DEFAULT
    #: Include managed identity in the default chain (only useful on Azure VMs / CI agents).
    managed_identity: bool = False
    #: Further default-chain members to skip (names from :data:`CHAIN_MEMBERS`).
    exclude: frozenset[str] = field(default_factory=frozenset)
    retry_total: int = 3
    retry_backoff_factor: float = 0.5
    retry_backoff_max: float = 8.0
    connection_timeout: float = 10.0
    read_timeout: float = 60.0
    polling_interval: float = 5.0
    #: Seconds the developer tools (az, azd, pwsh) may take to hand out a token.
    process_timeout: int = 10
    #: PEM bundle of trusted roots for Azure calls (``connection_verify``); None: the default.
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        unknown = sorted(set(self.exclude) - set(CHAIN_MEMBERS))
        if unknown:
            raise InvalidInput(
                f"unknown credential chain member(s) to exclude: {', '.join(unknown)}",
                hint=f"use some of: {', '.join(CHAIN_MEMBERS)}",
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AzureSettings:
        """Settings from ``MLOPS_DESKTOP_AZURE_*`` variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        settings = cls()
        values: dict[str, object] = {}
        text = env.get(ENV_PREFIX + "CREDENTIAL", "").strip().lower()
        if text:
            try:
                values["credential"] = CredentialKind(text)
            except ValueError:
                kinds = ", ".join(k.value for k in CredentialKind)
                raise InvalidInput(
                    f"{ENV_PREFIX}CREDENTIAL={text!r} is not a credential kind",
                    hint=f"use one of: {kinds}",
                ) from None
        flag = env.get(ENV_PREFIX + "MANAGED_IDENTITY", "").strip().lower()
        if flag:
            values["managed_identity"] = flag in ("1", "true", "yes", "on")
        exclude = env.get(ENV_PREFIX + "EXCLUDE", "")
        if exclude.strip():
            values["exclude"] = frozenset(
                p.strip().lower().replace("-", "_") for p in exclude.split(",") if p.strip()
            )
        numbers = {
            "RETRIES": ("retry_total", int),
            "BACKOFF": ("retry_backoff_factor", float),
            "CONNECT_TIMEOUT": ("connection_timeout", float),
            "READ_TIMEOUT": ("read_timeout", float),
            "POLL_INTERVAL": ("polling_interval", float),
        }
        bundle = env.get(ENV_PREFIX + "CA_BUNDLE", "").strip()
        if bundle:
            values["ca_bundle"] = bundle
        for suffix, (name, kind) in numbers.items():
            raw = env.get(ENV_PREFIX + suffix, "").strip()
            if not raw:
                continue
            try:
                values[name] = kind(raw)
            except ValueError:
                raise InvalidInput(f"{ENV_PREFIX}{suffix}={raw!r} is not a number") from None
        return replace(settings, **values)  # type: ignore[arg-type]

    def default_chain_exclusions(self) -> dict[str, bool]:
        """``exclude_*_credential=True`` keyword arguments for ``DefaultAzureCredential``.

        Only exclusions are passed: an explicit ``False`` would switch on members the chain
        leaves out by default (the interactive browser, which must never pop up from a worker).
        """
        excluded = set(self.exclude)
        if not self.managed_identity:
            excluded.add("managed_identity")
        return {_exclude_kwarg(member): True for member in CHAIN_MEMBERS if member in excluded}

    def client_kwargs(self) -> dict[str, object]:
        """azure-core pipeline options (retries, timeouts, polling) for ``MLClient``."""
        return {
            "retry_total": self.retry_total,
            "retry_backoff_factor": self.retry_backoff_factor,
            "retry_backoff_max": self.retry_backoff_max,
            "connection_timeout": self.connection_timeout,
            "read_timeout": self.read_timeout,
            "polling_interval": self.polling_interval,
        }


def _exclude_kwarg(member: str) -> str:
    if member == "cli":
        return "exclude_cli_credential"
    return f"exclude_{member}_credential"
