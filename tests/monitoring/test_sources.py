"""Drift sources: the training data behind a model version, through copies."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mlops_desktop.core.config import load_config
from mlops_desktop.core.errors import InvalidInput, NotFound
from mlops_desktop.monitoring.sources import ModelReference, resolve_source


def test_training_data_of_prod_champion(demo_home: Path, tmp_path: Path) -> None:
    config = load_config()
    path = resolve_source(config, "model:prod/diabetes-progression/champion", tmp_path)
    frame = pd.read_parquet(path)
    assert {"age", "bmi", "bp", "s3", "target"} <= set(frame.columns)
    assert len(frame) == 331  # 75 % of the 442 diabetes rows
    dev_path = resolve_source(config, "model:dev/diabetes-progression/1", tmp_path / "dev")
    assert len(pd.read_parquet(dev_path)) == 331


def test_plain_paths_pass_through(tmp_path: Path) -> None:
    assert resolve_source(load_config(), str(tmp_path / "x.csv")) == tmp_path / "x.csv"


def test_bad_references(demo_home: Path, tmp_path: Path) -> None:
    config = load_config()
    with pytest.raises(InvalidInput, match="model:WORKSPACE/NAME/VERSION"):
        ModelReference.parse("model:prod/only-two")
    with pytest.raises(NotFound, match="no workspace"):
        resolve_source(config, "model:qa/diabetes-progression/1", tmp_path)
    with pytest.raises(NotFound):
        resolve_source(config, "model:prod/diabetes-progression/no-such-alias", tmp_path)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process's temporary folder, made empty and watched."""
    import tempfile

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


def test_drift_report_leaves_no_copy_of_the_training_data(
    demo_home: Path, temp_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlops_desktop.cli import main

    current = demo_home / "data" / "demo" / "production-current.parquet"
    reference = "model:prod/diabetes-progression/champion"
    argv = ["drift", "report", "--reference", reference, "--out", str(tmp_path / "r.json")]
    assert main([*argv, "--current", str(current)]) in (0, 1)
    assert list(temp_root.iterdir()) == []
    # An error after the download (the current data is missing) cleans up too.
    assert main([*argv, "--current", str(tmp_path / "missing.parquet")]) == 2
    assert "missing.parquet" in capsys.readouterr().err
    assert list(temp_root.iterdir()) == []
