"""The fairness gate's measure: a model's gap between groups of a sensitive column (fairlearn).

- ``demographic_parity_difference`` / ``equalized_odds_difference``: fairlearn's functions on
  binary outcomes. Binary classification uses the labels as they are (the larger label is the
  positive class). Regression binarises: a label or prediction is positive when it exceeds the
  ``positive_quantile`` quantile (default the median) of the held-out labels — "predicted to
  be high" — so parity compares how often each group is predicted high, and equalized odds
  compares the true/false positive rates of that decision.
- ``group_metric_gap``: ``MetricFrame(key metric, …).difference()``, the largest difference of
  the key metric between groups (roc_auc, which needs scores, is measured as accuracy).

Groups are the distinct values of the column; use a categorical or few-valued column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.core.errors import InvalidInput
from mlops_desktop.core.policy import FairnessGate, FairnessMetric


def _binary(
    task: str, config: FairnessGate, labels: pd.Series, predictions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    if task == "regression":
        threshold = float(np.quantile(labels.to_numpy(dtype=float), config.positive_quantile))
        return (
            (labels.to_numpy(dtype=float) > threshold).astype(int),
            (np.asarray(predictions, dtype=float) > threshold).astype(int),
        )
    classes = sorted(pd.unique(labels))
    if len(classes) != 2:
        raise InvalidInput(
            f"{config.metric.value} needs a binary outcome; the labels have {len(classes)} classes",
            hint="use metric = 'group_metric_gap' for multi-class models",
        )
    positive = classes[-1]
    return (
        (labels.to_numpy() == positive).astype(int),
        (np.asarray(predictions) == positive).astype(int),
    )


def _metric_function(task: str, metric: str) -> Callable[[Any, Any], float]:
    from sklearn import metrics

    if task == "regression":
        table: dict[str, Callable[[Any, Any], float]] = {
            "rmse": lambda y, p: float(np.sqrt(metrics.mean_squared_error(y, p))),
            "mae": lambda y, p: float(metrics.mean_absolute_error(y, p)),
            "r2": lambda y, p: float(metrics.r2_score(y, p)),
        }
        return table.get(metric, table["rmse"])
    if metric == "f1":
        return lambda y, p: float(metrics.f1_score(y, p, average="macro"))
    return lambda y, p: float(metrics.accuracy_score(y, p))


def fairness_gap(
    config: FairnessGate,
    *,
    task: str,
    key_metric: str,
    labels: pd.Series,
    predictions: np.ndarray,
    sensitive: pd.Series,
) -> float:
    """The configured gap of one model's predictions (0 is perfectly even)."""
    from fairlearn.metrics import (
        MetricFrame,
        demographic_parity_difference,
        equalized_odds_difference,
    )

    if config.metric is FairnessMetric.GROUP_METRIC_GAP:
        frame = MetricFrame(
            metrics=_metric_function(task, key_metric),
            y_true=labels.to_numpy(),
            y_pred=np.asarray(predictions),
            sensitive_features=sensitive.to_numpy(),
        )
        return float(frame.difference())
    y_true, y_pred = _binary(task, config, labels, predictions)
    function = (
        demographic_parity_difference
        if config.metric is FairnessMetric.DEMOGRAPHIC_PARITY
        else equalized_odds_difference
    )
    return float(function(y_true, y_pred, sensitive_features=sensitive.to_numpy()))
