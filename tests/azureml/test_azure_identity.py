"""In an Azure ML workspace the person is the signed-in Azure identity (the token's claims),
not ``MLFLOW_TRACKING_USERNAME``: the second-person rule holds across both."""

from __future__ import annotations

import uuid

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.core.policy import PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.approvals import (
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStore,
    decide,
)
from mlops_desktop.promotion.registry import open_registry

MORGAN = "morgan.lee@contoso.example"  # the data set's ml-lead, signed in by the ``az`` fixture


def _pending_request(config: AppConfig, requested_by: str) -> str:
    prod = config.workspace("prod")
    request = ApprovalRequest(
        id=uuid.uuid4().hex[:10],
        status=ApprovalStatus.PENDING,
        model="churn",
        version="1",
        source_workspace="staging",
        source_location="azureml://s/rg/staging",
        source_stage=Stage.STAGING,
        source_name="churn",
        target_workspace="prod",
        target_location=prod.location,
        target_stage=Stage.PROD,
        target_name="churn",
        traffic_steps=(100,),
        requested_by=requested_by,
        requested_at="2026-01-01T00:00:00+00:00",
    )
    ApprovalStore(open_registry(prod)).save(request)
    return request.id


def test_the_signed_in_azure_identity_decides_not_the_environment(
    fresh_arm_server: ArmTestServer, az: AzStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = AppConfig(workspaces=(azure_workspace(fresh_arm_server, Stage.PROD),))
    prod = config.workspace("prod")
    # Morgan claims to be someone else through the MLflow variable: Azure knows better.
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "reviewer")
    request_id = _pending_request(config, requested_by=MORGAN.upper())
    with pytest.raises(PermissionDenied, match="cannot approve"):
        decide(config, PolicyConfig(), request_id, approve=True)
    from mlops_desktop.backends.identity import acting_identity

    assert acting_identity(prod) == MORGAN
    assert acting_identity() == "reviewer"  # no workspace: as before

    # Another person signs in (a service principal with rights in prod): they may decide.
    data = fresh_arm_server.dataset
    az.login(data.principal("ci-deployer"), data.tenant_id, subscription=data.subscription_id)
    _, decided = decide(config, PolicyConfig(), request_id, approve=True)
    assert decided.status is ApprovalStatus.APPROVED
    assert decided.decided_by == "application 5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


def test_a_workspace_whose_sign_in_fails_has_no_identity(
    fresh_arm_server: ArmTestServer, az: AzStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_desktop.backends.identity import acting_identity
    from mlops_desktop.core.errors import AuthError

    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "reviewer")
    az.logout()
    with pytest.raises(AuthError):
        acting_identity(azure_workspace(fresh_arm_server, Stage.PROD))
