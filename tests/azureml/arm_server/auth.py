"""Token and RBAC checks as Azure Resource Manager makes them."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from .responses import Response, arm_error
from .tokens import InvalidToken, verify_token


def authenticate(
    header: str, *, tenant: str, base_url: str
) -> tuple[dict[str, Any] | None, Response]:
    """(claims, OK) for a valid bearer token, else (None, 401 with ARM's error and challenge)."""

    def unauthorized(code: str, message: str) -> tuple[None, Response]:
        challenge = (
            f'Bearer authorization_uri="{base_url}/{tenant}", error="invalid_token", '
            f'error_description="{message}"'
        )
        return None, Response(401, arm_error(code, message), {"WWW-Authenticate": challenge})

    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return unauthorized(
            "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
        )
    try:
        claims = verify_token(token.strip())
    except InvalidToken:
        return unauthorized("InvalidAuthenticationToken", "The access token is invalid.")
    if str(claims.get("aud", "")).rstrip("/") != base_url:
        return unauthorized(
            "InvalidAuthenticationTokenAudience",
            f"The access token has been obtained for wrong audience or resource "
            f"'{claims.get('aud')}'. It should exactly match with one of the allowed audiences "
            f"'{base_url}/'.",
        )
    if claims.get("tid") != tenant:
        return unauthorized(
            "InvalidAuthenticationTokenTenant",
            f"The access token is from the wrong issuer '{claims.get('iss')}'. It must match the "
            f"tenant '{tenant}' associated with this subscription.",
        )
    expires = float(claims.get("exp", 0))
    if expires <= time.time():
        stamp = "%m/%d/%Y %I:%M:%S %p"
        return unauthorized(
            "ExpiredAuthenticationToken",
            f"The access token expiry UTC time "
            f"'{dt.datetime.fromtimestamp(expires, dt.UTC):{stamp}}' is earlier than current UTC "
            f"time '{dt.datetime.now(dt.UTC):{stamp}}'.",
        )
    return claims, Response(200)


def principal_name(claims: dict[str, Any]) -> str:
    """How ARM names the caller in messages: UPN, else application id, else object id."""
    return str(claims.get("upn") or claims.get("appid") or claims.get("oid") or "")


def forbidden(claims: dict[str, Any], action: str, scope: str) -> Response:
    """ARM's 403 ``AuthorizationFailed``, naming the action and scope."""
    return Response(
        403,
        arm_error(
            "AuthorizationFailed",
            f"The client '{principal_name(claims)}' with object id '{claims.get('oid')}' does not "
            f"have authorization to perform action '{action}' over scope '{scope}' or the scope "
            "is invalid. If access was recently granted, please refresh your credentials.",
        ),
    )
