"""The GUI entry point: ``mlops-desktop`` / ``mlops-desktop gui`` → :func:`main`.

Importing this module is cheap on purpose: no Qt, no backend SDK. Qt loads inside :func:`main`
once a display is known to exist; backends load inside worker tasks after the window shows.

Options: ``--screenshot FILE`` (write a PNG once every page has loaded, then exit),
``--screenshot-dialog settings|settings-notifications|welcome|shortcuts|create-workspace|…``
(the PNG shows that dialog instead),
``--page NAME``, ``--size WxH``, ``--theme system|light|dark`` (this run only) and ``--timing``
(print time-to-window and time-to-data).

Start-up order: log file, settings (a broken file is backed up and defaults used), theme, window,
crash handler; the welcome flow opens on first run (no workspaces yet, not done before), never
for ``--screenshot``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

_IMPORTED_AT = time.perf_counter()

#: Page names accepted by ``--page`` (the main window's pages, in sidebar order).
PAGE_KEYS: tuple[str, ...] = (
    "overview",
    "models",
    "endpoints",
    "drift",
    "jobs",
    "compute",
    "audit",
)
#: Dialogs ``--screenshot-dialog`` can capture.
DIALOG_KEYS: tuple[str, ...] = (
    "settings",
    # The Settings dialog on its Notifications tab, first target selected, secrets looked up.
    "settings-notifications",
    "welcome",
    "shortcuts",
    # Azure ML dialogs (ui/screenshot_dialogs.py), filled from the configured Azure workspaces.
    "create-workspace",
    "new-schedule",
    "deploy-version",
)
DEFAULT_SIZE = (1400, 860)
EXIT_NO_DISPLAY = 2

NO_DISPLAY_MESSAGE = """\
mlops-desktop: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window \
cannot open.
  - Every action is also a command:   mlops-desktop --help
  - To render the window without a screen (e.g. for a screenshot), set QT_QPA_PLATFORM=offscreen:
        QT_QPA_PLATFORM=offscreen mlops-desktop --screenshot models.png"""


def has_display(environ: Mapping[str, str] | None = None, platform: str | None = None) -> bool:
    """False on Linux with neither DISPLAY nor WAYLAND_DISPLAY and QT_QPA_PLATFORM unset."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return True
    if environ.get("QT_QPA_PLATFORM", "").strip():
        return True
    return bool(environ.get("DISPLAY", "").strip() or environ.get("WAYLAND_DISPLAY", "").strip())


def _parse_size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    try:
        size = (int(width), int(height))
    except ValueError:
        size = (0, 0)
    if not sep or min(size) < 200 or max(size) > 10000:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1400x860, got {text!r}")
    return size


def build_parser() -> argparse.ArgumentParser:
    """Command line of the GUI."""
    parser = argparse.ArgumentParser(
        prog="mlops-desktop gui",
        description="Open the MLOps Desktop window (dev, staging and prod side by side).",
        epilog="Every action is also a headless command: mlops-desktop --help",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help="write a PNG of the window once every page has loaded, then exit",
    )
    parser.add_argument(
        "--page", choices=PAGE_KEYS, default=None, help="page to show (default: overview)"
    )
    parser.add_argument(
        "--size",
        type=_parse_size,
        default=None,
        metavar="WxH",
        help=f"window size (default {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]} for screenshots)",
    )
    parser.add_argument(
        "--timing", action="store_true", help="print time-to-window and time-to-data"
    )
    parser.add_argument(
        "--theme",
        choices=("system", "light", "dark"),
        default=None,
        help="colour theme for this run (default: Settings → Theme)",
    )
    parser.add_argument(
        "--screenshot-dialog",
        choices=DIALOG_KEYS,
        default=None,
        help="with --screenshot: capture this dialog over the window instead of the window",
    )
    parser.add_argument(
        "--screenshot-timeout",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="give up waiting for data after this long (the PNG is still written; exit 1)",
    )
    return parser


