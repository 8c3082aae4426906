"""The promotion journal: SQLite in the data dir, one row per operation and one per step.

Every state change is its own committed transaction (``synchronous=FULL``), written *before*
the change it announces is made (a step is ``running`` with its undo information recorded
before it acts), so after a crash the journal tells exactly what may have happened and
:mod:`mlops_desktop.promotion.recovery` can finish or undo it. Stdlib only.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mlops_desktop.core import paths
from mlops_desktop.core.errors import NotFound
from mlops_desktop.core.files import create_private_file
from mlops_desktop.core.redact import redact_text
from mlops_desktop.core.sqlite import immediate_transaction
from mlops_desktop.promotion.entities import (
    OperationKind,
    OperationResult,
    OperationState,
    StepRecord,
    StepState,
)

JOURNAL_FILE_NAME = "journal.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    model TEXT NOT NULL,
    actor TEXT NOT NULL,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    plan TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS steps (
    operation_id TEXT NOT NULL REFERENCES operations(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (operation_id, position)
);
CREATE INDEX IF NOT EXISTS operations_state ON operations(state);
"""
_UNFINISHED = (
    OperationState.RUNNING.value,
    OperationState.ROLLING_BACK.value,
    OperationState.ROLLBACK_FAILED.value,
)


def default_journal_path() -> Path:
    """Where the journal lives."""
    return paths.data_dir() / "promotions" / JOURNAL_FILE_NAME


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Journal:
    """Reads and writes the journal; each call opens its own short connection."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_journal_path()
        self._schema_ready = False  # the folder and tables are made once per instance

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not self._schema_ready:
            create_private_file(self.path)
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            if not self._schema_ready:
                conn.executescript(_SCHEMA)
                self._schema_ready = True
            conn.row_factory = sqlite3.Row
            yield conn
        finally:
            conn.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn, immediate_transaction(conn):
            yield conn

    # -- writing ---------------------------------------------------------------------------

    def create(
        self,
        operation_id: str,
        kind: OperationKind,
        *,
        model: str,
        actor: str,
        source: str,
        target: str,
        plan: dict[str, Any],
        steps: Sequence[str],
    ) -> None:
        """Record a new running operation with its steps, all pending."""
        now = _now()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO operations (id, kind, state, model, actor, source, target, plan, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    operation_id,
                    kind.value,
                    OperationState.RUNNING.value,
                    model,
                    actor,
                    source,
                    target,
                    json.dumps(plan, sort_keys=True),
                    now,
                    now,
                ),
            )
            conn.executemany(
                "INSERT INTO steps (operation_id, position, name, state) VALUES (?, ?, ?, ?)",
                [(operation_id, i, name, StepState.PENDING.value) for i, name in enumerate(steps)],
            )

    def set_state(self, operation_id: str, state: OperationState, error: str | None = None) -> None:
        """Change an operation's state (and its error text when given)."""
        with self._transaction() as conn:
            if error is None:
                conn.execute(
                    "UPDATE operations SET state = ?, updated_at = ? WHERE id = ?",
                    (state.value, _now(), operation_id),
                )
            else:
                conn.execute(
                    "UPDATE operations SET state = ?, error = ?, updated_at = ? WHERE id = ?",
                    (state.value, redact_text(error), _now(), operation_id),
                )

    def update_step(
        self,
        operation_id: str,
        position: int,
        *,
        state: StepState | None = None,
        message: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Change a step's state, message and/or data (one committed transaction)."""
        sets: list[str] = []
        values: list[Any] = []
        now = _now()
        if state is not None:
            sets.append("state = ?")
            values.append(state.value)
            if state is StepState.RUNNING:
                sets.append("started_at = ?")
                values.append(now)
            elif state in (StepState.DONE, StepState.FAILED, StepState.UNDONE):
                sets.append("finished_at = ?")
                values.append(now)
        if message is not None:
            sets.append("message = ?")
            values.append(redact_text(message))
        if data is not None:
            sets.append("data = ?")
            values.append(json.dumps(data, sort_keys=True, default=str))
        if not sets:
            return
        with self._transaction() as conn:
            conn.execute(
                f"UPDATE steps SET {', '.join(sets)} WHERE operation_id = ? AND position = ?",
                (*values, operation_id, position),
            )
            conn.execute("UPDATE operations SET updated_at = ? WHERE id = ?", (now, operation_id))

    # -- reading ---------------------------------------------------------------------------

    def get(self, operation_id: str) -> OperationResult:
        """One operation with its steps."""
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM operations WHERE id = ?", (operation_id,)).fetchone()
            if row is None:
                raise NotFound(f"no promotion or rollback with id {operation_id!r} in the journal")
            steps = conn.execute(
                "SELECT * FROM steps WHERE operation_id = ? ORDER BY position", (operation_id,)
            ).fetchall()
        return _result(row, steps)

    def list(self, *, unfinished: bool = False, limit: int | None = None) -> list[OperationResult]:
        """Operations, newest first (only those recovery must look at when ``unfinished``)."""
        if not self.path.exists():
            return []
        query = "SELECT id FROM operations"
        params: list[Any] = []
        if unfinished:
            query += f" WHERE state IN ({', '.join('?' for _ in _UNFINISHED)})"
            params.extend(_UNFINISHED)
        query += " ORDER BY created_at DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(limit)
        with self._connect() as conn:
            ids = [r["id"] for r in conn.execute(query, params).fetchall()]
        return [self.get(i) for i in ids]

    def has_unfinished(self) -> bool:
        """Cheap check (no heavy imports) whether recovery has anything to do."""
        if not self.path.exists():
            return False
        with self._connect() as conn:
            marks = ", ".join("?" for _ in _UNFINISHED)
            row = conn.execute(
                f"SELECT COUNT(*) FROM operations WHERE state IN ({marks})", _UNFINISHED
            ).fetchone()
        return bool(row[0])


def _result(row: sqlite3.Row, steps: list[sqlite3.Row]) -> OperationResult:
    return OperationResult(
        id=row["id"],
        kind=OperationKind(row["kind"]),
        state=OperationState(row["state"]),
        model=row["model"],
        actor=row["actor"],
        source=row["source"],
        target=row["target"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        plan=json.loads(row["plan"]),
        error=row["error"],
        steps=tuple(
            StepRecord(
                position=s["position"],
                name=s["name"],
                state=StepState(s["state"]),
                message=s["message"],
                data=json.loads(s["data"]),
                started_at=s["started_at"],
                finished_at=s["finished_at"],
            )
            for s in steps
        ),
    )
