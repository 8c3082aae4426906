"""Who is acting: the MLflow server user where there is one, else the OS user."""

from __future__ import annotations

import getpass
import os


def current_identity() -> str:
    """The identity recorded in lineage tags, approvals and the audit log."""
    user = os.environ.get("MLFLOW_TRACKING_USERNAME", "").strip()
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
