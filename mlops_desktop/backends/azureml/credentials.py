"""Azure credentials through azure-identity only; the app never stores a secret.

* ``default``: ``DefaultAzureCredential`` (environment, workload identity, Azure CLI, …) with
  managed identity excluded unless asked for (:mod:`.settings`).
* ``cli``: the Azure CLI's signed-in account only.
* ``browser`` / ``device-code``: interactive sign-in. Tokens live in azure-identity's encrypted
  persistent cache (``TokenCachePersistenceOptions(name="mlops-desktop")``: Keychain, DPAPI or
  libsecret); the app keeps only the *authentication record* (account and tenant ids, no
  secret) so the next start signs in silently. These credentials never pop up a browser from a
  background worker: they raise "sign in required" until :meth:`AzureMlBackend.sign_in` runs.

Every credential is wrapped in :class:`TokenReuse`, which hands the same token to the SDK's
many internal clients until shortly before it expires (one ``az`` call instead of a dozen).
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.azure_clouds import CloudTarget
from mlops_desktop.core.azure_settings import AzureSettings, CredentialKind
from mlops_desktop.core.config import AzureConnection

#: Name of the persistent token cache shared by the interactive credentials.
TOKEN_CACHE_NAME = "mlops-desktop"
_REFRESH_MARGIN = 300  # seconds before expiry at which a cached token is renewed

DeviceCodePrompt = Callable[[str, str, datetime], None]


class TokenReuse:
    """A ``TokenCredential`` that reuses tokens of an inner azure-identity credential.

    Thread-safe; ``replace`` swaps the inner credential after an interactive sign-in, so the
    ``MLClient`` built on this object keeps working.
    """

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._tokens: dict[tuple[Any, ...], Any] = {}
        self.last_token: str = ""

    @property
    def inner(self) -> Any:
        """The azure-identity credential tokens come from."""
        return self._inner

    def replace(self, inner: Any) -> None:
        """Use ``inner`` from now on and forget cached tokens."""
        with self._lock:
            old, self._inner = self._inner, inner
            self._tokens.clear()
        _close(old)

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> Any:
        """azure-core ``TokenCredential.get_token``."""
        from azure.core.credentials import AccessToken

        options: dict[str, Any] = {"enable_cae": enable_cae}
        if claims:
            options["claims"] = claims
        if tenant_id:
            options["tenant_id"] = tenant_id
        info = self.get_token_info(*scopes, options=options)
        return AccessToken(info.token, info.expires_on)

    def get_token_info(self, *scopes: str, options: dict[str, Any] | None = None) -> Any:
        """azure-core ``SupportsTokenInfo.get_token_info``."""
        options = dict(options or {})
        key = (scopes, options.get("tenant_id"), bool(options.get("enable_cae")))
        with self._lock:
            cached = self._tokens.get(key)
            fresh = cached is not None and cached.expires_on - _REFRESH_MARGIN > time.time()
            if fresh and not options.get("claims"):
                return cached
            info = self._fetch(scopes, options)
            self._tokens[key] = info
            self.last_token = info.token
            return info

    def _fetch(self, scopes: tuple[str, ...], options: dict[str, Any]) -> Any:
        from azure.core.credentials import AccessTokenInfo

        if hasattr(self._inner, "get_token_info"):
            return self._inner.get_token_info(*scopes, options=options)
        token = self._inner.get_token(
            *scopes,
            claims=options.get("claims"),
            tenant_id=options.get("tenant_id"),
            enable_cae=bool(options.get("enable_cae")),
        )
        return AccessTokenInfo(token.token, token.expires_on)

    def close(self) -> None:
        """Close the inner credential."""
        _close(self._inner)

    def __enter__(self) -> TokenReuse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _close(credential: Any) -> None:
    close = getattr(credential, "close", None)
    if callable(close):
        close()


def build_credential(
    settings: AzureSettings, connection: AzureConnection, cloud: CloudTarget
) -> TokenReuse:
    """The credential a backend signs in with (not yet used: no network here)."""
    kind = settings.credential
    if kind is CredentialKind.CLI:
        from azure.identity import AzureCliCredential

        return TokenReuse(
            AzureCliCredential(
                tenant_id=connection.tenant_id or "", process_timeout=settings.process_timeout
            )
        )
    if kind.is_interactive:
        record = load_authentication_record(kind, connection, cloud)
        return TokenReuse(interactive_credential(kind, connection, cloud, record))
    from azure.identity import DefaultAzureCredential

    tenant: dict[str, str] = {}
    if connection.tenant_id:
        tenant = {
            "shared_cache_tenant_id": connection.tenant_id,
            "visual_studio_code_tenant_id": connection.tenant_id,
            "interactive_browser_tenant_id": connection.tenant_id,
        }
    return TokenReuse(
        DefaultAzureCredential(
            authority=cloud.authority,
            process_timeout=settings.process_timeout,
            **tenant,
            **settings.default_chain_exclusions(),
        )
    )


def interactive_credential(
    kind: CredentialKind,
    connection: AzureConnection,
    cloud: CloudTarget,
    record: Any = None,
    *,
    prompt: DeviceCodePrompt | None = None,
    silent: bool = True,
) -> Any:
    """A browser or device-code credential on the persistent, encrypted token cache.

    ``silent`` credentials raise ``AuthenticationRequiredError`` instead of prompting.
    """
    from azure.identity import (
        DeviceCodeCredential,
        InteractiveBrowserCredential,
        TokenCachePersistenceOptions,
    )

    options: dict[str, Any] = {
        "cache_persistence_options": TokenCachePersistenceOptions(name=TOKEN_CACHE_NAME),
        "disable_automatic_authentication": silent,
    }
    if connection.tenant_id:
        options["tenant_id"] = connection.tenant_id
    if record is not None:
        # The record carries the authority (and client id) it was made with; giving the
        # authority again is a TypeError in azure-identity.
        options["authentication_record"] = record
    else:
        options["authority"] = cloud.authority
    if cloud.metadata is not None:
        # A private or sovereign authority: Microsoft's public instance discovery cannot vouch
        # for it (and would call login.microsoftonline.com).
        options["disable_instance_discovery"] = True
    if kind is CredentialKind.DEVICE_CODE:
        if prompt is not None:
            options["prompt_callback"] = prompt
        return DeviceCodeCredential(**options)
    return InteractiveBrowserCredential(**options)


def authentication_record_path(
    kind: CredentialKind, connection: AzureConnection, cloud: CloudTarget
) -> Path:
    """Where the (secret-free) authentication record of this sign-in is kept."""
    key = f"{kind.value}|{cloud.authority}|{connection.tenant_id or 'organizations'}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return paths.data_dir() / "azure" / f"auth-record-{digest}.json"


def load_authentication_record(
    kind: CredentialKind, connection: AzureConnection, cloud: CloudTarget
) -> Any:
    """The saved ``AuthenticationRecord``, or None before the first sign-in."""
    from azure.identity import AuthenticationRecord

    path = authentication_record_path(kind, connection, cloud)
    try:
        return AuthenticationRecord.deserialize(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None


def save_authentication_record(
    record: Any, kind: CredentialKind, connection: AzureConnection, cloud: CloudTarget
) -> Path:
    """Keep ``record`` (account and tenant ids only; tokens stay in the encrypted cache)."""
    path = authentication_record_path(kind, connection, cloud)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.serialize(), encoding="utf-8")
    return path


def token_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT access token, decoded without verifying it (display only)."""
    parts = token.split(".")
    if len(parts) < 2:
        return {}
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, json.JSONDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def identity_from_claims(claims: dict[str, Any]) -> str:
    """ "user@contoso.com" for people, "application <appid>" for service principals."""
    for key in ("upn", "unique_name", "preferred_username", "email"):
        value = claims.get(key)
        if isinstance(value, str) and value:
            return value
    appid = claims.get("appid") or claims.get("azp")
    if appid:
        return f"application {appid}"
    return str(claims.get("oid") or claims.get("sub") or "")
