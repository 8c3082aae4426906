"""``mlops-desktop notify targets list|add|remove``, ``notify secret set|delete NAME``,
``notify test NAME``, ``notify send-pending``, ``notify log`` — notifications outside the app.

Exit codes: 0 success; 1 a delivery failed (``test``, ``send-pending``); 2 an error (an unknown
target, invalid settings). The commands that record events (``promote``, ``rollback``,
``approvals``, ``retrain check``, ``endpoints heal``) send what is pending when they finish
(:func:`send_after_command`); ``MLOPS_DESKTOP_NOTIFY=0`` turns that off.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.output import print_json, print_table
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.core.notify_kinds import EventKind, Severity, TargetKind

if TYPE_CHECKING:  # pydantic models load with the command, not with the parser (``--help``)
    from mlops_desktop.core.notify_settings import NotifyTarget
    from mlops_desktop.core.settings import Settings

#: Top-level commands that may record events (``endpoints`` only with ``heal``).
RECORDING_COMMANDS = frozenset({"promote", "rollback", "approvals", "retrain", "endpoints"})
NOTIFY_SWITCH_ENV = "MLOPS_DESKTOP_NOTIFY"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``notify`` command group."""
    group = sub.add_parser(
        "notify",
        help="send events to webhooks (JSON, Slack, Teams) and e-mail; targets, test, send",
        description="Notification targets outside the app. Their secrets (webhook URLs, SMTP "
        "passwords) live in the OS keyring or an environment variable, never in the settings "
        "file.",
    )
    commands = group.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    targets = commands.add_parser("targets", help="list, add or remove targets")
    actions = targets.add_subparsers(dest="targets_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the targets, and where each one's secret is")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=list_targets)
    add = actions.add_parser("add", help="add (or with --replace, change) a target")
    _add_arguments(add)
    add.set_defaults(handler=add_target)
    remove = actions.add_parser("remove", help="remove a target (and its keyring entry)")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=remove_target)

    secret = commands.add_parser("secret", help="keep a target's secret in the OS keyring")
    secret_actions = secret.add_subparsers(dest="secret_command", metavar="ACTION", required=True)
    setter = secret_actions.add_parser(
        "set", help="store the webhook URL or SMTP password (read from stdin or a prompt)"
    )
    setter.add_argument("name", metavar="NAME")
    setter.set_defaults(handler=set_secret)
    deleter = secret_actions.add_parser("delete", help="forget the keyring entry")
    deleter.add_argument("name", metavar="NAME")
    deleter.set_defaults(handler=delete_secret_command)

    test = commands.add_parser(
        "test", help="send a test message; prints the HTTP status or SMTP reply"
    )
    test.add_argument("name", metavar="TARGET")
    test.set_defaults(handler=test_target)
    pending = commands.add_parser(
        "send-pending", help="send the events recorded since the last run (for CI and timers)"
    )
    pending.add_argument("--json", action="store_true", help="machine-readable output")
    pending.set_defaults(handler=send_pending)
    log = commands.add_parser("log", help="the delivery log: what was sent where, what failed")
    log.add_argument("--limit", type=int, default=20, help="last N deliveries (default 20)")
    log.add_argument("--json", action="store_true", help="machine-readable output")
    log.set_defaults(handler=show_log)


def _add_arguments(add: argparse.ArgumentParser) -> None:
    add.add_argument("name", metavar="NAME")
    add.add_argument("--kind", required=True, choices=[k.value for k in TargetKind])
    add.add_argument(
        "--events",
        help="comma-separated events (default: all): " + ", ".join(k.value for k in EventKind),
    )
    add.add_argument(
        "--min-severity", choices=[s.value for s in Severity], default=Severity.INFO.value
    )
    add.add_argument(
        "--secret-env",
        default="",
        help="environment variable with the webhook URL / SMTP password "
        "(default MLOPS_DESKTOP_NOTIFY_<NAME>)",
    )
    add.add_argument("--url-host", default="", help="the webhook's host, shown in lists only")
    add.add_argument("--smtp-host", default="")
    add.add_argument("--smtp-port", type=int, default=587)
    add.add_argument("--no-starttls", action="store_true", help="plain SMTP (a local relay)")
    add.add_argument("--username", default="", help="SMTP login (its password is the secret)")
    add.add_argument("--from", dest="from_addr", default="")
    add.add_argument("--to", action="append", default=[], help="recipient (repeat for more)")
    add.add_argument("--attempts", type=int, default=4, help="attempts per delivery")
    add.add_argument("--timeout", type=float, default=10.0, help="seconds per attempt")
    add.add_argument("--disabled", action="store_true", help="add it switched off")
    add.add_argument("--replace", action="store_true", help="replace a target of that name")


# -- settings helpers ---------------------------------------------------------------------------


def _with_targets(settings: Settings, targets: tuple[NotifyTarget, ...]) -> Settings:
    from pydantic import ValidationError

    from mlops_desktop.core.settings import Settings, SettingsError, describe_errors

    data = settings.model_dump(mode="json")
    data["notifications"]["targets"] = [t.model_dump(mode="json") for t in targets]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None


