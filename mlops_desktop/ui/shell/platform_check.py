"""Pre-flight checks that turn Qt's hard aborts at start-up into messages a person can act on.

Qt aborts the process (no exception to catch) when its X11 platform plugin cannot load its
system libraries. Those libraries are not part of the PySide6 wheel, so on a fresh Linux
desktop they may be missing; we look for them first and name the packages to install.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Callable, Mapping

#: Libraries Qt's xcb plugin needs that minimal systems often lack -> Debian/Ubuntu package.
XCB_LIBRARIES: dict[str, str] = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-image": "libxcb-image0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
}


def uses_xcb(environ: Mapping[str, str], platform: str) -> bool:
    """True when Qt will pick its X11 (xcb) plugin."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.startswith("xcb")
    return bool(environ.get("DISPLAY", "").strip()) and not environ.get("WAYLAND_DISPLAY")


def missing_xcb_packages(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    find_library: Callable[[str], str | None] = ctypes.util.find_library,
) -> list[str]:
    """Packages to install before the X11 window can open (empty when all is there)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not uses_xcb(environ, platform):
        return []
    return [package for lib, package in XCB_LIBRARIES.items() if not find_library(lib)]


def missing_libraries_message(packages: list[str]) -> str:
    """What to tell a person whose system lacks the libraries."""
    names = " ".join(packages)
    return (
        "mlops-desktop: the window cannot open because Qt's X11 plugin needs system libraries "
        "that are not installed.\n"
        f"  - Debian/Ubuntu: sudo apt-get install {names}\n"
        "  - Everything else works without a window: mlops-desktop --help\n"
        "  - Or render offscreen: QT_QPA_PLATFORM=offscreen mlops-desktop --screenshot out.png"
    )
