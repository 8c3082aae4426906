"""Responses, and error bodies as Azure Resource Manager and the Azure ML service send them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    """What the server answers: status, JSON body, extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def arm_error(code: str, message: str) -> dict[str, Any]:
    """ARM's own error envelope (auth, RBAC, missing resource groups, unknown types)."""
    return {"error": {"code": code, "message": message}}


def mfe_error(
    code: str, message: str, *, inner: str | None = None, location: str = ""
) -> dict[str, Any]:
    """The Azure ML service's error envelope (UserError/SystemError with an inner code)."""
    return {
        "error": {
            "code": code,
            "severity": None,
            "message": message,
            "messageFormat": None,
            "messageParameters": None,
            "referenceCode": None,
            "detailsUri": None,
            "target": None,
            "details": [],
            "innerError": {"code": inner, "innerError": None} if inner else None,
            "debugInfo": None,
            "additionalInfo": None,
        },
        "correlation": {"operation": uuid.uuid4().hex, "request": uuid.uuid4().hex[:16]},
        "environment": location,
        "location": location,
        "time": dt.datetime.now(dt.UTC).isoformat(),
        "componentName": "mfe",
    }


def user_error(message: str, *, inner: str, location: str = "") -> Response:
    """A 400 or 404 ``UserError`` from the Azure ML service."""
    status = 404 if inner == "NotFound" else 400
    return Response(status, mfe_error("UserError", message, inner=inner, location=location))


def system_data(now: str, who: str) -> dict[str, str]:
    """ARM ``systemData`` of a resource ``who`` created (and last modified) at ``now``."""
    return {
        "createdAt": now,
        "createdBy": who,
        "createdByType": "User",
        "lastModifiedAt": now,
        "lastModifiedBy": who,
        "lastModifiedByType": "User",
    }
