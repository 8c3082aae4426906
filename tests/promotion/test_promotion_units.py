"""Pure pieces of promotion: policy, plans, gates' arithmetic, signatures, fairness, smoke and
canary verdicts, the runner's undo order. No stores, no endpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.cli.promote import parse_canary
from mlops_desktop.core.audit import AuditLog
from mlops_desktop.core.config import AppConfig, StageLayout, local_mlflow_workspace
from mlops_desktop.core.entities import MetricGoal
from mlops_desktop.core.errors import Cancelled, InvalidInput, NotFound
from mlops_desktop.core.policy import (
    FairnessGate,
    FairnessMetric,
    GatePolicy,
    PolicyConfig,
    RolloutPolicy,
    StagePolicy,
    load_policy,
    policy_file,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.promotion.canary import judge
from mlops_desktop.promotion.context import OperationContext
from mlops_desktop.promotion.entities import OperationKind, OperationState, StepState
from mlops_desktop.promotion.evaluation import KeyMetric
from mlops_desktop.promotion.fairness import fairness_gap
from mlops_desktop.promotion.gates import metric_gate
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.promotion.plan import (
    RollbackPlan,
    default_endpoint_name,
    resolve_location,
    traffic_steps,
)
from mlops_desktop.promotion.recovery import _recover
from mlops_desktop.promotion.runner import Workflow, advance
from mlops_desktop.promotion.signature import Signature, read_signature, signature_differences
from mlops_desktop.promotion.smoke import example_rows, prediction_problem

# -- policy --------------------------------------------------------------------------------


def test_policy_lookup_order_and_defaults() -> None:
    policy = PolicyConfig()
    assert policy.for_target("prod", Stage.PROD).requires_approval
    assert not policy.for_target("staging", Stage.STAGING).requires_approval
    special = StagePolicy(promoters=("alice",))
    team = StagePolicy(requires_approval=True)
    policy = PolicyConfig(
        stages={Stage.STAGING: StagePolicy(approvers=("carol",))},
        workspaces={"team/staging": special, "team": team},
    )
    # used whole; the unset requires_approval takes the stage's default (staging: no)
    assert policy.for_target("team", Stage.STAGING) == special.model_copy(
        update={"requires_approval": False}
    )
    assert policy.for_target("team", Stage.PROD) is team
    assert policy.for_target("other", Stage.STAGING).approvers == ("carol",)
    assert special.may_promote("alice") and not special.may_promote("bob")
    assert not team.may_approve("alice", requester="alice")
    assert team.may_approve("bob", requester="alice")
    assert not policy.stages[Stage.STAGING].may_approve("bob", requester="alice")


def test_prod_section_without_requires_approval_keeps_the_approval() -> None:
    # A [stages.prod] (or [workspaces.<prod workspace>]) that only names promoters must not
    # turn prod's second-person approval off.
    path = policy_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[stages.prod]\npromoters = ['alice']\n[workspaces.live]\npromoters = ['bob']\n"
        "[stages.staging]\npromoters = ['alice']\n",
        encoding="utf-8",
    )
    policy = load_policy()
    assert policy.for_target("prod", Stage.PROD).requires_approval is True
    assert policy.for_target("live", Stage.PROD).requires_approval is True
    assert policy.for_target("staging", Stage.STAGING).requires_approval is False
    path.write_text("[stages.prod]\nrequires_approval = false\n", encoding="utf-8")
    assert load_policy().for_target("prod", Stage.PROD).requires_approval is False


def test_identities_compare_case_insensitively_and_normalised() -> None:
    team = StagePolicy(promoters=(" Alice ", "ｂｏｂ"), approvers=("CAROL", "Straße"))
    assert team.may_promote("alice") and team.may_promote("ALICE") and team.may_promote("bob")
    assert not team.may_promote("mallory")
    assert not team.may_approve("Carol", requester="carol ")  # one person, two spellings
    assert not team.may_approve("ALICE", requester="alice")
    assert team.may_approve("carol", requester="alice")
    assert team.may_approve("STRASSE", requester="alice")  # casefold: ß = ss
    anyone = StagePolicy()
    assert not anyone.may_approve("\u212bngstr\u00f6m", requester="\u00c5ngstr\u00f6m")


def test_policy_file_round_trip_and_errors() -> None:
    path = policy_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "schema_version = 1\n"
        "[stages.prod]\nrequires_approval = true\npromoters = ['alice']\n"
        "[stages.prod.gates]\nrelative_tolerance = 0.02\n"
        "fairness = { sensitive_column = 'sex', metric = 'equalized_odds_difference' }\n"
        "[stages.prod.rollout]\ncanary = [10, 50]\nstep_seconds = 60\n",
        encoding="utf-8",
    )
    prod = load_policy().for_target("prod", Stage.PROD)
    assert prod.rollout.canary == (10, 50) and prod.promoters == ("alice",)
    assert prod.gates.fairness is not None
    assert prod.gates.fairness.metric is FairnessMetric.EQUALIZED_ODDS
    path.write_text("[stages.prod.rollout]\ncanary = [50, 10]\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="canary"):
        load_policy()
    path.write_text("[stages.prod]\nunknown = 1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown"):
        load_policy()


# -- plans ---------------------------------------------------------------------------------


def test_locations_and_endpoint_names() -> None:
    dev = local_mlflow_workspace("dev", Stage.DEV)
    staging = local_mlflow_workspace("staging", Stage.STAGING)
    team = local_mlflow_workspace("team", None, layout=StageLayout.NAME_PREFIX)
    config = AppConfig(workspaces=(dev, staging, team))
    assert resolve_location(config, "dev").workspace.name == "dev"
    assert resolve_location(config, "team:prod").stage is Stage.PROD
    assert resolve_location(config, "team/staging").label == "team/staging"
    with pytest.raises(InvalidInput, match="several workspaces hold stage 'staging'"):
        resolve_location(config, "stg")  # a stage (alias), held by two workspaces
    with pytest.raises(InvalidInput, match="holds several stages"):
        resolve_location(config, "team")
    with pytest.raises(NotFound):
        resolve_location(AppConfig(workspaces=(dev,)), "prod")
    assert default_endpoint_name(resolve_location(config, "staging"), "churn_v2") == "churn-v2"
    location = resolve_location(config, "team:prod")
    assert default_endpoint_name(location, "churn") == "prod-churn"
    assert traffic_steps([10, 50]) == (10, 50, 100) and traffic_steps(None) == (100,)
    with pytest.raises(InvalidInput):
        traffic_steps([50, 10])
    assert parse_canary("10,50") == [10, 50] and parse_canary("0") == []
    assert parse_canary(None) is None


# -- gates ---------------------------------------------------------------------------------


def test_metric_gate_tolerance_both_directions() -> None:
    rmse = KeyMetric("rmse", MetricGoal.MINIMIZE, "regression")
    strict = GatePolicy()
    assert metric_gate(rmse, 50.0, 52.0, strict, "1").passed
    assert metric_gate(rmse, 52.0, 52.0, strict, "1").passed
    failed = metric_gate(rmse, 53.0, 52.0, strict, "1")
    assert not failed.passed and failed.values["worse_by"] == pytest.approx(1.0)
    assert metric_gate(rmse, 53.0, 52.0, GatePolicy(metric_tolerance=1.0), "1").passed
    assert metric_gate(rmse, 53.0, 52.0, GatePolicy(relative_tolerance=0.02), "1").passed
    auc = KeyMetric("roc_auc", MetricGoal.MAXIMIZE, "classification")
    assert not metric_gate(auc, 0.80, 0.82, strict, "3").passed
    assert metric_gate(auc, 0.80, None, strict, "").passed  # no champion yet


def test_signature_differences(tmp_path: Path) -> None:
    columns = [
        {"type": "double", "name": "age", "required": True},
        {"type": "double", "name": "bmi", "required": True},
    ]
    out = [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}}]
    deployed = Signature(columns, out)
    assert signature_differences(Signature(list(columns), out), deployed) == []
    changed = [{"type": "long", "name": "age", "required": True}, {"type": "double", "name": "s5"}]
    problems = signature_differences(Signature(changed, out), deployed)
    assert "input 'bmi' is missing" in problems and "input 's5' is new" in problems
    assert any("'age' is long" in p for p in problems)
    assert signature_differences(None, deployed)
    assert signature_differences(None, None) == []
    (tmp_path / "MLmodel").write_text(
        "signature:\n"
        f"  inputs: '{json.dumps(columns)}'\n"
        f"  outputs: '{json.dumps(out)}'\n"
        "  params: null\n",
        encoding="utf-8",
    )
    read = read_signature(tmp_path)
    assert read is not None and read.input_names == ["age", "bmi"] and read == deployed


def test_fairness_measures() -> None:
    sensitive = pd.Series(["a"] * 4 + ["b"] * 4)
    labels = pd.Series([1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0])
    # Group a is always predicted high, group b always low: parity gap 1.
    predictions = np.array([9.0] * 4 + [0.0] * 4)
    parity = FairnessGate(sensitive_column="s")
    gap = fairness_gap(
        parity,
        task="regression",
        key_metric="rmse",
        labels=labels,
        predictions=predictions,
        sensitive=sensitive,
    )
    assert gap == pytest.approx(1.0)
    even = fairness_gap(
        parity,
        task="regression",
        key_metric="rmse",
        labels=labels,
        predictions=labels.to_numpy(),
        sensitive=sensitive,
    )
    assert even == pytest.approx(0.0)
    metric_gap = FairnessGate(sensitive_column="s", metric=FairnessMetric.GROUP_METRIC_GAP)
    perfect_for_a = np.concatenate([labels[:4].to_numpy(), labels[4:].to_numpy() + 2.0])
    value = fairness_gap(
        metric_gap,
        task="regression",
        key_metric="rmse",
        labels=labels,
        predictions=perfect_for_a,
        sensitive=sensitive,
    )
    assert value == pytest.approx(2.0)  # rmse 0 for a, 2 for b
    with pytest.raises(InvalidInput, match="binary"):
        fairness_gap(
            parity,
            task="classification",
            key_metric="accuracy",
            labels=pd.Series([0, 1, 2, 0, 1, 2, 0, 1]),
            predictions=np.zeros(8),
            sensitive=sensitive,
        )


def test_smoke_and_canary_verdicts() -> None:
    body = json.dumps({"dataframe_split": {"columns": ["a"], "data": [[1], [2], [3]]}}).encode()
    assert example_rows(body) == 3
    assert example_rows(json.dumps({"inputs": {"a": [1, 2]}}).encode()) == 2
    numeric = [{"type": "double"}]
    assert prediction_problem([1.0, 2.0, 3.0], 3, numeric) is None
    assert "2 predictions for 3" in str(prediction_problem([1.0, 2.0], 3, numeric))
    assert "not a number" in str(prediction_problem(["x", 1.0, 2.0], 3, numeric))
    rollout = RolloutPolicy(max_error_rate=0.1, max_latency_ms=100.0)
    assert judge(10, [200] * 10, [5.0] * 10, rollout, "probe answers").passed
    bad = judge(10, [200] * 8 + [500, 500], [5.0] * 10, rollout, "probe answers")
    assert not bad.passed and "error rate 20.0%" in bad.detail
    slow = judge(10, [200] * 10, [5.0] * 9 + [900.0], rollout, "collected requests")
    assert not slow.passed and "p95 latency" in slow.detail
    assert not judge(10, [], [], rollout, "collected requests").passed


# -- runner --------------------------------------------------------------------------------


class _Step:
    def __init__(self, name: str, log: list[str], fail: BaseException | None = None) -> None:
        self.name = name
        self.title = name
        self.log = log
        self.fail = fail

    def run(self, oc: OperationContext) -> str:
        oc.remember(self.name, "did", True)
        self.log.append(f"run {self.name}")
        if self.fail is not None:
            raise self.fail
        return f"{self.name} ok"

    def undo(self, oc: OperationContext) -> None:
        self.log.append(f"undo {self.name}")


def _operation(
    steps: list[_Step], task: TaskContext | None = None, operation_id: str = "op1"
) -> tuple[OperationContext, Workflow]:
    workflow = Workflow(OperationKind.ROLLBACK, tuple(steps), resume_from="c")
    plan = RollbackPlan("m", "ws", Stage.STAGING, "m", "m", "1", "2")
    journal = Journal()
    journal.create(
        operation_id,
        workflow.kind,
        model="m",
        actor="alice",
        source="a",
        target="b",
        plan={"plan": plan.to_json(), "policy": StagePolicy().model_dump(mode="json")},
        steps=workflow.names,
    )
    oc = OperationContext(
        operation_id=operation_id,
        kind=workflow.kind,
        plan=plan,
        policy=StagePolicy(),
        config=AppConfig(),
        actor="alice",
        task=task or TaskContext(),
        journal=journal,
        audit=AuditLog(),
        positions={n: i for i, n in enumerate(workflow.names)},
    )
    return oc, workflow


def test_failure_undoes_begun_steps_newest_first() -> None:
    log: list[str] = []
    steps = [
        _Step("a", log),
        _Step("b", log),
        _Step("c", log, RuntimeError("boom")),
        _Step("d", log),
    ]
    oc, workflow = _operation(steps)
    result = advance(oc, workflow)
    assert result.state is OperationState.ROLLED_BACK and "RuntimeError: boom" in result.error
    assert log == ["run a", "run b", "run c", "undo c", "undo b", "undo a"]
    assert [s.state for s in result.steps] == [StepState.UNDONE] * 3 + [StepState.PENDING]
    assert result.step("b").data == {"did": True}
    assert AuditLog().records()[-1].details["reason"] == "RuntimeError: boom"


def test_ctrl_c_rolls_back_then_propagates() -> None:
    log: list[str] = []
    oc, workflow = _operation([_Step("a", log), _Step("b", log, KeyboardInterrupt())])
    with pytest.raises(KeyboardInterrupt):
        advance(oc, workflow)
    assert log == ["run a", "run b", "undo b", "undo a"]
    assert Journal().get("op1").state is OperationState.ROLLED_BACK


def test_recovery_decides_by_how_far_it_got() -> None:
    log: list[str] = []
    steps = [_Step("a", log), _Step("b", log), _Step("c", log), _Step("d", log)]
    oc, workflow = _operation(steps)
    journal = oc.journal
    for position in (0, 1):
        journal.update_step("op1", position, state=StepState.DONE)
    journal.update_step("op1", 2, state=StepState.RUNNING)  # died inside "c" (resumable)
    result = _recover(oc, workflow, journal.get("op1"))
    assert result.state is OperationState.COMPLETED and log == ["run c", "run d"]

    log.clear()
    oc, workflow = _operation([_Step(n, log) for n in "abcd"], operation_id="op2")
    oc.journal.update_step("op2", 0, state=StepState.DONE)
    oc.journal.update_step("op2", 1, state=StepState.RUNNING)  # died inside "b": undo
    result = _recover(oc, workflow, oc.journal.get("op2"))
    assert result.state is OperationState.ROLLED_BACK and log == ["undo b", "undo a"]


def test_cancel_before_a_step_leaves_it_pending() -> None:
    log: list[str] = []
    task = TaskContext()

    class _Cancelling(_Step):
        def run(self, oc: OperationContext) -> str:
            task.cancel()
            return super().run(oc)

    oc, workflow = _operation([_Cancelling("a", log), _Step("b", log)], task)
    result = advance(oc, workflow)
    assert result.error == str(Cancelled("cancelled"))
    assert log == ["run a", "undo a"] and result.step("b").state is StepState.PENDING


def test_canary_verdict_says_how_many_live_and_probe_requests_it_judged_on() -> None:
    rollout = RolloutPolicy(max_error_rate=0.1, max_latency_ms=100.0)
    probes_only = judge(10, [200] * 3, [5.0] * 3, rollout, "collected requests", probes=3)
    assert probes_only.passed
    assert (probes_only.live_requests, probes_only.probe_requests) == (0, 3)
    assert "judged on 3 probes only, no live" in probes_only.detail
    mixed = judge(10, [200] * 8, [5.0] * 8, rollout, "collected requests", probes=3)
    assert (mixed.live_requests, mixed.probe_requests) == (5, 3)
    assert "8 requests (5 live, 3 probes)" in mixed.detail
    assert mixed.to_json()["live_requests"] == 5
    nothing = judge(10, [], [], rollout, "collected requests", probes=0)
    assert not nothing.passed and "0 live, 0 probes" in nothing.detail
