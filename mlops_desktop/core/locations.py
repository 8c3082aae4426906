"""One canonical key per store, so two spellings of one store compare equal.

Two workspace entries on one store (the same SQLite file, tracking server or Azure ML
workspace) would let a promotion into one of them move the other's aliases without its policy,
so the configuration refuses them and promotion locks are keyed by the store, not the name.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432, "mysql": 3306, "mssql": 1433}


def _real_path(text: str) -> str:
    """Absolute path with symlinks resolved and ``~`` expanded (relative: to the cwd)."""
    path = Path(unquote(text)).expanduser()
    return os.path.normcase(os.path.realpath(path))


def _host(host: str) -> str:
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return "localhost"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return "localhost"  # 127.0.0.1, ::1 and localhost reach one server here
    except ValueError:
        pass
    return host


def store_key_of_uri(uri: str) -> str:
    """Canonical key of an MLflow tracking/registry URI.

    ``sqlite:///rel.db`` and ``sqlite:////abs/rel.db`` (SQLAlchemy: three slashes then a
    relative path, four for an absolute one) name the same file when the cwd says so;
    symlinks, ``..``, host case, default ports, credentials and trailing slashes do not matter.
    """
    uri = uri.strip()
    scheme, _, rest = uri.partition(":")
    base = scheme.lower().split("+", 1)[0]
    if base == "sqlite":
        path = rest.removeprefix("//").split("?", 1)[0]
        # SQLAlchemy: after "sqlite://" one "/" separates the (empty) host from the path.
        path = path[1:] if path.startswith("/") else path
        return f"sqlite:{_real_path(path)}" if path else "sqlite::memory:"
    if base == "file":
        parts = urlsplit(uri)
        if parts.netloc and parts.netloc.lower() != "localhost":
            return f"file://{parts.netloc.lower()}{parts.path}"
        return f"file:{_real_path(parts.path)}"
    parts = urlsplit(uri)
    if not parts.netloc:
        return f"{base}:{rest.rstrip('/')}"
    try:
        port = parts.port
    except ValueError:
        port = None
    port = port or _DEFAULT_PORTS.get(base)
    host = _host(parts.hostname or "")
    netloc = f"{host}:{port}" if port else host
    return f"{base}://{netloc}{parts.path.rstrip('/')}"


def azure_workspace_key(subscription_id: str, resource_group: str, workspace_name: str) -> str:
    """Canonical key of an Azure ML workspace (ARM ids are case-insensitive)."""
    sub = subscription_id.strip().strip("{}").lower()
    return (
        f"azureml:/subscriptions/{sub}/resourcegroups/{resource_group.strip().lower()}"
        f"/workspaces/{workspace_name.strip().lower()}"
    )
