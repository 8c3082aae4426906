"""Data loading for the sample pipeline: scikit-learn's bundled sets or a CSV/Parquet file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mlops_desktop.core.errors import InvalidInput

BUNDLED = {
    "diabetes": "regression",
    "breast_cancer": "classification",
    "wine": "classification",
}


@dataclass(frozen=True)
class LoadedData:
    """A feature frame with its target column, the task type and where it came from."""

    frame: pd.DataFrame
    target: str
    task: str  # "regression" | "classification"
    name: str
    source: str


def load_dataset(spec: str, target: str | None = None, task: str | None = None) -> LoadedData:
    """Load a bundled dataset by name, or a CSV/Parquet file with a ``target`` column."""
    if spec in BUNDLED:
        from sklearn import datasets

        loader = getattr(datasets, f"load_{spec}")
        bunch = loader(as_frame=True)
        frame = bunch.frame.copy()
        target_col = "target"
        return LoadedData(
            frame=frame,
            target=target_col,
            task=task or BUNDLED[spec],
            name=spec,
            source=f"sklearn.datasets.load_{spec}",
        )
    path = Path(spec).expanduser()
    if not path.exists():
        known = ", ".join(BUNDLED)
        raise InvalidInput(f"data {spec!r} is neither a bundled dataset ({known}) nor a file")
    try:
        frame = pd.read_parquet(path) if path.suffix in (".parquet", ".pq") else pd.read_csv(path)
    except Exception as exc:  # pandas raises many types for unreadable files
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    if frame.empty:
        raise InvalidInput(f"{path} has no rows")
    if not target:
        raise InvalidInput(f"{path}: say which column is the label with --target COLUMN")
    if target not in frame.columns:
        raise InvalidInput(f"{path}: no column {target!r} (columns: {', '.join(frame.columns)})")
    inferred = "classification" if frame[target].nunique() <= 20 else "regression"
    return LoadedData(frame, target, task or inferred, path.stem, str(path.resolve()))
