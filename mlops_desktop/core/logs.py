"""The app's rotating log file in the data dir (GUI and CLI write to the same one)."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from mlops_desktop.core import paths
from mlops_desktop.core.files import create_private_file
from mlops_desktop.core.redact import RedactingFormatter

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"


def log_file() -> Path:
    """``<data dir>/logs/mlops-desktop.log`` (older ones beside it as ``.1`` … ``.5``)."""
    return paths.data_dir() / "logs" / "mlops-desktop.log"


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send ``mlops_desktop`` loggers to the rotating log file; returns its path.

    Idempotent per file (a second call, e.g. with another ``MLOPS_DESKTOP_HOME``, moves the
    handler). None when the file cannot be opened: logging must never stop the app.
    """
    path = log_file()
    logger = logging.getLogger("mlops_desktop")
    for handler in list(logger.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            if Path(handler.baseFilename) == path:
                return path
            logger.removeHandler(handler)
            handler.close()
    try:
        create_private_file(path)  # rotation renames it, so the backups stay 0600 too
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(RedactingFormatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(min(level, logger.level or level))
    return path
