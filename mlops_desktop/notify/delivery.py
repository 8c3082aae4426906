"""Send one event to one target: an HTTP POST or an SMTP conversation, retried with backoff.

Retried: connection errors, timeouts, HTTP 5xx and 429 (waiting what ``Retry-After`` asks, up
to :data:`MAX_WAIT_SECONDS`), SMTP 4xx replies. Not retried: other HTTP 4xx (a wrong URL or
token), SMTP 5xx (a refused address), a missing secret. Each attempt has the target's timeout.
Runs in a worker or the CLI, never on the GUI thread; a cancelled
:class:`~mlops_desktop.core.tasks.TaskContext` stops between attempts.
"""

from __future__ import annotations

import email.utils
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from mlops_desktop import __version__
from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.notify_kinds import TargetKind
from mlops_desktop.core.notify_settings import NotifyTarget
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.notify.events import NotifyEvent
from mlops_desktop.notify.payloads import email_message, webhook_payload
from mlops_desktop.notify.secrets import require_secret

#: The first wait between attempts; each next one doubles, up to MAX_BACKOFF_SECONDS.
BASE_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
#: The longest ``Retry-After`` honoured (a longer one waits this long).
MAX_WAIT_SECONDS = 120.0

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class DeliveryResult:
    """How one delivery ended."""

    ok: bool
    attempts: int
    #: The last reply: "HTTP 200", "SMTP 250 Message accepted", "" when nothing answered.
    reply: str
    error: str = ""
    #: The HTTP status or SMTP code of the last reply (None: no reply).
    code: int | None = None

    def describe(self) -> str:
        """One line for the CLI and the Settings dialog."""
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        if self.ok:
            return f"delivered ({self.reply}){tries}"
        reply = f" ({self.reply})" if self.reply else ""
        return f"failed{reply}{tries}: {self.error}"


class _Retry(Exception):
    """An attempt failed in a way worth retrying; ``wait`` is what the server asked for."""

    def __init__(self, reply: str, error: str, code: int | None, wait: float | None = None):
        super().__init__(error)
        self.reply, self.error, self.code, self.wait = reply, error, code, wait


