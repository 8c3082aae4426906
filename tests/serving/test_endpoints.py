"""Local endpoints with real processes on 127.0.0.1: scoring, traffic, mirror, collection."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from endpoint_helpers import demo_workspace, make_manager, wait_for

from mlops_desktop.core.errors import Conflict, InvalidInput, NotFound
from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.serving import http_client
from mlops_desktop.serving.entities import DeploymentStatus, EndpointStatus
from mlops_desktop.serving.manager import EndpointManager

pytestmark = pytest.mark.slow


@pytest.fixture
def endpoint(
    shared_endpoint: tuple[EndpointManager, str],
) -> Iterator[tuple[EndpointManager, str]]:
    """The module's endpoint; its traffic is reset to blue=100 with no mirror afterwards."""
    manager, name = shared_endpoint
    yield manager, name
    manager.set_traffic(name, {"blue": 100}, {})


def _example_frame(manager: EndpointManager, name: str) -> pd.DataFrame:
    split = json.loads(manager.input_example(name))["dataframe_split"]
    return pd.DataFrame(split["data"], columns=split["columns"])


def _expected(manager: EndpointManager, name: str, frame: pd.DataFrame) -> np.ndarray:
    import mlflow.pyfunc

    model_dir = manager.get_endpoint(name).deployment("blue").model_dir
    return np.asarray(mlflow.pyfunc.load_model(str(model_dir)).predict(frame))


def _bodies(frame: pd.DataFrame) -> dict[str, Any]:
    records = frame.to_dict(orient="records")
    return {
        "dataframe_split": {"dataframe_split": frame.to_dict(orient="split")},
        "dataframe_records": {"dataframe_records": records},
        "inputs": {"inputs": records},
        "instances": {"instances": records},
        "inputs-columns": {"inputs": frame.to_dict(orient="list")},
    }


def test_every_input_format_predicts_like_pyfunc(endpoint: tuple[EndpointManager, str]) -> None:
    manager, name = endpoint
    frame = _example_frame(manager, name)
    expected = _expected(manager, name, frame)
    for label, body in _bodies(frame).items():
        result = manager.invoke(name, body)
        assert result.status == 200, (label, result.message)
        assert result.deployment == "blue"
        assert np.allclose(result.predictions, expected), label
    assert np.allclose(manager.invoke(name, frame).predictions, expected)
    port = manager.get_endpoint(name).port
    score = http_client.request(
        port, "POST", "/score", body=json.dumps({"inputs": frame.to_dict("records")}).encode()
    )
    assert score.status == 200 and np.allclose(score.json()["predictions"], expected)
    for path in ("/ping", "/health", "/version"):
        assert http_client.request(port, "GET", path).status == 200, path


def test_deployments_are_forks_of_a_single_threaded_host(
    endpoint: tuple[EndpointManager, str], serving_host_dir: Path
) -> None:
    import psutil

    from mlops_desktop.serving.launchers import ForkLauncher

    manager, name = endpoint
    info = ForkLauncher(serving_host_dir).host_info()
    assert info is not None
    host = psutil.Process(int(info["pid"]))
    assert host.num_threads() == 1  # fork copies only the calling thread
    for deployment in manager.get_endpoint(name).deployments:
        assert deployment.pid is not None
        child = psutil.Process(deployment.pid)
        assert child.ppid() == host.pid
        assert child.name() == f"mlops-{deployment.name}"
        assert os.getsid(deployment.pid) == deployment.pid  # its own session: outlives the app


def test_header_targets_a_deployment(endpoint: tuple[EndpointManager, str]) -> None:
    manager, name = endpoint
    answers = {manager.invoke(name, deployment="green").deployment for _ in range(20)}
    assert answers == {"green"}  # green has 0 % live traffic but answers by header
    assert {manager.invoke(name).deployment for _ in range(20)} == {"blue"}
    missing = manager.invoke(name, {"inputs": [[0.0]]}, deployment="purple")
    assert missing.status == 404
    assert "no deployment 'purple'" in missing.message and "blue, green" in missing.message


def test_traffic_split_is_honoured(endpoint: tuple[EndpointManager, str]) -> None:
    manager, name = endpoint
    updated = manager.set_traffic(name, {"blue": 80, "green": 20})
    assert updated.traffic == {"blue": 80, "green": 20}
    counts = Counter(manager.invoke(name).deployment for _ in range(500))
    assert set(counts) == {"blue", "green"}
    # 500 draws at p=0.2: sd = 0.018, so +-0.07 is ~4 standard deviations.
    assert abs(counts["green"] / 500 - 0.2) < 0.07, counts


