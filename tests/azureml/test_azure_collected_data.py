"""Drift from an Azure ML deployment's collected production data: the data collector's JSON
Lines in the workspace's blob storage (Azurite), fetched by hour through the real SDK's
datastore secrets, read by the drift engine."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from azure_blob_helpers import BlobEnvironment
from test_azure_cli import _add_workspaces

from mlops_desktop.backends.azureml.collected_data import collector_prefix, time_prefixes
from mlops_desktop.backends.azureml.errors import Offline
from mlops_desktop.cli import main
from mlops_desktop.core.errors import Cancelled, NotFound, PermissionDenied
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.drift.engine import compute_drift
from mlops_desktop.drift.io import load_table

ENDPOINT, DEPLOYMENT = "churn-dev-ep", "blue"
#: Hours the deployment collected in (UTC): the evening of the 20th to the night of the 22nd.
HOURS = [datetime(2026, 11, 20, 22, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 29)]
#: The range fetched: 23:00 on the 20th up to (not including) 02:00 on the 22nd.
SINCE, UNTIL = datetime(2026, 11, 20, 23, tzinfo=UTC), datetime(2026, 11, 22, 2, tzinfo=UTC)


def _event(hour: datetime, minute: int, rows: list[dict[str, object]], kind: str) -> str:
    """One collector line, shaped as Azure ML's data collector writes it (CloudEvents)."""
    source = (
        "/subscriptions/00000000/resourceGroups/rg-churn-dev/providers/"
        "Microsoft.MachineLearningServices/workspaces/mlw-churn-dev/"
        f"onlineEndpoints/{ENDPOINT}/deployments/{DEPLOYMENT}"
    )
    body = json.dumps(rows)
    request = str(uuid.uuid4())
    return json.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": source,
            "type": f"azureml.inference.{kind}",
            "datacontenttype": "application/json",
            "time": (hour + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z"),
            "data": rows,
            "path": "/score",
            "method": "POST",
            "contentrange": f"bytes 0-{len(body) - 1}/{len(body)}",
            "correlationid": request,
            "xrequestid": request,
            "modelversion": "default",
            "collectdatatype": "pandas.core.frame.DataFrame",
            "agent": "azureml-ai-monitoring/0.1.0b4",
        }
    )


def _rows(rng: np.random.Generator, n: int, charges_mean: float) -> list[dict[str, object]]:
    return [
        {
            "tenure": int(rng.integers(1, 72)),
            "monthly_charges": round(float(rng.normal(charges_mean, 8.0)), 2),
            "contract": str(rng.choice(["month", "year", "two_year"])),
        }
        for _ in range(n)
    ]


