"""Approvals with two identities (``MLFLOW_TRACKING_USERNAME``), kept in the target registry."""

from __future__ import annotations

import json

import pytest
from promotion_helpers import MODEL, Stages, cli_main, fast_policy, target_snapshot

from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.core.policy import PolicyConfig, load_policy
from mlops_desktop.promotion.approvals import (
    APPROVAL_TAG_PREFIX,
    ApprovalStatus,
    decide,
    list_requests,
    source_workspace_of,
)
from mlops_desktop.promotion.registry import RegistryAccess, open_mlflow_backend
from mlops_desktop.serving.manager import EndpointManager

pytestmark = pytest.mark.slow

PROMOTE_TO_PROD = ("promote", MODEL, "champion", "--from", "staging", "--to", "prod", "--yes")


def _as(monkeypatch: pytest.MonkeyPatch, user: str) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", user)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli_main(*argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_second_person_approves_and_executes(
    stages: Stages, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "alice")  # the stages fixture's policy: prod needs approval
    code, out, _ = _run(capsys, *PROMOTE_TO_PROD, "--json")
    assert code == 3
    request_id = json.loads(out)["approval_id"]
    assert json.loads(out)["state"] == "awaiting-approval"
    # Asking again finds the same pending request.
    code, out, _ = _run(capsys, *PROMOTE_TO_PROD, "--json")
    assert code == 3 and json.loads(out)["approval_id"] == request_id

    # The request is a tag in prod's registry: anyone reading that registry sees it.
    prod = RegistryAccess(open_mlflow_backend(stages.prod))
    tags = dict(prod.registered_models_with_tags(APPROVAL_TAG_PREFIX))[MODEL]
    assert list(tags) == [f"{APPROVAL_TAG_PREFIX}{request_id}"]
    assert prod.aliases(MODEL) == {} and EndpointManager(stages.prod).list_endpoints() == []

    code, _, err = _run(capsys, "approvals", "approve", request_id)
    assert code == 2 and "cannot approve" in err
    _as(monkeypatch, " ALICE ")  # the same person, spelled otherwise
    code, _, err = _run(capsys, "approvals", "approve", request_id)
    assert code == 2 and "cannot approve" in err

    _as(monkeypatch, "bob")
    code, out, _ = _run(capsys, "approvals", "list", "--json")
    listed = json.loads(out)
    assert [(r["id"], r["requested_by"], r["status"]) for r in listed] == [
        (request_id, "alice", "pending")
    ]
    code, out, err = _run(capsys, "approvals", "approve", request_id, "--execute", "-q", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["state"] == "completed" and result["actor"] == "bob"
    assert result["approval_id"] == request_id

    assert prod.aliases(MODEL) == {"champion": result["target_version"]}
    assert EndpointManager(stages.prod).invoke(MODEL).ok
    code, out, _ = _run(capsys, "approvals", "list", "--status", "all", "--json")
    [request] = json.loads(out)
    assert request["status"] == "executed" and request["decided_by"] == "bob"
    assert request["promotion_id"] == result["id"]

    records = AuditLog().records()
    assert [(r.action, r.actor) for r in records] == [
        (AuditAction.APPROVAL_REQUESTED, "alice"),
        (AuditAction.APPROVAL_APPROVED, "bob"),
        (AuditAction.PROMOTION, "bob"),
    ]
    assert records[-1].details["approved_by"] == "bob"
    assert AuditLog().verify().ok


def test_rejection_and_approver_list(
    stages: Stages, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "alice")
    before = target_snapshot(stages.prod)
    code, out, _ = _run(capsys, *PROMOTE_TO_PROD, "--json")
    first = json.loads(out)["approval_id"]
    config = stages.config

    stages.write_policy(PolicyConfig(workspaces={"prod": fast_policy().model_copy(
        update={"requires_approval": True, "approvers": ("carol",)})}))  # fmt: skip
    with pytest.raises(PermissionDenied, match="bob may not decide"):
        decide(config, load_policy(), first, approve=True, actor="bob")
    _, rejected = decide(config, load_policy(), first, approve=False, actor="carol", comment="no")
    assert rejected.status is ApprovalStatus.REJECTED

    # A rejected request is not used: promoting again files a new one, nothing promoted.
    code, out, _ = _run(capsys, *PROMOTE_TO_PROD, "--json")
    second = json.loads(out)["approval_id"]
    assert code == 3 and second != first
    snapshot = target_snapshot(stages.prod)
    assert snapshot["endpoints"] == before["endpoints"] == []
    assert snapshot["registry"]["versions"] == []

    # Another machine naming the workspaces differently finds the request by location.
    renamed = AppConfig(
        workspaces=tuple(
            w.model_copy(update={"name": f"team-{w.name}"}) for w in stages.config.workspaces
        )
    )
    found, problems = list_requests(renamed, status=ApprovalStatus.PENDING)
    assert problems == [] and [(w.name, r.id) for w, r in found] == [("team-prod", second)]
    assert source_workspace_of(renamed, found[0][1]).name == "team-staging"


def test_gates_run_when_the_request_is_made_and_the_approver_sees_them(
    stages: Stages, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _as(monkeypatch, "alice")
    code, out, _ = _run(capsys, *PROMOTE_TO_PROD, "--json")
    assert code == 3
    asked = json.loads(out)
    assert [(g["name"], g["passed"]) for g in asked["gates"]] == [
        ("metric", True),
        ("signature", True),
    ]
    request_id = asked["approval_id"]

    _as(monkeypatch, "bob")
    code, out, _ = _run(capsys, "approvals", "list")
    assert code == 0 and "GATES" in out and "2/2 passed" in out
    code, out, _ = _run(capsys, "approvals", "show", request_id)
    assert code == 0, out
    assert f"approval request {request_id}: pending" in out
    assert "requested by alice" in out and "gates when requested" in out
    assert "metric" in out and "no champion in the target" in out
    code, out, _ = _run(capsys, "approvals", "show", request_id, "--json")
    shown = json.loads(out)
    assert [g["name"] for g in shown["gates"]] == ["metric", "signature"]
    assert set(shown["gates"][0]) == {"name", "passed", "detail"}  # verdicts, no data
    code, _, err = _run(capsys, "approvals", "show", "nosuchid")
    assert code == 2 and "no approval request" in err


def test_failing_gates_file_no_request(
    stages: Stages, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlops_desktop.core.policy import FairnessGate, FairnessMetric
    from mlops_desktop.core.stages import Stage

    gap = FairnessGate(sensitive_column="sex", metric=FairnessMetric.GROUP_METRIC_GAP, bound=0.0)
    prod = fast_policy(fairness=gap).model_copy(update={"requires_approval": True})
    stages.write_policy(PolicyConfig(stages={Stage.STAGING: fast_policy(), Stage.PROD: prod}))
    _as(monkeypatch, "alice")
    before = target_snapshot(stages.prod)
    code, out, _ = _run(capsys, *PROMOTE_TO_PROD, "--json")
    assert code == 1
    result = json.loads(out)
    assert result["state"] == "rolled-back"
    assert "no approval was requested" in result["error"]
    assert not {g["name"]: g["passed"] for g in result["gates"]}["fairness"]
    assert target_snapshot(stages.prod) == before  # no request tag, nothing else
    found, _ = list_requests(AppConfig(workspaces=(stages.prod,)))
    assert found == []
