"""Start, reconfigure and stop an endpoint's router process, waiting for it to confirm."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from mlops_desktop.core.errors import Conflict, Unavailable
from mlops_desktop.serving import http_client, processes
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.protocol import STATUS_PATH
from mlops_desktop.serving.state import EndpointRecord, save_record

ROUTER_START_TIMEOUT = 30.0
ROUTER_APPLY_TIMEOUT = 10.0


def router_status(port: int, timeout: float = 2.0) -> dict[str, Any] | None:
    """The router's status report, or None when it does not answer."""
    try:
        response = http_client.request(port, "GET", STATUS_PATH, timeout=timeout)
        if response.status != 200:
            return None
        status: dict[str, Any] = response.json()
        return status
    except (OSError, ValueError):
        return None


def _wait_for_generation(record: EndpointRecord, generation: int, timeout: float) -> bool:
    """Poll the router until it serves ``generation`` (False if it dies or time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = router_status(record.port)
        if status and int(status.get("generation", -1)) >= generation:
            return True
        if not processes.is_alive(record.router):
            return False
        time.sleep(0.02)
    return False


def check_port_free(record: EndpointRecord) -> None:
    """Conflict when something listens on the endpoint's port already."""
    if not http_client.port_is_free(record.port):
        raise Conflict(
            f"port {record.port} on 127.0.0.1 is in use, so endpoint {record.name!r} cannot "
            "listen there",
            hint="stop what uses it, or delete and re-create the endpoint with --port",
        )


def start_router(layout: EndpointLayout, record: EndpointRecord) -> None:
    """Start the router on the endpoint's port and wait until it serves the saved state.

    The caller holds the endpoint's lock; ``record`` gains the router's pid and is saved.
    """
    check_port_free(record)
    save_record(layout, record)
    configured = record.generation
    pid = processes.start_detached(
        processes.python_command("mlops_desktop.serving.router", str(layout.directory)),
        layout.router_log,
    )
    record.router = processes.record_of(pid)
    save_record(layout, record)  # only adds the pid: the router need not confirm it
    if not _wait_for_generation(record, configured, ROUTER_START_TIMEOUT):
        processes.terminate(record.router)
        record.router = None
        save_record(layout, record)
        raise Unavailable(
            f"the router of endpoint {record.name!r} did not start",
            hint=f"see {layout.router_log}: {processes.log_tail(layout.router_log, 500)}",
        )


def apply_state(layout: EndpointLayout, record: EndpointRecord) -> None:
    """Save the state and, when the router runs, wait until it serves it."""
    save_record(layout, record)
    if not processes.is_alive(record.router):
        return
    assert record.router is not None
    if hasattr(signal, "SIGHUP"):
        try:
            os.kill(record.router.pid, signal.SIGHUP)
        except ProcessLookupError:
            return
    if not _wait_for_generation(record, record.generation, ROUTER_APPLY_TIMEOUT):
        raise Unavailable(
            f"the router of endpoint {record.name!r} did not apply the change in time",
            hint=f"see {layout.router_log}",
        )


def stop_router(record: EndpointRecord) -> None:
    """Stop the router (it flushes collected data on SIGTERM)."""
    processes.terminate(record.router, timeout=10.0)
    record.router = None
