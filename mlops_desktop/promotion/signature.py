"""Model signatures read from an ``MLmodel`` file and compared column by column.

Read with PyYAML (an MLflow dependency) rather than MLflow itself: the signature is two JSON
strings in the YAML, and comparing their parsed form gives messages a person can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_desktop.core.errors import InvalidInput

Schema = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Signature:
    """Input and output schema of a model (MLflow's JSON form); None where not logged."""

    inputs: Schema | None
    outputs: Schema | None

    @property
    def input_names(self) -> list[str]:
        """Named input columns, in order (empty for tensor inputs)."""
        return [str(c["name"]) for c in self.inputs or [] if "name" in c]


def read_signature(model_dir: Path) -> Signature | None:
    """The signature logged with the model in ``model_dir`` (None when it has none)."""
    import yaml

    path = model_dir / "MLmodel"
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from None
    raw = meta.get("signature")
    if not raw:
        return None

    def parse(text: str | None) -> Schema | None:
        return json.loads(text) if text else None

    return Signature(inputs=parse(raw.get("inputs")), outputs=parse(raw.get("outputs")))


def _describe(column: dict[str, Any]) -> str:
    described = column.get("type", "?")
    if described == "tensor":
        info = column.get("tensor-spec", {})
        described = f"tensor {info.get('dtype', '?')}{info.get('shape', '')}"
    return described + ("" if column.get("required", True) else " (optional)")


def schema_differences(what: str, candidate: Schema | None, deployed: Schema | None) -> list[str]:
    """How ``candidate`` differs from ``deployed`` (``what``: "input" or "output")."""
    if deployed is None:
        return []
    if candidate is None:
        return [f"the candidate logged no {what} schema; the live deployment has one"]
    named = all("name" in c for c in candidate + deployed)
    if not named:
        if [_describe(c) for c in candidate] != [_describe(c) for c in deployed]:
            return [
                f"{what}s differ: {[_describe(c) for c in candidate]} vs "
                f"{[_describe(c) for c in deployed]}"
            ]
        return []
    mine = {c["name"]: c for c in candidate}
    theirs = {c["name"]: c for c in deployed}
    problems = [f"{what} {name!r} is missing" for name in theirs if name not in mine]
    problems += [f"{what} {name!r} is new" for name in mine if name not in theirs]
    for name in theirs:
        if name in mine and _describe(mine[name]) != _describe(theirs[name]):
            problems.append(
                f"{what} {name!r} is {_describe(mine[name])}, the live deployment's is "
                f"{_describe(theirs[name])}"
            )
    return problems


def signature_differences(candidate: Signature | None, deployed: Signature | None) -> list[str]:
    """Every difference of inputs and outputs (empty: the candidate can replace it)."""
    if deployed is None:
        return []
    if candidate is None:
        return ["the candidate was logged without a signature; the live deployment has one"]
    return schema_differences("input", candidate.inputs, deployed.inputs) + schema_differences(
        "output", candidate.outputs, deployed.outputs
    )