def _target(settings: Settings, name: str) -> NotifyTarget:
    target = settings.notifications.target(name)
    if target is None:
        known = ", ".join(t.name for t in settings.notifications.targets) or "none yet"
        raise NotFound(
            f"no notification target named {name!r} (targets: {known})",
            hint="`mlops-desktop notify targets add NAME --kind …` adds one",
        )
    return target


def target_from_args(args: argparse.Namespace) -> NotifyTarget:
    """The target the ``add`` flags describe; :class:`InvalidInput` names what is wrong."""
    from pydantic import ValidationError

    from mlops_desktop.core.notify_settings import NotifyTarget
    from mlops_desktop.core.settings import describe_errors

    events = (
        tuple(e.strip() for e in args.events.split(",") if e.strip())
        if args.events
        else tuple(EventKind)
    )
    raw: dict[str, Any] = {
        "name": args.name,
        "kind": args.kind,
        "enabled": not args.disabled,
        "events": events,
        "min_severity": args.min_severity,
        "secret_env": args.secret_env,
        "url_hint": args.url_host,
        "smtp_host": args.smtp_host,
        "smtp_port": args.smtp_port,
        "starttls": not args.no_starttls,
        "username": args.username,
        "from_addr": args.from_addr,
        "to": tuple(args.to),
        "attempts": args.attempts,
        "timeout_seconds": args.timeout,
    }
    try:
        return NotifyTarget.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInput(f"target {args.name}: {describe_errors(exc)}") from None


def secret_status(target: NotifyTarget) -> str:
    """Where the target's secret is found, never its value."""
    from mlops_desktop.notify.secrets import secret_source

    return secret_source(target)


# -- handlers -----------------------------------------------------------------------------------


def list_targets(args: argparse.Namespace) -> int:
    """Print the targets."""
    from mlops_desktop.core.settings import load_settings

    settings = load_settings().notifications
    if args.json:
        print_json(
            {
                "enabled": settings.enabled,
                "targets": [
                    {**t.model_dump(mode="json"), "secret": secret_status(t)}
                    for t in settings.targets
                ],
            }
        )
        return 0
    if not settings.targets:
        print("no notification targets (`mlops-desktop notify targets add NAME --kind …`)")
        return 0
    rows = []
    for t in settings.targets:
        events = "all" if set(t.events) == set(EventKind) else ", ".join(e.value for e in t.events)
        rows.append(
            [
                t.name,
                t.kind.value,
                "yes" if t.enabled else "no",
                f"≥ {t.min_severity.value}",
                events,
                t.where(),
                secret_status(t),
            ]
        )
    print_table(["target", "kind", "enabled", "severity", "events", "where", "secret"], rows)
    if not settings.enabled:
        print("notifications are switched off (settings set notifications.enabled true)")
    return 0


def add_target(args: argparse.Namespace) -> int:
    """Add a target; events from now on are sent to it (nothing older)."""
    from mlops_desktop.core.notify_settings import NotificationSettings
    from mlops_desktop.core.settings import load_settings, save_settings
    from mlops_desktop.notify.dispatcher import Dispatcher

    target = target_from_args(args)
    settings = load_settings()
    others = tuple(t for t in settings.notifications.targets if t.name != target.name)
    if len(others) != len(settings.notifications.targets) and not args.replace:
        raise InvalidInput(
            f"a notification target named {target.name} exists",
            hint="use --replace to change it, or another name",
        )
    save_settings(_with_targets(settings, (*others, target)))
    Dispatcher(NotificationSettings(targets=(target,))).mark_present([target.name])
    print(f"target {target.name} ({target.kind.value}) saved: {target.where()}")
    status = secret_status(target)
    if status.startswith("missing"):
        what = "webhook URL" if target.kind.is_webhook else "SMTP password"
        print(
            f"its {what} is not set yet: `mlops-desktop notify secret set {target.name}` "
            f"(OS keyring) or the environment variable {target.env_name}"
        )
    return 0


def remove_target(args: argparse.Namespace) -> int:
    """Remove a target and its keyring entry."""
    from mlops_desktop.core.settings import load_settings, save_settings
    from mlops_desktop.notify.secrets import delete_secret

    settings = load_settings()
    target = _target(settings, args.name)
    others = tuple(t for t in settings.notifications.targets if t.name != target.name)
    save_settings(_with_targets(settings, others))
    forgot = " and its keyring entry" if delete_secret(target.name) else ""
    print(f"target {target.name} removed{forgot}")
    return 0