def _reference(seed: int = 1, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(_rows(rng, n, charges_mean=60.0))


def _seed_collected(env: BlobEnvironment, *, collection: str = "model_inputs") -> list[str]:
    """Two instances' files per hour of :data:`HOURS`; monthly charges up by half. Returns
    the blob names."""
    container = env.container_client(Stage.DEV)
    rng = np.random.default_rng(7)
    names = []
    for hour in HOURS:
        for instance in ("a1b2c3", "d4e5f6"):
            lines = [_event(hour, m, _rows(rng, 4, 90.0), collection) for m in (5, 20, 35, 50)]
            name = (
                f"{collector_prefix(ENDPOINT, DEPLOYMENT, collection)}"
                f"{hour:%Y/%m/%d/%H}/{instance}.jsonl"
            )
            container.upload_blob(name, "\n".join(lines) + "\n", overwrite=True)
            names.append(name)
    return names


def _downloaded(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_time_prefixes_list_whole_days_once_and_partial_days_by_hour() -> None:
    prefixes = time_prefixes(SINCE, UNTIL)
    assert prefixes == ["2026/11/20/23/", "2026/11/21/", "2026/11/22/00/", "2026/11/22/01/"]
    assert time_prefixes(SINCE, UNTIL, daily=True) == ["2026/11/20/", "2026/11/21/", "2026/11/22/"]
    # A start inside an hour still lists that hour; the end hour is excluded when exact.
    assert time_prefixes(SINCE + timedelta(minutes=30), SINCE + timedelta(hours=1)) == [
        "2026/11/20/23/"
    ]


def test_fetch_a_range_brings_down_only_its_hours_and_drift_flags_the_shifted_feature(
    azure_blob_env: BlobEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = azure_blob_env
    seeded = _seed_collected(env)
    dev = env.backend(Stage.DEV)
    from azure.storage.blob import ContainerClient

    listed: list[str] = []
    list_blobs = ContainerClient.list_blobs

    def recording(
        self: ContainerClient, name_starts_with: str | None = None, **kw: object
    ) -> object:
        listed.append(str(name_starts_with))
        return list_blobs(self, name_starts_with=name_starts_with, **kw)

    monkeypatch.setattr(ContainerClient, "list_blobs", recording)
    steps: list[str] = []
    fetched = dev.download_collected_data(
        ENDPOINT,
        tmp_path / "collected",
        deployment=DEPLOYMENT,
        since=SINCE,
        until=UNTIL,
        ctx=TaskContext(lambda done, total, message: steps.append(message)),
    )
    wanted = [n for n in seeded if SINCE <= _hour_of(n) < UNTIL]
    assert len(wanted) == 2 * 27  # 23h, the whole 21st, 00h and 01h of the 22nd
    assert sorted(fetched.blobs) == sorted(wanted)
    assert fetched.deployments == [DEPLOYMENT] and fetched.n_bytes > 0
    assert _downloaded(tmp_path / "collected") == sorted(
        n.removeprefix(f"modelDataCollector/{ENDPOINT}/") for n in wanted
    )
    root = f"modelDataCollector/{ENDPOINT}/{DEPLOYMENT}/model_inputs/"
    assert listed == [root + p for p in time_prefixes(SINCE, UNTIL)]  # never the whole folder
    assert any(s.startswith("listing blue 2026/11/21") for s in steps)
    assert steps[-1].startswith("downloaded 54 files")

    current = load_table(tmp_path / "collected")
    assert len(current) == 27 * 2 * 4 * 4
    assert current["time"].min() >= pd.Timestamp(SINCE)
    assert current["time"].max() < pd.Timestamp(UNTIL)
    result = compute_drift(_reference(), current, timestamp="time", window="hour")
    drifted = {f.name for f in result.features if f.drifted}
    assert drifted == {"monthly_charges"}
    assert env.server.unknown_routes == [] and env.proxy.refused == []


def _hour_of(name: str) -> datetime:
    year, month, day, hour = (int(p) for p in name.split("/")[4:8])
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_the_cli_fetches_then_reports_and_reads_azure_endpoint_sources(
    azure_blob_env: BlobEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = azure_blob_env
    _seed_collected(env)
    _add_workspaces(env.server, capsys)
    reference = tmp_path / "train.csv"
    _reference().to_csv(reference, index=False)
    out = tmp_path / "fetched"
    argv = ["drift", "fetch", ENDPOINT, "-w", "dev", "-d", DEPLOYMENT, "--out", str(out)]
    assert main([*argv, "--from", "2026-11-21T10:00", "--to", "2026-11-21T12:00"]) == 0
    printed = capsys.readouterr().out
    assert "fetched 4 files" in printed and "(2 hours with data)" in printed
    assert _downloaded(out) == [
        f"{DEPLOYMENT}/model_inputs/2026/11/21/{h}/{i}.jsonl"
        for h in ("10", "11")
        for i in ("a1b2c3", "d4e5f6")
    ]

    report = tmp_path / "report.json"
    argv = ["drift", "report", "--reference", str(reference), "--current", str(out)]
    assert main([*argv, "--timestamp", "time", "--out", str(report)]) == 1  # drift
    features = {f["name"]: f for f in json.loads(report.read_text())["features"]}
    assert features["monthly_charges"]["drifted"] and features["monthly_charges"]["value"] > 1

    # One step: an endpoint source of an Azure workspace fetches into a temporary folder and
    # cuts the slice to the minute.
    source = f"endpoint:dev/{ENDPOINT}#since=2026-11-21T10:30:00Z&until=2026-11-21T11:00:00Z"
    argv = ["drift", "report", "--reference", str(reference), "--current", source]
    assert main([*argv, "--out", str(report), "--quiet"]) == 1
    data = json.loads(report.read_text())
    assert data["current"] == {"name": source, "n_rows": 2 * 2 * 4}  # 10:35 and 10:50

    # Nothing in the range: exit 2 and one line that says why.
    argv = ["drift", "fetch", ENDPOINT, "-w", "dev", "--out", str(tmp_path / "none")]
    assert main([*argv, "--from", "2026-10-01T00:00", "--to", "2026-10-02T00:00"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: nothing collected (model_inputs)") and "collection" in err
    with pytest.raises(SystemExit):  # --since and --from exclude each other
        main([*argv, "--since", "3d", "--from", "2026-10-01"])
    assert "not allowed with" in capsys.readouterr().err


def test_unknown_endpoint_or_deployment_and_an_empty_range_are_not_found(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    _seed_collected(env)
    dev = env.backend(Stage.DEV)
    with pytest.raises(NotFound, match="no online endpoint 'churn-ghost-ep'"):
        dev.download_collected_data("churn-ghost-ep", tmp_path / "a", since=SINCE, until=UNTIL)
    with pytest.raises(NotFound, match="no deployment 'green'") as missing:
        dev.download_collected_data(
            ENDPOINT, tmp_path / "b", deployment="green", since=SINCE, until=UNTIL
        )
    assert "blue" in (missing.value.hint or "")
    early = datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(NotFound, match="data collection may be off") as empty:
        dev.download_collected_data(
            ENDPOINT, tmp_path / "c", since=early, until=early + timedelta(days=2)
        )
    assert "data_collector" in (empty.value.hint or "")
    with pytest.raises(NotFound, match="model_outputs"):  # inputs only were collected
        dev.download_collected_data(
            ENDPOINT, tmp_path / "d", collection="model_outputs", since=SINCE, until=UNTIL
        )
    assert not (tmp_path / "d").exists()


def test_unreachable_storage_and_no_datastore_secrets_fail_fast_and_clearly(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    env.sign_in("data-scientist")  # Data Scientist in dev, Reader in staging
    staging = env.backend(Stage.STAGING)
    with pytest.raises(PermissionDenied, match="datastores/listSecrets/action") as denied:
        staging.download_collected_data("churn-staging-ep", tmp_path / "s")
    assert "AzureML Data Scientist" in (denied.value.hint or "")

    dev = env.backend(Stage.DEV)
    env.azurite.stop()
    started = time.monotonic()
    with pytest.raises(Offline, match="cannot reach the storage account") as down:
        dev.download_collected_data(ENDPOINT, tmp_path / "a", since=SINCE, until=UNTIL)
    assert "HTTPS_PROXY" in (down.value.hint or "")
    assert time.monotonic() - started < 30


def test_a_cancelled_fetch_leaves_no_partial_file(
    azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    env = azure_blob_env
    _seed_collected(env)
    contexts: list[TaskContext] = []

    def cancel_after_two_files(done: int, total: int, message: str) -> None:
        if message.startswith("downloading") and done > 0 and len(_downloaded(folder)) >= 2:
            contexts[0].cancel()

    folder = tmp_path / "collected"
    contexts.append(TaskContext(cancel_after_two_files))
    with pytest.raises(Cancelled):
        env.backend(Stage.DEV).download_collected_data(
            ENDPOINT, folder, since=SINCE, until=UNTIL, ctx=contexts[0]
        )
    files = _downloaded(folder)
    # The step after the callback sees the cancel: the third file is the last one.
    assert len(files) == 3 and all(f.endswith(".jsonl") for f in files)


def test_the_drift_page_offers_azure_endpoints_and_computes_from_their_data(
    azure_blob_env: BlobEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlops_desktop.core.config import load_config
    from mlops_desktop.ui.drift.tasks_drift import (
        DriftRequest,
        compute_drift_task,
        list_drift_sources,
    )

    env = azure_blob_env
    _seed_collected(env)
    _add_workspaces(env.server, capsys)
    config = load_config()
    sources = list_drift_sources(TaskContext(), config)
    offered = {c.source for c in sources.current}
    assert f"endpoint:dev/{ENDPOINT}#since=-7d" in offered
    assert f"endpoint:dev/{ENDPOINT}" not in offered  # unbounded: not offered for Azure ML
    assert f"endpoint:dev/{ENDPOINT}#since=-14d&until=-7d" in {c.source for c in sources.reference}

    reference = tmp_path / "train.csv"
    _reference().to_csv(reference, index=False)
    current = f"endpoint:dev/{ENDPOINT}#since=2026-11-21T00:00:00Z&until=2026-11-21T12:00:00Z"
    seen: list[tuple[int, str]] = []
    ctx = TaskContext(lambda done, total, message: seen.append((done, message)))
    result = compute_drift_task(ctx, config, DriftRequest(str(reference), current))
    assert {f.name for f in result.features if f.drifted} == {"monthly_charges"}
    assert result.current_name == current
    downloads = [done for done, message in seen if message.startswith("downloading")]
    assert downloads and all(10 <= d <= 30 for d in downloads)  # the bar moves while fetching

    def cancel_on_download(done: int, total: int, message: str) -> None:
        if message.startswith("downloading"):
            stop.cancel()

    stop = TaskContext(cancel_on_download)
    with pytest.raises(Cancelled):
        compute_drift_task(stop, config, DriftRequest(str(reference), current))
