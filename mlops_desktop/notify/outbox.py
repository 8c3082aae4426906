"""Events that have no record of their own (an endpoint found unhealthy), kept for the dispatcher.

One JSON event per line in ``data_dir()/notifications/outbox.jsonl``, appended with one write
(as the decision log), so the GUI and a system timer may add events at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.notify_kinds import EventKind, Severity
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
    workspace: str, endpoint: str, what: str, outbox: Outbox | None = None, *, once_per: str = ""
) -> NotifyEvent | None:
    """Put "endpoint ``endpoint`` of ``workspace`` is unhealthy: ``what``" in the outbox.

    ``once_per`` (e.g. today's date) makes the id repeatable: the same finding is put in once
    per value (a failure the watchdog sees every 30 s is one event a day); None when it was.
    """
    outbox = outbox or Outbox()
    stamp = now_iso()
    salt = once_per or stamp
    digest = hashlib.sha256(f"{workspace}\0{endpoint}\0{what}\0{salt}".encode()).hexdigest()
    if once_per and any(e.id == f"outbox:{digest[:32]}" for e in outbox.read()[-500:]):
        return None
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
    outbox.append(event)
    return event


_ENDPOINT = re.compile(r"\bendpoint ([A-Za-z0-9._-]*[A-Za-z0-9])")


def record_heal_reports(reports: Iterable[Any], outbox: Outbox | None = None) -> int:
    """Outbox events of what the endpoint watchdog (``serving.heal``) found: each restart is an
    event; each failure to restart one a day. Returns how many were put in."""
    outbox = outbox or Outbox()
    today = now_iso()[:10]
    count = 0
    for report in reports:
        for line, once in [(r, "") for r in report.restarted] + [
            (f"could not restart: {f}", today) for f in report.failures
        ]:
            match = _ENDPOINT.search(line)
            endpoint = match.group(1) if match else ""
            if record_endpoint_unhealthy(report.workspace, endpoint, line, outbox, once_per=once):
                count += 1
    return count
