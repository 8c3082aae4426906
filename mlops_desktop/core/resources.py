"""Locate the shipped ``resources/`` folder (icons, styles, report templates).

In a wheel it is installed as ``mlops_desktop/resources``; in a source checkout (editable
install) it is the top-level ``resources/`` beside the package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import mlops_desktop


@cache
def resources_dir() -> Path:
    """The resources directory, from an installed wheel or a source checkout."""
    package_dir = Path(mlops_desktop.__file__).resolve().parent
    for candidate in (package_dir / "resources", package_dir.parent / "resources"):
        if (candidate / "icons").is_dir():
            return candidate
    raise FileNotFoundError(f"resources folder not found next to {package_dir}")


def resource_path(*parts: str) -> Path:
    """Path of one shipped resource, e.g. ``resource_path("icons", "app.svg")``."""
    return resources_dir().joinpath(*parts)
