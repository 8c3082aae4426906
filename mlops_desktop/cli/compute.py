"""``mlops-desktop compute show|sample|prune``: local compute use and Azure ML compute, headless.

``compute sample`` is the app's sampler without the app (a systemd timer or a terminal): it
records the machine, every local endpoint and every running local job into the same store the
Compute page reads. ``compute show`` prints what was recorded over a window and, with
``--azure``, each Azure ML workspace's clusters, instances, quota and money-saving hints.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from typing import Any

from mlops_desktop.cli.output import load_app_config, print_json, print_table

#: ``--window`` values and their seconds (the Compute page offers the same).
WINDOWS = {"15m": 15 * 60, "1h": 3600, "24h": 86_400, "7d": 7 * 86_400}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compute`` command group."""
    group = sub.add_parser(
        "compute",
        help="compute use: machine, local endpoints and jobs; Azure ML clusters and quota",
        description="Local compute use (sampled with psutil while the app or `compute sample` "
        "runs) and Azure ML compute of the configured workspaces.",
    )
    commands = group.add_subparsers(dest="compute_command", metavar="ACTION", required=True)

    show = commands.add_parser("show", help="what was sampled over a window (and Azure compute)")
    show.add_argument("--window", choices=list(WINDOWS), default="1h", help="default 1h")
    show.add_argument(
        "--azure", action="store_true", help="also read Azure ML computes and quota (network)"
    )
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(handler=show_command)

    sample = commands.add_parser(
        "sample", help="record samples now (the app's sampler, headless; Ctrl+C stops)"
    )
    sample.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    sample.add_argument("--count", type=int, help="stop after this many samples (default: never)")
    sample.add_argument("--keep-days", type=int, help="retention in days (default 7)")
    sample.add_argument("--quiet", action="store_true", help="print nothing per sample")
    sample.set_defaults(handler=sample_command)

    prune = commands.add_parser("prune", help="delete samples older than the retention")
    prune.add_argument("--keep-days", type=int, default=7, help="days to keep (default 7)")
    prune.set_defaults(handler=prune_command)


def _summary(window: str, azure: bool) -> dict[str, Any]:
    from mlops_desktop.retraining.compute_samples import SampleStore
    from mlops_desktop.retraining.compute_watch import machine_usage, process_usage

    store = SampleStore()
    since = time.time() - WINDOWS[window]
    data: dict[str, Any] = {
        "window": window,
        "machine": dataclasses.asdict(machine_usage(store, since)),
        "processes": [
            {**dataclasses.asdict(p), "name": p.name} for p in process_usage(store, since)
        ],
    }
    if azure:
        from mlops_desktop.ports.compute import read_service_compute

        data["azure"] = [
            {
                "workspace": w.workspace,
                "error": w.error,
                "quota_error": w.quota_error,
                "problems": w.problems,
                "computes": [dataclasses.asdict(c) for c in w.computes],
                "quotas": [dataclasses.asdict(q) for q in w.quotas],
                "hints": w.hints,
            }
            for w in read_service_compute(load_app_config())
        ]
    return data


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def show_command(args: argparse.Namespace) -> int:
    """Print the machine, the watched processes and (with --azure) Azure ML compute."""
    data = _summary(args.window, args.azure)
    # A workspace whose computes could not be read at all is an error (exit 2); a part that
    # could not be read (quota, a cluster's nodes) is named, the rest shown.
    unreadable = [w["workspace"] for w in data.get("azure", []) if w["error"]]
    for name in unreadable:
        print(f"error: Azure ML workspace {name!r} could not be read", file=sys.stderr)
    if args.json:
        print_json(data)
        return 2 if unreadable else 0
    m = data["machine"]
    if not m["samples"]:
        print(
            f"no samples in the last {args.window}: the app samples while it runs, or run "
            "`mlops-desktop compute sample`"
        )
    else:
        print(
            f"machine ({m['samples']} samples, last {args.window}): CPU {_pct(m['cpu'])} "
            f"(peak {_pct(m['peak_cpu'])}), memory {_pct(m['memory'])} "
            f"(peak {_pct(m['peak_memory'])})"
        )
    if data["processes"]:
        print()
        print_table(
            ["KIND", "NAME", "CPU %", "RSS MB", "PEAK CPU %", "PEAK RSS MB", "LAST SEEN"],
            [
                [
                    p["kind"],
                    p["name"],
                    f"{p['cpu']:.1f}",
                    f"{p['rss_mb']:.0f}",
                    f"{p['peak_cpu']:.1f}",
                    f"{p['peak_rss_mb']:.0f}",
                    time.strftime("%H:%M:%S", time.localtime(p["last_seen"])),
                ]
                for p in data["processes"]
            ],
        )
    for ws in data.get("azure", []):
        print(f"\nAzure ML {ws['workspace']}:" + (f" {ws['error']}" if ws["error"] else ""))
        if ws["computes"]:
            print_table(
                ["COMPUTE", "TYPE", "STATE", "SIZE", "NODES (cur/min/max)"],
                [
                    [
                        c["name"],
                        c["compute_type"],
                        c["state"],
                        c["size"],
                        f"{_n(c['current_nodes'])}/{_n(c['min_nodes'])}/{_n(c['max_nodes'])}",
                    ]
                    for c in ws["computes"]
                ],
            )
        for problem in ws["problems"]:
            if not ws["error"]:
                print(f"  could not read {problem}")
        for hint in ws["hints"]:
            print(f"  hint: {hint}")
    return 2 if unreadable else 0


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def sample_command(args: argparse.Namespace) -> int:
    """Sample every ``--interval`` seconds into the store the Compute page reads."""
    from mlops_desktop.retraining.compute_samples import MACHINE_CPU, MACHINE_MEMORY
    from mlops_desktop.retraining.compute_watch import SamplingLoop, run_sampling

    loop = SamplingLoop(keep_days=args.keep_days)
    waiting_for: list[int | None] = [None]  # the other sampler's pid, said once per change

    def report(values: dict[str, float] | None) -> None:
        if values is None:  # another sampler records; say so once, take over when it stops
            if loop.other_sampler_pid != waiting_for[0]:
                waiting_for[0] = loop.other_sampler_pid
                print(
                    f"another sampler is recording (pid {loop.other_sampler_pid or '?'}); "
                    "waiting for it to stop",
                    flush=True,
                )
            return
        waiting_for[0] = None
        if args.quiet:
            return
        watched = sum(1 for k in values if k.endswith(".cpu") and k.startswith("process."))
        print(
            f"{time.strftime('%H:%M:%S')} cpu {values[MACHINE_CPU]:.1f}% memory "
            f"{values[MACHINE_MEMORY]:.1f}% - {watched} process(es) watched",
            flush=True,
        )

    taken = run_sampling(loop, interval=args.interval, count=args.count, on_sample=report)
    if not args.quiet:
        print(f"{taken} sample(s) recorded in {loop.store.root}")
    return 0


def prune_command(args: argparse.Namespace) -> int:
    """Delete days of samples older than ``--keep-days``."""
    from mlops_desktop.retraining.compute_samples import SampleStore

    removed = SampleStore().prune(args.keep_days)
    print(f"{removed} day(s) of samples deleted")
    return 0
