"""load_table: CSV, Parquet (row groups), JSON Lines, the Azure ML collector layout, directories,
and clear errors naming the file (and line or column)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlops_desktop.drift.errors import DriftInputError
from mlops_desktop.drift.io import load_table


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "a": rng.normal(size=50),
            "n": rng.integers(0, 100, 50),
            "s": rng.choice(["x", "y"], 50),
        }
    )


def test_dataframe_is_returned_with_its_source(frame: pd.DataFrame) -> None:
    loaded = load_table(frame, name="in memory")
    pd.testing.assert_frame_equal(loaded, frame)
    assert loaded.attrs["source"] == "in memory"
    assert "source" not in frame.attrs  # the caller's frame is not modified


def test_csv_and_tsv(tmp_path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_csv(tmp_path / "t.tsv", index=False, sep="\t")
    for name in ("t.csv", "t.tsv"):
        loaded = load_table(tmp_path / name)
        pd.testing.assert_frame_equal(loaded, frame, check_dtype=False)
        assert loaded.attrs["source"] == str(tmp_path / name)


def test_parquet_streams_row_groups(tmp_path: Path, frame: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(frame.assign(with_null=[None, *range(49)]), preserve_index=False)
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=7)
    assert pq.ParquetFile(tmp_path / "t.parquet").num_row_groups == 8
    loaded = load_table(tmp_path / "t.parquet")
    np.testing.assert_array_equal(loaded["a"].to_numpy(), frame["a"].to_numpy())
    np.testing.assert_array_equal(loaded["n"].to_numpy(), frame["n"].to_numpy())
    assert list(loaded["s"]) == list(frame["s"])
    assert np.isnan(loaded["with_null"].iloc[0]) and loaded["with_null"].iloc[-1] == 48
    only = load_table(tmp_path / "t.parquet", columns=["s"])
    assert list(only.columns) == ["s"]


def test_json_lines_and_json_array(tmp_path: Path, frame: pd.DataFrame) -> None:
    records = frame.to_dict(orient="records")
    (tmp_path / "t.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    (tmp_path / "t.json").write_text(json.dumps(records))
    with gzip.open(tmp_path / "t.jsonl.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(r) for r in records))
    for name in ("t.jsonl", "t.json", "t.jsonl.gz"):
        loaded = load_table(tmp_path / name)
        np.testing.assert_allclose(loaded["a"].to_numpy(dtype=float), frame["a"].to_numpy())
        assert list(loaded["s"]) == list(frame["s"])


def test_json_lines_with_mixed_types(tmp_path: Path) -> None:
    lines = [{"v": 1.5}, {"v": "broken"}, {"v": 2.5}]
    (tmp_path / "m.jsonl").write_text("\n".join(json.dumps(r) for r in lines))
    assert list(load_table(tmp_path / "m.jsonl")["v"]) == [1.5, "broken", 2.5]


def collector_line(time: str, rows: list[dict[str, object]], n: int) -> str:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"event-{n}",
            "source": "/subscriptions/x/resourceGroups/y/providers/"
            "Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/e/deployments/blue",
            "type": "azureml.inference.model_inputs",
            "datacontenttype": "application/json",
            "time": time,
            "data": rows,
            "correlationid": f"c-{n}",
        }
    )


def test_azure_ml_collector_layout(tmp_path: Path) -> None:
    folder = tmp_path / "model_inputs" / "2024" / "05" / "01"
    (folder / "10").mkdir(parents=True)
    (folder / "11").mkdir(parents=True)
    (folder / "10" / "a.jsonl").write_text(
        collector_line("2024-05-01T10:15:00Z", [{"x": 1.0, "c": "a"}, {"x": 2.0, "c": "b"}], 1)
        + "\n"
        + collector_line("2024-05-01T10:45:00Z", [{"x": 3.0, "c": "a"}], 2)
        + "\n"
    )
    (folder / "11" / "b.jsonl").write_text(
        collector_line("2024-05-01T11:05:00.123Z", [{"x": 4.0, "c": "c"}], 3) + "\n"
    )
    (folder / "11" / "empty.jsonl").write_text("")
    loaded = load_table(tmp_path / "model_inputs")
    assert list(loaded["x"]) == [1.0, 2.0, 3.0, 4.0]
    assert list(loaded["c"]) == ["a", "b", "a", "c"]
    assert str(loaded["time"].dtype).startswith("datetime64") and loaded["time"].dt.tz is not None
    assert loaded["time"].iloc[0] == pd.Timestamp("2024-05-01T10:15:00Z")
    assert loaded["time"].iloc[1] == loaded["time"].iloc[0]  # both rows of one event
    single = load_table(folder / "10" / "a.jsonl")
    assert len(single) == 3


def test_collector_rows_with_a_time_column_keep_it(tmp_path: Path) -> None:
    line = collector_line("2024-05-01T10:15:00Z", [{"time": 5, "x": 1.0}], 1)
    (tmp_path / "c.jsonl").write_text(line + "\n")
    loaded = load_table(tmp_path / "c.jsonl")
    assert list(loaded["time"]) == [5] and "_collector_time" in loaded.columns


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", r"empty\.csv: the file is empty"),
        ("header.csv", "a,b\n", r"header\.csv: the table has no rows"),
        ("nulls.csv", "a,b\n,\n,\n", r"nulls\.csv: every value is null"),
        ("bad.jsonl", '{"a": 1}\n{"a": \n', r"bad\.jsonl: line 2: not valid JSON"),
        ("list.jsonl", '{"a": 1}\n[1, 2]\n', r"list\.jsonl: line 2: expected a JSON object"),
        ("bad.parquet", "not parquet", r"bad\.parquet: not a Parquet file"),
        ("data.xlsx", "x", r"data\.xlsx: unknown file type"),
        (
            "collector.jsonl",
            '{"specversion": "1.0", "data": [{"a": 1}]}\n{"specversion": "1.0", "data": 5}\n',
            r"collector\.jsonl: line 2: 'data' is not a list",
        ),
    ],
)
def test_errors_name_the_file(tmp_path: Path, name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(DriftInputError, match=message):
        load_table(tmp_path / name)


def test_missing_things(tmp_path: Path, frame: pd.DataFrame) -> None:
    with pytest.raises(DriftInputError, match=r"nope\.csv: no such file"):
        load_table(tmp_path / "nope.csv")
    (tmp_path / "folder").mkdir()
    with pytest.raises(DriftInputError, match="no data files"):
        load_table(tmp_path / "folder")
    frame.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DriftInputError, match=r"t\.csv, column 'zzz': column not found"):
        load_table(tmp_path / "t.csv", columns=["zzz"])
    frame.to_parquet(tmp_path / "t.parquet")
    with pytest.raises(DriftInputError, match=r"t\.parquet, column 'zzz'"):
        load_table(tmp_path / "t.parquet", columns=["zzz"])
    (tmp_path / "latin.csv").write_bytes("a\n\xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(DriftInputError, match="not UTF-8"):
        load_table(tmp_path / "latin.csv")
