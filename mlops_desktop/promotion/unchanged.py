"""Is the version being promoted already the target's champion? Then a promotion changes nothing.

Promoting weights that already serve as the target's ``champion`` would make another copy, a
new deployment and a canary of the very same model. Before anything changes, the target
champion is compared with the source version:

- by lineage: the champion was copied from this source version (its ``mlops.source_*`` tags
  name it), or both are copies of the same original version;
- by the content digest of the model files, when the champion carries no lineage (registered
  by hand). ``MLmodel`` is left out: it holds the run id, a uuid and a time of its own.

A match is audited as a no-op (``promotion.unchanged``) and returned as an
:class:`~mlops_desktop.promotion.entities.OperationResult` in state ``unchanged``.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.entities import (
    LINEAGE_SOURCE_MODEL,
    LINEAGE_SOURCE_VERSION,
    LINEAGE_SOURCE_WORKSPACE,
    ModelVersion,
)
from mlops_desktop.promotion.entities import (
    CHAMPION_ALIAS,
    OperationKind,
    OperationResult,
    OperationState,
    StepRecord,
    StepState,
)
from mlops_desktop.promotion.plan import PromotionPlan

if TYPE_CHECKING:
    from mlops_desktop.promotion.registry import RegistryLookups

#: Audit action of a promotion that found nothing to do.
PROMOTION_UNCHANGED = "promotion.unchanged"
#: The journal-less step an unchanged result carries (its message says why).
UNCHANGED_STEP = "champion"
#: Files of a model folder whose bytes differ between copies of the same weights.
_VOLATILE_FILES = frozenset({"MLmodel"})


def lineage_of(version: ModelVersion) -> tuple[str, str, str] | None:
    """(workspace, registered name, version) the version was copied from, or None."""
    tags = version.tags
    triple = (
        tags.get(LINEAGE_SOURCE_WORKSPACE, ""),
        tags.get(LINEAGE_SOURCE_MODEL, ""),
        tags.get(LINEAGE_SOURCE_VERSION, ""),
    )
    return triple if all(triple) else None


def model_digest(folder: Path) -> str:
    """SHA-256 over the relative paths and bytes of every model file but ``MLmodel``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder).as_posix()
        if relative in _VOLATILE_FILES:
            continue
        digest.update(relative.encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def same_weights(
    plan: PromotionPlan,
    source: ModelVersion,
    champion: ModelVersion,
    source_registry: RegistryLookups,
    target_registry: RegistryLookups,
) -> str | None:
    """How ``champion`` is known to hold ``source``'s weights, or None: ``"lineage"`` (copied
    from it), ``"origin"`` (both copied from the same version) or ``"content"`` (same files)."""
    here = (plan.source_workspace, plan.source_name, plan.version)
    champion_from = lineage_of(champion)
    if champion_from is not None:
        # Lineage says where the champion came from: trust it either way.
        if champion_from == here:
            return "lineage"
        return "origin" if champion_from == lineage_of(source) else None
    with tempfile.TemporaryDirectory(prefix="mlops-digest-") as tmp:
        ours = source_registry.download_version(plan.source_name, plan.version, Path(tmp) / "s")
        theirs = target_registry.download_version(
            plan.target_name, champion.version, Path(tmp) / "t"
        )
        return "content" if model_digest(ours) == model_digest(theirs) else None


def already_champion(
    plan: PromotionPlan,
    source_registry: RegistryLookups,
    target_registry: RegistryLookups,
) -> tuple[ModelVersion, str] | None:
    """(the target champion, how it matched) when it already holds the source's weights."""
    champion = target_registry.version_by_alias(plan.target_name, CHAMPION_ALIAS)
    if champion is None:
        return None
    source = source_registry.get_version(plan.source_name, plan.version)
    how = same_weights(plan, source, champion, source_registry, target_registry)
    return (champion, how) if how else None


def unchanged_message(plan: PromotionPlan, champion: ModelVersion, how: str) -> str:
    """E.g. ``already champion in staging (v2, copy of dev v5)``."""
    here = f"{plan.source_label} v{plan.version}"
    if how == "lineage":
        relation = f"copy of {here}"
    elif how == "origin":
        workspace, _name, version = lineage_of(champion) or ("?", "", "?")
        relation = f"copy of {workspace} v{version}, as is {here}"
    else:
        relation = f"same model files as {here}"
    return f"already champion in {plan.target_label} (v{champion.version}, {relation})"


def unchanged_result(
    plan: PromotionPlan,
    config: AppConfig,
    *,
    actor: str,
    audit: AuditLog,
    operation_id: str,
) -> OperationResult | None:
    """The audited no-op when the plan's version already is the target's champion, else None.

    Read-only until it records the no-op: nothing is copied, deployed or shifted.
    """
    from mlops_desktop.promotion.registry import open_registry

    source_registry = open_registry(config.workspace(plan.source_workspace))
    target_registry = open_registry(config.workspace(plan.target_workspace))
    found = already_champion(plan, source_registry, target_registry)
    if found is None:
        return None
    champion, how = found
    message = unchanged_message(plan, champion, how)
    audit.append(
        PROMOTION_UNCHANGED,
        actor=actor,
        workspace=plan.target_workspace,
        model=plan.model,
        details={
            "operation_id": operation_id,
            "from": plan.source_label,
            "to": plan.target_label,
            "source_name": plan.source_name,
            "source_version": plan.version,
            "target_name": plan.target_name,
            "champion_version": champion.version,
            "matched_by": how,
            "reason": message,
        },
    )
    now = datetime.now(UTC).isoformat(timespec="seconds")
    data: dict[str, Any] = {"version": champion.version, "matched_by": how}
    return OperationResult(
        id=operation_id,
        kind=OperationKind.PROMOTION,
        state=OperationState.UNCHANGED,
        model=plan.model,
        actor=actor,
        source=plan.source_label,
        target=plan.target_label,
        created_at=now,
        updated_at=now,
        steps=(StepRecord(0, UNCHANGED_STEP, StepState.DONE, message, data, now, now),),
        plan=plan.to_json(),
    )
