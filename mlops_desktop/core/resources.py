"""Locate the shipped ``resources/`` folder (icons, styles, report templates).

In a wheel it is installed as ``mlops_desktop/resources``; in a source checkout (editable
install) it is the top-level ``resources/`` beside the package; in a frozen (PyInstaller) app it
is ``mlops_desktop/resources`` inside the bundle (``sys._MEIPASS``).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

import mlops_desktop


@cache
def resources_dir() -> Path:
    """The resources directory, from an installed wheel or a source checkout."""
    package_dir = Path(mlops_desktop.__file__).resolve().parent
    candidates = [package_dir / "resources", package_dir.parent / "resources"]
    bundle = getattr(sys, "_MEIPASS", None)  # set by PyInstaller's bootloader in a frozen app
    if bundle:
        candidates.insert(0, Path(bundle) / "mlops_desktop" / "resources")
    for candidate in candidates:
        if (candidate / "icons").is_dir():
            return candidate
    raise FileNotFoundError(f"resources folder not found next to {package_dir}")


def resource_path(*parts: str) -> Path:
    """Path of one shipped resource, e.g. ``resource_path("icons", "app.svg")``."""
    return resources_dir().joinpath(*parts)
