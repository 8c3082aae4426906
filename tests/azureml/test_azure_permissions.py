"""Effective permissions: the wildcard evaluator, and ARM's permission list per principal."""

from __future__ import annotations

import json

import pytest
from arm_server import ArmTestServer, AzStandIn
from azure_helpers import azure_workspace, quick_settings
from test_azure_cli import _add_workspaces

from mlops_desktop.backends.azureml.backend import AzureMlBackend
from mlops_desktop.backends.azureml.permissions import (
    PermissionEntry,
    WorkspacePermissions,
    action_matches,
)
from mlops_desktop.cli import main
from mlops_desktop.core.errors import InvalidInput, PermissionDenied
from mlops_desktop.core.stages import Stage

ENDPOINT_WRITE = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/write"
DATA_SCIENTIST = PermissionEntry(
    actions=(
        "Microsoft.MachineLearningServices/workspaces/*/read",
        "Microsoft.MachineLearningServices/workspaces/*/write",
    ),
    not_actions=("Microsoft.MachineLearningServices/workspaces/computes/*/write",),
)


@pytest.mark.parametrize(
    ("action", "wildcard", "expected"),
    [
        ("Microsoft.MachineLearningServices/workspaces/models/read", "*/read", True),
        ("Microsoft.MachineLearningServices/workspaces/models/write", "*/read", False),
        (ENDPOINT_WRITE, "*", True),
        (ENDPOINT_WRITE, "microsoft.machinelearningservices/workspaces/*", True),
        (ENDPOINT_WRITE, "Microsoft.MachineLearningServices/workspaces/*/read", False),
        (ENDPOINT_WRITE, ENDPOINT_WRITE.upper(), True),
        (ENDPOINT_WRITE, "Microsoft.MachineLearningServices/workspaces/onlineEndpoints", False),
        ("a.b/c", "a?b/c", False),  # only * is a wildcard; other characters are literal
        ("a.b/c", "a.b/c", True),
    ],
)
def test_action_wildcards(action: str, wildcard: str, expected: bool) -> None:
    assert action_matches(action, wildcard) is expected


def test_not_actions_subtract_only_within_their_own_role() -> None:
    compute_write = "Microsoft.MachineLearningServices/workspaces/computes/cpu/write"
    alone = WorkspacePermissions("dev", "/x", "sam", (DATA_SCIENTIST,))
    assert alone.can(ENDPOINT_WRITE)
    assert not alone.can(compute_write)
    # A second role that grants it wins: notActions are no deny assignment.
    contributor = PermissionEntry(actions=("*",), not_actions=("Microsoft.Authorization/*/Write",))
    both = WorkspacePermissions("dev", "/x", "sam", (DATA_SCIENTIST, contributor))
    assert both.can(compute_write)
    assert not both.can("Microsoft.Authorization/roleAssignments/write")
    assert not WorkspacePermissions("dev", "/x", "sam").can(ENDPOINT_WRITE)


def test_check_names_the_missing_actions() -> None:
    reader = WorkspacePermissions("prod", "/x", "alex", (PermissionEntry(actions=("*/read",)),))
    check = reader.check("set_traffic")
    assert not check.allowed
    assert check.reason == f"needs {ENDPOINT_WRITE}"
    promote = reader.check("promote_into")
    assert len(promote.missing) == 3
    assert reader.check("read_endpoints").allowed
    assert reader.check("Microsoft.MachineLearningServices/workspaces/read").allowed
    with pytest.raises(InvalidInput, match="unknown operation"):
        reader.check("fly")


def _login(az: AzStandIn, server: ArmTestServer, who: str) -> None:
    data = server.dataset
    az.login(data.principal(who), data.tenant_id, subscription=data.subscription_id)


def test_permissions_per_principal_from_arm(arm_server: ArmTestServer, az: AzStandIn) -> None:
    def backend(stage: Stage) -> AzureMlBackend:
        return AzureMlBackend(azure_workspace(arm_server, stage), settings=quick_settings())

    lead = backend(Stage.PROD).permissions()
    assert lead.identity == "morgan.lee@contoso.example"
    assert lead.scope.endswith("/workspaces/mlw-churn-prod")
    assert all(c.allowed for c in lead.report().values())

    _login(az, arm_server, "data-scientist")
    dev = backend(Stage.DEV)
    assert dev.check_permission("set_traffic").allowed
    assert not dev.check_permission("Microsoft.MachineLearningServices/workspaces/write").allowed
    staging = backend(Stage.STAGING)
    assert staging.check_permission("read_endpoints").allowed
    assert staging.check_permission("set_traffic").missing == (ENDPOINT_WRITE,)
    with pytest.raises(PermissionDenied, match="onlineEndpoints/write") as denied:
        staging.require_permission("set_traffic")
    assert "sam.patel@contoso.example" in denied.value.message
    prod = backend(Stage.PROD).permissions()
    assert prod.entries == () and not prod.check("read_models").allowed

    paths = [r.path for r in arm_server.requests if r.path.endswith("/permissions")]
    assert paths and all("/providers/Microsoft.Authorization/permissions" in p for p in paths)


def test_permissions_command(
    arm_server: ArmTestServer, az: AzStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    _add_workspaces(arm_server, capsys)
    _login(az, arm_server, "auditor")
    assert main(["permissions", "--json"]) == 0
    report = {w["workspace"]: w for w in json.loads(capsys.readouterr().out)}
    assert set(report) == {"dev", "staging", "prod"}
    prod = report["prod"]["operations"]
    assert prod["read_models"] == {"allowed": True, "missing": []}
    assert prod["set_traffic"] == {"allowed": False, "missing": [ENDPOINT_WRITE]}
    assert main(["permissions", "--workspace", "staging"]) == 0
    text = capsys.readouterr().out
    assert "alex.kim@contoso.example" in text and ENDPOINT_WRITE in text
