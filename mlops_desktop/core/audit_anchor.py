"""The audit log's anchor in the config dir, kept apart from the log in the data dir.

Someone able to write the data dir can cut, rewrite or delete the log *and* the head file beside
it. The anchor (``<config dir>/audit-anchors/<key>.json``, one per log path, 0600 in a 0700
folder) remembers what the writer last wrote: ``seq`` and ``hash`` of the last record, that
records were ever written, and — written *before* each append — the exact line about to be
appended (``pending``), so a crash between writing the log and the anchor is told apart from a
forged tail, and a line torn by a crash from a truncation.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.files import atomic_write_text

ANCHOR_DIR_NAME = "audit-anchors"


def ensure_private_dir(directory: Path) -> Path:
    """Create ``directory`` (and parents) and make it readable by its owner only (0700)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if sys.platform != "win32":
        os.chmod(directory, 0o700)
    return directory


def default_anchor_path(log_path: Path) -> Path:
    """Where the anchor of the log at ``log_path`` lives (keyed by its absolute path)."""
    key = hashlib.sha256(str(log_path.resolve()).encode("utf-8")).hexdigest()[:16]
    return paths.config_dir() / ANCHOR_DIR_NAME / f"{key}.json"


@dataclass(slots=True)
class AuditAnchor:
    """What the writer of one audit log last wrote."""

    log: str
    seq: int = 0
    hash: str = ""
    #: True once any record was appended: an empty or missing log is then not intact.
    records_written: bool = False
    #: The line being appended (``seq``, ``hash``, ``line``) until the append finished.
    pending: dict[str, Any] | None = None
    #: Records written to the quarantine log since the last re-anchoring.
    quarantined: int = 0
    #: Torn lines of interrupted appends that a later append replaced (time, seq, bytes).
    interrupted_writes: list[dict[str, Any]] = field(default_factory=list)

    def pending_line(self) -> bytes | None:
        """The line of the unfinished append, without its newline (None when there is none)."""
        if not self.pending or not isinstance(self.pending.get("line"), str):
            return None
        return self.pending["line"].encode("utf-8")

    def describe(self) -> str:
        """``record 4 (3f2a9c0d1e2b…)`` or ``no records written``."""
        if not self.records_written:
            return "no records written"
        return f"record {self.seq} ({self.hash[:12]}…), records written"


class AnchorUnreadable(ValueError):
    """The anchor file exists but is not an anchor (it was edited or damaged)."""


def read_anchor(path: Path) -> AuditAnchor | None:
    """The anchor at ``path``; None when there is none; :class:`AnchorUnreadable` when bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorUnreadable(f"cannot be read ({exc})") from None
    try:
        raw = json.loads(text)
        anchor = AuditAnchor(
            log=str(raw["log"]),
            seq=int(raw["seq"]),
            hash=str(raw["hash"]),
            records_written=bool(raw["records_written"]),
            pending=dict(raw["pending"]) if raw.get("pending") else None,
            quarantined=int(raw.get("quarantined", 0)),
            interrupted_writes=list(raw.get("interrupted_writes") or []),
        )
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AnchorUnreadable(f"is not an audit anchor ({type(exc).__name__}: {exc})") from None
    if anchor.seq < 0 or (anchor.records_written and anchor.seq < 1):
        raise AnchorUnreadable(f"names an impossible record {anchor.seq}")
    return anchor


def write_anchor(path: Path, anchor: AuditAnchor) -> None:
    """Replace the anchor atomically (fsynced; the temporary file is created 0600)."""
    ensure_private_dir(path.parent)
    atomic_write_text(path, json.dumps(asdict(anchor), sort_keys=True, indent=1))
