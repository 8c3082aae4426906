"""Translate MLflow and transport exceptions into core errors a person can act on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

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


@contextlib.contextmanager
def translated_errors(workspace: WorkspaceConfig, action: str) -> Iterator[None]:
    """Run a block, re-raising MLflow failures as core errors naming workspace and action."""
    from mlflow.exceptions import MlflowException

    where = f"workspace {workspace.name!r} ({workspace.location})"
    try:
        yield
    except MlopsError:
        raise
    except MlflowException as exc:
        code = str(getattr(exc, "error_code", ""))
        text = str(exc.message if hasattr(exc, "message") else exc)
        # A missing alias comes back as INVALID_PARAMETER_VALUE "... not found".
        if code == "RESOURCE_DOES_NOT_EXIST" or text.rstrip(".").endswith("not found"):
            raise NotFound(f"{action}: not found in {where}: {text}") from exc
        if code == "RESOURCE_ALREADY_EXISTS":
            raise Conflict(f"{action}: already exists in {where}: {text}") from exc
        if code == "PERMISSION_DENIED":
            raise PermissionDenied(
                f"{action}: permission denied in {where}",
                hint="ask the server's admin for EDIT or MANAGE permission",
            ) from exc
        if code == "UNAUTHENTICATED" or "401" in text[:200]:
            raise AuthError(
                f"{action}: {where} needs credentials",
                hint="set MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD or a token",
            ) from exc
        if code == "INVALID_PARAMETER_VALUE" and "API request" not in text:
            raise InvalidInput(f"{action}: {text}") from exc
        if "API request" in text or "Max retries" in text or "Connection" in text:
            raise Unavailable(
                f"{action}: cannot reach {where}",
                hint="check that the tracking server is running and the URI is right",
            ) from exc
        raise MlopsError(f"{action} failed in {where}: {text}") from exc
    except OSError as exc:
        raise Unavailable(f"{action}: cannot reach {where}: {exc}") from exc
