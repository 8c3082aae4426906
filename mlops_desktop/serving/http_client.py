"""Tiny HTTP client for 127.0.0.1 (stdlib, always with a timeout)."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlops_desktop.serving.entities import LOCALHOST


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """Status, lower-cased headers and body of one answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> HttpResponse:
    """One request to ``127.0.0.1:port``; raises OSError when it cannot connect or times out."""
    connection = http.client.HTTPConnection(LOCALHOST, port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        data = response.read()
        return HttpResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    except http.client.HTTPException as exc:  # timeouts are OSErrors already
        raise OSError(f"{method} {path} on port {port}: {exc}") from exc
    finally:
        connection.close()


def answers(port: int | None, path: str = "/ping", timeout: float = 1.0) -> bool:
    """True when ``GET path`` on the port answers 200 in time."""
    if not port:
        return False
    try:
        return request(port, "GET", path, timeout=timeout).status == 200
    except OSError:
        return False


def port_is_free(port: int) -> bool:
    """True when nothing listens on ``127.0.0.1:port`` (so a router can bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((LOCALHOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])
