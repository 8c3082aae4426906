"""Small SQLite helpers shared by the stores that keep state in one database file."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator


@contextlib.contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` on an autocommit connection: one writer at a time, all or nothing.

    Taking the write lock up front (not at the first write) keeps read-modify-write
    sequences of concurrent processes from interleaving.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