def process_start() -> float:
    """``time.perf_counter()`` value of the moment the process started.

    Uses ``mlops_desktop.launcher.STARTED_AT`` when the launcher records it, else the process
    creation time the OS reports, else the import of this module.
    """
    launcher = sys.modules.get("mlops_desktop.launcher")
    started = getattr(launcher, "STARTED_AT", None)
    if isinstance(started, float):
        return started
    try:
        import psutil

        created = psutil.Process().create_time()
        return time.perf_counter() - (time.time() - created)
    except Exception:  # psutil missing or the OS does not say
        return _IMPORTED_AT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the GUI; returns the process exit code (2 when there is no display)."""
    parser = build_parser()
    try:
        args, qt_args = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # --help, or bad options (argparse already printed why)
        return int(exc.code or 0)
    unknown = [a for a in qt_args if not a.startswith("-")]
    if unknown:
        parser.print_usage(sys.stderr)
        print(f"mlops-desktop gui: unexpected argument(s): {' '.join(unknown)}", file=sys.stderr)
        return 2
    if not has_display():
        print(NO_DISPLAY_MESSAGE, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from mlops_desktop.ui.shell.platform_check import (
        missing_libraries_message,
        missing_xcb_packages,
    )

    missing = missing_xcb_packages()
    if missing:
        print(missing_libraries_message(missing), file=sys.stderr)
        return EXIT_NO_DISPLAY
    return _run(args, qt_args)


def _run(args: argparse.Namespace, qt_args: list[str]) -> int:
    import logging

    from mlops_desktop.core.config import AppConfig, load_config
    from mlops_desktop.core.environment import prepare_process_environment
    from mlops_desktop.core.errors import MlopsError
    from mlops_desktop.core.logs import setup_logging
    from mlops_desktop.core.settings import (
        Theme,
        apply_sign_in_method,
        load_settings_or_defaults,
    )

    setup_logging()
    logging.getLogger("mlops_desktop.app").info("starting the GUI")
    settings, settings_problem = load_settings_or_defaults()
    apply_sign_in_method(settings, os.environ)
    config: AppConfig | None
    try:
        config = load_config()
    except MlopsError:
        config = None  # the window reports the broken file itself
    prepare_process_environment(config)

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from mlops_desktop import __version__
    from mlops_desktop.ui.shell import style
    from mlops_desktop.ui.shell.crash_dialog import CrashHandler
    from mlops_desktop.ui.shell.main_window import MainWindow
    from mlops_desktop.ui.shell.notifications import NotificationCenter

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("MLOps Desktop")
    app.setOrganizationName("mlops-desktop")
    app.setApplicationVersion(__version__)
    # Wayland compositors find the window's icon and name through the .desktop file's id.
    app.setDesktopFileName("io.github.mlopsdesktop.MLOpsDesktop")
    style.apply_theme(app, Theme(args.theme) if args.theme else settings.theme)
    app.setWindowIcon(style.icon("app"))

    screenshot: Path | None = args.screenshot
    notifications = NotificationCenter()
    notifications.install_exception_hooks()
    window = MainWindow(
        notifications=notifications,
        remember_state=screenshot is None,
        app_settings=settings,
        background=screenshot is None,
    )
    if settings_problem:
        notifications.warning(settings_problem)
    crash_handler = CrashHandler(notifications, window, save_work=window.save_state)
    window.crash_handler = crash_handler  # type: ignore[attr-defined]
    size = args.size or (DEFAULT_SIZE if screenshot is not None else None)
    if size is not None:
        window.resize(*size)
    else:
        fit_to_screen(window)
    if args.page:
        window.show_page(args.page)

    started = process_start()
    outcome = {"code": 0}
    reported = {"data": False}

    def shown() -> None:
        if args.timing:
            print(f"time-to-window: {time.perf_counter() - started:.2f} s", flush=True)
        window.start()
        if screenshot is None and should_welcome(settings, config):
            open_welcome(window)

    def data_loaded() -> None:
        if args.timing and not reported["data"]:
            reported["data"] = True
            count = len(window.loader.config.workspaces)
            print(
                f"time-to-data: {time.perf_counter() - started:.2f} s ({count} workspace(s))",
                flush=True,
            )
        if screenshot is not None:
            QTimer.singleShot(0, lambda: take_screenshot(ok=True))

    def take_screenshot(*, ok: bool) -> None:
        if outcome.get("done"):
            return
        outcome["done"] = 1
        assert screenshot is not None
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        if args.screenshot_dialog:
            saved = grab_dialog(window, args.screenshot_dialog).save(str(screenshot), "PNG")
        else:
            saved = window.grab().save(str(screenshot), "PNG")
        versions = window.models_page.versions_model.rowCount()
        workspaces = len(window.loader.config.workspaces)
        if saved:
            print(
                f"screenshot: {screenshot} ({window.width()}x{window.height()}, page "
                f"{window.current_page_key()}, {versions} model versions from {workspaces} "
                "workspace(s))",
                flush=True,
            )
        else:
            print(f"mlops-desktop: could not write {screenshot}", file=sys.stderr)
        if not ok:
            print(
                f"mlops-desktop: data did not finish loading within {args.screenshot_timeout:g} "
                "s; the screenshot shows what had loaded",
                file=sys.stderr,
            )
        outcome["code"] = 0 if (saved and ok) else 1
        app.exit(outcome["code"])

    window.dataLoaded.connect(data_loaded)
    window.show()
    QTimer.singleShot(0, shown)
    if screenshot is not None:
        QTimer.singleShot(int(args.screenshot_timeout * 1000), lambda: take_screenshot(ok=False))

    code = app.exec()
    code = outcome["code"] if screenshot is not None else code
    clean = window.shutdown()
    notifications.uninstall_exception_hooks()
    if not clean:
        # A task ignored its cancel past the deadline; never hang on quit.
        print("mlops-desktop: background tasks still running at exit; leaving now", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def should_welcome(settings: object, config: object) -> bool:
    """First run: the welcome flow has not run and no workspace is configured yet."""
    done = bool(getattr(settings, "welcome_done", False))
    workspaces = getattr(config, "workspaces", ())
    return not done and config is not None and not workspaces


def open_welcome(window: Any) -> Any:
    """Open the welcome flow over ``window``; finishing or skipping records it in Settings and
    shows the Models page."""
    from mlops_desktop.core.settings import save_settings
    from mlops_desktop.ui.workspaces.welcome_wizard import WelcomeWizard

    wizard = WelcomeWizard(window.pool, window._demo_task, window)
    wizard.workspacesChanged.connect(window.reload_config)
    wizard.addWorkspaceRequested.connect(lambda kind: _add_workspace_of_kind(window, kind))

    def done(_result: int) -> None:
        settings = window.app_settings.model_copy(update={"welcome_done": True})
        save_settings(settings)
        window.app_settings = settings
        window.show_page("models")
        window.reload_config()

    wizard.finished.connect(done)
    wizard.open()
    import logging

    logging.getLogger("mlops_desktop.app").info("first run: welcome flow shown")
    window.welcome_wizard = wizard
    return wizard


def _add_workspace_of_kind(window: Any, kind: str) -> None:
    from mlops_desktop.ui.workspaces.workspace_form import WorkspaceKind

    dialog = window.add_workspace()
    dialog.set_kind(WorkspaceKind(kind))


def grab_dialog(window: Any, which: str) -> Any:
    """Open dialog ``which`` over the window and return a pixmap of the dialog."""
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.ui.shell.screenshot_dialogs import AZURE_DIALOG_KEYS, grab_azure_dialog
    from mlops_desktop.ui.workspaces.welcome_wizard import WelcomeWizard

    if which in AZURE_DIALOG_KEYS:
        return grab_azure_dialog(window, which)
    if which == "settings":
        dialog = window.open_settings()
    elif which == "settings-notifications":
        from mlops_desktop.ui.shell.screenshot_dialogs import open_settings_notifications

        dialog = open_settings_notifications(window)
    elif which == "shortcuts":
        dialog = window.show_shortcuts()
    else:
        dialog = WelcomeWizard(window.pool, window._demo_task, window)
        dialog.show()
    QApplication.processEvents()
    pixmap = dialog.grab()
    dialog.close()
    return pixmap


def fit_to_screen(window: Any) -> None:
    """Keep an on-screen window inside its screen's free area: the default (or remembered)
    size is 1400×860, more than a 1280×720 screen holds, where the right column and the
    status bar would sit off screen (no window manager shrinks it under X without one)."""
    from PySide6.QtGui import QGuiApplication

    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    size = window.size().boundedTo(area.size())
    if size != window.size():
        window.resize(size)
        window.move(area.topLeft())
