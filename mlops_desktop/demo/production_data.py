"""A production-like "current" dataset for the demo model, with real drift and a quality issue.

Drawn from the diabetes data the demo trains on, then shifted the way production data drifts:
an older, heavier population (``age``, ``bmi`` up), higher blood pressure (``bp``), and a
broken upstream feed that leaves ``s3`` empty for a share of rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd


def make_production_frame(rows: int = 2000, seed: int = 7, days: int = 14) -> pd.DataFrame:
    """Current data over ``days`` days; the drift grows over time, as it does in life.

    Rows are drawn from the demo's training split (same seed and size as its runs), so the
    features that do not drift look exactly like the reference and only the injected drift
    and the broken feed stand out.
    """
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(seed)
    base = load_diabetes(as_frame=True).frame
    train, _ = train_test_split(base, test_size=0.25, random_state=42)
    sample = train.sample(n=rows, replace=True, random_state=seed).reset_index(drop=True)
    features = sample.drop(columns=["target"])
    progress = np.linspace(0.0, 1.0, rows)  # 0 at the start of the window, 1 at the end
    features["age"] = features["age"] + 0.035 * progress
    features["bmi"] = features["bmi"] + 0.045 * progress
    features["bp"] = features["bp"] + 0.030 * progress
    broken = rng.random(rows) < 0.08 * progress
    features.loc[broken, "s3"] = np.nan
    start = datetime.now(tz=UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    offsets = np.sort(rng.uniform(0, days * 86400, size=rows))
    features["timestamp"] = pd.to_datetime(
        [start + timedelta(seconds=float(s)) for s in offsets], utc=True
    )
    features["target"] = sample["target"].to_numpy()
    return features


def write_production_data(folder: Path) -> Path:
    """Write the demo's current dataset as Parquet and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "production-current.parquet"
    make_production_frame().to_parquet(path, index=False)
    return path
