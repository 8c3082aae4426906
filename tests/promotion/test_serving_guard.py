"""Hand-made changes of what a stage serves: the stage's policy decides, the audit log records.

The rule itself on plain endpoint values, then ``mlops-desktop endpoints …`` and the Endpoints
page's task bodies against a real prod endpoint on 127.0.0.1 (prod needs approval, as by
default), and ``rollback`` under a policy naming its rollbackers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from promotion_helpers import MODEL, Stages, endpoint_snapshot, fast_policy, free_port

from mlops_desktop.cli import main
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import MlflowConnection, StageLayout, WorkspaceConfig
from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.core.policy import PolicyConfig, StagePolicy
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.promotion.serving_guard import (
    check_serving_change,
    planned_create,
    planned_delete,
    planned_deploy,
    planned_traffic,
    serving_stage,
)
from mlops_desktop.serving.entities import Deployment, DeploymentStatus, Endpoint, EndpointStatus
from mlops_desktop.serving.manager import EndpointManager
from mlops_desktop.ui.endpoints import tasks_endpoints

# -- the rule ----------------------------------------------------------------------------------

#: Registry of the rule tests: v2 is champion, v1 the old one.
ALIASES = {MODEL: {"champion": "2", "previous-champion": "1"}}
_STORE = MlflowConnection(tracking_uri="sqlite:///unused.db")
PROD = WorkspaceConfig(name="prod", stage=Stage.PROD, mlflow=_STORE)


def _endpoint(**deployments: tuple[str, int]) -> Endpoint:
    """An endpoint whose deployments serve ``MODEL`` (version, traffic)."""
    return Endpoint(
        name="ep",
        workspace="prod",
        port=5001,
        status=EndpointStatus.RUNNING,
        deployments=tuple(
            Deployment(name, MODEL, version, share, 0, DeploymentStatus.HEALTHY, None, None, Path())
            for name, (version, share) in deployments.items()
        ),
        router_pid=None,
        directory=Path(),
    )


def _decide(change, policy: StagePolicy, identity: str = "alice") -> str:
    return check_serving_change(
        PROD,
        change,
        policy=policy,
        stage=Stage.PROD,
        identity=identity,
        aliases_of=lambda name: ALIASES.get(name, {}),
    )


APPROVAL = StagePolicy(requires_approval=True)


def _refusal(change) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as caught:
        _decide(change, APPROVAL)
    return caught.value


def test_a_stage_needing_approval_refuses_live_traffic_to_anything_but_the_champion() -> None:
    live_old = _endpoint(blue=("2", 100), old=("1", 0))
    refused = [
        planned_deploy(live_old, "green", MODEL, "1", 100, origin="test"),
        planned_deploy(live_old, "green", MODEL, "3", 10, origin="test"),
        planned_traffic(live_old, {"blue": 50, "old": 50}, origin="test"),
        planned_create("new", "blue", MODEL, "previous-champion", origin="test"),
        planned_delete(live_old, "old", origin="test"),
        planned_delete(live_old, None, origin="test"),
    ]
    for change in refused:
        assert "alice may not" in _refusal(change).message
    traffic = _refusal(planned_traffic(live_old, {"old": 100}, origin="t"))
    assert "'old' (diabetes v1)" in traffic.message and "the champion is v2" in traffic.message
    assert "mlops-desktop promote diabetes VERSION --from staging --to prod" in str(traffic.hint)

    allowed = [
        planned_deploy(live_old, "green", MODEL, "1", 0, origin="test"),  # 0 %: audited only
        planned_deploy(live_old, "green", MODEL, "champion", 50, origin="test"),
        planned_create("new", "blue", MODEL, "champion", origin="test"),
        planned_traffic(live_old, None, origin="test"),  # only the mirror changes
    ]
    for change in allowed:
        assert _decide(change, APPROVAL)
    # Shifting back towards the champion is always possible (here: away from a canary of v1).
    canary = _endpoint(blue=("2", 90), old=("1", 10))
    assert _decide(planned_traffic(canary, {"blue": 100}, origin="t"), APPROVAL)


def test_operators_are_the_explicit_exception_and_limit_everyone_else() -> None:
    live = _endpoint(blue=("2", 100), old=("1", 0))
    to_old = planned_traffic(live, {"old": 100}, origin="test")
    policy = StagePolicy(requires_approval=True, operators=("oncall",))
    assert _decide(to_old, policy, "oncall") == "oncall is an operator of prod"
    assert _decide(planned_delete(live, "old", origin="t"), policy, "oncall")
    # Listing operators limits every hand-made change to them, even a harmless one.
    harmless = planned_deploy(live, "green", MODEL, "2", 0, origin="test")
    with pytest.raises(PermissionDenied, match="bob may not change what prod serves"):
        _decide(harmless, policy, "bob")
    # Without approval needed and without operators: anyone, anything (as before).
    assert _decide(to_old, StagePolicy()) == "prod needs no approval"


def test_the_stage_of_a_name_prefix_workspace_comes_from_the_served_models() -> None:
    team = WorkspaceConfig(name="team", layout=StageLayout.NAME_PREFIX, mlflow=_STORE)
    assert serving_stage(team, ["staging.churn"]) is Stage.STAGING
    assert serving_stage(team, ["staging.churn", "prod.churn"]) is Stage.PROD
    assert serving_stage(team, ["churn"]) is Stage.PROD  # unknown: the strictest stage held
    assert serving_stage(PROD, ["anything"]) is Stage.PROD


def test_rollbackers_default_to_the_promoters() -> None:
    assert StagePolicy(promoters=("alice",)).may_roll_back("alice")
    assert not StagePolicy(promoters=("alice",)).may_roll_back("bob")
    assert StagePolicy(promoters=("alice",), rollbackers=("bob",)).may_roll_back("bob")
    assert not StagePolicy(rollbackers=("bob",)).may_roll_back("alice")


# -- the commands and the page's tasks on a real prod endpoint -----------------------------------


@pytest.fixture
def prod(stages: Stages) -> Iterator[Stages]:
    """prod holds copies of dev v1 (champion) and v2; endpoint ``diabetes`` serves the champion
    as ``blue`` (set up directly, as a promotion would have)."""
    from mlops_desktop.backends.mlflow.backend import MlflowBackend, copy_model_version

    target = MlflowBackend(stages.prod)
    for version in ("1", "2"):
        copy_model_version(MlflowBackend(stages.dev), MODEL, version, target, MODEL)
    target.set_model_version_alias(MODEL, "champion", "1")
    EndpointManager(stages.prod).create_endpoint(
        MODEL, model=MODEL, version="champion", deployment="blue", port=free_port()
    )
    yield stages


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.err


def _refused(capsys: pytest.CaptureFixture[str], prod: Stages, *argv: str) -> str:
    """Run a command that must be refused: exit 2, nothing served differently, nothing logged."""
    endpoints, records = endpoint_snapshot(prod.prod), AuditLog().records()
    code, err = _run(capsys, *argv)
    assert code == 2 and "Traceback" not in err, err
    assert endpoint_snapshot(prod.prod) == endpoints
    assert AuditLog().records() == records
    return err


@pytest.mark.slow
def test_prod_serving_changes_by_hand_follow_the_policy_and_are_audited(
    prod: Stages, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ("-w", "prod")
    deploy = ("endpoints", "deploy", MODEL, *ws, "-d", "green", "-m", MODEL, "-v", "2")
    err = _refused(capsys, prod, *deploy, "--traffic", "100")
    assert "alice may not give live traffic to deployment 'green' (diabetes v2)" in err
    assert "the champion is v1" in err and "mlops-desktop promote diabetes" in err

    # At 0 % the new version takes no live traffic: allowed, and recorded.
    code, err = _run(capsys, *deploy)
    assert code == 0, err
    (record,) = AuditLog().find("serving.deploy")
    assert (record.actor, record.workspace, record.model) == ("alice", "prod", MODEL)
    details = record.details
    assert (details["stage"], details["endpoint"], details["deployment"]) == (
        "prod",
        MODEL,
        "green",
    )
    assert (details["registered_model"], details["version"]) == (MODEL, "2")
    assert details["from"] == {"blue": 100} and details["to"] == {"blue": 100, "green": 0}

    shift = ("endpoints", "traffic", MODEL, *ws, "blue=50", "green=50")
    refusal = _refused(capsys, prod, *shift)
    assert "'green' (diabetes v2)" in refusal and "needs an approval" in refusal
    err = _refused(capsys, prod, "endpoints", "delete", MODEL, *ws, "-d", "green")
    assert "may not delete deployment 'green'" in err
    _refused(capsys, prod, "endpoints", "delete", MODEL, *ws)

    # The app's traffic editor calls the same check: the same refusal, word for word.
    manager = EndpointManager(prod.prod)
    with pytest.raises(PermissionDenied) as caught:
        tasks_endpoints.apply_traffic(
            TaskContext(), prod.prod, MODEL, {"blue": 50, "green": 50}, {}
        )
    assert f"error: {caught.value.message}\n" in refusal
    assert manager.get_endpoint(MODEL, probe=False).traffic == {"blue": 100, "green": 0}
    with pytest.raises(PermissionDenied, match="the champion is v1"):
        tasks_endpoints.create_endpoint(TaskContext(), prod.prod, "other", MODEL, "2")
    assert [e.name for e in manager.list_endpoints(probe=False)] == [MODEL]

    # A mirror answers nobody: allowed and recorded as a traffic change of prod.
    code, err = _run(capsys, "endpoints", "traffic", MODEL, *ws, "--mirror", "green=20")
    assert code == 0, err
    (mirrored,) = AuditLog().find(AuditAction.TRAFFIC, endpoint=MODEL)
    assert mirrored.details["stage"] == "prod" and mirrored.details["mirror_to"] == {"green": 20}

    # An operator named by the policy may do by hand what otherwise needs a promotion.
    policy = fast_policy().model_copy(update={"requires_approval": True, "operators": ("alice",)})
    prod.write_policy(PolicyConfig(stages={Stage.PROD: policy}))
    code, err = _run(capsys, *shift)
    assert code == 0, err
    last = AuditLog().records()[-1]
    assert last.action == AuditAction.TRAFFIC
    assert last.details["from"] == {"blue": 100, "green": 0}
    assert last.details["to"] == {"blue": 50, "green": 50}
    assert last.details["allowed"] == "alice is an operator of prod"
    assert AuditLog().verify().ok


@pytest.mark.slow
def test_staging_needs_no_approval_so_changes_by_hand_are_only_recorded(
    stages: Stages, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ("-w", "staging")
    code, err = _run(capsys, "endpoints", "traffic", MODEL, *ws, "blue=100", "--mirror", "none")
    assert code == 0, err
    (record,) = AuditLog().find(AuditAction.TRAFFIC, endpoint=MODEL)
    assert record.details["stage"] == "staging"
    assert record.details["allowed"] == "staging needs no approval"


def test_who_may_roll_back_is_a_policy_setting(
    stages: Stages, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = fast_policy().model_copy(update={"rollbackers": ("bob",)})
    stages.write_policy(PolicyConfig(stages={Stage.STAGING: policy}))
    code, err = _run(capsys, "rollback", MODEL, "-w", "staging", "--yes")
    assert code == 2 and "alice may not roll back staging" in err and "rollbackers" in err
    assert Journal().list() == [] and AuditLog().records() == []
