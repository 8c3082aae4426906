"""Read what happened since the stored cursor and send each event once to each target.

Sources: the audit log (records after the cursor's ``seq``), the retraining decision log (lines
after the cursor's count), failed retraining jobs (ids not seen yet) and the outbox. The GUI's
periodic service, ``notify send-pending`` and the CLI commands that record events
(``promote``, ``rollback``, ``approvals``, ``retrain check``) all call
:meth:`Dispatcher.send_pending`; an exclusive file lock lets one run at a time, and the delivery log
(``data_dir()/notifications/deliveries.jsonl``) is the ledger that keeps an event from being
sent twice to a target — even when the cursor is lost or two app instances race.

A target added with ``notify targets add`` or the Settings dialog gets what happens from then
on (:meth:`Dispatcher.mark_present`). A home that never dispatched and has no such record
(settings written by hand, a CI runner's fresh home) sends on its first run only events of the
last :data:`FIRST_RUN_LOOKBACK` (a CI job's own promotion), never the whole history. A failed
delivery is retried by the next :data:`RETRY_ROUNDS` runs, then given up (logged).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.files import atomic_write_text, exclusive_lock
from mlops_desktop.core.notify_settings import NotificationSettings, NotifyTarget
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.notify.delivery import DeliveryResult, Sleep, deliver
from mlops_desktop.notify.events import (
    NotifyEvent,
    event_from_audit,
    event_from_job,
    events_from_decisions,
)
from mlops_desktop.notify.outbox import Outbox
from mlops_desktop.retraining.decisions import DecisionLog
from mlops_desktop.retraining.job_store import JobStore
from mlops_desktop.retraining.jobs import JobStatus

FIRST_RUN_LOOKBACK = timedelta(minutes=10)
RETRY_ROUNDS = 5
#: How many failed jobs' ids the cursor remembers.
_JOB_MEMORY = 500


def notifications_dir() -> Path:
    """Where the cursor, the lock and the delivery log live."""
    return paths.data_dir() / "notifications"


@dataclass(frozen=True)
class Delivery:
    """One line of the delivery log."""

    time: str
    event: str
    kind: str
    target: str
    status: str  # "sent", "failed" (retried later) or "gave-up"
    attempts: int
    reply: str
    error: str = ""
    title: str = ""

    def to_json(self) -> dict[str, Any]:
        """The line as written."""
        return dict(self.__dict__)


class DeliveryLog:
    """The append-only JSONL delivery log: what was sent where, and what failed, and why."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or notifications_dir() / "deliveries.jsonl"

    def append(self, delivery: Delivery) -> None:
        """Add one line (one write, fsynced)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(delivery.to_json(), sort_keys=True) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self, limit: int | None = None) -> list[Delivery]:
        """Deliveries, oldest first (the last ``limit`` when given)."""
        found: list[Delivery] = []
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return found
        for line in lines:
            try:
                found.append(Delivery(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a line torn by a crash
        return found[-limit:] if limit else found

    def settled(self) -> set[tuple[str, str]]:
        """``(event id, target)`` pairs sent or given up: never sent again."""
        return {(d.event, d.target) for d in self.read() if d.status in ("sent", "gave-up")}


@dataclass
class DispatchReport:
    """What one run did."""

    events: int = 0
    sent: list[Delivery] = field(default_factory=list)
    failed: list[Delivery] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no delivery failed."""
        return not self.failed


