"""Errors of the drift engine, each with a message that names the file and column at fault."""

from __future__ import annotations


class DriftError(Exception):
    """Base of every error raised by :mod:`mlops_desktop.drift`."""


class DriftInputError(DriftError, ValueError):
    """An input table is unreadable, empty, all-null or does not match the other one.

    ``source`` names the file (or ``"reference"``/``"current"`` for an in-memory table) and
    ``column`` the column at fault, when there is one; both are part of the message.
    """

    def __init__(self, message: str, *, source: str | None = None, column: str | None = None):
        parts = []
        if source:
            parts.append(str(source))
        if column is not None:
            parts.append(f"column {column!r}")
        prefix = ", ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.source = source
        self.column = column
        self.detail = message


class DriftConfigError(DriftError, ValueError):
    """A drift configuration (``drift.toml``) is unreadable or invalid."""


class DriftCancelled(DriftError):
    """The caller's ``cancel()`` callback asked the computation to stop."""
