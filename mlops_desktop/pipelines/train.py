"""Sample training pipeline: prepare data, train a scikit-learn model, evaluate, log, register.

Run as a script (``python -m mlops_desktop.pipelines.train --help``) or call :func:`train`.
Everything that makes a run reproducible is recorded on it: parameters, seed, the dataset and
its digest, the git commit of the pipeline code and the package versions.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import json
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlops_desktop.core.entities import KEY_METRIC_GOAL_TAG, KEY_METRIC_TAG, MetricGoal
from mlops_desktop.core.errors import InvalidInput

REGRESSION_METRICS = ("rmse", "mae", "r2")
CLASSIFICATION_METRICS = ("accuracy", "f1", "roc_auc")
MODEL_TYPES = {
    "regression": ("random_forest", "gradient_boosting", "ridge", "elastic_net"),
    "classification": ("random_forest", "gradient_boosting", "logistic_regression"),
}


@dataclass
class TrainConfig:
    """Everything one training run depends on."""

    tracking_uri: str
    registered_model: str | None
    experiment: str = "training"
    data: str = "diabetes"
    target: str | None = None
    task: str | None = None
    model_type: str = "random_forest"
    params: dict[str, Any] = field(default_factory=dict)
    seed: int = 42
    test_size: float = 0.25
    target_metric: str | None = None
    artifact_root: str | None = None
    run_name: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced."""

    run_id: str
    metrics: dict[str, float]
    key_metric: str
    registered_model: str | None
    version: str | None


def _build_estimator(task: str, model_type: str, params: dict[str, Any], seed: int) -> Any:
    from sklearn import ensemble, linear_model

    if model_type not in MODEL_TYPES[task]:
        choices = ", ".join(MODEL_TYPES[task])
        raise InvalidInput(f"model type {model_type!r} does not fit {task}; choose {choices}")
    factories: dict[tuple[str, str], Any] = {
        ("regression", "random_forest"): ensemble.RandomForestRegressor,
        ("regression", "gradient_boosting"): ensemble.GradientBoostingRegressor,
        ("regression", "ridge"): linear_model.Ridge,
        ("regression", "elastic_net"): linear_model.ElasticNet,
        ("classification", "random_forest"): ensemble.RandomForestClassifier,
        ("classification", "gradient_boosting"): ensemble.GradientBoostingClassifier,
        ("classification", "logistic_regression"): linear_model.LogisticRegression,
    }
    factory = factories[(task, model_type)]
    kwargs = dict(params)
    if "random_state" in factory().get_params():
        kwargs.setdefault("random_state", seed)
    if model_type == "logistic_regression":
        kwargs.setdefault("max_iter", 2000)
    try:
        return factory(**kwargs)
    except TypeError as exc:
        raise InvalidInput(f"{model_type}: {exc}") from None


def evaluate(task: str, model: Any, features: Any, labels: Any) -> dict[str, float]:
    """Held-out metrics: rmse/mae/r2 for regression, accuracy/f1/roc_auc for classification."""
    import numpy as np
    from sklearn import metrics

    predictions = model.predict(features)
    if task == "regression":
        return {
            "rmse": float(np.sqrt(metrics.mean_squared_error(labels, predictions))),
            "mae": float(metrics.mean_absolute_error(labels, predictions)),
            "r2": float(metrics.r2_score(labels, predictions)),
        }
    binary = len(np.unique(labels)) == 2
    result = {
        "accuracy": float(metrics.accuracy_score(labels, predictions)),
        "f1": float(metrics.f1_score(labels, predictions, average="binary" if binary else "macro")),
    }
    if hasattr(model, "predict_proba"):
        proba = model.predict_proba(features)
        result["roc_auc"] = float(
            metrics.roc_auc_score(labels, proba[:, 1])
            if binary
            else metrics.roc_auc_score(labels, proba, multi_class="ovr")
        )
    return result


