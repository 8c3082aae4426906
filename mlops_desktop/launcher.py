"""The ``mlops-desktop`` entry point: the GUI by default, otherwise the headless CLI.

Kept tiny so that starting the GUI imports neither the CLI's nor the backends' dependencies.
"""

from __future__ import annotations

import sys
import time

#: Process start as seen by our code; ``--timing`` measures time-to-window from here.
STARTED_AT = time.perf_counter()

_GUI_FLAGS = {"--screenshot", "--timing", "--page", "--size", "--theme", "--screenshot-dialog"}


def _wants_gui(argv: list[str]) -> bool:
    if not argv:
        return True
    first = argv[0]
    return first == "gui" or first.split("=", 1)[0] in _GUI_FLAGS


#: Interpreter flags a child command line may carry before ``-m``/``-c``/a script (ignored).
_INTERPRETER_FLAGS = {"-u", "-B", "-s", "-E", "-I", "-O", "-OO", "-b", "-bb"}


def _run_frozen_child(argv: list[str]) -> int | None:
    """In a frozen (PyInstaller) app, act as ``python`` for ``-m``/``-c``/script command lines.

    Endpoints, routers, job supervisors and pipelines are started as
    ``sys.executable -m module …`` and MLflow runs ``sys.executable script.py …``; in a frozen
    app ``sys.executable`` is this binary, so those command lines arrive here. Returns the exit
    code, or None when ``argv`` is an ordinary GUI/CLI command line.
    """
    import multiprocessing

    multiprocessing.freeze_support()  # multiprocessing's spawned workers and helpers
    start = 0
    while start < len(argv) and argv[start] in _INTERPRETER_FLAGS:
        start += 1
    if start >= len(argv):
        return None
    first, rest = argv[start], argv[start + 1 :]
    if first not in ("-m", "-c") and not first.endswith((".py", ".pyc")):
        return None
    import os
    import runpy

    if os.environ.get("PYTHONUNBUFFERED"):  # frozen apps ignore PYTHON* variables
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and hasattr(stream, "reconfigure"):
                stream.reconfigure(line_buffering=True, write_through=True)
    if first == "-m" and rest:
        sys.argv = [rest[0], *rest[1:]]
        runpy.run_module(rest[0], run_name="__main__", alter_sys=True)
        return 0
    if first == "-c" and rest:
        sys.argv = ["-c", *rest[1:]]
        exec(compile(rest[0], "<string>", "exec"), {"__name__": "__main__"})
        return 0
    if first in ("-m", "-c"):
        print(f"mlops-desktop: argument expected for the {first} option", file=sys.stderr)
        return 2
    sys.argv = [first, *rest]
    from pathlib import Path

    script = Path(first)
    bundle = Path(getattr(sys, "_MEIPASS", sys.prefix)).resolve()
    if not script.is_file() and script.resolve().is_relative_to(bundle):
        # A bundled module's ``__file__`` (its source is not shipped): run the module instead.
        parts = script.resolve().relative_to(bundle).with_suffix("").parts
        runpy.run_module(".".join(parts), run_name="__main__", alter_sys=True)
        return 0
    runpy.run_path(first, run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the GUI (no command, ``gui``) or a CLI command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if getattr(sys, "frozen", False):
        child_exit = _run_frozen_child(argv)
        if child_exit is not None:
            return child_exit
    if argv == ["--version"]:  # answered before the CLI (and its config model) is imported
        from mlops_desktop import __version__

        print(f"mlops-desktop {__version__}")
        return 0
    from mlops_desktop.core import paths
    from mlops_desktop.core.files import keep_files_private
    from mlops_desktop.core.logs import setup_logging

    keep_files_private(paths.config_dir(), paths.data_dir(), paths.cache_dir())
    setup_logging()  # GUI and CLI share the rotating log file in the data dir
    import logging

    logging.getLogger("mlops_desktop.launcher").info("mlops-desktop %s", " ".join(argv[:2]))
    if _wants_gui(argv):
        from mlops_desktop.ui.shell.app import main as gui_main

        return gui_main(argv[1:] if argv and argv[0] == "gui" else argv)
    from mlops_desktop.cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
