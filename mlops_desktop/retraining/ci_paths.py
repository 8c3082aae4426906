"""Data paths a CI workflow can read: the policies' files made relative to the repository.

A policy written on this machine names its files as this machine sees them (often under the
app's home, e.g. the demo's ``…/data/demo/production-current.parquet``). CI checks the
repository out somewhere else, so the exported workflow and the policy file it commits use
paths relative to the repository root: a file inside the repository keeps its place, a file
outside it is expected under ``<config_dir>/data/`` (the export tells the user to copy it there).
Sources that are not files (``model:…``, ``endpoint:…``, bundled datasets) stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlops_desktop.monitoring.sources import is_endpoint_reference, is_model_reference, split_slice
from mlops_desktop.retraining.policies import RetrainingConfig, RetrainingPolicy

#: Where files from outside the repository are expected, under the config folder.
DATA_SUBDIR = "data"


@dataclass(frozen=True)
class Relocation:
    """A policy file from outside the repository and where the workflow expects it."""

    policy: str
    field: str
    original: Path
    portable: str


def _portable_file(path_text: str, repo_root: Path, config_dir: str) -> tuple[str, bool]:
    """The repository-relative form of one path, and whether it lies outside the repository."""
    path = Path(path_text).expanduser()
    if not path.is_absolute():
        return PurePosixPath(path_text).as_posix(), False
    root = repo_root.resolve()
    try:
        return path.resolve().relative_to(root).as_posix(), False
    except ValueError:
        return (PurePosixPath(config_dir) / DATA_SUBDIR / path.name).as_posix(), True


def _file_fields(policy: RetrainingPolicy) -> list[tuple[str, str, bool]]:
    """(dotted field, value, is a data source) for each field of the policy naming a file."""
    from mlops_desktop.pipelines.datasets import BUNDLED  # imports pandas

    fields: list[tuple[str, str, bool]] = []
    if policy.pipeline.data not in BUNDLED:
        fields.append(("pipeline.data", policy.pipeline.data, False))
    if policy.pipeline.script.endswith(".py"):
        fields.append(("pipeline.script", policy.pipeline.script, False))
    data = policy.data
    if data is not None:
        for name, value in (("current", data.current), ("reference", data.reference)):
            base = split_slice(value)[0] if value else ""
            if base and not (is_model_reference(base) or is_endpoint_reference(base)):
                fields.append((f"data.{name}", value or "", True))
        if data.drift_config:
            fields.append(("data.drift_config", data.drift_config, False))
    return fields


def portable_policies(
    policies: RetrainingConfig, repo_root: Path, config_dir: str
) -> tuple[RetrainingConfig, list[Relocation]]:
    """The policies with every file path relative to ``repo_root``, and the files moved."""
    moved: list[Relocation] = []
    rewritten: list[RetrainingPolicy] = []
    for policy in policies.policies:
        updates: dict[str, dict[str, str]] = {"pipeline": {}, "data": {}}
        for dotted, value, source in _file_fields(policy):
            base = split_slice(value)[0] if source else value
            portable, outside = _portable_file(base, repo_root, config_dir)
            if outside:
                moved.append(Relocation(policy.name, dotted, Path(base).expanduser(), portable))
            section, name = dotted.split(".")
            updates[section][name] = portable + value[len(base) :]
        pipeline = policy.pipeline.model_copy(update=updates["pipeline"])
        data = policy.data.model_copy(update=updates["data"]) if policy.data else None
        rewritten.append(policy.model_copy(update={"pipeline": pipeline, "data": data}))
    return policies.model_copy(update={"policies": tuple(rewritten)}), moved


def data_files(policies: Iterable[RetrainingPolicy]) -> set[str]:
    """The files (without time slices) the policies read."""
    return {
        split_slice(value)[0] if source else value
        for policy in policies
        for _, value, source in _file_fields(policy)
    }