def _parse_time(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class Dispatcher:
    """One dispatcher per process is enough; any number may run (they take turns)."""

    def __init__(
        self,
        settings: NotificationSettings,
        *,
        audit: AuditLog | None = None,
        decisions: DecisionLog | None = None,
        jobs: JobStore | None = None,
        outbox: Outbox | None = None,
        state_dir: Path | None = None,
        sleep: Sleep = time.sleep,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.audit = audit or AuditLog()
        self.decisions = decisions or DecisionLog()
        self.jobs = jobs
        self.outbox = outbox or Outbox()
        directory = state_dir or notifications_dir()
        self.cursor_path = directory / "dispatch.json"
        self.lock_path = directory / "dispatch.lock"
        self.log = DeliveryLog(directory / "deliveries.jsonl")
        self._sleep = sleep
        self._environ = dict(environ) if environ is not None else None

    # -- the cursor ---------------------------------------------------------------------------

    def _read_cursor(self) -> dict[str, Any] | None:
        try:
            raw = json.loads(self.cursor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return raw if isinstance(raw, dict) else None

    def _write_cursor(self, cursor: dict[str, Any]) -> None:
        atomic_write_text(self.cursor_path, json.dumps(cursor, sort_keys=True))

    def mark_present(self, names: list[str] | None = None) -> None:
        """Targets ``names`` (default: every target of the settings) start now: events from
        before are never sent to them. A target that started already keeps its time."""
        names = [t.name for t in self.settings.targets] if names is None else names
        with exclusive_lock(self.lock_path):
            cursor = self._read_cursor() or {}
            since = dict(cursor.get("since", {}))
            stamp = datetime.now(UTC).isoformat(timespec="microseconds")
            for name in names:
                since.setdefault(name, stamp)
            cursor["since"] = since
            self._write_cursor(cursor)

    # -- collecting ---------------------------------------------------------------------------

    def _collect(self, cursor: dict[str, Any]) -> list[NotifyEvent]:
        """New events since ``cursor`` (which is moved to the present)."""
        events: list[NotifyEvent] = []
        last_seq = int(cursor.get("audit_seq", 0))
        newest = last_seq
        records = self.audit.records()
        if records and records[-1].seq < last_seq:
            last_seq = 0  # the log was replaced: the ledger keeps old events from going out again
        for record in records:
            if record.seq > last_seq:
                newest = max(newest, record.seq)
                event = event_from_audit(record)
                if event is not None:
                    events.append(event)
        cursor["audit_seq"] = newest if records else 0
        decisions = self.decisions.read()
        done = int(cursor.get("decisions", 0))
        if done > len(decisions):
            done = 0
        new_ids = {d.id for d in decisions[done:]}
        events += [e for e in events_from_decisions(decisions) if e.details["decision"] in new_ids]
        cursor["decisions"] = len(decisions)
        seen_jobs: list[str] = list(cursor.get("failed_jobs", []))
        jobs = self.jobs if self.jobs is not None else JobStore()
        for job in reversed(jobs.list(statuses=(JobStatus.FAILED,), limit=200)):
            if job.id in seen_jobs:
                continue
            seen_jobs.append(job.id)
            event = event_from_job(job)
            if event is not None:
                events.append(event)
        cursor["failed_jobs"] = seen_jobs[-_JOB_MEMORY:]
        queued = self.outbox.read()
        done = int(cursor.get("outbox", 0))
        events += queued[done if done <= len(queued) else 0 :]
        cursor["outbox"] = len(queued)
        return events

    # -- sending ------------------------------------------------------------------------------

    def send_pending(self, ctx: TaskContext | None = None) -> DispatchReport:
        """Send every new event to every target that wants it; see the module docstring."""
        ctx = ctx or TaskContext()
        report = DispatchReport()
        with exclusive_lock(self.lock_path):
            cursor = self._read_cursor()
            first = cursor is None
            cursor = cursor or {}
            events = self._collect(cursor)
            if first:
                since = datetime.now(UTC) - FIRST_RUN_LOOKBACK
                events = [e for e in events if (_parse_time(e.time) or since) > since]
            retries: dict[str, dict[str, Any]] = dict(cursor.get("retry", {}))
            by_id = {e.id: e for e in events}
            for raw in retries.values():
                event = NotifyEvent.from_json(raw["event"])
                by_id.setdefault(event.id, event)
            targets = self.settings.targets if self.settings.enabled else ()
            settled = self.log.settled()
            since = {
                name: _parse_time(text) for name, text in dict(cursor.get("since", {})).items()
            }
            report.events = len(by_id)
            next_retries: dict[str, dict[str, Any]] = {}
            for event in by_id.values():
                for target in targets:
                    ctx.check()
                    if not target.wants(event.kind, event.severity):
                        continue
                    if (event.id, target.name) in settled:
                        continue  # another run sent it already
                    started = since.get(target.name)
                    when = _parse_time(event.time)
                    if started is not None and when is not None and when < started:
                        continue  # it happened before the target was added
                    key = f"{event.id}\0{target.name}"
                    rounds = int(retries.get(key, {}).get("rounds", 0)) + 1
                    delivery = self._send(event, target, rounds, ctx)
                    if delivery.status == "sent":
                        report.sent.append(delivery)
                    else:
                        report.failed.append(delivery)
                        if delivery.status == "failed":
                            next_retries[key] = {"event": event.to_json(), "rounds": rounds}
            cursor["retry"] = next_retries
            self._write_cursor(cursor)
        return report

    def _send(
        self, event: NotifyEvent, target: NotifyTarget, rounds: int, ctx: TaskContext
    ) -> Delivery:
        result: DeliveryResult = deliver(
            event, target, ctx=ctx, sleep=self._sleep, environ=self._environ
        )
        status = "sent" if result.ok else ("gave-up" if rounds >= RETRY_ROUNDS else "failed")
        delivery = Delivery(
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            event=event.id,
            kind=event.kind.value,
            target=target.name,
            status=status,
            attempts=result.attempts,
            reply=result.reply,
            error=result.error,
            title=event.title,
        )
        self.log.append(delivery)
        return delivery


def send_test(
    target: NotifyTarget,
    *,
    ctx: TaskContext | None = None,
    sleep: Sleep = time.sleep,
    environ: Mapping[str, str] | None = None,
    on_attempt: Callable[[int, str], Any] | None = None,
) -> DeliveryResult:
    """Send the test message to ``target`` (the delivery log records it too)."""
    from mlops_desktop.notify.events import trial_event

    event = trial_event(target.name)
    result = deliver(
        event,
        target,
        ctx=ctx,
        sleep=sleep,
        environ=dict(environ) if environ is not None else None,
        on_attempt=on_attempt,
    )
    DeliveryLog().append(
        Delivery(
            time=datetime.now(UTC).isoformat(timespec="seconds"),
            event=event.id,
            kind="test",
            target=target.name,
            status="sent" if result.ok else "gave-up",
            attempts=result.attempts,
            reply=result.reply,
            error=result.error,
            title=event.title,
        )
    )
    return result
