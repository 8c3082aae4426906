"""Delivery to real local receivers: an HTTP server on 127.0.0.1 and aiosmtpd; retries,
Retry-After, what is not retried, payload shapes per kind, and where secrets come from."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from typing import Any

import pytest
from receivers import http_receiver, smtp_server

from mlops_desktop.core.notify_kinds import EventKind, Severity, TargetKind
from mlops_desktop.core.notify_settings import NotifyTarget
from mlops_desktop.notify.delivery import deliver, mask_url, retry_after_seconds
from mlops_desktop.notify.events import SCHEMA, NotifyEvent
from mlops_desktop.notify.payloads import slack_payload, teams_payload
from mlops_desktop.notify.secrets import KEYRING_SERVICE, read_secret, store_secret

EVENT = NotifyEvent(
    id="audit:abc",
    kind=EventKind.PROMOTION_DONE,
    severity=Severity.INFO,
    title="Promotion done",
    message="churn v3 promoted to staging by ana",
    time="2026-12-08T03:00:00+00:00",
    workspace="staging",
    model="churn",
    actor="ana",
    page="audit",
)


def _target(kind: str = "webhook", **kw: Any) -> NotifyTarget:
    return NotifyTarget(name=kw.pop("name", "ops"), kind=TargetKind(kind), **kw)


def test_generic_webhook_gets_the_documented_envelope() -> None:
    with http_receiver() as rx:
        url = rx.hook_url()
        result = deliver(EVENT, _target(), environ={"MLOPS_DESKTOP_NOTIFY_OPS": url})
    assert result.ok and result.attempts == 1 and result.reply == "HTTP 200"
    (request,) = rx.requests
    assert request.path == "/hooks/T000/B000/secret-token"
    assert request.headers["Content-Type"].startswith("application/json")
    body = request.json()
    assert body["schema"] == SCHEMA and body["source"] == "mlops-desktop"
    assert body["target"] == "ops"
    assert body["event"] == EVENT.to_json()
    assert body["event"]["kind"] == "promotion.done"


def test_5xx_and_429_are_retried_with_backoff_and_retry_after() -> None:
    sleeps: list[float] = []
    script = [(500, {}), (429, {"Retry-After": "7"}), (200, {})]
    with http_receiver(script) as rx:
        env = {"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        result = deliver(EVENT, _target(), environ=env, sleep=sleeps.append)
    assert result.ok and result.attempts == 3
    assert len(rx.requests) == 3
    # 1 s backoff after the 500, then exactly what Retry-After asked for.
    assert sleeps == [1.0, 7.0]
    assert "after 3 attempts" in result.describe()


def test_a_4xx_is_not_retried_and_the_token_is_not_in_the_message() -> None:
    sleeps: list[float] = []
    with http_receiver([(404, {})]) as rx:
        url = rx.hook_url()
        result = deliver(
            EVENT, _target(), environ={"MLOPS_DESKTOP_NOTIFY_OPS": url}, sleep=sleeps.append
        )
    assert not result.ok and result.code == 404 and result.attempts == 1
    assert sleeps == [] and len(rx.requests) == 1
    assert "secret-token" not in result.describe()


def test_a_dead_receiver_is_retried_until_the_attempts_run_out() -> None:
    with http_receiver() as rx:
        url = rx.hook_url()  # the server stops: nothing listens on the port any more
    sleeps: list[float] = []
    target = _target(attempts=4, timeout_seconds=2)
    result = deliver(EVENT, target, environ={"MLOPS_DESKTOP_NOTIFY_OPS": url}, sleep=sleeps.append)
    assert not result.ok and result.attempts == 4
    assert sleeps == [1.0, 2.0, 4.0]
    assert "cannot reach http://127.0.0.1" in result.error and "secret-token" not in result.error


def test_without_a_secret_nothing_is_sent_and_the_variable_is_named() -> None:
    result = deliver(EVENT, _target(name="team-chat", kind="slack"), environ={})
    assert not result.ok and result.attempts == 0
    assert "MLOPS_DESKTOP_NOTIFY_TEAM_CHAT" in result.error


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 12, 8, 3, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Tue, 08 Dec 2026 03:00:30 GMT", now) == 30.0
    assert retry_after_seconds("12", now) == 12.0
    assert retry_after_seconds("", now) is None and retry_after_seconds("soon", now) is None


def test_mask_url_hides_the_path() -> None:
    assert mask_url("https://hooks.slack.com/services/T/B/XYZ") == "https://hooks.slack.com/…"


def test_slack_payload_has_text_and_blocks() -> None:
    with http_receiver() as rx:
        result = deliver(
            EVENT, _target(kind="slack"), environ={"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()}
        )
    assert result.ok
    body = rx.requests[0].json()
    assert body == slack_payload(EVENT)
    assert "churn v3 promoted to staging" in body["text"]
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]
    assert body["blocks"][0]["text"] == {"type": "plain_text", "text": "Promotion done"}
    assert body["blocks"][1]["text"]["type"] == "mrkdwn"
    assert "*Workspace:* staging" in body["blocks"][2]["elements"][0]["text"]


def test_teams_payload_is_an_adaptive_card_message() -> None:
    with http_receiver() as rx:
        deliver(EVENT, _target(kind="teams"), environ={"MLOPS_DESKTOP_NOTIFY_OPS": rx.hook_url()})
    body = rx.requests[0].json()
    assert body == teams_payload(EVENT)
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    texts = [b.get("text") for b in card["body"] if b["type"] == "TextBlock"]
    assert texts == ["Promotion done", "churn v3 promoted to staging by ana"]
    facts = {f["title"]: f["value"] for f in card["body"][2]["facts"]}
    assert facts["Model"] == "churn" and facts["Workspace"] == "staging"


def _mail_target(port: int, **kw: Any) -> NotifyTarget:
    return NotifyTarget(
        name="mail",
        kind=TargetKind.EMAIL,
        smtp_host="127.0.0.1",
        smtp_port=port,
        starttls=False,
        from_addr="mlops@example.com",
        to=("ops@example.com", "lead@example.com"),
        **kw,
    )


def test_email_reaches_a_local_smtp_server() -> None:
    with smtp_server() as (port, handler):
        result = deliver(EVENT, _mail_target(port), environ={})
    assert result.ok and result.reply.startswith("SMTP 250 Message accepted")
    (mail,) = handler.messages
    assert mail.mail_from == "mlops@example.com"
    assert mail.rcpt_tos == ["ops@example.com", "lead@example.com"]
    parsed = email.message_from_bytes(mail.content, policy=policy.default)
    assert parsed["Subject"] == "[MLOps Desktop] Promotion done: churn"
    assert parsed["X-MLOps-Desktop-Event"] == "audit:abc"
    assert "churn v3 promoted to staging by ana" in parsed.get_content()


def test_email_logs_in_with_the_secret_password() -> None:
    with smtp_server(auth={"mlops": "s3cret-pw"}) as (port, handler):
        target = _mail_target(port, username="mlops")
        wrong = deliver(EVENT, target, environ={"MLOPS_DESKTOP_NOTIFY_MAIL": "nope"})
        right = deliver(EVENT, target, environ={"MLOPS_DESKTOP_NOTIFY_MAIL": "s3cret-pw"})
    assert not wrong.ok and wrong.attempts == 1 and "login as mlops refused" in wrong.error
    assert right.ok and len(handler.messages) == 1


def test_smtp_4xx_is_retried_and_5xx_is_not() -> None:
    sleeps: list[float] = []
    with smtp_server() as (port, handler):
        handler.script = ["451 Try again later"]
        result = deliver(EVENT, _mail_target(port), environ={}, sleep=sleeps.append)
        assert result.ok and result.attempts == 2 and sleeps == [1.0]
        handler.script = ["554 Rejected"]
        refused = deliver(EVENT, _mail_target(port), environ={}, sleep=sleeps.append)
    assert not refused.ok and refused.attempts == 1 and refused.code == 554
    assert len(handler.messages) == 1


@pytest.fixture
def memory_keyring() -> Any:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username))

    before = keyring.get_keyring()
    backend = Memory()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


def test_the_keyring_wins_over_the_environment(memory_keyring: Any, app_home: Any) -> None:
    target = _target(kind="slack")
    assert read_secret(target, {"MLOPS_DESKTOP_NOTIFY_OPS": "from-env"}) == "from-env"
    store_secret("ops", "https://hooks.slack.com/services/T/B/kept")
    assert memory_keyring.store[(KEYRING_SERVICE, "ops")].endswith("/kept")
    assert read_secret(target, {"MLOPS_DESKTOP_NOTIFY_OPS": "from-env"}).endswith("/kept")
    # Nothing of it reached the app's files.
    for path in app_home.rglob("*"):
        if path.is_file():
            assert b"kept" not in path.read_bytes()


def test_starttls_against_a_server_without_it_is_not_retried() -> None:
    sleeps: list[float] = []
    with smtp_server() as (port, handler):
        target = _mail_target(port).model_copy(update={"starttls": True})
        result = deliver(EVENT, target, environ={}, sleep=sleeps.append)
    assert not result.ok and result.attempts == 1 and sleeps == []
    assert "STARTTLS" in result.error and handler.messages == []


def test_a_targets_secret_variable_is_masked_in_logs_and_messages(monkeypatch) -> None:
    from mlops_desktop.core.redact import redact_text

    monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY_CHAT", "https://hooks.slack.com/services/T/B/tok")
    text = "posting to https://hooks.slack.com/services/T/B/tok failed"
    assert redact_text(text) == "posting to *** failed"