def test_mirrored_requests_are_collected_not_returned(
    endpoint: tuple[EndpointManager, str],
) -> None:
    manager, name = endpoint
    since = datetime.now(UTC)
    manager.set_traffic(name, {"blue": 100}, {"green": 50})
    answers = Counter(manager.invoke(name).deployment for _ in range(100))
    assert answers == {"blue": 100}

    def mirrored() -> pd.DataFrame:
        requests = manager.collected_requests(name, since=since)
        return requests[requests["mirrored"]]

    wait_for(lambda: len(manager.collected_requests(name, since=since)) >= 100 + 25)
    copies = mirrored()
    assert set(copies["deployment"]) == {"green"}
    assert 25 <= len(copies) <= 75  # 100 draws at 50 %
    assert (copies["status"] == 200).all()
    live_ids = set(manager.collected_requests(name, since=since).query("~mirrored")["request_id"])
    assert set(copies["request_id"]) <= live_ids


def test_bad_requests_get_400_with_a_message(endpoint: tuple[EndpointManager, str]) -> None:
    manager, name = endpoint
    malformed = manager.invoke(name, b'{"dataframe_split": ')
    assert malformed.status == 400
    assert "valid JSON" in malformed.message
    wrong_columns = manager.invoke(name, {"inputs": [[1.0, 2.0]]})
    assert wrong_columns.status == 400 and "missing inputs" in wrong_columns.message
    port = manager.get_endpoint(name).port
    assert http_client.request(port, "GET", "/nowhere").status == 404
    assert http_client.request(port, "GET", "/invocations").status == 405


def test_bad_traffic_is_refused_and_leaves_the_split(endpoint: tuple[EndpointManager, str]) -> None:
    manager, name = endpoint
    with pytest.raises(InvalidInput, match="sum to 100, these sum to 110"):
        manager.set_traffic(name, {"blue": 90, "green": 20})
    with pytest.raises(InvalidInput, match="no deployment named 'red'"):
        manager.set_traffic(name, {"blue": 90, "red": 10})
    with pytest.raises(InvalidInput, match="more than 50 percent"):
        manager.set_traffic(name, None, {"green": 80})
    assert manager.get_endpoint(name).traffic == {"blue": 100, "green": 0}


def test_collection_is_hour_partitioned_with_inputs_outputs_latency_status(
    endpoint: tuple[EndpointManager, str],
) -> None:
    manager, name = endpoint
    since = datetime.now(UTC)
    frame = _example_frame(manager, name)
    ok = [manager.invoke(name, frame) for _ in range(5)]
    bad = manager.invoke(name, b"{nope")
    wanted = {r.request_id for r in [*ok, bad]}
    wait_for(lambda: wanted <= set(manager.collected_requests(name, since=since)["request_id"]))
    collected = manager.get_endpoint(name).directory / "collected"
    parts = list(collected.glob("date=*/hour=*/*.parquet"))
    assert parts
    for part in parts:
        date, hour = part.parent.parent.name, part.parent.name
        assert len(date) == len("date=2026-01-01") and len(hour) == len("hour=00")
    requests = manager.collected_requests(name, since=since).set_index("request_id")
    assert requests.loc[bad.request_id, "status"] == 400
    first = requests.loc[ok[0].request_id]
    assert first["status"] == 200 and first["deployment"] == "blue"
    assert first["latency_ms"] > 0
    assert json.loads(first["inputs"])["dataframe_split"]["columns"] == list(frame.columns)
    assert json.loads(first["outputs"])["predictions"] == ok[0].predictions

    data = manager.collected_data(name, since=since)
    assert list(data.columns[: len(frame.columns)]) == list(frame.columns)
    assert len(data) == 5 * len(frame)
    assert np.allclose(data["prediction"][: len(frame)], ok[0].predictions)

    series = manager.telemetry(name)
    assert series["requests"].sum() >= 6
    assert series["latency_p50_ms"].max() > 0
    assert series["errors"].sum() >= 1


def test_unknown_model_or_version_fails_cleanly(manager: EndpointManager) -> None:
    with pytest.raises(NotFound, match="not found"):
        manager.create_endpoint("ghost", model=DEMO_MODEL, version="42")
    with pytest.raises(NotFound):
        manager.create_endpoint("ghost", model="no-such-model", version="1")
    with pytest.raises(InvalidInput, match="endpoint name"):
        manager.create_endpoint("x", model=DEMO_MODEL, version="1")
    assert manager.list_endpoints() == []


