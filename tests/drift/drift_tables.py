"""Small reference/current tables with known drift, shared by the drift tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_tables(
    n: int = 2000, seed: int = 0, shift: float = 1.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reference and current tables: ``x`` shifts by ``shift`` std, ``colour`` changes mix, the
    rest stays; ``label``/``pred`` for classification, ``ts`` spanning three days."""
    rng = np.random.default_rng(seed)

    def table(offset: float, colours: list[float], start: str) -> pd.DataFrame:
        x = rng.normal(offset, 1.0, n)
        frame = pd.DataFrame(
            {
                "x": x,
                "stable": rng.normal(0.0, 2.0, n),
                "colour": rng.choice(["red", "green", "blue"], n, p=colours),
                "count": rng.integers(0, 4, n),
            }
        )
        frame["label"] = (x + rng.normal(0, 0.5, n) > offset).astype(int)
        frame["pred"] = (x > offset + 0.2).astype(int)
        frame["ts"] = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(
            np.sort(rng.uniform(0, 3 * 86400, n)), unit="s"
        )
        return frame

    return table(0.0, [0.5, 0.3, 0.2], "2024-01-01"), table(shift, [0.2, 0.3, 0.5], "2024-02-01")
