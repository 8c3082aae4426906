"""Where the app keeps its configuration, data and cache.

``MLOPS_DESKTOP_HOME`` overrides all of them (tests, portable installs): config goes to
``$HOME/config``, data to ``$HOME/data``, cache to ``$HOME/cache``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "mlops-desktop"
HOME_ENV = "MLOPS_DESKTOP_HOME"


def _home_override() -> Path | None:
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def config_dir() -> Path:
    """Directory of ``config.toml`` and UI state."""
    home = _home_override()
    return (
        home / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    )


def data_dir() -> Path:
    """Directory of local workspaces, journals, audit log and collected data."""
    home = _home_override()
    return home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Directory of caches that may be deleted at any time (last-known workspace state)."""
    home = _home_override()
    return home / "cache" if home else Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    """The typed, versioned configuration file."""
    return config_dir() / "config.toml"


def local_workspace_dir(name: str) -> Path:
    """Data directory of a local (embedded MLflow) workspace."""
    return data_dir() / "workspaces" / name
