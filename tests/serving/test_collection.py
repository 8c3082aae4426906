"""Collected data without processes: hour partitions, merging, reading back, telemetry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from mlops_desktop.serving.collected import inputs_and_outputs, payload_rows, read_requests
from mlops_desktop.serving.collector import Collector, Row, partition_of
from mlops_desktop.serving.telemetry import compute_telemetry

HOUR = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
COLUMNS = ["a", "b"]


def _row(
    moment: datetime,
    request_id: str,
    *,
    status: int = 200,
    latency: float = 5.0,
    deployment: str = "blue",
    mirrored: bool = False,
    body: dict | None = None,
    predictions: list[float] | None = None,
) -> Row:
    request = body or {"dataframe_split": {"columns": COLUMNS, "data": [[1.0, 2.0]]}}
    answer = {"predictions": predictions if predictions is not None else [3.0]}
    return (
        moment.timestamp(),
        request_id,
        None,
        deployment,
        mirrored,
        status,
        latency,
        "application/json",
        json.dumps(request).encode(),
        json.dumps(answer).encode(),
    )


def test_rows_land_in_their_hour_partition(tmp_path: Path) -> None:
    collector = Collector(tmp_path)
    collector.add(_row(HOUR + timedelta(minutes=5), "r1"))
    collector.add(_row(HOUR + timedelta(hours=1, minutes=1), "r2"))
    assert collector.flush() == 2
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.parquet"))
    assert [f.rsplit("/", 1)[0] for f in files] == [
        "date=2026-03-01/hour=10",
        "date=2026-03-01/hour=11",
    ]
    assert partition_of(HOUR.timestamp()) == "date=2026-03-01/hour=10"
    table = pq.read_table(tmp_path / files[0])
    assert table.column_names[:6] == [
        "timestamp",
        "request_id",
        "client_request_id",
        "deployment",
        "mirrored",
        "status",
    ]
    assert {"latency_ms", "inputs", "outputs"} <= set(table.column_names)


def test_closed_hours_and_piles_of_parts_are_merged(tmp_path: Path) -> None:
    collector = Collector(tmp_path, merge_parts_at=4)
    for i in range(3):  # a closed hour: merged into one file on the next write
        collector.add(_row(HOUR + timedelta(minutes=i), f"old{i}"))
        collector.flush()
    now = datetime.now(UTC)
    for i in range(4):  # the current hour: merged once 4 parts pile up
        collector.add(_row(now, f"new{i}"))
        collector.flush()
    old = list((tmp_path / partition_of(HOUR.timestamp())).glob("*.parquet"))
    current = list((tmp_path / partition_of(now.timestamp())).glob("*.parquet"))
    assert [p.name.split("-")[0] for p in old] == ["hour"]
    assert [p.name.split("-")[0] for p in current] == ["merged"]
    frame = read_requests(tmp_path)
    assert sorted(frame["request_id"]) == sorted(
        [f"old{i}" for i in range(3)] + [f"new{i}" for i in range(4)]
    )


def test_read_requests_filters_time_and_drops_duplicates(tmp_path: Path) -> None:
    collector = Collector(tmp_path)
    for minute in range(0, 60, 10):
        collector.add(_row(HOUR + timedelta(minutes=minute), f"r{minute}"))
    collector.add(_row(HOUR + timedelta(minutes=20), "r20", mirrored=True, deployment="green"))
    collector.flush()
    collector.add(_row(HOUR + timedelta(minutes=10), "r10"))  # seen twice, as during a merge
    collector.flush()
    frame = read_requests(
        tmp_path, since=HOUR + timedelta(minutes=10), until=HOUR + timedelta(minutes=40)
    )
    assert list(frame["request_id"]) == ["r10", "r20", "r20", "r30"]
    assert list(frame["mirrored"]) == [False, False, True, False]
    assert read_requests(tmp_path / "nothing-here").empty


@pytest.mark.parametrize(
    "body",
    [
        {"dataframe_split": {"columns": COLUMNS, "data": [[1, 2], [3, 4]]}},
        {"dataframe_records": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
        {"inputs": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
        {"instances": [{"a": 1, "b": 2}, {"a": 3, "b": 4}]},
        {"inputs": {"a": [1, 3], "b": [2, 4]}},
    ],
)
def test_every_input_format_reads_back_as_rows(body: dict) -> None:
    columns, rows = payload_rows(json.dumps(body))
    assert columns == ("a", "b")
    assert rows == [[1, 2], [3, 4]]


def test_inputs_and_outputs_one_row_per_scored_row(tmp_path: Path) -> None:
    collector = Collector(tmp_path)
    two_rows = {"dataframe_records": [{"a": 1.0, "b": 2.0}, {"a": 5.0, "b": 6.0}]}
    collector.add(_row(HOUR, "r1", body=two_rows, predictions=[10.0, 11.0]))
    collector.add(_row(HOUR + timedelta(seconds=1), "r2", predictions=[12.0]))
    collector.add(_row(HOUR + timedelta(seconds=2), "bad", status=400))
    collector.add(_row(HOUR + timedelta(seconds=3), "r2", mirrored=True, predictions=[99.0]))
    collector.flush()
    data = inputs_and_outputs(read_requests(tmp_path))
    assert list(data["a"]) == [1.0, 5.0, 1.0]
    assert list(data["prediction"]) == [10.0, 11.0, 12.0]
    assert list(data["request_id"]) == ["r1", "r1", "r2"]
    assert data["timestamp"].dt.tz is not None
    with_mirror = inputs_and_outputs(read_requests(tmp_path), include_mirrored=True)
    assert len(with_mirror) == 4


def test_telemetry_counts_latency_and_errors_per_minute() -> None:
    stamps = [HOUR + timedelta(seconds=s) for s in (0, 10, 20, 30, 70)]
    requests = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(stamps, utc=True),
            "deployment": ["blue", "blue", "green", "blue", "blue"],
            "mirrored": [False, False, False, True, False],
            "status": [200, 500, 200, 200, 400],
            "latency_ms": [1.0, 3.0, 5.0, 100.0, 7.0],
        }
    )
    series = compute_telemetry(requests, start=HOUR, end=HOUR + timedelta(minutes=3))
    assert list(series["requests"]) == [3, 1, 0]
    assert list(series["errors"]) == [1, 1, 0]
    assert list(series["server_errors"]) == [1, 0, 0]
    assert series["error_rate"].iloc[0] == pytest.approx(1 / 3)
    assert series["latency_p50_ms"].iloc[0] == pytest.approx(3.0)
    assert pd.isna(series["latency_p50_ms"].iloc[2])
    split = compute_telemetry(
        requests, start=HOUR, end=HOUR + timedelta(minutes=2), by_deployment=True
    )
    assert set(split["deployment"]) == {"blue", "green"}
    assert split.groupby("deployment")["requests"].sum().to_dict() == {"blue": 3, "green": 1}
    assert compute_telemetry(requests.iloc[:0]).empty
    # A window in which nobody answered splits into no series (it used to raise ValueError).
    later = HOUR + timedelta(hours=5)
    quiet = compute_telemetry(
        requests, start=later, end=later + timedelta(minutes=5), by_deployment=True
    )
    assert quiet.empty and "deployment" in quiet.columns
    empty = compute_telemetry(requests.iloc[:0], start=HOUR, end=later, by_deployment=True)
    assert empty.empty
