"""Benchmark of local endpoints under failure: a process killed with -9 in the middle of a load.

Three runs of ``--requests`` (2,000) requests from ``--clients`` (4) keep-alive clients; at the
half-way answer one process is killed with SIGKILL:

- **two deployments** (50/50), one killed: the router retries what the dead one could not take
  on the other and leaves it out of the split; goal 0 non-2xx answers;
- **one deployment**, killed: the endpoint's supervisor restarts it; goal: answers are 2xx
  again < 2 s after the kill (recovery = kill to the last failed answer);
- **the router**, killed: the supervisor restarts it; clients reconnect.

It also prints the memory of one endpoint's supervisor process.

For each: non-2xx answers, failed connections, recovery time, router retries, and answered
requests vs the ones found in the collected data (goal: every answered request collected —
the router writes each one ahead before answering, a restarted router replays it).

Not a test: it asserts nothing. It builds the demo in a temporary app home (about 25 s)
unless ``--home`` names one that has it.

    python benchmarks/endpoint_failover_bench.py [--requests 2000] [--clients 4] [--home DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:
    from mlops_desktop.serving.manager import EndpointManager
    from mlops_desktop.serving.state import EndpointRecord


def ensure_demo(home: Path) -> None:
    """Build the demo's workspaces (no live endpoints) in ``home`` unless it has them."""
    os.environ["MLOPS_DESKTOP_HOME"] = str(home)
    from mlops_desktop.core.environment import prepare_process_environment
    from mlops_desktop.demo import create_demo

    prepare_process_environment(None)
    started = time.monotonic()
    summary = create_demo(endpoints=False)
    verb = "found" if summary.already_present else "built"
    print(f"demo {verb} in {time.monotonic() - started:.1f} s ({home})")


MB = 1024 * 1024


@dataclass
class LoadResult:
    """What one load run saw."""

    #: (sent, answered, status), monotonic seconds.
    statuses: list[tuple[float, float, int]] = field(default_factory=list)
    request_ids: set[str] = field(default_factory=set)
    connection_failures: list[float] = field(default_factory=list)
    killed_at: float = 0.0


