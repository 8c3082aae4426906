"""The X11 pre-flight check names the packages Qt's xcb plugin would abort without."""

from __future__ import annotations

from mlops_desktop.ui.shell.platform_check import (
    missing_libraries_message,
    missing_xcb_packages,
    uses_xcb,
)


def test_xcb_is_detected_only_where_qt_would_use_it() -> None:
    assert uses_xcb({"DISPLAY": ":0"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert uses_xcb({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert not uses_xcb({"DISPLAY": ":0"}, "darwin")


def test_missing_libraries_are_named_with_their_packages() -> None:
    present = {"xcb-cursor", "xcb-image", "xcb-render-util", "xcb-shape", "xcb-xkb"}
    missing = missing_xcb_packages(
        {"DISPLAY": ":0"}, "linux", lambda lib: f"lib{lib}.so" if lib in present else None
    )
    assert missing == ["libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"]
    assert "apt-get install libxcb-icccm4" in missing_libraries_message(missing)
    assert missing_xcb_packages({"QT_QPA_PLATFORM": "offscreen"}, "linux", lambda _: None) == []
