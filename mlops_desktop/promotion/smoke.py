"""Smoke test of a new deployment: its input example, sent to it by header, must come back
right — status 200 from that deployment, one prediction per input row, values of the logged
output type — and fast enough (median latency under the bound)."""

from __future__ import annotations

import json
import statistics
from numbers import Number
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.errors import MlopsError
from mlops_desktop.promotion.entities import GateResult
from mlops_desktop.promotion.signature import Schema

if TYPE_CHECKING:
    from mlops_desktop.serving.manager import EndpointManager

_NUMERIC_TYPES = {"double", "float", "long", "integer"}


def example_rows(body: bytes) -> int | None:
    """Rows in a scoring request body (None when the format is not recognised)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("dataframe_split", "input_data"):  # MLflow's and Azure ML's split form
        if isinstance(data.get(key), dict):
            return len(data[key].get("data", []))
    for key in ("dataframe_records", "instances", "inputs"):
        value = data.get(key)
        if isinstance(value, list):
            return len(value)
        if isinstance(value, dict) and value:
            first = next(iter(value.values()))
            return len(first) if isinstance(first, list) else 1
    return None


def prediction_problem(predictions: Any, rows: int | None, outputs: Schema | None) -> str | None:
    """What is wrong with a deployment's predictions (None when they look right)."""
    if not isinstance(predictions, list):
        return f"predictions are a {type(predictions).__name__}, not a list"
    if rows is not None and len(predictions) != rows:
        return f"{len(predictions)} predictions for {rows} input rows"
    if outputs and len(outputs) == 1 and outputs[0].get("type") in _NUMERIC_TYPES:
        for value in predictions:
            flat = value[0] if isinstance(value, list) and len(value) == 1 else value
            if not isinstance(flat, Number) or isinstance(flat, bool):
                return f"prediction {value!r} is not a number as the signature says"
    return None


def smoke_test(
    manager: EndpointManager,
    endpoint: str,
    deployment: str,
    *,
    requests: int,
    max_latency_ms: float,
    outputs: Schema | None,
) -> GateResult:
    """Send the input example ``requests`` times to ``deployment`` and judge the answers."""
    try:
        body = manager.input_example(endpoint, deployment)
    except MlopsError as exc:
        return GateResult("smoke", False, f"no input example to send: {exc}", {})
    rows = example_rows(body)
    latencies: list[float] = []
    for _ in range(requests):
        result = manager.invoke(endpoint, body, deployment=deployment)
        latencies.append(round(result.latency_ms, 3))
        values: dict[str, Any] = {"latencies_ms": latencies, "rows": rows}
        if not result.ok:
            return GateResult(
                "smoke", False, f"HTTP {result.status}: {result.message[:300]}", values
            )
        if result.deployment != deployment:
            return GateResult(
                "smoke", False, f"answered by {result.deployment!r}, not {deployment!r}", values
            )
        try:
            problem = prediction_problem(result.predictions, rows, outputs)
        except ValueError as exc:
            problem = f"the answer is not JSON: {exc}"
        if problem:
            return GateResult("smoke", False, problem, values)
    median = statistics.median(latencies)
    values = {"latencies_ms": latencies, "rows": rows, "median_ms": median}
    if median > max_latency_ms:
        return GateResult(
            "smoke",
            False,
            f"median latency {median:.1f} ms is over the bound {max_latency_ms:.0f} ms",
            values,
        )
    return GateResult(
        "smoke",
        True,
        f"{requests} requests of {rows} rows answered, median {median:.1f} ms "
        f"(bound {max_latency_ms:.0f} ms)",
        values,
    )