def test_deployment_lifecycle_and_delete(manager: EndpointManager) -> None:
    created = manager.create_endpoint("life", model=DEMO_MODEL, version="champion")
    assert created.deployment("blue").version == "1"  # the alias resolved to its number
    with pytest.raises(Conflict, match="already exists"):
        manager.create_endpoint("life", model=DEMO_MODEL, version="1")
    with_green = manager.add_deployment("life", "green", model=DEMO_MODEL, version="1", traffic=10)
    assert with_green.traffic == {"blue": 90, "green": 10}
    with pytest.raises(Conflict, match="takes 90% of live traffic"):
        manager.delete_deployment("life", "blue")
    manager.set_traffic("life", {"green": 100})
    blue = manager.get_endpoint("life").deployment("blue")
    remaining = manager.delete_deployment("life", "blue")
    assert [d.name for d in remaining.deployments] == ["green"]
    assert manager.invoke("life").deployment == "green"
    wait_for(lambda: not _alive(blue.pid))
    endpoint = manager.get_endpoint("life")
    pids = [endpoint.router_pid, *(d.pid for d in endpoint.deployments)]
    manager.delete_endpoint("life")
    assert not endpoint.directory.exists()
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int | None) -> bool:
    import psutil

    if pid is None:
        return False
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_stop_flushes_everything_and_start_resumes(manager: EndpointManager) -> None:
    manager.create_endpoint("flush", model=DEMO_MODEL, version="1")
    sent = {manager.invoke("flush").request_id for _ in range(40)}
    stopped = manager.stop_endpoint("flush")  # SIGTERM: the router flushes before exiting
    assert stopped.status is EndpointStatus.STOPPED
    assert set(manager.collected_requests("flush")["request_id"]) == sent
    started = manager.start_endpoint("flush")
    assert started.status is EndpointStatus.RUNNING and started.port == stopped.port
    assert manager.invoke("flush").ok


def test_kill_9_of_the_router_loses_no_answered_request(manager: EndpointManager) -> None:
    import time

    from mlops_desktop.serving import processes
    from mlops_desktop.serving.layout import EndpointLayout
    from mlops_desktop.serving.state import load_record

    endpoint = manager.create_endpoint("crash", model=DEMO_MODEL, version="1")
    record = load_record(EndpointLayout(endpoint.directory))
    processes.kill(record.supervisor)  # the test restarts the router itself
    answered: set[str] = set()
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        answered.add(manager.invoke("crash").request_id)
    processes.kill(record.router)  # rows of the last half second were only in its memory
    assert manager.get_endpoint("crash").status is EndpointStatus.DEAD

    report = manager.reattach()
    assert report.restarted_routers == ("crash",) and not report.failures
    assert report.restarted_supervisors == ("crash",)
    assert manager.get_endpoint("crash").port == endpoint.port
    # The new router wrote what the killed one had answered (its write-ahead file).
    assert answered <= set(manager.collected_requests("crash")["request_id"])
    assert manager.invoke("crash").ok


def test_a_new_manager_reattaches_and_restarts_what_died(
    manager: EndpointManager, serving_host_dir: Path, demo_snapshot: Path
) -> None:
    import os
    import signal

    first = manager.create_endpoint("keep", model=DEMO_MODEL, version="1")
    del manager  # the "app" goes away; the endpoint keeps serving (the fixture cleans up)
    again = make_manager(demo_workspace(demo_snapshot), first.directory.parent, serving_host_dir)
    found = again.get_endpoint("keep")
    assert found.status is EndpointStatus.RUNNING
    assert found.router_pid == first.router_pid
    assert again.invoke("keep").ok

    dead_pid = found.deployment("blue").pid
    assert dead_pid is not None
    supervisor = again._load("keep")[1].supervisor
    assert supervisor is not None
    os.kill(supervisor.pid, signal.SIGKILL)  # else it restarts blue before reattach looks
    os.kill(dead_pid, signal.SIGKILL)
    wait_for(lambda: again.get_endpoint("keep").deployment("blue").status
             is DeploymentStatus.DEAD)  # fmt: skip
    report = again.reattach()
    assert report.restarted_deployments == ("keep/blue",)
    assert report.restarted_supervisors == ("keep",)
    revived = again.get_endpoint("keep")
    assert revived.status is EndpointStatus.RUNNING
    assert revived.deployment("blue").pid != dead_pid
    assert again.invoke("keep").ok
