"""Durations as people write them in ``retraining.toml``: ``90s``, ``30m``, ``24h``, ``7d``,
``2w`` (or ``0`` for none)."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``"24h"`` -> 24 hours. Raises ValueError naming the accepted forms."""
    if text.strip() == "0":
        return timedelta(0)
    match = _DURATION.match(text)
    if not match:
        raise ValueError(
            f"cannot read duration {text!r}: write a number and a unit s, m, h, d or w "
            "(e.g. 30m, 24h, 7d), or 0"
        )
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def format_duration(delta: timedelta) -> str:
    """A short human form: ``1d 4h``, ``35m``, ``12s``."""
    seconds = round(delta.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts)