def _git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def _package_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("mlops-desktop", "scikit-learn", "mlflow", "pandas", "numpy", "scipy"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


@contextlib.contextmanager
def _tracking(uri: str) -> Iterator[None]:
    """Point MLflow's fluent API at ``uri`` for one run, then restore it exactly.

    MLflow's setters also write MLFLOW_TRACKING_URI / MLFLOW_REGISTRY_URI into the process
    environment, and ``set_registry_uri(None)`` does not clear them; left behind, they would
    redirect every later client that relies on defaults. So the raw state is saved and put back.
    """
    import os

    import mlflow
    from mlflow.tracking._model_registry import utils as registry_utils
    from mlflow.tracking._tracking_service import utils as tracking_utils

    saved_env = {k: os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    saved_tracking = tracking_utils._tracking_uri
    saved_registry = registry_utils._registry_uri
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    try:
        yield
    finally:
        mlflow.set_tracking_uri(saved_tracking)
        registry_utils._registry_uri = saved_registry
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _dataset_source(source: str) -> Any:
    """A file path stays a path; a bundled dataset is described by the code that loads it."""
    if source.startswith("sklearn."):
        from mlflow.data.code_dataset_source import CodeDatasetSource

        return CodeDatasetSource(tags={"loader": source})
    return source


def _experiment_id(client: Any, name: str, artifact_root: str | None) -> str:
    existing = client.get_experiment_by_name(name)
    if existing is not None:
        return str(existing.experiment_id)
    location = f"{artifact_root.rstrip('/')}/{name}" if artifact_root else None
    return str(client.create_experiment(name, artifact_location=location))


def train(config: TrainConfig) -> TrainResult:
    """Run the pipeline once and return the run id, metrics and registered version."""
    import mlflow
    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.model_selection import train_test_split

    from mlops_desktop.pipelines.datasets import load_dataset

    loaded = load_dataset(config.data, config.target, config.task)
    task = loaded.task
    frame = loaded.frame.dropna(subset=[loaded.target])
    features = frame.drop(columns=[loaded.target])
    labels = frame[loaded.target]
    stratify = labels if task == "classification" else None
    x_train, x_test, y_train, y_test = train_test_split(
        features, labels, test_size=config.test_size, random_state=config.seed, stratify=stratify
    )
    estimator = _build_estimator(task, config.model_type, config.params, config.seed)
    key_metric = config.target_metric or ("rmse" if task == "regression" else "roc_auc")
    allowed = REGRESSION_METRICS if task == "regression" else CLASSIFICATION_METRICS
    if key_metric not in allowed:
        raise InvalidInput(f"target metric {key_metric!r} is not one of {', '.join(allowed)}")

    with _tracking(config.tracking_uri):
        client = mlflow.MlflowClient(config.tracking_uri)
        experiment_id = _experiment_id(client, config.experiment, config.artifact_root)
        train_frame = x_train.assign(**{loaded.target: y_train})
        test_frame = x_test.assign(**{loaded.target: y_test})
        source = _dataset_source(loaded.source)
        train_ds = mlflow.data.from_pandas(
            train_frame, source=source, name=f"{loaded.name}-train", targets=loaded.target
        )
        test_ds = mlflow.data.from_pandas(
            test_frame, source=source, name=f"{loaded.name}-holdout", targets=loaded.target
        )
        tags = {
            KEY_METRIC_TAG: key_metric,
            KEY_METRIC_GOAL_TAG: MetricGoal.for_metric(key_metric).value,
            "mlops.pipeline": "mlops_desktop.pipelines.train",
            "mlops.task": task,
            "mlops.git_commit": _git_commit(),
            "mlops.package_versions": json.dumps(_package_versions(), sort_keys=True),
            "mlops.data_digest": train_ds.digest,
            **config.tags,
        }
        with mlflow.start_run(
            experiment_id=experiment_id, run_name=config.run_name, tags=tags
        ) as run:
            mlflow.log_params(
                {
                    "model_type": config.model_type,
                    "data": loaded.name,
                    "seed": config.seed,
                    "test_size": config.test_size,
                    **{k: v for k, v in config.params.items()},
                }
            )
            mlflow.log_input(train_ds, context="training")
            mlflow.log_input(test_ds, context="evaluation")
            estimator.fit(x_train, y_train)
            metrics = evaluate(task, estimator, x_test, y_test)
            mlflow.log_metrics(metrics)
            with tempfile.TemporaryDirectory() as tmp:
                # The splits travel with the run: the held-out set is what promotion gates
                # evaluate on, the training set is the drift reference.
                train_frame.to_parquet(Path(tmp) / "train.parquet")
                test_frame.to_parquet(Path(tmp) / "holdout.parquet")
                mlflow.log_artifacts(tmp, "data")
            signature = infer_signature(x_train, estimator.predict(x_train.head(20)))
            info = mlflow.sklearn.log_model(
                estimator,
                name="model",
                signature=signature,
                input_example=x_train.head(5),
                registered_model_name=config.registered_model,
                skops_trusted_types=_types_to_trust(estimator),
            )
            version = getattr(info, "registered_model_version", None)
    return TrainResult(
        run_id=run.info.run_id,
        metrics=metrics,
        key_metric=key_metric,
        registered_model=config.registered_model,
        version=str(version) if version is not None else None,
    )


def _types_to_trust(estimator: Any) -> list[str]:
    """Types skops must be told to trust when loading the model we just trained.

    The model object was created in this process, so its types are trusted by construction;
    skops (MLflow's safe sklearn format) asks for them explicitly, e.g. the tree node storage.
    """
    try:
        import skops.io
    except ImportError:
        return []
    return list(skops.io.get_untrusted_types(data=skops.io.dumps(estimator)))


def _parse_param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = raw
    return key.strip(), value


def build_parser() -> argparse.ArgumentParser:
    """The script's command line."""
    parser = argparse.ArgumentParser(
        prog="python -m mlops_desktop.pipelines.train",
        description="Train a scikit-learn model, evaluate it on a held-out split, log it to "
        "MLflow (params, metrics, dataset with digest, signature, input example) and register "
        "a model version.",
    )
    parser.add_argument("--tracking-uri", required=True, help="MLflow tracking URI")
    parser.add_argument("--registered-model", help="register the model under this name")
    parser.add_argument("--experiment", default="training", help="experiment name")
    parser.add_argument(
        "--data",
        default="diabetes",
        help="bundled dataset (diabetes, breast_cancer, wine) or a CSV/Parquet path",
    )
    parser.add_argument("--target", help="label column (for a file)")
    parser.add_argument("--task", choices=["regression", "classification"])
    parser.add_argument("--model-type", default="random_forest")
    parser.add_argument(
        "--param",
        action="append",
        type=_parse_param,
        default=[],
        metavar="NAME=VALUE",
        help="hyperparameter, repeatable (e.g. --param n_estimators=200)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--test-size", type=float, default=0.25)
    parser.add_argument("--target-metric", help="key metric (rmse, mae, r2, accuracy, f1, roc_auc)")
    parser.add_argument("--artifact-root", help="artifact location root for a new experiment")
    parser.add_argument("--run-name")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Script entry point."""
    args = build_parser().parse_args(argv)
    config = TrainConfig(
        tracking_uri=args.tracking_uri,
        registered_model=args.registered_model,
        experiment=args.experiment,
        data=args.data,
        target=args.target,
        task=args.task,
        model_type=args.model_type,
        params=dict(args.param),
        seed=args.seed,
        test_size=args.test_size,
        target_metric=args.target_metric,
        artifact_root=args.artifact_root,
        run_name=args.run_name,
    )
    try:
        result = train(config)
    except InvalidInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    summary = {
        "run_id": result.run_id,
        "metrics": result.metrics,
        "key_metric": result.key_metric,
        "registered_model": result.registered_model,
        "version": result.version,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        metrics = ", ".join(f"{k}={v:.4f}" for k, v in result.metrics.items())
        registered = f" -> {result.registered_model} v{result.version}" if result.version else ""
        print(f"run {result.run_id}: {metrics}{registered}")
    return 0


if __name__ == "__main__":
    import os

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    sys.exit(main())
