"""Streaming drift over Parquet: equal to the in-memory engine where it is exact, its intervals
holding the in-memory values where it is not; folders, cancel, the CLI's choice of path."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mlops_desktop.cli import drift as drift_cli
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.drift.engine import compute_drift
from mlops_desktop.drift.io import load_table
from mlops_desktop.drift.parquet_stream import parse_size, should_stream
from mlops_desktop.drift.result import DriftResult
from mlops_desktop.drift.streaming import compute_drift_streaming

EXACT_NUMERIC = ("jensen_shannon",)
BOUNDED_NUMERIC = ("ks_statistic", "ks_pvalue", "wasserstein", "normalized_wasserstein")


def _table(rng: np.random.Generator, n: int, shift: float) -> pd.DataFrame:
    data: dict[str, object] = {
        "x": rng.normal(shift, 1.0, n),
        "y": rng.lognormal(0.0, 0.5 + shift, n),
        "z": np.round(rng.normal(0.0, 1.0, n), 1),
        "code": rng.integers(0, 5, n).astype(float),
        # 21 whole numbers over 0 … 20: numeric, and every value on an edge of the 20-bin chart
        "on_edges": rng.integers(0, 21, n).astype(float),
        "segment": pd.array(
            rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1] if shift == 0 else None),
            dtype="str",
        ),
        "flag": rng.random(n) < 0.3 + shift,
    }
    frame = pd.DataFrame(data)
    frame.loc[::37, "x"] = np.nan
    frame.loc[::501, "y"] = np.inf
    frame.loc[::53, "segment"] = None
    frame.loc[::41, "code"] = np.nan
    return frame


def _write(frame: pd.DataFrame, path: Path, row_group: int = 2_000) -> Path:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, row_group_size=row_group)
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(11)
    ref = _write(_table(rng, 12_000, 0.0), tmp_path / "ref.parquet")
    cur = _write(_table(rng, 15_000, 0.2), tmp_path / "cur.parquet")
    return ref, cur


def _assert_matches(exact: DriftResult, streamed: DriftResult) -> None:
    assert streamed.approximation is not None
    assert [f.name for f in streamed.features] == [f.name for f in exact.features]
    assert streamed.n_reference_rows == exact.n_reference_rows
    assert streamed.n_current_rows == exact.n_current_rows
    assert streamed.schema_issues == exact.schema_issues
    for want in exact.features:
        got = streamed.feature(want.name)
        assert (got.kind, got.metric, got.role) == (want.kind, want.metric, want.role), want.name
        assert (got.n_reference, got.n_current) == (want.n_reference, want.n_current), want.name
        assert got.quality == want.quality, want.name  # nulls, type errors, out of bounds
        if want.kind.value == "categorical":
            assert got.metrics == pytest.approx(want.metrics, rel=1e-12), want.name
            assert got.distribution == want.distribution
            assert got.drifted == want.drifted
            continue
        for key in ("min", "max", "mean", "std"):
            assert got.reference_summary[key] == pytest.approx(want.reference_summary[key])
            assert got.current_summary[key] == pytest.approx(want.current_summary[key])
        for metric in EXACT_NUMERIC:
            assert got.metrics[metric] == pytest.approx(want.metrics[metric], rel=1e-12)
        assert got.distribution is not None and want.distribution is not None
        assert got.distribution.edges == pytest.approx(want.distribution.edges)
        assert got.distribution.current == pytest.approx(want.distribution.current)
        intervals = streamed.approximation.intervals[want.name]
        for metric in BOUNDED_NUMERIC:
            low, high = intervals[metric]
            value = want.metrics[metric]
            assert value is not None
            slack = 1e-9 * max(abs(value), 1e-300)
            assert low - slack <= value <= high + slack, (want.name, metric, low, value, high)
        low, high = intervals["reference_median"]
        assert low <= want.reference_summary["median"] <= high
        assert got.metrics["psi"] == pytest.approx(want.metrics["psi"], rel=0.01, abs=1e-4)


def test_streaming_equals_the_engine_where_exact_and_bounds_it_elsewhere(
    pair: tuple[Path, Path],
) -> None:
    ref, cur = pair
    exact = compute_drift(load_table(ref), load_table(cur))
    streamed = compute_drift_streaming(ref, cur, batch_rows=1_500)
    _assert_matches(exact, streamed)
    assert exact.features[0].kind.value == "numeric"
    assert {f.kind.value for f in exact.features} == {"numeric", "categorical"}
    document = streamed.to_dict()
    assert document["approximation"]["intervals"]["x"]["ks_statistic"][0] is not None
    import jsonschema

    from mlops_desktop.drift.report_json import JSON_SCHEMA

    jsonschema.validate(json.loads(json.dumps(document)), JSON_SCHEMA)
    assert exact.to_dict()["approximation"] is None


def test_a_folder_of_files_streams_like_the_stacked_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)
    # Over 10,000 rows, so the engine's KS p-value is asymptotic, as the streamed one always is.
    ref = _write(_table(rng, 12_000, 0.0), tmp_path / "ref.parquet")
    folder = tmp_path / "collected"
    (folder / "day=2").mkdir(parents=True)
    frames = [_table(rng, 4_000, 0.2) for _ in range(3)]
    frames[1] = frames[1].drop(columns=["segment"])  # one file lacks a column: nulls there
    _write(frames[0], folder / "part-0.parquet")
    _write(frames[1], folder / "part-1.parquet", row_group=700)
    _write(frames[2], folder / "day=2" / "part-2.parquet")
    exact = compute_drift(load_table(ref), load_table(folder))
    streamed = compute_drift_streaming(ref, folder, batch_rows=1_000)
    _assert_matches(exact, streamed)
    assert streamed.n_current_rows == 12_000
    assert streamed.feature("segment").quality.null_rate > 1 / 3


@pytest.mark.parametrize("statistics", [True, False])
def test_footer_ranges_allow_one_pass_with_the_same_result(
    tmp_path: Path, statistics: bool
) -> None:
    rng = np.random.default_rng(13)
    paths = []
    for name, shift in (("ref", 0.0), ("cur", 0.2)):
        frame = _table(rng, 11_000, shift)
        frame["y"] = frame["y"].replace(np.inf, np.nan)  # ±inf in a footer: its range is no use
        path = tmp_path / f"{name}.parquet"
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table, path, row_group_size=3_000, write_statistics=statistics)
        paths.append(path)
    exact = compute_drift(load_table(paths[0]), load_table(paths[1]))
    totals: list[int] = []
    ctx = TaskContext(on_progress=lambda _done, total, _message: totals.append(total))
    streamed = compute_drift_streaming(*paths, ctx=ctx, batch_rows=1_000)
    _assert_matches(exact, streamed)
    assert streamed.approximation is not None
    passes = 1 if statistics else 2
    assert streamed.approximation.passes == passes
    assert totals[-1] == passes * 22_000


def test_cancel_stops_mid_stream(pair: tuple[Path, Path]) -> None:
    ref, cur = pair
    seen: list[tuple[int, int]] = []
    ctx = TaskContext()

    def on_progress(done: int, total: int, _message: str) -> None:
        seen.append((done, total))
        if len(seen) == 4:
            ctx.cancel()

    ctx = TaskContext(on_progress=on_progress)
    with pytest.raises(Cancelled):
        compute_drift_streaming(ref, cur, ctx=ctx, batch_rows=1_000)
    done, total = seen[-1]
    assert total == 2 * (12_000 + 15_000)  # two passes over both tables
    assert 0 < done < total and len(seen) == 4


def test_timestamps_need_memory(pair: tuple[Path, Path]) -> None:
    with pytest.raises(ValueError, match="needs the rows in memory"):
        compute_drift_streaming(*pair, timestamp="x")


def test_the_cli_streams_over_the_budget_and_says_it_is_approximate(
    pair: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref, cur = pair
    assert should_stream(str(ref), str(cur), "1M") is True
    assert should_stream(str(ref), str(cur), "10G") is False
    assert should_stream(str(ref), "endpoint:prod/churn", "1") is False
    with pytest.raises(ValueError, match="local Parquet"):
        should_stream(str(ref), "endpoint:prod/churn", force=True)
    assert parse_size("1.5G") == 3 << 29 and parse_size("512MiB") == 512 << 20
    for budget, approximate in (("1M", True), ("10G", False)):
        out = tmp_path / f"r{budget}.json"
        argv = ["drift", "report", "--reference", str(ref), "--current", str(cur)]
        argv += ["--out", str(out), "--memory-budget", budget, "--quiet"]
        parser = __import__("argparse").ArgumentParser()
        drift_cli.register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(argv)
        assert args.handler(args) in (0, 1)
        document = json.loads(out.read_text())
        assert (document["approximation"] is not None) is approximate
        printed = capsys.readouterr().out
        assert ("approximate: streamed" in printed) is approximate


def test_stale_footers_get_a_second_pass(
    pair: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A footer range narrower than the data (a writer's bug) must not clip the grid."""
    from mlops_desktop.drift.parquet_stream import ParquetStream

    monkeypatch.setattr(ParquetStream, "value_range", lambda self, column: (-0.5, 0.5))
    ref, cur = pair
    exact = compute_drift(load_table(ref), load_table(cur))
    streamed = compute_drift_streaming(ref, cur, batch_rows=2_000)
    _assert_matches(exact, streamed)
    assert streamed.approximation is not None and streamed.approximation.passes == 2
