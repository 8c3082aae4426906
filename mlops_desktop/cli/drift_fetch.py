"""``mlops-desktop drift fetch``: download what an Azure ML deployment's data collector wrote.

The folder it fills is a ``drift report --current DIR`` as it is (JSON Lines of collector
events; their time becomes the ``time`` column). ``drift report --current
endpoint:WORKSPACE/ENDPOINT#since=-7d`` does both steps in one, into a temporary folder.
Exit codes: 0 fetched, 2 an error (message on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

EXIT_ERROR = 2


def register_fetch(commands: argparse._SubParsersAction) -> None:
    """Add ``drift fetch`` to the ``drift`` command group."""
    fetch = commands.add_parser(
        "fetch",
        help="download an Azure ML endpoint's collected production data",
        description="Download the JSON Lines files an Azure ML online deployment's data "
        "collector wrote to the workspace's blob storage (modelDataCollector/ENDPOINT/"
        "DEPLOYMENT/COLLECTION/YYYY/MM/DD/HH/) for a time range, into DIR. Only the hours of "
        "the range are listed; whole hours are fetched. Then: drift report --current DIR.",
        epilog="exit codes: 0 fetched, 2 error (e.g. nothing collected in the range)",
    )
    fetch.add_argument("endpoint", metavar="ENDPOINT", help="online endpoint name")
    fetch.add_argument(
        "--workspace", "-w", required=True, help="the Azure ML workspace of the endpoint"
    )
    fetch.add_argument(
        "--deployment", "-d", metavar="NAME", help="one deployment (default: all of them)"
    )
    fetch.add_argument(
        "--collection",
        default="model_inputs",
        metavar="NAME",
        help="collection to fetch: model_inputs (default), model_outputs or a custom one",
    )
    start = fetch.add_mutually_exclusive_group()
    start.add_argument(
        "--since",
        metavar="DURATION",
        help="how far back from --to (or now): 30m, 24h, 7d, 2w (default: 7d)",
    )
    start.add_argument("--from", dest="start", metavar="TIME", help="start, an ISO time (UTC)")
    fetch.add_argument("--to", dest="end", metavar="TIME", help="end, an ISO time (default: now)")
    fetch.add_argument("--out", required=True, metavar="DIR", help="folder to download into")
    fetch.add_argument("--quiet", action="store_true", help="print no progress on stderr")
    fetch.set_defaults(handler=fetch_command)


def fetch_command(args: argparse.Namespace) -> int:
    """Run ``drift fetch``; returns 0 or 2."""
    from mlops_desktop.core.errors import MlopsError

    try:
        return _fetch(args)
    except KeyboardInterrupt:
        print("cancelled", file=sys.stderr)
        return EXIT_ERROR
    except MlopsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def _fetch(args: argparse.Namespace) -> int:
    from mlops_desktop.cli.output import load_app_config
    from mlops_desktop.core.errors import InvalidInput
    from mlops_desktop.core.tasks import TaskContext
    from mlops_desktop.monitoring.sources import parse_moment
    from mlops_desktop.ports.collected_data import open_collected_data

    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"{out} is a file, not a folder")
    until = parse_moment(args.end) if args.end else datetime.now(UTC)
    if args.start:
        since = parse_moment(args.start)
    else:
        since = parse_moment(f"-{(args.since or '7d').lstrip('-')}", until)
    show = not args.quiet and sys.stderr.isatty()

    def progress(done: int, total: int, message: str) -> None:
        if show:
            print(f"\r{message[:70]:<70}", end="", file=sys.stderr, flush=True)

    collected = open_collected_data(load_app_config().workspace(args.workspace))
    try:
        # A kind without collector files (local endpoints) says so before anything is read.
        fetched = collected.download(
            args.endpoint,
            out,
            deployment=args.deployment,
            collection=args.collection,
            since=since,
            until=until,
            ctx=TaskContext(progress),
        )
    finally:
        if show:
            print(file=sys.stderr)
    hours = sorted({"/".join(name.split("/")[4:8]) for name in fetched.blobs})
    print(
        f"fetched {len(fetched.blobs)} files ({fetched.n_bytes:,} bytes) of {fetched.collection} "
        f"collected by {fetched.endpoint} ({', '.join(fetched.deployments)}) between "
        f"{fetched.since:%Y-%m-%d %H:%M} and {fetched.until:%Y-%m-%d %H:%M} UTC "
        f"({len(hours)} hours with data) into {out}"
    )
    print(f"next: mlops-desktop drift report --reference REF --current {out} --timestamp time")
    return 0
