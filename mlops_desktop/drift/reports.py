"""Write a drift result as a report, the format chosen by the file's extension."""

from __future__ import annotations

from pathlib import Path

from mlops_desktop.drift.errors import DriftInputError
from mlops_desktop.drift.result import DriftResult

#: File extension -> report format.
REPORT_FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".json": "json"}


def report_format(path: Path) -> str:
    """``html``, ``pdf`` or ``json`` for ``path``; a clear error for anything else."""
    kind = REPORT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise DriftInputError(f"{path}: unknown report format (use .html, .pdf or .json)")
    return kind


def write_report(result: DriftResult, path: str | Path) -> Path:
    """Write ``result`` to ``path`` as HTML (self-contained), PDF or JSON, with the mode the
    person's umask gives (a report is made to be shared, unlike the app's own files)."""
    from mlops_desktop.core.files import hand_over

    path = Path(path)
    # Each writer's libraries load only when its format is asked for.
    match report_format(path):
        case "html":
            from mlops_desktop.drift.report_html import write_html

            return hand_over(write_html(result, path))
        case "pdf":
            from mlops_desktop.drift.report_pdf import write_pdf

            return hand_over(write_pdf(result, path))
        case _:
            from mlops_desktop.drift.report_json import write_json

            return hand_over(write_json(result, path))
