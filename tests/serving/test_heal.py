"""Self-healing of running local endpoints: a real deployment process is killed, and
``endpoints heal`` and the app's watchdog restart it and say so; stopped endpoints stay down."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from endpoint_helpers import cleanup, wait_for

from mlops_desktop.cli import build_parser
from mlops_desktop.cli.output import run_handler
from mlops_desktop.core.config import load_config
from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.serving import processes
from mlops_desktop.serving.manager import EndpointManager
from mlops_desktop.serving.state import ProcessRecord
from mlops_desktop.ui.shell.background import EndpointWatchdog
from mlops_desktop.ui.shell.notifications import NotificationCenter
from mlops_desktop.ui.shell.workers import WorkerPool

pytestmark = pytest.mark.slow


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """One CLI command in-process: (exit code, stdout, stderr)."""
    args = build_parser().parse_args(list(argv))
    code = run_handler(args.handler, args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def staging(demo_home: Path) -> Iterator[EndpointManager]:
    """The demo's staging workspace with one endpoint ``heal`` (deployment blue)."""
    made = EndpointManager(load_config().workspace("staging"))
    made.create_endpoint("heal", model=DEMO_MODEL, version="1", deployment="blue")
    yield made
    cleanup(made)


def _blue(manager: EndpointManager) -> ProcessRecord:
    _, record = manager._load("heal")
    process = record.deployments[0].process
    assert process is not None
    return process


def _kill_blue(manager: EndpointManager) -> ProcessRecord:
    """Kill the endpoint's supervisor (or it would restart blue at once), then blue."""
    processes.kill(manager._load("heal")[1].supervisor)
    dead = _blue(manager)
    processes.kill(dead)
    wait_for(lambda: not processes.is_alive(dead))
    return dead


def test_heal_command_restarts_a_dead_deployment(staging: EndpointManager, capsys) -> None:
    code, out, _ = run(capsys, "endpoints", "heal")
    assert code == 0 and "1 endpoint(s) checked, 0 process(es) restarted" in out

    dead = _kill_blue(staging)
    code, out, err = run(capsys, "endpoints", "heal", "--workspace", "staging", "--json")
    assert code == 0, err
    (report,) = json.loads(out)
    assert report["workspace"] == "staging"
    assert report["restarted"] == [
        "deployment blue of endpoint heal had exited; restarted",
        "supervisor of endpoint heal had exited; restarted",
    ]
    assert processes.is_alive(_blue(staging)) and _blue(staging).pid != dead.pid
    code, out, _ = run(capsys, "endpoints", "invoke", "heal", "-w", "staging")
    assert code == 0 and len(json.loads(out)["predictions"]) == 5  # it serves again

    staging.stop_endpoint("heal")  # stopped on purpose: healing leaves it stopped
    code, out, _ = run(capsys, "endpoints", "heal", "--json")
    assert code == 0 and json.loads(out)[0]["restarted"] == []
    assert staging._load("heal")[1].deployments[0].process is None


def test_watchdog_restarts_in_a_worker_and_notifies(qtbot, staging: EndpointManager) -> None:
    pool = WorkerPool()
    center = NotificationCenter()
    watchdog = EndpointWatchdog(pool, center, load_config, seconds=30)
    try:
        dead = _kill_blue(staging)
        with qtbot.waitSignal(watchdog.checked, timeout=60_000) as blocker:
            assert watchdog.check_now()
            assert not watchdog.check_now()  # the first still runs: skipped
        assert watchdog.checks_skipped == 1
        assert [r.restarted for r in blocker.args[0]] == [
            (
                "deployment blue of endpoint heal had exited; restarted",
                "supervisor of endpoint heal had exited; restarted",
            )
        ]
        latest = center.latest
        assert latest is not None and latest.title == "Endpoint restarted"
        assert latest.message == "staging: supervisor of endpoint heal had exited; restarted"
        assert latest.page == "endpoints"
        assert processes.is_alive(_blue(staging)) and _blue(staging).pid != dead.pid
        qtbot.waitUntil(lambda: not watchdog.running)
    finally:
        assert pool.shutdown(15_000)
