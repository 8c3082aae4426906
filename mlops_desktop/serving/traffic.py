"""Traffic rules of an endpoint: live weights summing to 100, an optional mirror share.

Stdlib only: the router imports this module on its hot path.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from mlops_desktop.core.errors import InvalidInput

#: Largest share of live traffic that may be mirrored (as Azure ML managed online endpoints).
MAX_MIRROR_PERCENT = 50
_SPEC_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*=\s*(-?\d+)\s*%?\s*$")


def parse_weights(specs: Iterable[str], *, what: str = "traffic") -> dict[str, int]:
    """Parse ``["blue=90", "green=10"]`` into ``{"blue": 90, "green": 10}``."""
    weights: dict[str, int] = {}
    for spec in specs:
        match = _SPEC_RE.match(spec)
        if not match:
            raise InvalidInput(
                f"cannot read {what} {spec!r}", hint="write DEPLOYMENT=PERCENT, e.g. blue=90"
            )
        name, value = match.group(1), int(match.group(2))
        if name in weights:
            raise InvalidInput(f"deployment {name!r} appears twice in the {what}")
        weights[name] = value
    return weights


def validate_traffic(
    deployments: Iterable[str], traffic: Mapping[str, int], mirror: Mapping[str, int]
) -> tuple[dict[str, int], dict[str, int]]:
    """Check a traffic split and mirror against the endpoint's deployments.

    Returns the full live split (deployments not named get 0) and the mirror without zero
    entries. Live weights are integers 0..100 summing to 100 (or all 0 when the endpoint has no
    deployment); at most one deployment receives mirrored traffic, at most
    :data:`MAX_MIRROR_PERCENT` percent.
    """
    names = list(deployments)
    known = ", ".join(names) or "none"
    for label, weights in (("traffic", traffic), ("mirror", mirror)):
        for name, value in weights.items():
            if name not in names:
                raise InvalidInput(
                    f"{label}: the endpoint has no deployment named {name!r} (deployments: {known})"
                )
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
                raise InvalidInput(
                    f"{label}: {name}={value!r} must be a whole percentage from 0 to 100"
                )
    split = {name: int(traffic.get(name, 0)) for name in names}
    total = sum(split.values())
    if names and total != 100:
        given = ", ".join(f"{k}={v}" for k, v in split.items())
        raise InvalidInput(
            f"traffic weights must sum to 100, these sum to {total} ({given})",
            hint="e.g. blue=90 green=10",
        )
    mirrored = {name: int(value) for name, value in mirror.items() if value}
    if len(mirrored) > 1:
        raise InvalidInput("traffic can be mirrored to one deployment only")
    for name, value in mirrored.items():
        if value > MAX_MIRROR_PERCENT:
            raise InvalidInput(
                f"mirror: {name}={value} is more than {MAX_MIRROR_PERCENT} percent of live traffic"
            )
        if split.get(name, 0) == 100:
            raise InvalidInput(
                f"mirror: {name!r} already receives all live traffic; mirror to another deployment"
            )
    return split, mirrored


def redistribute(existing: Mapping[str, int], new_name: str, new_share: int) -> dict[str, int]:
    """Give ``new_name`` ``new_share`` percent; scale the others to the remaining share.

    Largest-remainder rounding keeps the sum at exactly 100. With no live traffic on the others,
    the remaining share goes to the first of them (or the new one takes 100 when alone).
    """
    if not 0 <= new_share <= 100:
        raise InvalidInput(f"traffic {new_share} must be a whole percentage from 0 to 100")
    others = {k: v for k, v in existing.items() if k != new_name}
    if not others:
        return {new_name: 100}
    remaining = 100 - new_share
    total = sum(others.values())
    if total == 0:
        first = next(iter(others))
        return {**{k: 0 for k in others}, first: remaining, new_name: new_share}
    exact = {k: v * remaining / total for k, v in others.items()}
    result = {k: int(v) for k, v in exact.items()}
    shortfall = remaining - sum(result.values())
    for name in sorted(exact, key=lambda k: exact[k] - result[k], reverse=True)[:shortfall]:
        result[name] += 1
    result[new_name] = new_share
    return result


@dataclass(frozen=True, slots=True)
class TrafficTable:
    """A precomputed weighted choice over deployments, for the router's hot path."""

    names: tuple[str, ...]
    cumulative: tuple[int, ...]
    mirror_name: str | None
    mirror_percent: int

    @classmethod
    def build(cls, traffic: Mapping[str, int], mirror: Mapping[str, int]) -> TrafficTable:
        """A table from validated live weights and mirror shares."""
        names: list[str] = []
        cumulative: list[int] = []
        running = 0
        for name, weight in traffic.items():
            if weight > 0:
                running += weight
                names.append(name)
                cumulative.append(running)
        mirror_name, mirror_percent = next(iter(mirror.items()), (None, 0))
        return cls(tuple(names), tuple(cumulative), mirror_name, int(mirror_percent))

    def choose(self, rng: random.Random, avoid: Collection[str] = ()) -> str | None:
        """A deployment drawn by weight, or None when no deployment takes live traffic.

        Deployments in ``avoid`` (down, or tried already) are left out and the others share
        the traffic by weight; None when every deployment taking live traffic is avoided.
        """
        if not self.names:
            return None
        names, cumulative = self.names, self.cumulative
        if avoid and any(name in avoid for name in names):
            kept = [n for n in names if n not in avoid]
            if not kept:
                return None
            lows = (0, *cumulative[:-1])
            weights = {n: b - a for n, a, b in zip(names, lows, cumulative, strict=True)}
            names = tuple(kept)
            cumulative = tuple(itertools.accumulate(weights[n] for n in kept))
        draw = rng.random() * cumulative[-1]
        for name, bound in zip(names, cumulative, strict=True):
            if draw < bound:
                return name
        return names[-1]

    def mirror_for(self, live: str, rng: random.Random) -> str | None:
        """The mirror deployment when this request is sampled for mirroring, else None."""
        if self.mirror_name is None or self.mirror_name == live:
            return None
        return self.mirror_name if rng.random() * 100 < self.mirror_percent else None
