"""compute_drift end to end: metrics equal scipy through the whole pipeline, schema alignment,
quality rates, windows, performance, progress and cancel."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from drift_tables import make_tables
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlops_desktop.drift.config import DriftConfig, FeatureConfig, MetricRule
from mlops_desktop.drift.engine import DriftResult, FeatureDrift, compute_drift
from mlops_desktop.drift.errors import DriftCancelled, DriftInputError
from mlops_desktop.drift.kinds import ColumnKind

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's, on tiny samples

NUMERIC = DriftConfig(features={"v": FeatureConfig(kind=ColumnKind.NUMERIC)})


def close(a: float | None, b: float) -> bool:
    assert a is not None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


column = st.lists(
    st.one_of(st.integers(-3, 3).map(float), st.floats(-100, 100), st.just(math.nan)),
    min_size=1,
    max_size=60,
).filter(lambda xs: any(not math.isnan(x) for x in xs))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(column, column)
def test_engine_numeric_metrics_equal_scipy(a: list[float], b: list[float]) -> None:
    result = compute_drift(pd.DataFrame({"v": a}), pd.DataFrame({"v": b}), config=NUMERIC)
    feature = result.feature("v")
    ref = np.array(a)[~np.isnan(a)]
    cur = np.array(b)[~np.isnan(b)]
    ks = stats.ks_2samp(ref, cur)
    w1 = stats.wasserstein_distance(ref, cur)
    assert close(feature.metrics["ks_statistic"], ks.statistic)
    assert close(feature.metrics["ks_pvalue"], ks.pvalue)
    assert close(feature.metrics["wasserstein"], w1)
    if ref.min() < ref.max() and np.std(ref) > 0:
        assert close(feature.metrics["normalized_wasserstein"], w1 / np.std(ref))
    dist = feature.distribution
    assert dist is not None and dist.edges is not None
    edges = np.array(dist.edges)
    ref_counts = np.histogram(ref, bins=edges)[0]
    cur_counts = np.histogram(cur, bins=edges)[0]
    assert close(feature.metrics["jensen_shannon"], jensenshannon(ref_counts, cur_counts, base=2))
    # NaN handling: dropped from the metrics, counted in the null rate
    assert feature.quality.null_rate == pytest.approx(np.isnan(b).mean())
    assert feature.n_reference == ref.size and feature.n_current == cur.size


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=50),
    st.lists(st.sampled_from(["a", "b", "d", None]), min_size=1, max_size=50),
)
def test_engine_categorical_metrics_equal_scipy(a: list[str | None], b: list[str | None]) -> None:
    if all(x is None for x in a) or all(x is None for x in b):
        return
    config = DriftConfig(features={"c": FeatureConfig(kind=ColumnKind.CATEGORICAL)})
    result = compute_drift(pd.DataFrame({"c": a}), pd.DataFrame({"c": b}), config=config)
    feature = result.feature("c")
    labels = sorted({x for x in a + b if x is not None})
    ref = np.array([sum(x == label for x in a) for label in labels])
    cur = np.array([sum(x == label for x in b) for label in labels])
    keep = (ref + cur) > 0
    if keep.sum() > 1:
        expected = stats.chi2_contingency(np.vstack([ref[keep], cur[keep]]))
        assert close(feature.metrics["chi2_pvalue"], expected.pvalue)
    assert close(feature.metrics["jensen_shannon"], jensenshannon(ref, cur, base=2))
    unseen = sum(1 for x in b if x is not None and x not in a)
    assert feature.quality.out_of_bounds_rate == pytest.approx(unseen / len(b))


def test_drifted_tables(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = tables
    result = compute_drift(reference, current, target="label", prediction="pred", timestamp="ts")
    assert isinstance(result, DriftResult)
    by_name = {f.name: f for f in result.features}
    assert set(by_name) == {"x", "stable", "colour", "count"}
    assert isinstance(by_name["x"], FeatureDrift)
    assert by_name["x"].kind is ColumnKind.NUMERIC and by_name["x"].drifted
    assert by_name["x"].metric == "normalized_wasserstein" and by_name["x"].threshold == 0.1
    assert by_name["colour"].kind is ColumnKind.CATEGORICAL and by_name["colour"].drifted
    assert by_name["colour"].metric == "jensen_shannon"
    assert by_name["count"].kind is ColumnKind.CATEGORICAL  # low-cardinality integers
    assert not by_name["stable"].drifted and not by_name["count"].drifted
    assert result.n_drifted == 2 and result.n_features == 4
    assert result.dataset_drift and result.drift_share == 0.5
    assert result.prediction is not None and result.prediction.role == "prediction"
    assert result.target is not None and result.target.role == "target"
    assert result.performance is not None and result.performance.task == "classification"
    assert result.window == "day" and len(result.windows) == 3
    json.dumps(result.to_dict(), allow_nan=False)


def test_dataset_drift_share_is_configurable(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = tables
    result = compute_drift(reference, current, config=DriftConfig(dataset_drift_share=0.6))
    assert result.drift_share == pytest.approx(2 / 6)  # label and pred count; ts (datetime) not
    strict = compute_drift(
        reference.drop(columns=["label", "pred", "ts"]),
        current.drop(columns=["label", "pred", "ts"]),
        config=DriftConfig(dataset_drift_share=0.6),
    )
    assert strict.drift_share == 0.5 and not strict.dataset_drift


def test_per_feature_metric_and_threshold(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = tables
    config = DriftConfig(
        numeric=MetricRule(metric="ks_pvalue", threshold=0.01),
        features={
            "x": FeatureConfig(metric="psi", threshold=50.0),
            "colour": FeatureConfig(metric="chi2_pvalue"),
            "stable": FeatureConfig(ignore=True),
        },
    )
    result = compute_drift(reference, current, config=config, target="label", prediction="pred")
    x, colour = result.feature("x"), result.feature("colour")
    assert (x.metric, x.threshold, x.drifted) == ("psi", 50.0, False)
    assert colour.metric == "chi2_pvalue" and colour.threshold == 0.05 and colour.drifted
    assert "stable" not in {f.name for f in result.features}
    assert result.feature("pred").metric == "jensen_shannon"


def test_schema_alignment_reports_instead_of_crashing() -> None:
    reference = pd.DataFrame(
        {"a": [1.5, 2.5, 3.5, 4.5], "gone": [1, 2, 3, 4], "b": ["x", "y", "x", "y"]}
    )
    current = pd.DataFrame(
        {"a": ["p", "q", "r", "s"], "b": [None, None, None, None], "new": [1, 2, 3, 4]}
    )
    result = compute_drift(reference, current)
    issues = {(i.column, i.issue) for i in result.schema_issues}
    assert ("gone", "missing_in_current") in issues
    assert ("new", "extra_in_current") in issues
    assert ("a", "retyped") in issues
    assert ("b", "all_null_current") in issues
    a = result.feature("a")
    assert a.kind is ColumnKind.NUMERIC and not a.evaluated and a.note
    assert a.quality.type_error_rate == 1.0 and "type_error_rate" in a.quality.violations
    assert result.feature("b").quality.null_rate == 1.0
    assert not result.dataset_drift


def test_quality_rates() -> None:
    reference = pd.DataFrame({"v": np.linspace(0.0, 10.0, 101), "c": ["a", "b"] * 50 + ["a"]})
    values: list[object] = [1.0] * 90 + [None] * 4 + ["oops"] * 2 + [-1.0, 11.0, 12.0, float("inf")]
    current = pd.DataFrame({"v": values, "c": ["a"] * 95 + ["z"] * 3 + [None] * 2})
    result = compute_drift(reference, current)
    v, c = result.feature("v"), result.feature("c")
    assert v.kind is ColumnKind.NUMERIC
    assert v.quality.null_rate == pytest.approx(0.04)
    assert v.quality.type_error_rate == pytest.approx(0.03)  # "oops" twice and inf
    assert v.quality.out_of_bounds_rate == pytest.approx(0.03)
    assert set(v.quality.violations) == {"null_rate", "type_error_rate", "out_of_bounds_rate"}
    assert c.quality.out_of_bounds_rate == pytest.approx(0.03)
    assert c.quality.null_rate == pytest.approx(0.02)
    loose = DriftConfig(features={"v": FeatureConfig(null_rate=0.05, type_error_rate=0.05)})
    relaxed = compute_drift(reference, current, config=loose).feature("v")
    assert relaxed.quality.violations == ("out_of_bounds_rate",)


def test_column_typing() -> None:
    n = 200
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "flag": rng.choice([True, False], n),
            "small_int": rng.integers(0, 5, n),
            "float": rng.normal(size=n),
            "text": [f"free text number {i}" for i in range(n)],
            "when": pd.date_range("2024-01-01", periods=n, freq="h"),
            "iso": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
            "numeric_strings": [str(x) for x in rng.normal(size=n)],
            "cat": rng.choice(["a", "b", "c"], n),
        }
    )
    result = compute_drift(frame, frame)
    kinds = {f.name: f.kind for f in result.features}
    assert kinds == {
        "flag": ColumnKind.CATEGORICAL,
        "small_int": ColumnKind.CATEGORICAL,
        "float": ColumnKind.NUMERIC,
        "text": ColumnKind.TEXT,
        "when": ColumnKind.DATETIME,
        "iso": ColumnKind.DATETIME,
        "numeric_strings": ColumnKind.NUMERIC,
        "cat": ColumnKind.CATEGORICAL,
    }
    assert result.n_features == 5 and result.n_drifted == 0
    assert all(
        f.value == 0.0 for f in result.features if f.metric == "jensen_shannon" and f.evaluated
    )


def test_windows_series() -> None:
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"v": rng.normal(0, 1, 3000)})
    hours = np.repeat(np.arange(6), 1000)
    values = rng.normal(0, 1, 6000)
    values[hours >= 3] += 2.0  # drift from hour 3 on
    stamps = pd.Timestamp("2024-03-01T00:00:00Z") + pd.to_timedelta(hours * 3600 + 30, unit="s")
    current = pd.DataFrame({"v": values, "t": stamps.astype(str)})  # ISO strings parse too
    result = compute_drift(reference, current, timestamp="t", window="hour")
    assert [w.n_rows for w in result.windows] == [1000] * 6
    assert [w.dataset_drift for w in result.windows] == [False] * 3 + [True] * 3
    series = result.windows_series()
    assert series[0][0] == pd.Timestamp("2024-03-01T00:00:00Z").to_pydatetime()
    ref_sorted = np.sort(reference["v"].to_numpy())
    for (_start, values_by_feature), hour in zip(series, range(6), strict=True):
        window_values = values[hours == hour]
        w1 = stats.wasserstein_distance(ref_sorted, window_values) / np.std(ref_sorted)
        assert values_by_feature["v"] == pytest.approx(w1, rel=1e-9)
    weekly = compute_drift(reference, current, timestamp="t", window="week")
    assert len(weekly.windows) == 1 and weekly.windows[0].start.weekday() == 0


def test_windows_too_small_are_measured_not_judged() -> None:
    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"v": rng.normal(0, 1, 3000)})
    # Hour 0: 500 drifted rows; hour 1: 5 drifted rows — too few to call it drift.
    values = np.concatenate([rng.normal(3, 1, 500), rng.normal(3, 1, 5)])
    stamps = pd.Timestamp("2024-03-01T00:00:00Z") + pd.to_timedelta(
        np.r_[np.zeros(500), np.full(5, 3600.0)], unit="s"
    )
    current = pd.DataFrame({"v": values, "t": stamps})
    config = DriftConfig(min_window_rows=20)
    result = compute_drift(reference, current, timestamp="t", window="hour", config=config)
    big, small = result.windows
    assert big.judged and big.dataset_drift and big.drifted == {"v": True}
    assert not small.judged and not small.dataset_drift and small.drifted == {}
    assert small.values["v"] is not None and small.values["v"] > 1.0  # still measured
    assert json.loads(json.dumps(result.to_dict()))["windows"][1]["judged"] is False


def test_regression_performance_matches_sklearn() -> None:
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    rng = np.random.default_rng(3)
    y_ref, y_cur = rng.normal(size=300), rng.normal(size=300)
    reference = pd.DataFrame(
        {"f": rng.normal(size=300), "y": y_ref, "p": y_ref + rng.normal(0, 0.1, 300)}
    )
    current = pd.DataFrame(
        {"f": rng.normal(size=300), "y": y_cur, "p": y_cur + rng.normal(0, 0.5, 300)}
    )
    result = compute_drift(reference, current, target="y", prediction="p")
    performance = result.performance
    assert performance is not None and performance.task == "regression"
    for name, frame in (("current", current), ("reference", reference)):
        metrics = getattr(performance, name)
        assert metrics["rmse"] == pytest.approx(np.sqrt(mean_squared_error(frame["y"], frame["p"])))
        assert metrics["mae"] == pytest.approx(mean_absolute_error(frame["y"], frame["p"]))
        assert metrics["r2"] == pytest.approx(r2_score(frame["y"], frame["p"]))
    assert set(performance.degraded) == {"rmse", "mae", "r2"}


def test_classification_performance_matches_sklearn(
    tables: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    reference, current = tables
    result = compute_drift(reference, current, target="label", prediction="pred")
    performance = result.performance
    assert performance is not None
    assert performance.current["accuracy"] == pytest.approx(
        accuracy_score(current["label"], current["pred"])
    )
    assert performance.current["f1"] == pytest.approx(
        f1_score(current["label"], current["pred"], average="macro")
    )


def test_progress_and_cancel(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    reference, current = tables
    calls: list[tuple[int, int, str]] = []
    compute_drift(reference, current, progress=lambda d, t, m: calls.append((d, t, m)))
    assert calls[0][0] == 0 and calls[-1] == (7, 7, "done")
    checks = iter([False, False, True])
    with pytest.raises(DriftCancelled):
        compute_drift(reference, current, cancel=lambda: next(checks))


def test_bad_input_errors_name_the_source_and_column() -> None:
    reference, current = make_tables(n=50)
    with pytest.raises(DriftInputError, match=r"current.*'nope'"):
        compute_drift(reference, current, timestamp="nope")
    with pytest.raises(DriftInputError, match="'nope'"):
        compute_drift(reference, current, prediction="nope")
    with pytest.raises(DriftInputError, match="no column in common"):
        compute_drift(pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}))
    with pytest.raises(DriftInputError, match=r"current.*no rows"):
        compute_drift(reference, current.iloc[:0])
    bad_time = current.assign(ts="not a time")
    with pytest.raises(DriftInputError, match=r"'ts'.*0 of 50 read as times"):
        compute_drift(reference, bad_time, timestamp="ts")
    with pytest.raises(DriftInputError, match=r"reference: every value is null"):
        compute_drift(pd.DataFrame({"a": [None, None]}), current)
    with pytest.raises(DriftInputError, match="window"):
        compute_drift(reference, current, timestamp="ts", window="month")


def test_all_null_reference_column_is_reported() -> None:
    reference = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [None, None, None]})
    current = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [1.0, 2.0, None]})
    result = compute_drift(reference, current)
    assert ("empty", "all_null_reference") in {(i.column, i.issue) for i in result.schema_issues}
    assert not result.feature("empty").evaluated


def test_two_valued_float_flag_is_categorical() -> None:
    import numpy as np
    import pandas as pd

    from mlops_desktop.drift.engine import compute_drift
    from mlops_desktop.drift.kinds import ColumnKind

    rng = np.random.default_rng(0)
    flag = np.where(rng.random(300) < 0.5, 0.0506801187398187, -0.044641636506989)
    reference = pd.DataFrame({"sex": flag, "x": rng.normal(size=300)})
    current = pd.DataFrame({"sex": flag[::-1], "x": rng.normal(size=300)})
    result = compute_drift(reference, current)
    assert result.feature("sex").kind is ColumnKind.CATEGORICAL
    assert result.feature("x").kind is ColumnKind.NUMERIC
