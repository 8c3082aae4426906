"""Promotion across three Azure ML workspaces (dev -> staging -> prod) with the real SDK: gates
on the held-out data, files copied between workspaces' storage (Azurite), a new deployment
smoke-tested by header, canary traffic shift, champion aliases, approval for prod, audit —
and a failed smoke test rolled back so the target is as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure_blob_helpers import (
    BlobEnvironment,
    model_with_holdout,
    promotion_policies,
    register_model_folder,
)

from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import AppConfig, WorkspaceConfig, load_config
from mlops_desktop.core.policy import PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.approvals import decide
from mlops_desktop.promotion.azure_registry import AzureRegistryAccess
from mlops_desktop.promotion.entities import OperationState
from mlops_desktop.promotion.promote import promote_model_version

MODEL = "churn-files"


@pytest.fixture
def azure_stages(azure_blob_env: BlobEnvironment) -> tuple[AppConfig, PolicyConfig]:
    workspaces = tuple(
        azure_blob_env.backend(stage).workspace for stage in (Stage.DEV, Stage.STAGING, Stage.PROD)
    )
    return AppConfig(workspaces=workspaces), promotion_policies()


def _registry(config: AppConfig, name: str) -> AzureRegistryAccess:
    from mlops_desktop.backends.azureml.backend import AzureMlBackend

    workspace: WorkspaceConfig = config.workspace(name)
    return AzureRegistryAccess(AzureMlBackend(workspace))


def test_promote_dev_to_staging_to_prod_across_workspaces(
    azure_blob_env: BlobEnvironment,
    azure_stages: tuple[AppConfig, PolicyConfig],
    tmp_path: Path,
) -> None:
    config, policies = azure_stages
    dev = azure_blob_env.backend(Stage.DEV)
    register_model_folder(dev, MODEL, model_with_holdout(tmp_path / "m1", seed=0))

    first = promote_model_version(
        MODEL, "1", source="dev", config=config, policies=policies, actor="ml-lead"
    )
    assert first.state is OperationState.COMPLETED, first
    staging = azure_blob_env.backend(Stage.STAGING)
    endpoint = staging.get_online_endpoint(MODEL)
    assert endpoint.traffic == {"version-1": 100}
    assert _registry(config, "staging").aliases(MODEL) == {"champion": "1"}
    assert any(b.endswith("MLmodel") for b in azure_blob_env.blob_names(Stage.STAGING))

    # A second version: canary 10 % then 100 %, the old deployment retired.
    register_model_folder(dev, MODEL, model_with_holdout(tmp_path / "m2", seed=1))
    second = promote_model_version(
        MODEL, "2", source="dev", config=config, policies=policies, actor="ml-lead"
    )
    assert second.state is OperationState.COMPLETED, second
    steps = {step.name: step for step in second.steps}
    # The gates scored both versions on the candidate's held-out split.
    assert "rmse" in steps["gates"].message and "champion v1" in steps["gates"].message
    assert "signature: matches deployment 'version-1'" in steps["gates"].message
    assert [o["percent"] for o in steps["traffic"].data["canary"]] == [10]
    assert steps["traffic"].data["canary"][0]["source"] == "probe answers"
    print({name: step.message for name, step in steps.items()})
    endpoint = staging.get_online_endpoint(MODEL)
    assert endpoint.traffic == {"version-2": 100}
    assert {d.name for d in endpoint.deployments} == {"version-2"}
    assert _registry(config, "staging").aliases(MODEL) == {
        "champion": "2",
        "previous-champion": "1",
    }
    scored = [s for s in azure_blob_env.server.endpoints.scored if s[1] == MODEL]
    assert ("mlw-churn-staging", MODEL, "version-2") in scored  # smoke and canary probes

    # Prod needs a second person's approval.
    waiting = promote_model_version(
        MODEL, "2", source="staging", config=config, policies=policies, actor="ml-lead"
    )
    assert waiting.state is OperationState.AWAITING_APPROVAL, waiting
    assert staging.model_container(MODEL) is not None
    request_id = str(waiting.approval_id)
    _, decided = decide(config, policies, request_id, approve=True, actor="reviewer")
    assert decided.status.value == "approved"
    done = promote_model_version(
        MODEL,
        "2",
        source="staging",
        config=config,
        policies=policies,
        actor="ml-lead",
        approval_id=request_id,
    )
    assert done.state is OperationState.COMPLETED, done
    prod = azure_blob_env.backend(Stage.PROD)
    assert prod.get_online_endpoint(MODEL).traffic == {"version-1": 100}
    copied = prod.get_model_version(MODEL, "1")
    assert copied.tags["mlops.source_workspace"] == "staging"

    actions = [r.action for r in AuditLog().records()]
    assert AuditAction.APPROVAL_APPROVED in actions
    assert actions.count(AuditAction.PROMOTION) == 3
    assert AuditAction.TRAFFIC in actions

    # dev v2 again: staging's champion already is a copy of it, so nothing changes.
    again = promote_model_version(
        MODEL, "2", source="dev", config=config, policies=policies, actor="ml-lead"
    )
    assert again.state is OperationState.UNCHANGED, again
    assert again.steps[0].message == "already champion in staging (v2, copy of dev v2)"
    assert staging.get_online_endpoint(MODEL).traffic == {"version-2": 100}
    assert _registry(config, "staging").aliases(MODEL)["champion"] == "2"
    assert AuditLog().records()[-1].action == "promotion.unchanged"


def test_failed_smoke_test_rolls_back_the_target(
    azure_blob_env: BlobEnvironment,
    azure_stages: tuple[AppConfig, PolicyConfig],
    tmp_path: Path,
) -> None:
    config, policies = azure_stages
    dev = azure_blob_env.backend(Stage.DEV)
    register_model_folder(dev, MODEL, model_with_holdout(tmp_path / "m1", seed=0))
    assert (
        promote_model_version(MODEL, "1", source="dev", config=config, policies=policies).state
        is OperationState.COMPLETED
    )
    register_model_folder(dev, MODEL, model_with_holdout(tmp_path / "m2", seed=1))
    azure_blob_env.server.add_fault(
        rf"/inference/mlw-churn-staging/{MODEL}/score$", status=500, method="POST", times=None
    )
    result = promote_model_version(MODEL, "2", source="dev", config=config, policies=policies)
    assert result.state is OperationState.ROLLED_BACK, result
    assert "smoke" in (result.error or "")
    staging = azure_blob_env.backend(Stage.STAGING)
    endpoint = staging.get_online_endpoint(MODEL)
    assert endpoint.traffic == {"version-1": 100}
    assert {d.name for d in endpoint.deployments} == {"version-1"}
    registry = _registry(config, "staging")
    assert registry.aliases(MODEL) == {"champion": "1"}
    assert [
        v.version
        for v in staging.list_model_versions(with_runs=False)
        if v.registered_name == MODEL
    ] == ["1"]


def test_promote_and_roll_back_from_the_command_line(
    azure_blob_env: BlobEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``workspaces add --azure`` x3, then ``promote`` twice and ``rollback``: what CI runs."""
    from test_azure_cli import _add_workspaces

    from mlops_desktop.cli import main

    _add_workspaces(azure_blob_env.server, capsys)
    dev = azure_blob_env.backend(Stage.DEV)
    for seed in (0, 1):
        register_model_folder(dev, MODEL, model_with_holdout(tmp_path / f"m{seed}", seed=seed))
    for version in ("1", "2"):
        assert main(["promote", MODEL, version, "--from", "dev", "--yes", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["state"] == "completed"
    staging = azure_blob_env.backend(Stage.STAGING)
    assert staging.get_online_endpoint(MODEL).traffic == {"version-2": 100}

    assert main(["rollback", MODEL, "-w", "staging", "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "completed"
    endpoint = staging.get_online_endpoint(MODEL)
    assert endpoint.traffic == {"version-1": 100}  # v1 redeployed: it had been retired
    assert _registry(load_config(), "staging").aliases(MODEL) == {
        "champion": "1",
        "previous-champion": "2",
    }
