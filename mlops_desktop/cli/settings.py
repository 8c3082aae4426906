"""``mlops-desktop settings show|set KEY VALUE|reset`` — the preferences of the Settings dialog."""

from __future__ import annotations

import argparse
from types import ModuleType

from mlops_desktop.cli.output import describe_when_shown, print_json, print_table

# mlops_desktop.core.settings (a pydantic model) loads in the handlers and when a help text
# that names its keys or file is shown, not to build the parser.


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``settings`` command group."""
    group = sub.add_parser(
        "settings",
        help="show or change preferences (theme, refresh, drift thresholds, reports, sign-in, "
        "background stage changes)",
    )
    describe_when_shown(group, lambda: f"Preferences, stored in {_settings().settings_file()}.")
    commands = group.add_subparsers(dest="settings_command", metavar="ACTION", required=True)
    show = commands.add_parser("show", help="every setting and its value")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=show_settings)
    setter = commands.add_parser("set", help="change one setting")
    describe_when_shown(setter, lambda: "Keys: " + ", ".join(_settings().setting_keys()))
    setter.add_argument("key", metavar="KEY", help="e.g. theme or refresh.jobs_seconds")
    setter.add_argument("value", metavar="VALUE")
    setter.set_defaults(handler=set_setting)
    reset = commands.add_parser(
        "reset", help="restore the defaults (the old file is kept as a .bad-… backup)"
    )
    reset.set_defaults(handler=reset_command)


def show_settings(args: argparse.Namespace) -> int:
    """Print every setting."""
    s = _settings()
    values = s.flatten(s.load_settings())
    if args.json:
        print_json(values)
    else:
        print_table(["setting", "value"], [[k, _text(v)] for k, v in values.items()])
    return 0


def set_setting(args: argparse.Namespace) -> int:
    """Validate and save one value."""
    s = _settings()
    settings = s.with_value(s.load_settings(), args.key, args.value)
    s.save_settings(settings)
    print(f"{args.key} = {_text(s.flatten(settings)[args.key])}")
    return 0


def reset_command(args: argparse.Namespace) -> int:
    """Write the defaults, keeping a backup of the previous file."""
    s = _settings()
    _defaults, backup = s.reset_settings()
    print(f"settings reset to defaults ({s.settings_file()})")
    if backup is not None:
        print(f"previous settings kept in {backup}")
    return 0


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return '""' if value == "" else str(value)


def _settings() -> ModuleType:
    from mlops_desktop.core import settings

    return settings
