"""Registry writes for promotion: copy a version with lineage, move an alias, archive.

Copies across workspaces (model files through storage) are in test_azure_blob_models.py.
"""

from __future__ import annotations

from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.core.stages import Stage


def _backend(server: ArmTestServer, stage: Stage) -> AzureMlBackend:
    return AzureMlBackend(azure_workspace(server, stage), settings=quick_settings())


def test_copy_a_version_with_lineage_move_champion_and_archive(
    fresh_arm_server: ArmTestServer, az: AzStandIn
) -> None:
    dev = _backend(fresh_arm_server, Stage.DEV)
    source = dev.get_model_version("churn", "6")
    # Inside one workspace (the name-prefix layout: staging.churn next to churn).
    copied = dev.copy_model_version_from(
        dev, "churn", "6", target_name="staging.churn", promoted_by="morgan"
    )
    assert (copied.registered_name, copied.version) == ("staging.churn", "1")
    assert copied.lineage["mlops.source_workspace"] == "dev"
    assert copied.tags["mlops.source_version"] == "6"
    assert copied.tags["mlops.promoted_by"] == "morgan"
    assert copied.aliases == ()  # aliases do not travel with a copy
    assert copied.source == source.source  # the same files, by reference
    assert copied.run is not None and source.run is not None
    assert copied.run.metrics["rmse"] == source.run.metrics["rmse"]

    staging = _backend(fresh_arm_server, Stage.STAGING)
    staging.set_model_version_alias("churn", "champion", "1")
    assert staging.get_model_version_by_alias("churn", "champion").version == "1"
    assert "champion" not in staging.get_model_version("churn", "2").aliases
    staging.delete_model_version_alias("churn", "champion")
    assert all("champion" not in v.aliases for v in staging.list_model_versions())

    dev.archive_model_version("staging.churn", copied.version)
    assert "staging.churn" not in {v.registered_name for v in dev.list_model_versions()}
