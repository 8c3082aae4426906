"""Errors that cross the backend boundary, each with a message a person can act on."""

from __future__ import annotations


class MlopsError(Exception):
    """Base of every error the app reports to a person.

    ``hint`` says what to do about it; the CLI prints it, the GUI shows it in the details.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class AuthError(MlopsError):
    """The identity could not be established: sign in again."""


class PermissionDenied(MlopsError):
    """Signed in, but not allowed to do this."""


class NotFound(MlopsError):
    """A named resource (workspace, model, version, run, …) does not exist."""


class Unavailable(MlopsError):
    """The backend cannot be reached now (offline, server down, timeout)."""


class Conflict(MlopsError):
    """The action clashes with the current state (already exists, changed meanwhile)."""


class InvalidInput(MlopsError):
    """Input or configuration that cannot be used as given."""


class Cancelled(MlopsError):
    """The person cancelled a long-running task."""
