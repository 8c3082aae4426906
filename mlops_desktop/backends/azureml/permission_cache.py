"""The signed-in identity's effective permissions, read once per workspace and session.

Every page and command opens its own backend (``MLClient`` is not shared between threads), and
each wanted the same ``Microsoft.Authorization/permissions`` answer: about five identical ARM
reads per workspace when the window starts. This process-wide cache keeps one answer per
(ARM endpoint, workspace, identity). A different identity (another ``az login``, a sign-in in
the app) is another key, so its permissions are read afresh; :func:`invalidate` (sign-in,
Refresh, ``permissions(refresh=True)``) forgets what was read. Concurrent readers of one key
wait for the first read instead of sending their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

Key = tuple[str, str, str]

_lock = threading.Lock()
_entries: dict[Key, object] = {}
_key_locks: dict[Key, threading.Lock] = {}


def cache_key(resource_manager: str, workspace_arm_id: str, identity: str) -> Key:
    """The key of one identity's permissions on one workspace (case-insensitive ids)."""
    return (resource_manager.rstrip("/").lower(), workspace_arm_id.lower(), identity)


def cached(key: Key, read: Callable[[], T], *, refresh: bool = False) -> T:
    """The cached value of ``key``, else ``read()`` (kept only when it returns)."""
    with _lock:
        key_lock = _key_locks.setdefault(key, threading.Lock())
    with key_lock:
        if not refresh:
            with _lock:
                if key in _entries:
                    return _entries[key]  # type: ignore[return-value]
        value = read()
        with _lock:
            _entries[key] = value
        return value


def invalidate(workspace_arm_id: str | None = None) -> None:
    """Forget the permissions of one workspace (every identity), or of all workspaces."""
    with _lock:
        for key in list(_entries):
            if workspace_arm_id is None or key[1] == workspace_arm_id.lower():
                del _entries[key]
