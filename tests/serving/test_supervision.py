"""Endpoints survive their processes dying: the supervisor restarts them without the app, the
router routes around a dead deployment at once, nothing runs that the state does not list."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from endpoint_helpers import processes_under, unlisted_processes, wait_for

from mlops_desktop.core.errors import Conflict, Unavailable
from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.serving import http_client, processes
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.manager import EndpointManager
from mlops_desktop.serving.router_control import router_status
from mlops_desktop.serving.state import EndpointRecord, ProcessRecord, load_record
from mlops_desktop.serving.supervisor import SUPERVISOR_ENV

pytestmark = pytest.mark.slow


def _record(manager: EndpointManager, name: str) -> EndpointRecord:
    return load_record(EndpointLayout(manager.root / name))


def _deployment(manager: EndpointManager, name: str, deployment: str) -> ProcessRecord:
    process = _record(manager, name).deployment(deployment).process
    assert process is not None
    return process


def _replaced(manager: EndpointManager, name: str, dead: ProcessRecord, role: str) -> bool:
    record = _record(manager, name)
    now = record.router if role == "router" else record.deployment(role).process
    return now is not None and now.pid != dead.pid and processes.is_alive(now)


def _serves(manager: EndpointManager, name: str) -> bool:
    try:
        return manager.invoke(name).ok
    except Unavailable:  # the router is not listening (yet)
        return False


def test_the_supervisor_restarts_a_killed_router_and_deployment(manager: EndpointManager) -> None:
    manager.create_endpoint("sup", model=DEMO_MODEL, version="1")
    record = _record(manager, "sup")
    assert processes.is_alive(record.supervisor)
    router = record.router
    assert router is not None
    processes.kill(router)
    wait_for(lambda: _replaced(manager, "sup", router, "router"))
    wait_for(lambda: _serves(manager, "sup"))

    blue = _deployment(manager, "sup", "blue")
    processes.kill(blue)
    wait_for(lambda: _replaced(manager, "sup", blue, "blue"))
    wait_for(lambda: _serves(manager, "sup"))
    log = (manager.root / "sup" / "supervisor.log").read_text()
    assert "router had exited; restarted" in log and "deployment blue had exited" in log

    supervisor = _record(manager, "sup").supervisor
    manager.stop_endpoint("sup")  # stops the supervisor first: nothing comes back
    assert not processes.is_alive(supervisor)
    assert processes_under(manager.root / "sup") == []


def test_a_dead_deployment_is_routed_around_until_healed(
    manager: EndpointManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SUPERVISOR_ENV, "0")  # only the watchdog (heal) restarts here
    manager.create_endpoint("around", model=DEMO_MODEL, version="1")
    endpoint = manager.add_deployment("around", "green", model=DEMO_MODEL, version="1", traffic=50)
    assert endpoint.traffic == {"blue": 50, "green": 50}
    processes.kill(_deployment(manager, "around", "blue"))
    answers = [manager.invoke("around") for _ in range(40)]
    assert [a.status for a in answers] == [200] * 40  # the first one was retried on green
    assert {a.deployment for a in answers} == {"green"}
    status = router_status(endpoint.port)
    assert status is not None and status["deployments"]["blue"]["down"] is True

    report = manager.reattach()
    assert report.restarted_deployments == ("around/blue",)
    wait_for(lambda: "blue" in {manager.invoke("around").deployment for _ in range(10)})


def _load(
    port: int, body: bytes, total: int, on_answer: Callable[[int], None]
) -> list[tuple[int, str]]:
    """``total`` requests from 4 threads over keep-alive connections: (status, request id)."""
    import http.client

    answers: list[tuple[int, str]] = []
    lock = threading.Lock()
    remaining = iter(range(total))

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while True:
                with lock:
                    if next(remaining, None) is None:
                        return
                connection.request(
                    "POST",
                    "/invocations",
                    body=body,
                    headers={"Content-Type": "application/json"},
                )
                response = connection.getresponse()
                response.read()
                with lock:
                    answers.append((response.status, response.getheader("x-request-id", "")))
                    on_answer(len(answers))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return answers


def test_a_deployment_killed_under_load_costs_no_request(manager: EndpointManager) -> None:
    manager.create_endpoint("load", model=DEMO_MODEL, version="1")
    endpoint = manager.add_deployment("load", "green", model=DEMO_MODEL, version="1", traffic=50)
    blue = _deployment(manager, "load", "blue")

    def kill_midway(answered: int) -> None:
        if answered == 150:
            processes.kill(blue)

    answers = _load(endpoint.port, manager.input_example("load"), 400, kill_midway)
    assert len(answers) == 400
    assert Counter(status for status, _ in answers) == {200: 400}
    assert not processes.is_alive(blue)
    answered = {rid for _, rid in answers}
    wait_for(lambda: answered <= set(manager.collected_requests("load")["request_id"]))


def test_start_with_its_port_taken_stops_what_it_started(manager: EndpointManager) -> None:
    endpoint = manager.create_endpoint("taken", model=DEMO_MODEL, version="1")
    manager.stop_endpoint("taken")
    folder = manager.root / "taken"
    assert processes_under(folder) == []
    squatter = socket.socket()
    try:
        squatter.bind(("127.0.0.1", endpoint.port))
        squatter.listen()
        with pytest.raises(Conflict, match="in use"):
            manager.start_endpoint("taken")
        assert processes_under(folder) == []
        assert _record(manager, "taken").stopped
    finally:
        squatter.close()
    started = manager.start_endpoint("taken")
    assert started.port == endpoint.port and manager.invoke("taken").ok


def test_heal_stops_a_process_the_state_does_not_list(manager: EndpointManager) -> None:
    manager.create_endpoint("stray", model=DEMO_MODEL, version="1")
    layout = EndpointLayout(manager.root / "stray")
    # A deployment started as a crashed launch leaves it: running, announced, never recorded.
    model_dir = layout.directory / _record(manager, "stray").deployment("blue").model_dir
    launched = manager.launcher.launch(model_dir, layout.deployment_log("lost"), layout.run_dir)
    assert [p.pid for p in unlisted_processes(layout.directory, manager.root)] == [
        launched.process.pid
    ]
    report = manager.reattach()
    assert report.stopped_strays == (f"stray: deployment lost (pid {launched.process.pid})",)
    assert not processes.is_alive(launched.process)
    assert unlisted_processes(layout.directory, manager.root) == []
    assert manager.invoke("stray").ok


def test_bad_bodies_get_400_and_the_endpoint_stays_up(manager: EndpointManager) -> None:
    manager.create_endpoint("bad", model=DEMO_MODEL, version="1")
    deep = b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    long_number = b'{"inputs": [[' + b"7" * (50 * 1024 * 1024) + b"]]}"
    for body in (deep, long_number):
        result = manager.invoke("bad", body)
        assert result.status == 400, result.message[:300]
        assert "Traceback" not in result.message
    assert "nested too deeply" in manager.invoke("bad", deep).message
    record = _record(manager, "bad")
    assert processes.is_alive(record.router)
    assert processes.is_alive(record.deployment("blue").process)
    assert manager.invoke("bad").ok
    assert http_client.answers(manager.get_endpoint("bad").port)
