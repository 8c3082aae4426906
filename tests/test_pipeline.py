"""The sample training pipeline as a script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mlops_desktop.core.config import local_mlflow_workspace
from mlops_desktop.core.stages import Stage


def test_help_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mlops_desktop.pipelines.train", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "--tracking-uri" in out and "--param" in out and "--target-metric" in out


def test_classification_run_from_a_csv_file(app_home: Path, tmp_path: Path) -> None:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.rename(columns={"target": "label"})
    csv = tmp_path / "cancer.csv"
    frame.to_csv(csv, index=False)
    ws = local_mlflow_workspace("dev", Stage.DEV)
    assert ws.mlflow is not None
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_desktop.pipelines.train",
            "--tracking-uri",
            ws.mlflow.tracking_uri,
            "--artifact-root",
            str(ws.mlflow.artifact_root),
            "--registered-model",
            "cancer",
            "--data",
            str(csv),
            "--target",
            "label",
            "--model-type",
            "random_forest",
            "--param",
            "n_estimators=20",
            "--seed",
            "3",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert set(result["metrics"]) == {"accuracy", "f1", "roc_auc"}
    assert result["key_metric"] == "roc_auc" and result["version"] == "1"

    from mlops_desktop.backends.mlflow.backend import MlflowBackend

    version = MlflowBackend(ws).get_model_version("cancer", "1")
    assert version.run is not None
    tags = version.run.tags
    assert tags["mlops.data_digest"] and json.loads(tags["mlops.package_versions"])["mlflow"]
    assert version.run.params["n_estimators"] == "20" and version.run.params["seed"] == "3"


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlops_desktop.pipelines.train",
            "--tracking-uri",
            f"sqlite:///{tmp_path / 'x.db'}",
            "--data",
            str(tmp_path / "missing.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "neither a bundled dataset" in proc.stderr and "Traceback" not in proc.stderr
