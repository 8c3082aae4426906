"""One operation at a time per target: a non-blocking file lock held for the whole operation.

A target is a registered model name in a *store* (:attr:`WorkspaceConfig.registry_store_key`),
not in a workspace name, so two spellings of one store can never run side by side.
The operating system releases the lock when its holder dies, so recovery takes the lock of a
journaled operation to learn that nobody is still running it (a live holder makes it skip).
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mlops_desktop.core import paths
from mlops_desktop.core.errors import Conflict


def lock_path(store_key: str, registered_name: str) -> Path:
    """The lock file of a target (store key + registered model name)."""
    digest = hashlib.sha256(f"{store_key}\0{registered_name}".encode()).hexdigest()[:32]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in registered_name)[:60]
    return paths.data_dir() / "promotions" / "locks" / f"{safe}-{digest}.lock"


@contextlib.contextmanager
def target_lock(store_key: str, registered_name: str, *, label: str = "") -> Iterator[None]:
    """Hold the target's lock for the block; Conflict when another operation holds it.

    ``store_key`` is the target workspace's :attr:`registry_store_key`; ``label`` (the
    workspace name) is for the message only.
    """
    path = lock_path(store_key, registered_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        if not _try_lock(fh):
            where = f" in workspace {label!r}" if label else ""
            raise Conflict(
                f"another promotion or rollback of {registered_name!r}{where} is running",
                hint="wait for it to finish, then try again",
            )
        try:
            yield
        finally:
            _unlock(fh)


def _try_lock(fh: BinaryIO) -> bool:
    fileno = fh.fileno()
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        try:
            msvcrt.locking(fileno, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fileno, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fh: BinaryIO) -> None:
    fileno = fh.fileno()
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fileno, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fileno, fcntl.LOCK_UN)
