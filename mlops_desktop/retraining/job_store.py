"""Job records in SQLite (``data_dir()/jobs/jobs.db``), shared by the app, the CLI and the
supervisor processes.

Each row holds the job's JSON plus the columns queries need (status, policy, created time).
Every change is a read-modify-write inside ``BEGIN IMMEDIATE``, so concurrent writers (a
supervisor recording its child's pid while the app records the supervisor's) never lose each
other's fields. WAL mode lets readers go on while one process writes. Stdlib only: the
supervisor imports this.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

from mlops_desktop.core import paths
from mlops_desktop.core.errors import NotFound
from mlops_desktop.core.files import create_private_file, exclusive_lock
from mlops_desktop.core.sqlite import immediate_transaction
from mlops_desktop.retraining.jobs import Job, JobStatus

#: ``PRAGMA user_version`` of the schema this module writes.
SCHEMA_VERSION = 1
_ACTIVE = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)
_ID_CHARS = re.compile(r"[0-9a-f-]{4,}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    policy TEXT,
    workspace TEXT NOT NULL,
    created_at TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status);
CREATE INDEX IF NOT EXISTS jobs_policy ON jobs (policy, created_at);
"""


def jobs_dir() -> Path:
    """Where job records and each job's folder (``<id>/job.log``) live."""
    return paths.data_dir() / "jobs"


class JobStore:
    """The job table. Cheap to create; each call opens its own short connection."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or jobs_dir() / "jobs.db"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Switching to WAL needs an exclusive lock that SQLite does not wait for (no busy
        # handler), so two processes opening a new store at once could fail "database is
        # locked". A file lock serialises set-up; once in WAL mode nobody switches again.
        init_lock = self.path.with_name(self.path.name + ".init.lock")
        with exclusive_lock(init_lock), self._connect() as conn:
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def job_dir(self, job_id: str) -> Path:
        """The folder of one job (beside the database): its log and its outcome file."""
        return self.path.parent / job_id

    def log_path(self, job_id: str) -> Path:
        """The job's live log: the process's stdout and stderr plus the supervisor's notes."""
        return self.job_dir(job_id) / "job.log"

    def outcome_path(self, job_id: str) -> Path:
        """The file the supervisor writes the exit status to before it updates the record."""
        return self.job_dir(job_id) / "outcome.json"

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        create_private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): one writer at a time, all or nothing."""
        with self._connect() as conn, immediate_transaction(conn):
            yield conn

    @staticmethod
    def _row(job: Job) -> tuple[str, str, str | None, str, str, str]:
        record = json.dumps(job.to_json(), sort_keys=True)
        return (job.id, job.status.value, job.policy, job.workspace, job.created_at, record)

    @staticmethod
    def write(conn: sqlite3.Connection, job: Job) -> None:
        """Insert or replace ``job`` inside an open transaction."""
        conn.execute(
            "INSERT OR REPLACE INTO jobs (id, status, policy, workspace, created_at, record) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            JobStore._row(job),
        )

    @staticmethod
    def read(conn: sqlite3.Connection, job_id: str) -> Job:
        """One job inside an open connection; NotFound names the id."""
        row = conn.execute("SELECT record FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no job {job_id!r}", hint="see `mlops-desktop jobs list`")
        return Job.from_json(json.loads(row[0]))

    def insert(self, job: Job) -> Job:
        """Store a new job."""
        with self.transaction() as conn:
            self.write(conn, job)
        return job

    def get(self, job_id: str) -> Job:
        """One job by id (a unique prefix of the id is enough)."""
        # Ids are digits, hex and dashes, so a LIKE prefix needs no escaping.
        prefix = job_id if _ID_CHARS.fullmatch(job_id) else None
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT record FROM jobs WHERE id = ? OR id LIKE ? ORDER BY id LIMIT 3",
                (job_id, f"{prefix}%" if prefix else job_id),
            ).fetchall()
        records = [Job.from_json(json.loads(r[0])) for r in rows]
        exact = [j for j in records if j.id == job_id]
        if exact:
            return exact[0]
        if len(records) == 1:
            return records[0]
        if not records:
            raise NotFound(f"no job {job_id!r}", hint="see `mlops-desktop jobs list`")
        raise NotFound(f"job id {job_id!r} is ambiguous", hint="give more of the id")

    def update(self, job_id: str, change: Callable[[Job], Job]) -> Job:
        """Apply ``change`` to the current record atomically; returns the new record."""
        with self.transaction() as conn:
            job = change(self.read(conn, job_id))
            self.write(conn, job)
        return job

    def list(
        self,
        *,
        statuses: tuple[JobStatus, ...] = (),
        policy: str | None = None,
        workspace: str | None = None,
        experiment: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Job]:
        """Jobs, newest first, optionally filtered; ``offset``/``limit`` page through them."""
        clauses: list[str] = []
        values: list[str] = []
        if statuses:
            clauses.append(f"status IN ({', '.join('?' for _ in statuses)})")
            values.extend(s.value for s in statuses)
        if policy is not None:
            clauses.append("policy = ?")
            values.append(policy)
        if workspace is not None:
            clauses.append("workspace = ?")
            values.append(workspace)
        if experiment is not None:  # the record's JSON knows it (no column of its own)
            clauses.append("json_extract(record, '$.spec.experiment') = ?")
            values.append(experiment)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        tail = f" LIMIT {int(limit)}" if limit else (" LIMIT -1" if offset else "")
        tail += f" OFFSET {int(offset)}" if offset else ""
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT record FROM jobs {where} ORDER BY created_at DESC, id DESC{tail}", values
            ).fetchall()
        return [Job.from_json(json.loads(r[0])) for r in rows]

    @staticmethod
    def active_for_policy(conn: sqlite3.Connection, policy: str) -> Job | None:
        """The queued or running job of ``policy``, if any (inside an open transaction)."""
        row = conn.execute(
            "SELECT record FROM jobs WHERE policy = ? AND status IN (?, ?) "
            "ORDER BY created_at LIMIT 1",
            (policy, *_ACTIVE),
        ).fetchone()
        return Job.from_json(json.loads(row[0])) if row else None

    @staticmethod
    def last_for_policy(conn: sqlite3.Connection, policy: str) -> Job | None:
        """The newest job of ``policy`` (inside an open connection)."""
        row = conn.execute(
            "SELECT record FROM jobs WHERE policy = ? ORDER BY created_at DESC LIMIT 1",
            (policy,),
        ).fetchone()
        return Job.from_json(json.loads(row[0])) if row else None

    def last_job_of_policy(self, policy: str) -> Job | None:
        """The newest job a policy fired."""
        with self._connect() as conn:
            return self.last_for_policy(conn, policy)
