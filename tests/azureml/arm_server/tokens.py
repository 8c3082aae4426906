"""JWT-shaped access tokens the stand-in ``az`` issues and the loopback server checks.

Tokens are signed with HS256 and a key that exists only in this test harness, so the server can
tell a token it issued (through the stand-in) from a tampered one, and check ``aud``, ``tid`` and
``exp`` the way Azure Resource Manager does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

#: Test-harness-only signing key (not a secret of anything real).
LOOPBACK_SIGNING_KEY = b"mlops-desktop-loopback-arm-test-key"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(claims: dict[str, Any], *, lifetime: int = 3600) -> str:
    """A signed JWT with ``iat``/``nbf``/``exp`` filled in unless given."""
    now = int(time.time())
    body = {"iat": now, "nbf": now - 60, "exp": now + lifetime, **claims}
    header = {"typ": "JWT", "alg": "HS256", "kid": "loopback"}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(body).encode())}"
    signature = hmac.new(LOOPBACK_SIGNING_KEY, signing_input.encode("ascii"), hashlib.sha256)
    return f"{signing_input}.{_b64(signature.digest())}"


class InvalidToken(Exception):
    """The token is malformed or its signature does not match."""


def verify_token(token: str) -> dict[str, Any]:
    """The claims of a token this harness issued; raises :class:`InvalidToken` otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("not a JWT")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    expected = hmac.new(LOOPBACK_SIGNING_KEY, signing_input, hashlib.sha256).digest()
    try:
        signature = _unb64(parts[2])
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, json.JSONDecodeError) as exc:
        raise InvalidToken(f"undecodable token: {exc}") from None
    if not hmac.compare_digest(signature, expected):
        raise InvalidToken("signature mismatch")
    if not isinstance(claims, dict):
        raise InvalidToken("claims are not an object")
    return claims
