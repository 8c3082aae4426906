"""Time windows: group current rows by hour, day or week of a timestamp column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Window sizes accepted by ``compute_drift(window=...)`` and ``--window``.
WINDOWS: tuple[str, ...] = ("hour", "day", "week")


@dataclass(frozen=True)
class WindowRows:
    """The rows (positional indices into the current table) of one window."""

    start: pd.Timestamp
    end: pd.Timestamp
    rows: np.ndarray


def window_start(stamps: pd.Series, window: str) -> pd.Series:
    """Start of each timestamp's window (UTC); weeks start on Monday."""
    if window == "hour":
        return stamps.dt.floor("h")
    day = stamps.dt.floor("D")
    if window == "day":
        return day
    if window == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    raise ValueError(f"unknown window {window!r}: use one of {', '.join(WINDOWS)}")


def split_windows(stamps: pd.Series, window: str) -> list[WindowRows]:
    """Rows of each non-empty window, oldest first; rows without a timestamp belong to none."""
    starts = window_start(stamps, window)
    valid = starts.notna().to_numpy()
    keys = starts.to_numpy(dtype="datetime64[ns]").view(np.int64)
    rows = np.flatnonzero(valid)
    keys = keys[rows]
    order = np.argsort(keys, kind="stable")
    rows, keys = rows[order], keys[order]
    if keys.size == 0:
        return []
    boundaries = np.flatnonzero(np.diff(keys)) + 1
    step = {
        "hour": pd.Timedelta(hours=1),
        "day": pd.Timedelta(days=1),
        "week": pd.Timedelta(weeks=1),
    }[window]
    result = []
    for chunk_rows, chunk_keys in zip(
        np.split(rows, boundaries), np.split(keys, boundaries), strict=True
    ):
        start = pd.Timestamp(int(chunk_keys[0]), unit="ns", tz="UTC")
        result.append(WindowRows(start=start, end=start + step, rows=chunk_rows))
    return result
