"""Shared CLI plumbing: error reporting, tables, JSON, progress on stderr."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.errors import MlopsError
from mlops_desktop.core.redact import redact_text

if TYPE_CHECKING:  # the config model is pydantic: loaded by the commands that read it, so
    # building the parser (``--help``) stays cheap
    from mlops_desktop.core.config import AppConfig


def run_handler(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command handler; errors become a message and exit code 2, never a traceback."""
    try:
        return handler(args)
    except MlopsError as exc:
        message = redact_text(exc.message)
        logging.getLogger("mlops_desktop.cli").warning("error: %s", message)
        print(f"error: {message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {redact_text(exc.hint)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; that is not an error of ours.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def describe_when_shown(parser: argparse.ArgumentParser, describe: Callable[[], str]) -> None:
    """Give ``parser`` the description ``describe()`` returns, computed only when its help is
    formatted: a description read from the settings model would otherwise load pydantic for
    every command, ``--help`` included."""
    format_help = parser.format_help

    def described() -> str:
        parser.description = describe()
        return format_help()

    parser.format_help = described  # type: ignore[method-assign]


def load_app_config() -> AppConfig:
    """The configuration, with process settings (telemetry off by default) applied."""
    from mlops_desktop.core.config import load_config
    from mlops_desktop.core.environment import prepare_process_environment

    config = load_config()
    prepare_process_environment(config)
    return config


def print_json(data: Any) -> None:
    """Pretty JSON on stdout."""
    json.dump(data, sys.stdout, indent=2, sort_keys=False, default=str)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain aligned text table on stdout."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def progress_printer(quiet: bool = False) -> Callable[[int, int, str], None]:
    """A progress callback that writes ``[done/total] message`` lines to stderr."""

    def report(done: int, total: int, message: str) -> None:
        if not quiet:
            print(f"[{done}/{total}] {message}", file=sys.stderr, flush=True)

    return report


def format_metric(value: float | None) -> str:
    """A metric value for a table cell."""
    if value is None:
        return ""
    return f"{value:.4g}"
