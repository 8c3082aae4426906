"""Crash-safe, private file primitives shared by every store of ours: atomic writes, file
locks, and the rule that what the app writes is the person's alone (0600 files, 0700 folders)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: umask of the app's processes: new files 0600, new folders 0700 (children inherit it).
PRIVATE_UMASK = 0o077
#: The person's own umask from before :func:`keep_files_private` (None: never called).
_person_umask: int | None = None


def keep_files_private(*folders: Path) -> None:
    """From now on, files and folders this process and its children create are readable by
    the person only; existing ``folders`` (the app's home) are tightened to 0700 as well.

    Called once at start by the entry points: journals, logs, the job store, collected
    requests, compute samples, local MLflow stores and the configuration all follow it.
    """
    global _person_umask
    previous = os.umask(PRIVATE_UMASK)
    if _person_umask is None:
        _person_umask = previous
    for folder in folders:
        with contextlib.suppress(OSError):
            if folder.is_dir() and not folder.is_symlink():
                folder.chmod(0o700)


def hand_over(path: Path) -> Path:
    """Give a file the person asked for outside the app's home (an exported report, a CI
    workflow) the mode their own umask would have given it, not the app's private 0600."""
    if _person_umask is not None:
        with contextlib.suppress(OSError):
            path.chmod(0o666 & ~_person_umask)
    return path


def create_private_file(path: Path) -> Path:
    """Make sure ``path`` exists and is 0600 (whatever the umask) before a library writes it.

    SQLite gives its journal and WAL files the database file's mode, so one call covers them.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)
    return path


def atomic_write_bytes(path: Path, data: bytes, *, fsync: bool = True) -> Path:
    """Replace ``path`` with ``data`` so a crash leaves the old file or the new, never half.

    The bytes go to a temporary file in the same folder (0600, as :func:`tempfile.mkstemp`
    makes it), are fsynced (unless ``fsync`` is False, for caches), and are renamed over
    ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str, *, fsync: bool = True) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(path, text.encode("utf-8"), fsync=fsync)


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if missing) for the block.

    Other processes asking for the same lock wait; the lock goes with the process.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
            try:
                yield
            finally:
                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class ProcessLock:
    """An exclusive advisory lock on ``path`` that is never waited for: :meth:`acquire` says at
    once whether this process got it. Held until :meth:`release` or the process ends.

    The holder writes its pid into the file, so others can say who holds it
    (:meth:`owner_pid`). Two ``ProcessLock`` objects on one path exclude each other even in
    one process (each opens the file anew).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._fh is not None

    def acquire(self) -> bool:
        """Take the lock if free (True); False at once when another holder has it."""
        if self._fh is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+b")  # noqa: SIM115 - kept open while the lock is held
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        # Byte 0 is the locked byte (Windows); the pid follows it so others can read it.
        fh.seek(0)
        fh.truncate()
        fh.write(f" {os.getpid()}\n".encode())
        fh.flush()
        self._fh = fh
        return True

    def release(self) -> None:
        """Give the lock up (nothing when not held)."""
        fh, self._fh = self._fh, None
        if fh is None:
            return
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows
                import msvcrt

                fh.seek(0)
                msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        finally:
            fh.close()

    def owner_pid(self) -> int | None:
        """The pid the last holder wrote (it may have ended since); None when unknown."""
        try:
            with open(self.path, "rb") as fh:
                fh.seek(1)
                return int(fh.read(32).strip() or b"0") or None
        except (OSError, ValueError):
            return None

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
