"""Promotion end to end on real local MLflow stores and real endpoints on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from promotion_helpers import MODEL, Stages, cli_main, fast_policy, target_snapshot

from mlops_desktop.backends.mlflow.backend import MlflowBackend
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import StageLayout, local_mlflow_workspace, save_config
from mlops_desktop.core.entities import LINEAGE_PROMOTED_BY, LINEAGE_SOURCE_VERSION
from mlops_desktop.core.policy import FairnessGate, FairnessMetric, PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.entities import OperationState, StepState
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.promotion.promote import promote_model_version
from mlops_desktop.serving.manager import EndpointManager

pytestmark = pytest.mark.slow


def _registry(stages: Stages) -> MlflowBackend:
    return MlflowBackend(stages.staging)


def test_dev_to_staging_with_canary_then_rollback(stages: Stages, capsys) -> None:
    parity = FairnessGate(sensitive_column="sex", bound=1.0)
    stages.write_policy(PolicyConfig(stages={Stage.STAGING: fast_policy(fairness=parity)}))
    code = cli_main("promote", MODEL, "2", "--from", "dev", "--to", "staging", "--yes", "--json")
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = json.loads(captured.out)
    assert out["state"] == "completed"
    assert [s["state"] for s in out["steps"]] == ["done"] * 9
    passed = {g["name"]: g["passed"] for g in out["gates"]}
    assert passed == {"metric": True, "fairness": True, "signature": True}
    fairness = next(g for g in out["gates"] if g["name"] == "fairness")["values"]
    assert 0.0 <= fairness["candidate"] <= 1.0 and "champion" in fairness
    metric = next(g for g in out["gates"] if g["name"] == "metric")["values"]
    assert metric["candidate"] < metric["champion"]  # rmse: v2 beats v1 on the same holdout

    # Registry: a copy of dev v2 is champion, the old one previous-champion, lineage recorded.
    backend = _registry(stages)
    new = backend.get_model_version_by_alias(MODEL, "champion")
    assert new.version == out["target_version"] == "2"
    assert new.tags[LINEAGE_SOURCE_VERSION] == "2" and new.tags[LINEAGE_PROMOTED_BY] == "alice"
    assert backend.get_model_version_by_alias(MODEL, "previous-champion").version == "1"

    # Endpoint: the new deployment takes everything, the old one is retired.
    manager = EndpointManager(stages.staging)
    endpoint = manager.get_endpoint(MODEL)
    assert endpoint.traffic == {"v2": 100}
    result = manager.invoke(MODEL)
    assert result.ok and result.deployment == "v2"
    canary = out["steps"][5]["data"]["canary"]
    assert canary[0]["percent"] == 10 and canary[0]["passed"] and canary[0]["requests"] >= 3
    assert canary[0]["source"] == "collected requests"  # the probes showed up in collection

    # Audit: traffic 10 %, traffic 100 %, promotion — and the chain verifies.
    log = AuditLog()
    actions = [r.action for r in log.records()]
    assert actions == [AuditAction.TRAFFIC, AuditAction.TRAFFIC, AuditAction.PROMOTION]
    promotion = log.records()[-1]
    assert promotion.details["target_version"] == "2" and promotion.actor == "alice"
    assert promotion.details["gates"] == out["gates"]
    assert log.verify().ok
    assert cli_main("audit", "verify") == 0
    assert "audit log intact: 3 records" in capsys.readouterr().out

    # One-click rollback: v1 serves again (redeployed) and is champion again.
    code = cli_main("rollback", MODEL, "--workspace", "staging", "--yes", "--json")
    rolled = json.loads(capsys.readouterr().out)
    assert code == 0, rolled
    assert backend.get_model_version_by_alias(MODEL, "champion").version == "1"
    assert backend.get_model_version_by_alias(MODEL, "previous-champion").version == "2"
    assert manager.get_endpoint(MODEL).traffic == {"v1": 100, "v2": 0}
    assert manager.invoke(MODEL).deployment == "v1"
    assert log.records()[-1].action == AuditAction.ROLLBACK
    assert log.verify().ok


def test_gate_failure_leaves_target_exactly_as_it_was(stages: Stages) -> None:
    # A near-constant model (v3) is "fair" by demographic parity (it predicts everyone low),
    # so the gate measures its RMSE gap between the groups instead.
    gap = FairnessGate(sensitive_column="sex", metric=FairnessMetric.GROUP_METRIC_GAP, bound=0.0)
    policy = fast_policy(fairness=gap)
    stages.write_policy(PolicyConfig(stages={Stage.STAGING: policy}))
    before = target_snapshot(stages.staging)
    result = promote_model_version(MODEL, "3", source="dev", target="staging")
    assert result.state is OperationState.ROLLED_BACK
    gates = {g.name: g for g in result.gates}
    assert not gates["metric"].passed and "worse by" in gates["metric"].detail
    assert not gates["fairness"].passed
    assert gates["fairness"].values["candidate"] > 0.0
    assert gates["signature"].passed
    assert result.step("gates").state is StepState.UNDONE
    assert result.step("copy").state is StepState.PENDING
    assert target_snapshot(stages.staging) == before
    rolled = AuditLog().records()[-1]
    assert rolled.action == AuditAction.PROMOTION_ROLLED_BACK
    assert "gates failed" in rolled.details["reason"]


def test_the_promotion_lock_belongs_to_the_store_not_to_a_name(stages: Stages) -> None:
    from mlops_desktop.core.errors import Conflict
    from mlops_desktop.promotion.locks import target_lock

    # Another configuration (another machine's, an older one) names staging's store
    # differently and spells its path differently: it must still exclude our promotion.
    assert stages.staging.mlflow is not None
    db = Path(stages.staging.mlflow.tracking_uri.removeprefix("sqlite:///"))
    other = stages.staging.model_copy(
        update={
            "name": "team-staging",
            "mlflow": stages.staging.mlflow.model_copy(
                update={"tracking_uri": f"sqlite:///{db.parent}/../staging/{db.name}"}
            ),
        }
    )
    before = target_snapshot(stages.staging)
    with target_lock(other.registry_store_key, MODEL), pytest.raises(Conflict, match="another"):
        promote_model_version(MODEL, "2", source="dev", target="staging")
    assert target_snapshot(stages.staging) == before


def test_failing_smoke_test_undoes_copy_and_deployment(stages: Stages) -> None:
    policy = fast_policy(smoke_max_latency_ms=0.001)
    stages.write_policy(PolicyConfig(stages={Stage.STAGING: policy}))
    before = target_snapshot(stages.staging)
    result = promote_model_version(MODEL, "2", source="dev", target="staging")
    assert result.state is OperationState.ROLLED_BACK, result.error
    assert "smoke test" in result.error and "latency" in result.error
    assert [s.state for s in result.steps[:5]] == [StepState.UNDONE] * 4 + [StepState.UNDONE]
    assert result.step("copy").data["target_version"] == "2"
    assert target_snapshot(stages.staging) == before
    assert Journal().get(result.id).state is OperationState.ROLLED_BACK


def test_cancel_between_steps_rolls_back(stages: Stages) -> None:
    before = target_snapshot(stages.staging)

    def on_progress(done: int, total: int, message: str) -> None:
        if message.startswith("smoke"):
            task.cancel()

    task = TaskContext(on_progress)
    result = promote_model_version(MODEL, "2", source="dev", target="staging", ctx=task)
    assert result.state is OperationState.ROLLED_BACK and result.error == "cancelled"
    # Cancelled while the smoke test ran: it finishes, the next step never starts.
    assert result.step("deploy").state is StepState.UNDONE
    assert result.step("smoke").state is StepState.UNDONE
    assert result.step("traffic").state is StepState.PENDING
    assert target_snapshot(stages.staging) == before


def test_name_prefix_layout_promotes_inside_one_workspace(
    stages: Stages, empty_store: Path
) -> None:
    from mlops_desktop.pipelines.train import TrainConfig, train

    team = local_mlflow_workspace("team", None, layout=StageLayout.NAME_PREFIX)
    assert team.mlflow is not None
    db = Path(team.mlflow.tracking_uri.removeprefix("sqlite:///"))
    db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(empty_store, db)
    save_config(stages.config.with_workspace(team))
    train(
        TrainConfig(
            tracking_uri=team.mlflow.tracking_uri,
            artifact_root=team.mlflow.artifact_root,
            registered_model=f"dev.{MODEL}",
            model_type="ridge",
        )
    )
    result = promote_model_version(MODEL, "1", source="team:dev", canary=[])
    assert result.ok, result.error
    assert result.plan["plan"]["target_name"] == f"staging.{MODEL}"
    assert result.plan["plan"]["endpoint"] == f"staging-{MODEL}"
    backend = MlflowBackend(team)
    champion = backend.get_model_version_by_alias(f"staging.{MODEL}", "champion")
    assert champion.tags[LINEAGE_SOURCE_VERSION] == "1"
    manager = EndpointManager(team)
    try:
        assert manager.get_endpoint(f"staging-{MODEL}").traffic == {"v1": 100}
    finally:
        manager.delete_endpoint(f"staging-{MODEL}")


def test_promoting_the_champion_s_own_weights_changes_nothing(stages: Stages, capsys) -> None:
    # staging's champion (v1) is a copy of dev v1: promoting dev v1 again has nothing to do.
    before = target_snapshot(stages.staging)
    code = cli_main("promote", MODEL, "1", "--from", "dev", "--to", "staging", "--yes")
    out = capsys.readouterr().out
    assert code == 0
    assert "already champion in staging (v1, copy of dev v1)" in out
    assert "nothing changed" in out
    assert target_snapshot(stages.staging) == before
    [record] = AuditLog().records()
    assert record.action == "promotion.unchanged" and record.actor == "alice"
    assert record.details["champion_version"] == "1" and record.details["matched_by"] == "lineage"
    assert Journal().list() == []  # nothing journaled: there is nothing to recover

    # prod's champion copied straight from dev v1 (as the demo does): staging v1 is the same.
    from mlops_desktop.backends.mlflow.backend import copy_model_version

    prod = MlflowBackend(stages.prod)
    copied = copy_model_version(MlflowBackend(stages.dev), MODEL, "1", prod, MODEL)
    prod.set_model_version_alias(MODEL, "champion", copied.version)
    same = promote_model_version(MODEL, "champion", source="staging", target="prod")
    assert same.state is OperationState.UNCHANGED, "no approval is asked for a no-op"
    assert (
        same.steps[0].message == "already champion in prod (v1, copy of dev v1, as is staging v1)"
    )

    # Without lineage tags (registered by hand) the model files' digest decides.
    client = _registry(stages).client
    for key in (LINEAGE_SOURCE_VERSION, "mlops.source_workspace", "mlops.source_model"):
        client.delete_model_version_tag(MODEL, "1", key)
    before = target_snapshot(stages.staging)
    result = promote_model_version(MODEL, "1", source="dev", target="staging")
    assert result.state is OperationState.UNCHANGED and result.ok
    assert result.steps[0].message == (
        "already champion in staging (v1, same model files as dev v1)"
    )
    assert result.target_version == "1"
    assert target_snapshot(stages.staging) == before
    matched = [r.details["matched_by"] for r in AuditLog().records()]
    assert matched == ["lineage", "origin", "content"]
