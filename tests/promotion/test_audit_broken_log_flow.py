"""A broken audit log on real stores and endpoints: a promotion is refused before it changes
anything, the one-click rollback still goes through (its records quarantined), and once the log
is restored ``audit reanchor`` adopts them."""

from __future__ import annotations

import json

import pytest
from promotion_helpers import MODEL, Stages, cli_main, fast_policy, target_snapshot

from mlops_desktop.backends.mlflow.backend import MlflowBackend
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.policy import PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.serving.manager import EndpointManager

pytestmark = pytest.mark.slow


def test_broken_log_refuses_promotion_never_blocks_rollback(
    stages: Stages, capsys: pytest.CaptureFixture[str]
) -> None:
    stages.write_policy(PolicyConfig(stages={Stage.STAGING: fast_policy()}))
    assert cli_main("promote", MODEL, "2", "--from", "dev", "--to", "staging", "--yes") == 0
    log = AuditLog()
    good = log.path.read_bytes()
    count = len(log.records())
    with open(log.path, "ab") as fh:
        fh.write(b"{not a record\n")
    capsys.readouterr()

    # A promotion is refused before it starts (exit 2), the target exactly as it was.
    before = target_snapshot(stages.staging)
    assert cli_main("promote", MODEL, "3", "--from", "dev", "--to", "staging", "--yes") == 2
    err = capsys.readouterr().err
    assert f"line {count + 1} (the last) is not a sound record" in err
    assert "audit verify" in err and "Traceback" not in err
    assert target_snapshot(stages.staging) == before

    # The rollback goes through; its traffic change and record go to the quarantine log.
    assert cli_main("rollback", MODEL, "--workspace", "staging", "--yes", "--json") == 0
    rolled = json.loads(capsys.readouterr().out)
    assert rolled["state"] == "completed"
    assert rolled["steps"][-1]["message"].startswith("quarantined audit record 2")
    backend = MlflowBackend(stages.staging)
    assert backend.get_model_version_by_alias(MODEL, "champion").version == "1"
    assert EndpointManager(stages.staging).get_endpoint(MODEL).traffic == {"v1": 100, "v2": 0}
    quarantined = log.quarantined_records()
    assert [r.action for r in quarantined] == [AuditAction.TRAFFIC, AuditAction.ROLLBACK]
    assert len(log.records()) == count  # the main log is left as evidence

    assert cli_main("audit", "verify") == 1
    err = capsys.readouterr().err
    assert f"line {count + 1}" in err and "2 records were written to the quarantine log" in err

    # Restored from a backup, the log is accepted as it is and the quarantine adopted.
    log.path.write_bytes(good)
    assert cli_main("audit", "reanchor", "--yes", "--reason", "restored") == 0
    assert "2 quarantined records adopted" in capsys.readouterr().out
    actions = [r.action for r in log.records()[count:]]
    assert actions == [AuditAction.REANCHORED, AuditAction.TRAFFIC, AuditAction.ROLLBACK]
    assert cli_main("audit", "verify") == 0
