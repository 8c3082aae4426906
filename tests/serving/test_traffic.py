"""Traffic rules: weights, mirror, redistribution, the router's weighted choice."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.serving.traffic import (
    TrafficTable,
    parse_weights,
    redistribute,
    validate_traffic,
)


def test_parse_weights() -> None:
    assert parse_weights(["blue=90", " green = 10% "]) == {"blue": 90, "green": 10}
    with pytest.raises(InvalidInput, match="DEPLOYMENT=PERCENT"):
        parse_weights(["blue:90"])
    with pytest.raises(InvalidInput, match="twice"):
        parse_weights(["blue=50", "blue=50"])


def test_validate_fills_missing_deployments_with_zero() -> None:
    live, mirror = validate_traffic(["blue", "green"], {"blue": 100}, {"green": 20})
    assert live == {"blue": 100, "green": 0}
    assert mirror == {"green": 20}


@pytest.mark.parametrize(
    ("traffic", "mirror", "message"),
    [
        ({"blue": 90, "green": 20}, {}, "must sum to 100, these sum to 110"),
        ({"blue": 50}, {}, "must sum to 100, these sum to 50"),
        ({"blue": 100, "red": 0}, {}, "no deployment named 'red'"),
        ({"blue": 120, "green": -20}, {}, "whole percentage from 0 to 100"),
        ({"blue": 100}, {"green": 60}, "more than 50 percent"),
        ({"blue": 100}, {"blue": 10}, "already receives all live traffic"),
        ({"blue": 50, "green": 50}, {"blue": 10, "green": 10}, "one deployment only"),
    ],
)
def test_validate_rejects_with_clear_message(
    traffic: dict[str, int], mirror: dict[str, int], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_traffic(["blue", "green"], traffic, mirror)


def test_redistribute_keeps_sum_100() -> None:
    assert redistribute({}, "blue", 0) == {"blue": 100}
    assert redistribute({"blue": 100}, "green", 10) == {"blue": 90, "green": 10}
    assert redistribute({"blue": 100}, "green", 0) == {"blue": 100, "green": 0}
    split = redistribute({"a": 50, "b": 25, "c": 25}, "d", 33)
    assert sum(split.values()) == 100 and split["d"] == 33
    assert split["a"] > split["b"]


def test_table_choice_follows_weights_and_mirror_samples() -> None:
    table = TrafficTable.build({"blue": 80, "green": 20, "idle": 0}, {"idle": 25})
    rng = random.Random(7)
    counts = Counter(table.choose(rng) for _ in range(20000))
    assert set(counts) == {"blue", "green"}
    assert abs(counts["green"] / 20000 - 0.2) < 0.02
    mirrored = sum(table.mirror_for("blue", rng) == "idle" for _ in range(20000))
    assert abs(mirrored / 20000 - 0.25) < 0.02
    assert TrafficTable.build({"blue": 0}, {}).choose(rng) is None
    assert table.mirror_for("idle", rng) is None
