"""What each kind of target receives for one event.

- ``webhook``: the generic JSON envelope ``{"schema", "source", "target", "event"}`` (the schema
  is documented in docs/notifications.md; ``event`` is :meth:`NotifyEvent.to_json`).
- ``slack``: an incoming-webhook message, ``text`` (the fallback shown in notifications) and
  ``blocks`` (header, section, context) as Slack's Block Kit documents them.
- ``teams``: a message with one Adaptive Card attachment (version 1.4), the format Teams'
  incoming webhooks and Workflows ("Post to a channel when a webhook request is received") take.
- ``email``: a plain-text :class:`~email.message.EmailMessage`.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from mlops_desktop.core.notify_kinds import Severity, TargetKind
from mlops_desktop.core.notify_settings import NotifyTarget
from mlops_desktop.notify.events import SCHEMA, NotifyEvent

_SLACK_EMOJI = {
    Severity.INFO: ":information_source:",
    Severity.WARNING: ":warning:",
    Severity.ERROR: ":rotating_light:",
}
#: Adaptive Card text colours per severity.
_TEAMS_COLOR = {Severity.INFO: "Accent", Severity.WARNING: "Warning", Severity.ERROR: "Attention"}


def facts(event: NotifyEvent) -> list[tuple[str, str]]:
    """The labelled values shown under the message (empty ones left out)."""
    pairs = [
        ("Workspace", event.workspace),
        ("Model", event.model),
        ("By", event.actor),
        ("Severity", event.severity.value),
        ("Event", event.kind.value),
        ("Time", event.time),
    ]
    return [(k, v) for k, v in pairs if v]


def generic_payload(event: NotifyEvent, target: str) -> dict[str, Any]:
    """The generic webhook's JSON."""
    return {"schema": SCHEMA, "source": "mlops-desktop", "target": target, "event": event.to_json()}


def slack_payload(event: NotifyEvent) -> dict[str, Any]:
    """A Slack incoming-webhook message."""
    emoji = _SLACK_EMOJI[event.severity]
    context = " · ".join(f"*{k}:* {v}" for k, v in facts(event))
    return {
        "text": f"{emoji} {event.title}: {event.message}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": event.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"{emoji} {event.message}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
        ],
    }


def teams_payload(event: NotifyEvent) -> dict[str, Any]:
    """A Teams incoming-webhook message carrying one Adaptive Card."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": event.title,
                "weight": "Bolder",
                "size": "Medium",
                "color": _TEAMS_COLOR[event.severity],
            },
            {"type": "TextBlock", "text": event.message, "wrap": True},
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in facts(event)]},
        ],
    }
    return {
        "type": "message",
        "summary": event.title,
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def webhook_payload(event: NotifyEvent, target: NotifyTarget) -> dict[str, Any]:
    """The JSON body posted to a webhook target of any kind."""
    match target.kind:
        case TargetKind.SLACK:
            return slack_payload(event)
        case TargetKind.TEAMS:
            return teams_payload(event)
        case TargetKind.WEBHOOK:
            return generic_payload(event, target.name)
    raise ValueError(f"{target.kind.value} targets are not webhooks")


def email_message(event: NotifyEvent, target: NotifyTarget) -> EmailMessage:
    """The e-mail of one event."""
    message = EmailMessage()
    message["Subject"] = f"[MLOps Desktop] {event.title}: {event.model or event.workspace}".rstrip(
        ": "
    )
    message["From"] = target.from_addr
    message["To"] = ", ".join(target.to)
    message["X-MLOps-Desktop-Event"] = event.id
    lines = [event.message, ""] + [f"{k}: {v}" for k, v in facts(event)]
    message.set_content("\n".join(lines) + "\n")
    return message
