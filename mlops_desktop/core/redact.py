"""Keep secrets out of everything the app prints, logs or stores.

A URI's password (``scheme://user:password@host``), ``Authorization`` header values and the
values of the credential variables below are replaced by ``***`` wherever text leaves the
process: the log file, the CLI's messages, journals, crash reports.
"""

from __future__ import annotations

import logging
import os
import re

MASK = "***"

#: Environment variables whose values are secrets (MLflow, Azure, database clients).
SECRET_ENV_VARS = (
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_CLIENT_CERT_PATH",
    "AZURE_CLIENT_SECRET",
    "AZURE_PASSWORD",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "PGPASSWORD",
    "MYSQL_PWD",
)

#: Environment variables starting so hold notification targets' secrets.
SECRET_ENV_PREFIX = "MLOPS_DESKTOP_NOTIFY_"

# user:password@ after a scheme; the password runs up to the last "@" before the host.
_URI_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/]*(?=@)")
_AUTH_HEADER = re.compile(r"(?i)(?P<head>\b(?:authorization|proxy-authorization)\W+)[^\r\n,'\"]+")
_BEARER = re.compile(r"(?i)(?P<head>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}")


def uri_has_password(uri: str) -> bool:
    """True when ``uri`` carries a password in its user-info part (``user:pw@host``)."""
    return _URI_PASSWORD.search(uri) is not None


def redact_uri(uri: str) -> str:
    """``uri`` with the password of its user-info replaced by ``***``."""
    return _URI_PASSWORD.sub(lambda m: m.group("head") + MASK, uri)


def redact_text(text: str) -> str:
    """``text`` with URI passwords, authorization values and secret variables masked."""
    if not text:
        return text
    text = redact_uri(text)
    text = _AUTH_HEADER.sub(lambda m: m.group("head") + MASK, text)
    text = _BEARER.sub(lambda m: m.group("head") + MASK, text)
    # Notification targets' webhook URLs / SMTP passwords (MLOPS_DESKTOP_NOTIFY_<TARGET>).
    notify = [n for n in os.environ if n.startswith(SECRET_ENV_PREFIX)]
    for name in (*SECRET_ENV_VARS, *notify):
        value = os.environ.get(name, "")
        if len(value) >= 4:  # a one-letter "secret" would mask half the text
            text = text.replace(value, MASK)
    return text


class RedactingFormatter(logging.Formatter):
    """A log formatter whose lines (message and traceback) pass through :func:`redact_text`."""

    def format(self, record: logging.LogRecord) -> str:
        """The formatted record, secrets masked."""
        return redact_text(super().format(record))
