"""Step 3: copy the version (files and run record) into the target registry."""

from __future__ import annotations

from datetime import UTC, datetime

from mlops_desktop.core.entities import LINEAGE_PROMOTED_AT, LINEAGE_PROMOTED_BY
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.entities import PROMOTION_ID_TAG
from mlops_desktop.promotion.registry import IMPORTS_EXPERIMENT


class CopyStep:
    """``copy_model_version`` with promoted-by/at lineage and the operation id as tags.

    The id tag (on the version and its import run) finds what a crash mid-copy left behind.
    """

    name = "copy"
    title = "copying the version into the target registry"

    def run(self, oc: OperationContext) -> str:
        """Copy; records whether the registered model and imports experiment existed."""
        plan = oc.promotion
        target = oc.target_registry
        oc.remember(
            self.name, "model_existed", target.registered_model(plan.target_name) is not None
        )
        oc.remember(
            self.name, "experiment_existed", target.experiment_id(IMPORTS_EXPERIMENT) is not None
        )
        copied = target.copy_in(
            oc.source_registry,
            plan.source_name,
            plan.version,
            plan.target_name,
            extra_tags={
                LINEAGE_PROMOTED_BY: oc.actor,
                LINEAGE_PROMOTED_AT: datetime.now(UTC).isoformat(timespec="seconds"),
                PROMOTION_ID_TAG: oc.operation_id,
            },
            ctx=oc.task,
        )
        oc.remember(self.name, "target_version", copied.version, overwrite=True)
        return (
            f"{plan.source_label} {plan.source_name} v{plan.version} -> "
            f"{plan.target_label} {plan.target_name} v{copied.version}"
        )

    def undo(self, oc: OperationContext) -> None:
        """Delete what the copy created: versions and runs tagged with the operation id, and
        the registered model / imports experiment when the copy created them."""
        model_existed = oc.recall(self.name, "model_existed")
        if model_existed is None:
            return
        plan = oc.promotion
        target = oc.target_registry
        if not model_existed:
            target.delete_registered_model(plan.target_name)
        else:
            for version in target.versions_tagged(
                plan.target_name, PROMOTION_ID_TAG, oc.operation_id
            ):
                target.delete_version(plan.target_name, version)
        for run_id in target.runs_tagged(IMPORTS_EXPERIMENT, PROMOTION_ID_TAG, oc.operation_id):
            target.delete_run(run_id)
        if oc.recall(self.name, "experiment_existed") is False:
            target.delete_experiment(IMPORTS_EXPERIMENT)
