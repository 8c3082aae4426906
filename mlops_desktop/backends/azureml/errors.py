"""Translate azure-core, azure-identity and azure-ai-ml exceptions into core errors.

401 and credential failures -> :class:`AuthError` ("sign in again"); 403 ->
:class:`PermissionDenied` naming the missing action from ARM's answer; 404 -> :class:`NotFound`
naming the resource; 409 -> :class:`Conflict`; 400 -> :class:`InvalidInput`; 429/5xx after the
pipeline's retries -> :class:`Unavailable`; no network or no answer in time -> :class:`Offline`
(an ``Unavailable``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator

from mlops_desktop.core.config import WorkspaceConfig
from mlops_desktop.core.errors import (
    AuthError,
    Conflict,
    InvalidInput,
    MlopsError,
    NotFound,
    PermissionDenied,
    Unavailable,
)

_ACTION_RE = re.compile(r"perform action '([^']+)'")
_SCOPE_RE = re.compile(r"over scope '([^']+)'")
_REGISTRY_SCOPE_RE = re.compile(
    r"/resourceGroups/([^/]+)/providers/Microsoft\.MachineLearningServices/registries/([^/]+)",
    re.IGNORECASE,
)
#: The built-in role that grants ``registries/read`` and ``registries/assets/*`` on a registry.
REGISTRY_ROLE = "AzureML Registry User"
SIGN_IN_HINT = "sign in again: `az login`, or Sign in in the app for browser/device-code sign-in"


class Offline(Unavailable):
    """The service could not be reached at all (no network, refused, no answer in time)."""


def describe_workspace(workspace: WorkspaceConfig) -> str:
    """``workspace 'prod' (Azure ML mlw-x in rg-y)`` for messages."""
    if workspace.azure is None:
        return f"workspace {workspace.name!r}"
    a = workspace.azure
    return f"workspace {workspace.name!r} (Azure ML {a.workspace_name} in {a.resource_group})"


@contextlib.contextmanager
def translated_errors(
    workspace: WorkspaceConfig, action: str, identity: Callable[[], str] | None = None
) -> Iterator[None]:
    """Run a block, re-raising Azure failures as core errors naming workspace and action."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ServiceRequestError,
        ServiceResponseError,
    )

    where = describe_workspace(workspace)
    try:
        yield
    except MlopsError:
        raise
    except ClientAuthenticationError as exc:
        raise _auth_error(exc, action, where) from exc
    except HttpResponseError as exc:
        raise _http_error(exc, action, where, identity) from exc
    except ServiceRequestError as exc:
        raise Offline(
            f"{action}: cannot reach Azure for {where}: {_reason(exc)}",
            hint="check the network connection, VPN or proxy settings",
        ) from exc
    except ServiceResponseError as exc:
        raise Offline(
            f"{action}: Azure did not answer in time for {where}: {_reason(exc)}",
            hint="the network or the service is slow; try again",
        ) from exc
    except _ml_exception_types() as exc:
        raise InvalidInput(f"{action} in {where}: {_ml_message(exc)}") from exc


def _ml_exception_types() -> tuple[type[BaseException], ...]:
    from azure.ai.ml.exceptions import MlException

    return (MlException,)


def _ml_message(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc).strip()


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _service_error(exc: object) -> tuple[str, str]:
    """(code, message) from an azure-core ``HttpResponseError``."""
    error = getattr(exc, "error", None)
    code = str(getattr(error, "code", "") or "")
    message = str(getattr(error, "message", "") or "")
    if not message:
        # Some SDK operations raise without parsing the body: read ARM's error from it.
        code, message = _body_error(getattr(exc, "response", None)) or (code, "")
    if not message:
        message = str(getattr(exc, "message", "") or exc).splitlines()[0]
    return code, message.strip()


def _body_error(response: object) -> tuple[str, str] | None:
    """(code, message) of an ARM error body ``{"error": {"code", "message"}}``, if any."""
    import json

    try:
        body = json.loads(response.text())  # type: ignore[union-attr]
        error = body["error"]
        return str(error.get("code") or ""), str(error.get("message") or "")
    except (AttributeError, TypeError, ValueError, KeyError):
        return None


def _auth_error(exc: object, action: str, where: str) -> AuthError:
    response = getattr(exc, "response", None)
    if response is not None:
        code, message = _service_error(exc)
        return AuthError(
            f"{action}: Azure did not accept the sign-in for {where} ({code}: {message})",
            hint=SIGN_IN_HINT,
        )
    # A credential chain lists every member it tried on its own line: keep them all.
    lines = str(getattr(exc, "message", None) or exc).splitlines()
    text = " ".join(line.strip() for line in lines if line.strip())[:700]
    if type(exc).__name__ == "AuthenticationRequiredError":
        text = "interactive sign-in required"
    if "Cache encryption is impossible" in text:
        return AuthError(
            f"{action}: the encrypted token cache is unavailable on this machine (no keyring)",
            hint="install libsecret and a keyring such as gnome-keyring, or sign in with the "
            "Azure CLI (MLOPS_DESKTOP_AZURE_CREDENTIAL=cli); tokens are never stored unencrypted",
        )
    return AuthError(f"{action}: not signed in to Azure for {where}: {text}", hint=SIGN_IN_HINT)


def _http_error(
    exc: object, action: str, where: str, identity: Callable[[], str] | None
) -> MlopsError:
    status = int(getattr(exc, "status_code", 0) or 0)
    code, message = _service_error(exc)
    if status == 401:
        return _auth_error(exc, action, where)
    if status == 403:
        return _permission_error(message, action, where, identity)
    if status == 404:
        return NotFound(f"{action}: not found in {where}: {message}")
    if status == 409:
        return Conflict(f"{action}: conflicts with the current state of {where}: {message}")
    if status in (400, 422):
        return InvalidInput(f"{action}: Azure ML refused the request for {where}: {message}")
    if status == 429:
        return Unavailable(
            f"{action}: Azure throttled the requests for {where} and retries ran out",
            hint="wait a minute and try again",
        )
    if status >= 500:
        return Unavailable(
            f"{action}: Azure ML answered HTTP {status} for {where} after retries "
            f"({code or 'error'}: {message})",
            hint="the service has a problem; try again later or check Azure status",
        )
    return MlopsError(f"{action} failed in {where}: HTTP {status} {code}: {message}")


def _permission_error(
    message: str, action: str, where: str, identity: Callable[[], str] | None
) -> PermissionDenied:
    who = (identity() if identity else "") or "the signed-in identity"
    missing = _ACTION_RE.search(message)
    scope = _SCOPE_RE.search(message)
    registry = _REGISTRY_SCOPE_RE.search(scope.group(1)) if scope else None
    if missing and registry:
        # A registry is a resource of its own: its role is granted on it, not on a workspace.
        group, name = registry.groups()
        return PermissionDenied(
            f"{action}: {who} may not do {missing.group(1)} on registry {name!r} "
            f"(resource group {group})",
            hint=f"ask an Owner of registry {name!r} to assign you the {REGISTRY_ROLE} role on "
            "it (it grants reading the registry and reading and writing its assets)",
        )
    if missing:
        text = f"{action}: {who} may not do {missing.group(1)}"
        if scope:
            text += f" on {scope.group(1)}"
        hint = (
            f"ask an Owner of {where} for a role that grants {missing.group(1)} "
            "(e.g. AzureML Data Scientist, or Reader for read-only access)"
        )
    else:
        text = f"{action}: {who} is not allowed to do this in {where}: {message}"
        hint = f"ask an Owner of {where} for access"
    return PermissionDenied(text, hint=hint)