def set_secret(args: argparse.Namespace) -> int:
    """Read the secret from stdin (or a hidden prompt) into the OS keyring."""
    from mlops_desktop.core.settings import load_settings
    from mlops_desktop.notify.secrets import store_secret

    target = _target(load_settings(), args.name)
    what = "webhook URL" if target.kind.is_webhook else "SMTP password"
    if sys.stdin.isatty():
        secret = getpass.getpass(f"{what} of {target.name}: ")
    else:
        secret = sys.stdin.readline()
    secret = secret.strip()
    if not secret:
        raise InvalidInput(f"no {what} given", hint="type it at the prompt or pipe it in")
    if target.kind.is_webhook and not secret.startswith(("https://", "http://")):
        raise InvalidInput(f"{what} must start with https:// (or http://)")
    store_secret(target.name, secret)
    print(f"the {what} of {target.name} is in the OS keyring")
    return 0


def delete_secret_command(args: argparse.Namespace) -> int:
    """Forget a target's keyring entry."""
    from mlops_desktop.notify.secrets import delete_secret

    gone = delete_secret(args.name)
    print(f"keyring entry of {args.name} {'deleted' if gone else 'not found'}")
    return 0


def test_target(args: argparse.Namespace) -> int:
    """Send the test message; exit 1 when it did not arrive."""
    from mlops_desktop.core.settings import load_settings
    from mlops_desktop.notify.dispatcher import send_test

    target = _target(load_settings(), args.name)
    print(f"sending a test message to {target.name} ({target.kind.value}, {target.where()}) …")
    result = send_test(target, on_attempt=_say_attempt)
    if result.ok:
        print(f"{target.name}: {result.describe()}")
        return 0
    print(f"error: {target.name}: {result.describe()}", file=sys.stderr)
    if result.attempts:  # with no attempt (a missing secret) the error says what to do
        print(f"hint: {_hint(target, result.code)}", file=sys.stderr)
    return 1


def _say_attempt(attempt: int, error: str) -> None:
    print(f"  attempt {attempt} failed: {error}", file=sys.stderr)


def _hint(target: NotifyTarget, code: int | None) -> str:
    if code in (401, 403):
        return "the webhook refused the request: its URL or token is wrong or was revoked"
    if code == 404:
        return "no webhook at that URL: copy the incoming-webhook URL again"
    if code is not None and code >= 500:
        return "the receiving service has a problem; try again later"
    if target.kind is TargetKind.EMAIL:
        return (
            f"check smtp_host/port ({target.smtp_host}:{target.smtp_port}), STARTTLS "
            f"({'on' if target.starttls else 'off'}) and the login; `notify targets add "
            f"{target.name} --replace …` changes them"
        )
    return (
        f"check the URL in the keyring or ${target.env_name}, and that this machine reaches it "
        "(proxy variables apply)"
    )


def send_pending(args: argparse.Namespace) -> int:
    """Send what is pending; exit 1 when a delivery failed (it is retried next time)."""
    from mlops_desktop.core.settings import load_settings
    from mlops_desktop.notify.dispatcher import Dispatcher

    report = Dispatcher(load_settings().notifications).send_pending()
    if args.json:
        print_json(
            {
                "events": report.events,
                "sent": [d.to_json() for d in report.sent],
                "failed": [d.to_json() for d in report.failed],
            }
        )
    else:
        for d in report.sent:
            print(f"sent {d.title or d.kind} to {d.target} ({d.reply})")
        for d in report.failed:
            later = "retried next time" if d.status == "failed" else "given up"
            print(f"error: {d.title or d.kind} to {d.target}: {d.error} ({later})", file=sys.stderr)
        print(f"{len(report.sent)} sent, {len(report.failed)} failed")
    return 0 if report.ok else 1


def show_log(args: argparse.Namespace) -> int:
    """Print the last deliveries."""
    from mlops_desktop.notify.dispatcher import DeliveryLog

    deliveries = DeliveryLog().read(limit=max(args.limit, 1))
    if args.json:
        print_json([d.to_json() for d in deliveries])
        return 0
    print_table(
        ["time", "target", "event", "status", "attempts", "reply / error"],
        [
            [d.time, d.target, d.title or d.kind, d.status, d.attempts, d.error or d.reply]
            for d in deliveries
        ],
    )
    return 0


def send_after_command(args: argparse.Namespace) -> None:
    """After a command that records events: send them (never changes the command's result)."""
    from mlops_desktop.core.settings import load_settings

    if args.command not in RECORDING_COMMANDS:
        return
    if args.command == "endpoints" and getattr(args, "endpoints_command", "") != "heal":
        return
    if os.environ.get(NOTIFY_SWITCH_ENV, "").strip().lower() in {"0", "false", "no", "off"}:
        return
    try:
        settings = load_settings().notifications
        if not settings.enabled or not settings.targets:
            return
        from mlops_desktop.notify.dispatcher import Dispatcher

        report = Dispatcher(settings).send_pending()
    except Exception as exc:  # a notification problem never fails the command that ran
        print(f"warning: notifications not sent: {exc}", file=sys.stderr)
        return
    for d in report.failed:
        print(f"warning: notification to {d.target} failed: {d.error}", file=sys.stderr)
    if report.sent:
        print(f"notified: {len(report.sent)} message(s) sent", file=sys.stderr)
