"""``mlops-desktop drift``: data drift and data-quality reports from the command line.

``drift report`` compares a current table with a reference table and writes HTML, PDF and/or JSON
reports (format by extension). Exit codes: 0 no dataset drift, 1 dataset drift detected,
2 an error (message on stderr, no traceback). Heavy modules load inside the handler, so the
CLI itself starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_desktop.drift.reports import REPORT_FORMATS

if TYPE_CHECKING:
    from mlops_desktop.drift.result import DriftResult

#: Exit code when the dataset drifted (0: no drift, 2: error).
EXIT_DRIFT = 1
EXIT_ERROR = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``drift`` command group (``drift report``) to the CLI."""
    drift = subparsers.add_parser(
        "drift",
        help="data drift and data-quality reports (drift report|fetch …)",
        description="Data drift and data quality: compare current data with reference data.",
    )
    drift.set_defaults(handler=lambda args: _print_help(drift))
    commands = drift.add_subparsers(dest="drift_command", metavar="COMMAND")
    report = commands.add_parser(
        "report",
        help="compare current with reference data and write a report",
        description="Compare CUR with REF feature by feature (drift, data quality, prediction "
        "drift, performance, drift over time) and write the report(s). Tables may be CSV, "
        "Parquet, JSON Lines (incl. Azure ML data collector files) or a directory of them.",
        epilog="exit codes: 0 no dataset drift, 1 dataset drift detected, 2 error",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--reference",
        required=True,
        metavar="REF",
        help="reference data: a file; model:WORKSPACE/NAME/VERSION|ALIAS (the training data "
        "behind a model version); or endpoint:WORKSPACE/NAME (what a local endpoint, or an "
        "Azure ML endpoint's data collector, collected); "
        "any of them may end in #since=-14d&until=-7d (ISO times or durations back from now)",
    )
    report.add_argument(
        "--current",
        required=True,
        metavar="CUR",
        help="current data, in the same forms as --reference (e.g. endpoint:prod/churn#since=-7d)",
    )
    report.add_argument("--target", metavar="COL", help="label column (enables performance)")
    report.add_argument("--prediction", metavar="COL", help="model output column")
    report.add_argument("--timestamp", metavar="COL", help="time column of the current data")
    report.add_argument(
        "--window",
        choices=("hour", "day", "week"),
        default="day",
        help="window for drift over time (with --timestamp; default: day)",
    )
    report.add_argument("--config", metavar="drift.toml", help="metrics and thresholds")
    report.add_argument(
        "--out",
        action="append",
        required=True,
        metavar="FILE",
        help="report file: .html, .pdf or .json (repeat for several)",
    )
    report.add_argument(
        "--memory-budget",
        metavar="SIZE",
        help="Parquet inputs larger than this in memory (e.g. 2G) are streamed in two passes "
        "with bounded memory (default: half the memory available)",
    )
    report.add_argument(
        "--stream", action="store_true", help="stream Parquet inputs whatever their size"
    )
    report.add_argument("--quiet", action="store_true", help="print no progress on stderr")
    report.set_defaults(handler=report_command)
    from mlops_desktop.cli.drift_fetch import register_fetch

    register_fetch(commands)


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_ERROR


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR


def _outputs(paths: list[str]) -> list[tuple[Path, str]] | str:
    outputs = []
    for raw in paths:
        path = Path(raw)
        kind = REPORT_FORMATS.get(path.suffix.lower())
        if kind is None:
            return f"{raw}: unknown report format (use .html, .pdf or .json)"
        if not path.parent.is_dir():
            return f"{raw}: the folder {path.parent} does not exist"
        outputs.append((path, kind))
    return outputs


def report_command(args: argparse.Namespace) -> int:
    """Run ``drift report``; returns 0 (no dataset drift), 1 (drift) or 2 (error)."""
    outputs = _outputs(args.out)
    if isinstance(outputs, str):
        return _error(outputs)
    try:
        return _run_report(args, outputs)
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # one message, never a traceback
        from mlops_desktop.core.errors import MlopsError
        from mlops_desktop.drift.errors import DriftError

        if isinstance(exc, DriftError | MlopsError):
            return _error(str(exc))
        if isinstance(exc, MemoryError):
            return _error("out of memory: try smaller inputs or fewer columns")
        if os.environ.get("MLOPS_DESKTOP_DEBUG"):
            raise
        return _error(
            f"unexpected {type(exc).__name__}: {exc} (set MLOPS_DESKTOP_DEBUG=1 for details)"
        )


def _run_report(args: argparse.Namespace, outputs: list[tuple[Path, str]]) -> int:
    from mlops_desktop.drift.config import default_drift_config, load_drift_config
    from mlops_desktop.drift.engine import compute_drift

    config = load_drift_config(args.config) if args.config else default_drift_config()
    show_progress = not args.quiet and sys.stderr.isatty()

    def progress(done: int, total: int, message: str) -> None:
        if show_progress:
            print(f"\r[{done}/{total}] {message[:60]:<60}", end="", file=sys.stderr, flush=True)

    from mlops_desktop.drift.parquet_stream import should_stream

    if should_stream(args.reference, args.current, args.memory_budget, force=args.stream):
        from mlops_desktop.core.tasks import TaskContext
        from mlops_desktop.drift.streaming import compute_drift_streaming

        result = compute_drift_streaming(
            args.reference,
            args.current,
            config=config,
            target=args.target,
            prediction=args.prediction,
            timestamp=args.timestamp,
            ctx=TaskContext(on_progress=progress),
        )
        return _write(result, outputs, show_progress)
    reference, reference_name = _load(args.reference, args.timestamp)
    current, current_name = _load(args.current, args.timestamp)
    result = compute_drift(
        reference,
        current,
        config=config,
        target=args.target,
        prediction=args.prediction,
        timestamp=args.timestamp,
        window=args.window,
        progress=progress,
    )
    import dataclasses

    # Name sources as given (a model version, an endpoint), not by temporary copies.
    result = dataclasses.replace(result, reference_name=reference_name, current_name=current_name)
    return _write(result, outputs, show_progress)


def _write(result: DriftResult, outputs: list[tuple[Path, str]], show_progress: bool) -> int:
    from mlops_desktop.drift.report_text import summary_text
    from mlops_desktop.drift.reports import write_report

    if show_progress:
        print(file=sys.stderr)
    for path, _kind in outputs:
        try:
            write_report(result, path)
        except OSError as exc:
            return _error(f"{path}: cannot write the report: {exc.strerror or exc}")
    print(summary_text(result))
    for path, _kind in outputs:
        print(f"report: {path}")
    return EXIT_DRIFT if result.dataset_drift else 0


def _load(source: str, timestamp: str | None) -> tuple[object, str]:
    """A table for a file, ``model:…`` or ``endpoint:…`` source with an optional time slice."""
    from mlops_desktop.cli.output import load_app_config
    from mlops_desktop.monitoring.sources import load_source
    from mlops_desktop.ports.collected_data import open_collected_data

    return load_source(
        load_app_config(), source, timestamp=timestamp, open_collected=open_collected_data
    )