def run_load(
    port: int, body: bytes, total: int, clients: int, kill: Callable[[], None]
) -> LoadResult:
    """``total`` requests from ``clients`` threads; ``kill()`` runs at the half-way answer."""
    result = LoadResult()
    lock = threading.Lock()
    sent = iter(range(total))
    half = total // 2

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if next(sent, None) is None:
                    break
            sent_at = time.monotonic()
            try:
                connection.request(
                    "POST", "/invocations", body=body, headers={"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                with lock:
                    result.connection_failures.append(time.monotonic())
                time.sleep(0.01)  # the router is restarting: do not spin
                continue
            with lock:
                result.statuses.append((sent_at, time.monotonic(), response.status))
                result.request_ids.add(response.getheader("x-request-id", ""))
                if len(result.statuses) == half:
                    result.killed_at = time.monotonic()
                    kill()
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def collected(manager: EndpointManager, name: str, wanted: set[str], timeout: float = 10.0) -> int:
    """How many of ``wanted`` request ids are in the collected data (waiting for flushes)."""
    deadline = time.monotonic() + timeout
    found = 0
    while time.monotonic() < deadline:
        found = len(wanted & set(manager.collected_requests(name)["request_id"]))
        if found == len(wanted):
            break
        time.sleep(0.25)
    return found


def recovered_at(result: LoadResult, port: int, body: bytes) -> float:
    """When answers were 2xx again: the first 2xx to a request sent after the kill, answered
    after the last failure (polling the endpoint when the load ended before that)."""
    bad = [t for _, t, s in result.statuses if not 200 <= s < 300] + result.connection_failures
    last_failure = max(bad, default=result.killed_at)
    good = [
        t
        for sent, t, s in result.statuses
        if 200 <= s < 300 and sent > result.killed_at and t >= last_failure
    ]
    if good:
        return min(good)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("POST", "/invocations", body=body)
            if connection.getresponse().status == 200:
                return time.monotonic()
        time.sleep(0.01)
    return float("nan")


def report(
    title: str, manager: EndpointManager, name: str, result: LoadResult, body: bytes
) -> None:
    """Print one run's figures."""
    from mlops_desktop.serving.router_control import router_status

    port = manager.get_endpoint(name, probe=False).port
    bad = [s for _, _, s in result.statuses if not 200 <= s < 300]
    recovery = recovered_at(result, port, body) - result.killed_at
    slowest = max((t - sent for sent, t, _ in result.statuses), default=0.0)
    status = router_status(port) or {}
    found = collected(manager, name, result.request_ids)
    print(f"\n{title}")
    print(f"  answers: {len(result.statuses)}, non-2xx: {len(bad)}, ", end="")
    print(f"failed connections: {len(result.connection_failures)}")
    print(
        f"  recovery (kill to 2xx answers again): {recovery:.3f} s; slowest answer {slowest:.3f} s"
    )
    print(
        f"  router: retries on another deployment {status.get('retries', 'n/a')}, "
        f"requests held for a restart {status.get('held', 'n/a')}"
    )
    print(f"  answered requests: {len(result.request_ids)}, in the collected data: {found}")


def main() -> int:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--home", type=Path, help="app home with the demo (default: temporary)")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="failover-bench-")
    home = args.home or Path(scratch.name) / "home"
    ensure_demo(home)
    from mlops_desktop.core.config import load_config
    from mlops_desktop.serving import processes
    from mlops_desktop.serving.launchers import ForkLauncher
    from mlops_desktop.serving.manager import EndpointManager
    from mlops_desktop.serving.state import load_record

    workspace = load_config().workspace("dev")
    fork = ForkLauncher(Path(scratch.name) / "host")
    manager = EndpointManager(workspace, root=Path(scratch.name) / "ep", launcher=fork)

    def record(name: str) -> EndpointRecord:
        return load_record(manager._layout(name))

    try:
        manager.create_endpoint("two", model="diabetes-progression", version="1")
        endpoint = manager.add_deployment(
            "two", "green", model="diabetes-progression", version="2", traffic=50
        )
        body = manager.input_example("two")
        supervisor = record("two").supervisor
        if supervisor is not None:
            log = manager._layout("two").supervisor_log
            deadline = time.monotonic() + 10  # until it has imported what it needs
            while "watching" not in log.read_text() and time.monotonic() < deadline:
                time.sleep(0.05)
            memory = psutil.Process(supervisor.pid).memory_full_info()
            print(f"supervisor process: RSS {memory.rss / MB:.0f} MB, USS {memory.uss / MB:.0f} MB")
        result = run_load(
            endpoint.port,
            body,
            args.requests,
            args.clients,
            lambda: processes.kill(record("two").deployment("blue").process),
        )
        report("two deployments, blue killed", manager, "two", result, body)

        endpoint = manager.create_endpoint("one", model="diabetes-progression", version="1")
        result = run_load(
            endpoint.port,
            body,
            args.requests,
            args.clients,
            lambda: processes.kill(record("one").deployment("blue").process),
        )
        report("one deployment, killed (the supervisor restarts it)", manager, "one", result, body)

        result = run_load(
            endpoint.port,
            body,
            args.requests,
            args.clients,
            lambda: processes.kill(record("one").router),
        )
        report("the router killed (the supervisor restarts it)", manager, "one", result, body)
    finally:
        for found in manager.list_endpoints(probe=False):
            manager.delete_endpoint(found.name)
        fork.stop_host()
        scratch.cleanup()
    python = sys.version.split()[0]
    print(f"\nmachine: {os.cpu_count()} CPUs, Python {python}; {args.clients} clients")
    return 0


if __name__ == "__main__":
    sys.exit(main())
