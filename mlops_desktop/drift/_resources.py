"""Find the shipped ``resources/`` folder (report templates) from a wheel or a source checkout."""

from __future__ import annotations

from pathlib import Path

import mlops_desktop


def resources_dir() -> Path:
    """``mlops_desktop/resources`` in an installed wheel, else ``resources/`` beside the package."""
    package_dir = Path(mlops_desktop.__file__).resolve().parent
    installed = package_dir / "resources"
    if installed.is_dir():
        return installed
    return package_dir.parent / "resources"


def template_path(name: str) -> Path:
    """Path of one report template, e.g. ``template_path("drift_report.html.j2")``."""
    return resources_dir() / "templates" / name
