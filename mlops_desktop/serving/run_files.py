"""Every process of an endpoint announces itself in ``run/<pid>.json`` as the first thing it does.

The manager records a process in ``endpoint.json`` only once it has started, so a crash of the
manager in between would leave a process nobody knows of. The announcement closes that gap:
whoever holds the endpoint's lock (no launch can be under way then) stops every announced,
living process the state does not list (:meth:`EndpointManager.stop_strays`).

Imports only the stdlib and psutil: the router, the fork host's children and the supervisor
call :func:`announce`.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import psutil

from mlops_desktop.core.files import atomic_write_text
from mlops_desktop.serving.state import ProcessRecord

#: The roles a process of an endpoint has.
ROLES = ("router", "deployment", "supervisor")


@dataclass(frozen=True, slots=True)
class Announcement:
    """A process that said it belongs to the endpoint."""

    process: ProcessRecord
    role: str
    name: str
    path: Path


def announce(run_dir: Path, role: str, name: str) -> Path:
    """Write this process's announcement (pid, start time, role, name); returns its path."""
    pid = os.getpid()
    record = {"pid": pid, "started": psutil.Process(pid).create_time(), "role": role, "name": name}
    path = run_dir / f"{pid}.json"
    run_dir.mkdir(parents=True, exist_ok=True)
    # No fsync: it only has to outlive this process, not the machine.
    atomic_write_text(path, json.dumps(record), fsync=False)
    return path


def announced(run_dir: Path) -> list[Announcement]:
    """Every readable announcement under ``run_dir`` (unreadable ones are removed)."""
    found: list[Announcement] = []
    if not run_dir.is_dir():
        return found
    for path in sorted(run_dir.glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            process = ProcessRecord(int(raw["pid"]), float(raw["started"]))
            found.append(Announcement(process, str(raw["role"]), str(raw["name"]), path))
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError):
            with contextlib.suppress(OSError):
                path.unlink()
    return found
