"""``mlops-desktop settings show|set KEY VALUE|reset`` — the preferences of the Settings dialog."""

from __future__ import annotations

import argparse

from mlops_desktop.cli.output import print_json, print_table
from mlops_desktop.core.settings import (
    flatten,
    load_settings,
    reset_settings,
    save_settings,
    setting_keys,
    settings_file,
    with_value,
)


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``settings`` command group."""
    group = sub.add_parser(
        "settings",
        help="show or change preferences (theme, refresh, drift thresholds, reports, sign-in, "
        "background stage changes)",
        description=f"Preferences, stored in {settings_file()}.",
    )
    commands = group.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = commands.add_parser("show", help="every setting and its value")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=show_settings)
    setter = commands.add_parser(
        "set",
        help="change one setting",
        description="Keys: " + ", ".join(setting_keys()),
    )
    setter.add_argument("key", metavar="KEY", help="e.g. theme or refresh.jobs_seconds")
    setter.add_argument("value", metavar="VALUE")
    setter.set_defaults(handler=set_setting)
    reset = commands.add_parser(
        "reset", help="restore the defaults (the old file is kept as a .bad-… backup)"
    )
    reset.set_defaults(handler=reset_command)


def show_settings(args: argparse.Namespace) -> int:
    """Print every setting."""
    values = flatten(load_settings())
    if args.json:
        print_json(values)
    else:
        print_table(["setting", "value"], [[k, _text(v)] for k, v in values.items()])
    return 0


def set_setting(args: argparse.Namespace) -> int:
    """Validate and save one value."""
    settings = with_value(load_settings(), args.key, args.value)
    save_settings(settings)
    print(f"{args.key} = {_text(flatten(settings)[args.key])}")
    return 0


def reset_command(args: argparse.Namespace) -> int:
    """Write the defaults, keeping a backup of the previous file."""
    _settings, backup = reset_settings()
    print(f"settings reset to defaults ({settings_file()})")
    if backup is not None:
        print(f"previous settings kept in {backup}")
    return 0


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return '""' if value == "" else str(value)
