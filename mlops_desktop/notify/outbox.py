"""Events that have no record of their own (an endpoint found unhealthy), kept for the dispatcher.

One JSON event per line in ``data_dir()/notifications/outbox.jsonl``, appended with one write
(as the decision log), so the GUI and a system timer may add events at once.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from mlops_desktop.core import paths
from mlops_desktop.core.notify_settings import EventKind, Severity
from mlops_desktop.notify.events import NotifyEvent, now_iso


def outbox_path() -> Path:
    """Where events without a record of their own wait."""
    return paths.data_dir() / "notifications" / "outbox.jsonl"


class Outbox:
    """The append-only outbox."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or outbox_path()

    def append(self, event: NotifyEvent) -> None:
        """Add one event (one line, one write, fsynced)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(event.to_json(), sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[NotifyEvent]:
        """Every readable event, oldest first (a line torn by a crash is skipped)."""
        events: list[NotifyEvent] = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return events
        for line in lines:
            try:
                events.append(NotifyEvent.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError):
                continue
        return events


def record_endpoint_unhealthy(
    workspace: str, endpoint: str, what: str, outbox: Outbox | None = None
) -> NotifyEvent:
    """Put "endpoint ``endpoint`` of ``workspace`` is unhealthy: ``what``" in the outbox."""
    stamp = now_iso()
    digest = hashlib.sha256(f"{workspace}\0{endpoint}\0{what}\0{stamp}".encode()).hexdigest()
    event = NotifyEvent(
        id=f"outbox:{digest[:32]}",
        kind=EventKind.ENDPOINT_UNHEALTHY,
        severity=Severity.ERROR,
        title="Endpoint unhealthy",
        message=f"Endpoint {endpoint} in {workspace}: {what}",
        time=stamp,
        workspace=workspace,
        page="endpoints",
        details={"endpoint": endpoint},
    )
    (outbox or Outbox()).append(event)
    return event
