"""``mlops-desktop notify …``: targets, test (exit codes, messages), send-pending, and the
sending after commands that record events — against real local receivers."""

from __future__ import annotations

import pytest
from receivers import http_receiver, smtp_server

from mlops_desktop.cli import main as cli_main
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.settings import load_settings, settings_file


def _add_hook(name: str = "ops", kind: str = "webhook", *extra: str) -> None:
    assert cli_main(["notify", "targets", "add", name, "--kind", kind, *extra]) == 0


def _promote() -> None:
    AuditLog().append(
        AuditAction.PROMOTION,
        actor="ana",
        workspace="prod",
        model="churn",
        details={"to": "prod", "source_version": "4"},
    )


def test_targets_add_list_remove(capsys: pytest.CaptureFixture[str]) -> None:
    _add_hook("chat", "slack", "--url-host", "hooks.slack.com", "--min-severity", "warning")
    out = capsys.readouterr().out
    assert "target chat (slack) saved: hooks.slack.com" in out
    assert "MLOPS_DESKTOP_NOTIFY_CHAT" in out  # where its URL goes
    assert cli_main(["notify", "targets", "list"]) == 0
    listing = capsys.readouterr().out
    assert "chat" in listing and "≥ warning" in listing and "missing" in listing
    assert cli_main(["notify", "targets", "add", "chat", "--kind", "teams"]) == 2
    assert "exists" in capsys.readouterr().err
    assert cli_main(["notify", "targets", "remove", "chat"]) == 0
    assert load_settings().notifications.targets == ()
    assert cli_main(["notify", "targets", "remove", "chat"]) == 2
    assert "no notification target named 'chat'" in capsys.readouterr().err


def test_a_webhook_url_is_never_written_to_the_settings(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(
        [
            "notify",
            "targets",
            "add",
            "chat",
            "--kind",
            "slack",
            "--url-host",
            "hooks.slack.com/services/T/B/token",
        ]
    )
    assert code == 2 and "never in the settings file" in capsys.readouterr().err
    assert not settings_file().exists() or "token" not in settings_file().read_text()
    code = cli_main(["notify", "targets", "add", "mail", "--kind", "email", "--to", "x@y.z"])
    assert code == 2 and "needs smtp_host, from_addr" in capsys.readouterr().err


def test_test_prints_the_http_status_and_fails_with_a_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_hook("ops", "webhook", "--attempts", "1")
    assert cli_main(["notify", "test", "ops"]) == 1  # no URL anywhere yet
    assert "set the environment variable MLOPS_DESKTOP_NOTIFY_OPS" in capsys.readouterr().err
    with http_receiver([(404, {})]) as rx:
        monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY_OPS", rx.hook_url())
        assert cli_main(["notify", "test", "ops"]) == 1
        err = capsys.readouterr().err
        assert "failed (HTTP 404)" in err and "copy the incoming-webhook URL again" in err
        assert "secret-token" not in err
        assert cli_main(["notify", "test", "ops"]) == 0
        assert "ops: delivered (HTTP 200)" in capsys.readouterr().out
    assert rx.requests[-1].json()["event"]["title"] == "Test notification"


def test_test_prints_the_smtp_reply(capsys: pytest.CaptureFixture[str]) -> None:
    with smtp_server() as (port, handler):
        _add_hook(
            "mail",
            "email",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            str(port),
            "--no-starttls",
            "--from",
            "mlops@example.com",
            "--to",
            "ops@example.com",
        )
        assert cli_main(["notify", "test", "mail"]) == 0
    assert "mail: delivered (SMTP 250 Message accepted for delivery)" in capsys.readouterr().out
    assert handler.messages[0].rcpt_tos == ["ops@example.com"]


def test_send_pending_and_the_send_after_a_recording_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with http_receiver([(500, {})]) as rx:
        monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY_OPS", rx.hook_url())
        _add_hook("ops", "webhook", "--attempts", "1")
        _promote()
        assert cli_main(["notify", "send-pending"]) == 1  # the 500: retried next time
        assert "retried next time" in capsys.readouterr().err
        assert cli_main(["notify", "send-pending"]) == 0
        assert "1 sent, 0 failed" in capsys.readouterr().out
        _promote()
        # A command of the group that records events sends them when it finishes.
        assert cli_main(["retrain", "history"]) == 0
        assert "notified: 1 message(s) sent" in capsys.readouterr().err
        monkeypatch.setenv("MLOPS_DESKTOP_NOTIFY", "0")
        _promote()
        cli_main(["retrain", "history"])
    assert [r.json()["event"]["kind"] for r in rx.requests] == ["promotion.done"] * 3
    assert cli_main(["notify", "log", "--limit", "5"]) == 0
    log = capsys.readouterr().out
    assert "failed" in log and "sent" in log
