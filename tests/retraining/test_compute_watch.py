"""Compute watching with real processes: discovery from endpoint state files and the job store,
the sampling loop and its background thread, summaries, Azure money hints and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_desktop.backends.azureml.entities import AzureCompute, AzureQuotaUsage
from mlops_desktop.cli import main
from mlops_desktop.core.config import AppConfig, WorkspaceConfig, save_config
from mlops_desktop.retraining.compute_azure import money_hints
from mlops_desktop.retraining.compute_samples import MACHINE_CPU, SampleStore, process_series
from mlops_desktop.retraining.compute_watch import (
    BackgroundSampler,
    SamplingLoop,
    discover_processes,
    endpoint_label,
    job_label,
    kind_of,
    machine_usage,
    process_usage,
)
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import JobSpec, JobStatus
from mlops_desktop.serving.layout import EndpointLayout
from mlops_desktop.serving.manager import endpoints_dir
from mlops_desktop.serving.processes import record_of
from mlops_desktop.serving.state import DeploymentRecord, EndpointRecord, save_record

BUSY = "import time\nend = time.time() + 60\nwhile time.time() < end: sum(range(10000))"


@pytest.fixture
def busy_process() -> Iterator[subprocess.Popen]:
    """A real process burning CPU (stands in for a router or a deployment)."""
    proc = subprocess.Popen([sys.executable, "-c", BUSY])
    yield proc
    proc.kill()
    proc.wait(10)


def _endpoint(workspace: WorkspaceConfig, name: str, router: int, deployment: int) -> None:
    """An endpoint state file naming two real processes, as the endpoint manager writes it."""
    record = EndpointRecord(
        name=name,
        workspace=workspace.name,
        port=5999,
        router=record_of(router),
        deployments=[
            DeploymentRecord(
                "blue", "churn", "1", "models/churn/1", 100, process=record_of(deployment)
            )
        ],
    )
    layout = EndpointLayout(endpoints_dir(workspace) / name)
    layout.state_file.parent.mkdir(parents=True, exist_ok=True)
    save_record(layout, record)


def test_discovers_endpoints_and_running_jobs_and_samples_them(
    workspace: WorkspaceConfig, script: Path, busy_process: subprocess.Popen
) -> None:
    save_config(AppConfig(workspaces=[workspace]))
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        _endpoint(workspace, "churn", sleeper.pid, busy_process.pid)
        manager = JobManager()
        job = manager.submit(workspace, JobSpec(script=str(script), args=("30",), tracked=False))
        assert job.status is JobStatus.RUNNING

        found = discover_processes()
        ep, jb = endpoint_label("dev", "churn"), job_label(job.id)
        assert sorted(found[ep]) == sorted([sleeper.pid, busy_process.pid])
        assert len(found[jb]) == 1
        assert kind_of(ep) == "endpoint" and kind_of(jb) == "job"

        store = SampleStore()
        loop = SamplingLoop(store)
        start = time.time()
        loop.sample_once(now=start)
        time.sleep(0.5)  # CPU % is measured between two readings
        values = loop.sample_once(now=start + 5)
        assert values[process_series(ep, "cpu")] > 10  # the busy deployment counts
        assert values[process_series(ep, "rss_mb")] > 5
        assert process_series(jb, "rss_mb") in values

        rows = {r.label: r for r in process_usage(store, start - 1)}
        assert set(rows) == {ep, jb}
        assert rows[ep].kind == "endpoint" and rows[ep].name == "dev.churn"
        assert rows[ep].peak_cpu >= rows[ep].cpu > 10 and rows[ep].samples == 2
        machine = machine_usage(store, start - 1)
        assert machine.samples == 2 and 0 <= machine.cpu <= 100

        # A stopped endpoint and a finished job are no longer watched.
        manager.cancel(job.id, grace=2)
        record = json.loads((endpoints_dir(workspace) / "churn" / "endpoint.json").read_text())
        record["stopped"] = True
        (endpoints_dir(workspace) / "churn" / "endpoint.json").write_text(json.dumps(record))
        assert discover_processes() == {}
    finally:
        sleeper.kill()
        sleeper.wait(10)


def test_background_sampler_records_until_stopped(busy_process: subprocess.Popen) -> None:
    store = SampleStore()
    sampler = BackgroundSampler(
        SamplingLoop(store, discover=lambda: {"job.x": busy_process.pid}), interval=0.05
    )
    sampler.start()
    try:
        assert sampler.wait_for_samples(3, timeout=30)
    finally:
        sampler.stop()
    assert not sampler.running
    taken = sampler.samples_taken
    times, _ = store.load(MACHINE_CPU)
    assert len(times) == taken >= 3
    assert len(store.load(process_series("job.x", "cpu"))[0]) == taken


def test_money_hints_name_what_costs() -> None:
    computes = [
        AzureCompute(
            "gpu",
            "amlcompute",
            "Succeeded",
            "STANDARD_NC6",
            min_nodes=2,
            max_nodes=4,
            current_nodes=2,
            node_states={"idle": 2},
            idle_seconds_before_scale_down=3600,
        ),
        AzureCompute(
            "cpu",
            "amlcompute",
            "Succeeded",
            "STANDARD_DS3_V2",
            min_nodes=0,
            max_nodes=4,
            idle_seconds_before_scale_down=120,
        ),
        AzureCompute("alice-ci", "computeinstance", "Running", "STANDARD_DS11_V2"),
        AzureCompute("bob-ci", "computeinstance", "Stopped", "STANDARD_DS11_V2"),
    ]
    quotas = [
        AzureQuotaUsage("standardNCFamily", "vCPU", 22, 24),
        AzureQuotaUsage("standardDFamily", "vCPU", 2, 100),
    ]
    hints = money_hints("prod", computes, quotas)
    assert len(hints) == 4
    assert "prod/gpu: cluster keeps min 2 node(s)" in hints[0] and "(2 idle now)" in hints[0]
    assert "prod/gpu: idle nodes wait 60 min" in hints[1]
    assert hints[2].startswith("prod/alice-ci: compute instance is running")
    assert "standardNCFamily at 22/24" in hints[3]


def test_cli_sample_then_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compute", "sample", "--count", "2", "--interval", "0.1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["compute", "show", "--window", "15m", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["machine"]["samples"] == 2 and shown["processes"] == []
    assert main(["compute", "show"]) == 0
    assert "machine (2 samples" in capsys.readouterr().out
    assert main(["compute", "prune", "--keep-days", "1"]) == 0
