"""Where a model version lives across stages, and the chain of copies it came through.

Promotion copies a version into the next workspace and tags the copy with its source
(``mlops.source_workspace`` / ``_model`` / ``_version`` / ``_run_id``). Versions that share an
:attr:`~mlops_desktop.core.entities.ModelVersion.origin` are one version promoted.
"""

from __future__ import annotations

from collections.abc import Sequence

from mlops_desktop.core.entities import (
    LINEAGE_SOURCE_MODEL,
    LINEAGE_SOURCE_VERSION,
    LINEAGE_SOURCE_WORKSPACE,
    ModelVersion,
)
from mlops_desktop.core.stages import STAGE_ORDER, Stage


def _version_number(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 62, version)


def lineage_by_stage(
    version: ModelVersion, versions: Sequence[ModelVersion]
) -> dict[Stage, list[ModelVersion]]:
    """Where ``version`` lives: versions sharing its origin, grouped by stage in promotion order.

    Every stage is a key (an empty list where the version does not live).
    """
    origin = version.origin
    by_stage: dict[Stage, list[ModelVersion]] = {stage: [] for stage in STAGE_ORDER}
    for candidate in versions:
        if candidate.stage is not None and candidate.origin == origin:
            by_stage[candidate.stage].append(candidate)
    for members in by_stage.values():
        members.sort(key=lambda v: (v.workspace, v.registered_name, _version_number(v.version)))
    return by_stage


def copy_source(version: ModelVersion) -> tuple[str, str, str] | None:
    """(workspace, registered model, version) ``version`` was copied from; None if trained here."""
    tags = version.tags
    workspace, model = tags.get(LINEAGE_SOURCE_WORKSPACE), tags.get(LINEAGE_SOURCE_MODEL)
    number = tags.get(LINEAGE_SOURCE_VERSION)
    if not (workspace and model and number):
        return None
    return workspace, model, number


def copy_chain(
    version: ModelVersion, versions: Sequence[ModelVersion]
) -> tuple[list[ModelVersion], tuple[str, str, str] | None]:
    """``version`` and the versions it was copied from, newest first, as far as ``versions``
    reach; and the source that was not among them (None when the chain ends at a trained one)."""
    known = {(v.workspace, v.registered_name, v.version): v for v in versions}
    chain = [version]
    seen = {(version.workspace, version.registered_name, version.version)}
    source = copy_source(version)
    while source is not None and source not in seen:
        found = known.get(source)
        if found is None:
            return chain, source
        chain.append(found)
        seen.add(source)
        source = copy_source(found)
    return chain, None