class _GiveUp(Exception):
    """An attempt failed in a way a retry will not fix."""

    def __init__(self, reply: str, error: str, code: int | None):
        super().__init__(error)
        self.reply, self.error, self.code = reply, error, code


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (delta-seconds or an HTTP date); None if unset."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def backoff_seconds(attempt: int) -> float:
    """The wait after failed attempt ``attempt`` (1-based): 1, 2, 4, … capped."""
    return min(BASE_BACKOFF_SECONDS * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def mask_url(url: str) -> str:
    """``scheme://host/…``: a webhook URL without the path that carries its token."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}/…" if parts.path not in ("", "/") else url


def _redact(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret and len(secret) >= 4 else text


# -- one attempt ---------------------------------------------------------------------------------


def _post_once(url: str, body: bytes, timeout: float) -> tuple[str, int]:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"mlops-desktop/{__version__}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(65536)
            return f"HTTP {response.status}", response.status
    except urllib.error.HTTPError as exc:
        code = exc.code
        text = exc.read(300).decode("utf-8", "replace").strip() if exc.fp else ""
        reply = f"HTTP {code}"
        error = f"the server answered {code} {exc.reason}" + (f": {text}" if text else "")
        if code == 429 or code >= 500:
            wait = retry_after_seconds(exc.headers.get("Retry-After") if exc.headers else None)
            raise _Retry(reply, error, code, wait) from None
        raise _GiveUp(reply, error, code) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise _Retry("", f"cannot reach {mask_url(url)}: {reason}", None) from None


def _smtp_once(target: NotifyTarget, password: str, event: NotifyEvent) -> tuple[str, int]:
    message = email_message(event, target)
    try:
        if target.smtp_port == 465:  # implicit TLS ("SMTPS")
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                target.smtp_host,
                target.smtp_port,
                timeout=target.timeout_seconds,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(
                target.smtp_host, target.smtp_port, timeout=target.timeout_seconds
            )
        with client:
            client.ehlo_or_helo_if_needed()
            if target.starttls and target.smtp_port != 465:
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if target.username:
                client.login(target.username, password)
            code, reply = client.mail(target.from_addr)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, target.from_addr)
            for address in target.to:
                code, reply = client.rcpt(address)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({address: (code, reply)})
            code, reply = client.data(message.as_bytes())
            if code != 250:
                raise smtplib.SMTPDataError(code, reply)
            return f"SMTP {code} {reply.decode('utf-8', 'replace').strip()}", code
    except smtplib.SMTPRecipientsRefused as exc:
        address, (code, reply) = next(iter(exc.recipients.items()))
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        error = f"the SMTP server refused {address}: {code} {text}"
        _raise_smtp(code, error)
    except smtplib.SMTPAuthenticationError as exc:
        text = exc.smtp_error.decode("utf-8", "replace")
        raise _GiveUp(
            f"SMTP {exc.smtp_code}", f"SMTP login as {target.username} refused: {text}", None
        ) from None
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else ""
        )
        _raise_smtp(exc.smtp_code, f"the SMTP server answered {exc.smtp_code} {text}".strip())
    except smtplib.SMTPNotSupportedError as exc:
        raise _GiveUp("", f"the SMTP server does not support it: {exc}", None) from None
    except (smtplib.SMTPException, OSError) as exc:
        where = f"{target.smtp_host}:{target.smtp_port}"
        raise _Retry("", f"cannot talk to the SMTP server {where}: {exc}", None) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _raise_smtp(code: int, error: str) -> None:
    if 400 <= code < 500:  # transient: greylisting, a full queue
        raise _Retry(f"SMTP {code}", error, code)
    raise _GiveUp(f"SMTP {code}", error, code)


# -- with retries --------------------------------------------------------------------------------


def deliver(
    event: NotifyEvent,
    target: NotifyTarget,
    *,
    ctx: TaskContext | None = None,
    sleep: Sleep = time.sleep,
    environ: dict[str, str] | None = None,
    on_attempt: Callable[[int, str], Any] | None = None,
) -> DeliveryResult:
    """Send ``event`` to ``target``, retrying as the module docstring says; never raises for a
    failed delivery (the result says what went wrong), only for a cancelled ``ctx``."""
    ctx = ctx or TaskContext()
    try:
        # An SMTP server without login needs no secret.
        needs_secret = target.kind.is_webhook or bool(target.username)
        secret = require_secret(target, environ) if needs_secret else ""
    except MlopsError as exc:
        hint = f" — {exc.hint}" if exc.hint else ""
        return DeliveryResult(False, 0, "", f"{exc.message}{hint}")
    body = b""
    if target.kind is not TargetKind.EMAIL:
        body = json.dumps(webhook_payload(event, target), ensure_ascii=False).encode("utf-8")
    last: _Retry | _GiveUp | None = None
    for attempt in range(1, target.attempts + 1):
        ctx.check()
        try:
            if target.kind is TargetKind.EMAIL:
                reply, code = _smtp_once(target, secret, event)
            else:
                reply, code = _post_once(secret, body, target.timeout_seconds)
            return DeliveryResult(True, attempt, reply, code=code)
        except _GiveUp as exc:
            return DeliveryResult(False, attempt, exc.reply, _redact(exc.error, secret), exc.code)
        except _Retry as exc:
            last = exc
            if on_attempt is not None:
                on_attempt(attempt, _redact(exc.error, secret))
            if attempt < target.attempts:
                wait = backoff_seconds(attempt) if exc.wait is None else exc.wait
                sleep(min(wait, MAX_WAIT_SECONDS))
    assert last is not None
    return DeliveryResult(
        False, target.attempts, last.reply, _redact(last.error, secret), last.code
    )
