"""Endpoint telemetry from collected requests: requests/min, latency p50/p95, error rate."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

#: Columns of a telemetry frame, in order (``deployment`` only when split by deployment).
TELEMETRY_COLUMNS = (
    "time",
    "requests",
    "requests_per_min",
    "errors",
    "server_errors",
    "error_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)
#: The columns telemetry reads from the collected data (no bodies).
NEEDED_COLUMNS = ("timestamp", "deployment", "mirrored", "status", "latency_ms")


def _bucket_stats(group: pd.DataFrame, minutes: float) -> pd.Series:
    count = len(group)
    errors = int((group["status"] >= 400).sum())
    latency = group["latency_ms"]
    return pd.Series(
        {
            "requests": count,
            "requests_per_min": count / minutes,
            "errors": errors,
            "server_errors": int((group["status"] >= 500).sum()),
            "error_rate": errors / count if count else float("nan"),
            "latency_p50_ms": latency.quantile(0.5) if count else float("nan"),
            "latency_p95_ms": latency.quantile(0.95) if count else float("nan"),
        }
    )


def compute_telemetry(
    requests: pd.DataFrame,
    *,
    bucket: timedelta = timedelta(minutes=1),
    start: datetime | None = None,
    end: datetime | None = None,
    by_deployment: bool = False,
    include_mirrored: bool = False,
) -> pd.DataFrame:
    """Time series per ``bucket`` over ``[start, end)`` (defaults: the data's own span).

    Errors are answers with status >= 400 (``server_errors``: >= 500). Buckets without
    requests are present with 0 requests and NaN latency / error rate, so charts show gaps.
    Mirrored requests are left out unless ``include_mirrored``.
    """
    frame = requests
    if not include_mirrored and "mirrored" in frame:
        frame = frame[~frame["mirrored"].astype(bool)]
    freq = pd.Timedelta(bucket)
    minutes = freq.total_seconds() / 60.0
    columns = ["time", "deployment", *TELEMETRY_COLUMNS[1:]] if by_deployment else None
    columns = columns or list(TELEMETRY_COLUMNS)
    if frame.empty and (start is None or end is None):
        return pd.DataFrame(columns=columns)
    first = pd.Timestamp(start) if start is not None else frame["timestamp"].min()
    last = pd.Timestamp(end) if end is not None else frame["timestamp"].max() + freq
    first = first.tz_localize("UTC") if first.tzinfo is None else first.tz_convert("UTC")
    last = last.tz_localize("UTC") if last.tzinfo is None else last.tz_convert("UTC")
    edges = pd.date_range(first.floor(freq), last, freq=freq, inclusive="left")
    if len(edges) == 0:
        edges = pd.DatetimeIndex([first.floor(freq)])
    frame = frame[(frame["timestamp"] >= first) & (frame["timestamp"] < last)]
    if by_deployment and frame.empty:  # no deployment answered in the window: no series
        return pd.DataFrame(columns=columns)
    slots = frame.assign(time=frame["timestamp"].dt.floor(freq))
    keys = ["deployment", "time"] if by_deployment else ["time"]
    stats = (
        slots.groupby(keys, sort=True)[["status", "latency_ms"]]
        .apply(_bucket_stats, minutes=minutes)
        .reset_index()
        if not slots.empty
        else pd.DataFrame(columns=[*keys, *TELEMETRY_COLUMNS[1:]])
    )
    if by_deployment:
        names = sorted(set(frame["deployment"]))
        grid = pd.MultiIndex.from_product([names, edges], names=keys).to_frame(index=False)
    else:
        grid = pd.DataFrame({"time": edges})
    merged = grid.merge(stats, on=keys, how="left")
    for name in ("requests", "errors", "server_errors"):
        merged[name] = merged[name].fillna(0).astype("int64")
    merged["requests_per_min"] = merged["requests_per_min"].fillna(0.0).astype("float64")
    for name in ("error_rate", "latency_p50_ms", "latency_p95_ms"):
        merged[name] = merged[name].astype("float64")
    return merged[columns].reset_index(drop=True)
