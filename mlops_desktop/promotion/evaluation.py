"""Score a model on held-out data the way the training pipeline does.

The held-out set is the ``data/holdout.parquet`` artifact of the candidate's run (copies carry
it along). Models load with ``mlflow.pyfunc``; the metrics are the training pipeline's own
(:func:`mlops_desktop.pipelines.train.evaluate`), so a gate compares like with like.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mlops_desktop.core.entities import (
    KEY_METRIC_GOAL_TAG,
    KEY_METRIC_TAG,
    MetricGoal,
    ModelVersion,
)
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.promotion.registry import RegistryAccess
from mlops_desktop.promotion.signature import Signature

if TYPE_CHECKING:
    from mlops_desktop.promotion.azure_registry import AzureRegistryAccess

HOLDOUT_ARTIFACT = "data/holdout.parquet"
#: The held-out split inside a model version's own folder (next to ``MLmodel``).
MODEL_HOLDOUT_FILE = "mlops/holdout.parquet"
TASK_TAG = "mlops.task"


@dataclass(frozen=True, slots=True)
class Holdout:
    """Held-out features and labels."""

    features: pd.DataFrame
    labels: pd.Series
    frame: pd.DataFrame

    @property
    def label(self) -> str:
        """Name of the label column."""
        return str(self.labels.name)


@dataclass(frozen=True, slots=True)
class KeyMetric:
    """The metric that ranks versions, and which direction is better."""

    name: str
    goal: MetricGoal
    task: str


def read_holdout(
    registry: RegistryAccess | AzureRegistryAccess,
    version: ModelVersion,
    signature: Signature | None,
    dest: Path,
    *,
    model_dir: Path | None = None,
) -> Holdout:
    """The version's held-out data, split into the model's features and the label.

    Read from the model folder (``MODEL_HOLDOUT_FILE``, how the files travel with a model
    version where runs are not readable, e.g. Azure ML) or else from the source run.
    """
    path: Path | None = None
    if model_dir is not None and (model_dir / MODEL_HOLDOUT_FILE).is_file():
        path = model_dir / MODEL_HOLDOUT_FILE
    elif version.run_id:
        path = registry.download_run_file(version.run_id, HOLDOUT_ARTIFACT, dest)
    if path is None or not path.is_file():
        raise NotFound(
            f"{version.registered_name} version {version.version} has no held-out data "
            f"(neither {HOLDOUT_ARTIFACT} of its run nor {MODEL_HOLDOUT_FILE} in its files)",
            hint="train with mlops_desktop.pipelines.train, which logs the held-out split, or "
            f"register the model folder with the split as {MODEL_HOLDOUT_FILE}",
        )
    frame = pd.read_parquet(path)
    features = signature.input_names if signature else []
    if features:
        missing = [c for c in features if c not in frame.columns]
        if missing:
            raise InvalidInput(f"the held-out data lacks the model's inputs {missing}")
        rest = [c for c in frame.columns if c not in features]
    else:
        rest = ["target"] if "target" in frame.columns else []
        features = [c for c in frame.columns if c not in rest]
    if len(rest) != 1:
        raise InvalidInput(
            f"cannot tell the label column of the held-out data (candidates: {rest})"
        )
    return Holdout(features=frame[features], labels=frame[rest[0]], frame=frame)


def key_metric_of(version: ModelVersion, labels: pd.Series, fallback: str | None) -> KeyMetric:
    """The candidate run's declared key metric, goal and task (inferred where missing)."""
    tags = version.run.tags if version.run else {}
    task = tags.get(TASK_TAG) or (
        "classification" if labels.nunique() <= 20 and labels.dtype.kind in "iub" else "regression"
    )
    name = tags.get(KEY_METRIC_TAG) or fallback or version.key_metric_name
    if not name:
        name = "rmse" if task == "regression" else "accuracy"
    goal_text = tags.get(KEY_METRIC_GOAL_TAG)
    goal = MetricGoal(goal_text) if goal_text in ("maximize", "minimize") else None
    return KeyMetric(name=name, goal=goal or MetricGoal.for_metric(name), task=task)


class PyfuncScorer:
    """A pyfunc model seen through the interface the pipeline's ``evaluate`` expects."""

    def __init__(self, model: Any) -> None:
        self.model = model
        raw: Any = None
        try:
            raw = model.get_raw_model()
        except (NotImplementedError, AttributeError):
            raw = None
        if raw is not None and hasattr(raw, "predict_proba"):
            self.predict_proba = raw.predict_proba

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Predictions as a flat array."""
        result = self.model.predict(features)
        if isinstance(result, pd.DataFrame):
            result = result.iloc[:, 0]
        return np.asarray(result).reshape(len(features), -1)[:, 0]


def load_scorer(model_dir: Path) -> PyfuncScorer:
    """Load a model folder with ``mlflow.pyfunc``."""
    import mlflow.pyfunc

    return PyfuncScorer(mlflow.pyfunc.load_model(str(model_dir)))


def score(metric: KeyMetric, scorer: PyfuncScorer, holdout: Holdout) -> float:
    """The key metric of a model on the held-out data."""
    from mlops_desktop.pipelines.train import evaluate

    values = evaluate(metric.task, scorer, holdout.features, holdout.labels)
    if metric.name not in values:
        raise InvalidInput(
            f"metric {metric.name!r} cannot be computed for a {metric.task} model "
            f"(available: {', '.join(values)})"
        )
    return float(values[metric.name])


def worse_by(metric: KeyMetric, candidate: float, champion: float) -> float:
    """How much worse the candidate is than the champion (negative when better)."""
    if metric.goal is MetricGoal.MINIMIZE:
        return candidate - champion
    return champion - candidate
