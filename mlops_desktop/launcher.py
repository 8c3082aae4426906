"""The ``mlops-desktop`` entry point: the GUI by default, otherwise the headless CLI.

Kept tiny so that starting the GUI imports neither the CLI's nor the backends' dependencies.
"""

from __future__ import annotations

import sys
import time

#: Process start as seen by our code; ``--timing`` measures time-to-window from here.
STARTED_AT = time.perf_counter()

_GUI_FLAGS = {"--screenshot", "--timing", "--page", "--size"}


def _wants_gui(argv: list[str]) -> bool:
    if not argv:
        return True
    first = argv[0]
    return first == "gui" or first.split("=", 1)[0] in _GUI_FLAGS


def main(argv: list[str] | None = None) -> int:
    """Run the GUI (no command, ``gui``) or a CLI command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if _wants_gui(argv):
        from mlops_desktop.ui.app import main as gui_main

        return gui_main(argv[1:] if argv and argv[0] == "gui" else argv)
    from mlops_desktop.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
