"""The dataset-drift verdict weighs the recent windows and the trend, not only the whole table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_desktop.drift.config import DriftConfig, VerdictConfig
from mlops_desktop.drift.engine import compute_drift
from mlops_desktop.drift.report_format import headline, verdict_rule
from mlops_desktop.drift.report_text import summary_text

FEATURES = ["f0", "f1", "f2", "f3"]


def _tables(days: int, shift: dict[str, list[float]], seed: int = 0) -> tuple[pd.DataFrame, ...]:
    """A reference and ``days`` daily windows of 300 rows; ``shift[f][d]`` moves f on day d."""
    rng = np.random.default_rng(seed)
    reference = pd.DataFrame(rng.normal(size=(2000, len(FEATURES))), columns=FEATURES)
    frames = []
    for day in range(days):
        frame = pd.DataFrame(rng.normal(size=(300, len(FEATURES))), columns=FEATURES)
        for name, by_day in shift.items():
            frame[name] += by_day[day]
        frame["ts"] = pd.Timestamp("2026-03-02", tz="UTC") + pd.Timedelta(days=day, hours=12)
        frames.append(frame)
    return reference, pd.concat(frames, ignore_index=True)


def test_a_feature_drifting_more_and_more_makes_the_dataset_drift() -> None:
    # One feature of four creeps away day by day: a quarter of the features drift over the
    # whole table (below the 50 % share), but the drift grows and is strong now.
    reference, current = _tables(12, {"f0": [0.1 * d for d in range(12)]})
    result = compute_drift(reference, current, timestamp="ts", window="day")
    assert result.drift_share < result.drift_share_threshold
    assert result.verdict is not None and not result.verdict.overall
    assert result.verdict.trending == ("f0",)
    assert result.dataset_drift
    assert headline(result).startswith("DATASET DRIFT")
    assert "drifting more and more: f0 " in summary_text(result)
    summary = result.to_dict()["summary"]
    assert summary["dataset_drift"] is True
    assert summary["verdict"]["trending"] == ["f0"] and summary["verdict"]["overall"] is False

    off = DriftConfig(verdict=VerdictConfig(trend=False, recent_windows=0))
    assert not compute_drift(reference, current, off, timestamp="ts").dataset_drift


def test_the_last_windows_drifting_together_make_the_dataset_drift() -> None:
    # Three of four features jump on the last two of twenty days: too few rows to move the
    # whole table past the threshold, but the recent rows drift as a table would.
    days = 20
    jump = [0.0] * (days - 2) + [0.9, 0.9]
    reference, current = _tables(days, {"f0": jump, "f1": jump, "f2": jump})
    config = DriftConfig(verdict=VerdictConfig(recent_windows=2, trend=False))
    result = compute_drift(reference, current, config, timestamp="ts", window="day")
    assert result.drift_share < result.drift_share_threshold
    assert result.verdict is not None
    assert result.verdict.recent and result.verdict.n_recent_rows == 600
    assert result.verdict.recent_share == 0.75
    assert result.dataset_drift
    assert "the last 2 day windows (600 rows) drifted: 3 of 4 features" in headline(result)
    assert "the last 2 day windows taken together" in verdict_rule(result)


def test_stationary_windows_do_not_drift() -> None:
    reference, current = _tables(14, {})
    result = compute_drift(reference, current, timestamp="ts", window="day")
    assert result.verdict is not None
    assert not result.dataset_drift and not result.verdict.trending and not result.verdict.recent
    assert result.to_dict()["summary"]["verdict"]["reasons"] == []
    # Too few windows for the recent check, or no timestamp: the rule says what it could not check.
    short = compute_drift(
        reference,
        current[current["ts"] < current["ts"].min() + pd.Timedelta(days=5)],
        timestamp="ts",
    )
    assert "(not checked: fewer than 8 judged windows)" in verdict_rule(short)
    plain = compute_drift(reference, current.drop(columns="ts"))
    assert "not checked" in verdict_rule(plain)
