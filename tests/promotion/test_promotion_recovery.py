"""A promotion process killed at every step is recovered: never half-promoted.

Each case runs ``promote`` in a new process (forked from a warm one that has imported MLflow,
see ``fork_runner.py``; one case uses a plain new interpreter) with
``MLOPS_DESKTOP_CRASH_AT=<step>`` — the runner's fault-injection point: ``os._exit`` right after
the step acted, before the journal records it — then calls ``recover_promotions()`` here, as
the next app start would. Up to ``traffic`` the target must be exactly as before; from
``aliases`` on the promotion must be complete.
"""

from __future__ import annotations

import json
import random
import signal

import pytest
from endpoint_helpers import unlisted_processes, wait_for
from promotion_helpers import (
    MODEL,
    ForkRunner,
    Stages,
    cli_main,
    fast_policy,
    run_cli_process,
    target_snapshot,
)

from mlops_desktop.backends.mlflow.backend import MlflowBackend
from mlops_desktop.core.audit import AuditAction, AuditLog
from mlops_desktop.core.policy import PolicyConfig
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.entities import (
    CRASH_ENV,
    CRASH_EXIT_CODE,
    OperationState,
    StepState,
)
from mlops_desktop.promotion.journal import Journal
from mlops_desktop.promotion.recovery import needs_recovery, recover_promotions
from mlops_desktop.promotion.workflows import PROMOTION_STEPS
from mlops_desktop.serving.manager import EndpointManager

pytestmark = pytest.mark.slow

ROLLED_BACK = ("policy", "gates", "copy:before", "copy", "deploy", "smoke", "traffic")
FINISHED = ("aliases", "retire", "audit")


def states_index(step: str) -> int:
    """Position of a promotion step."""
    return PROMOTION_STEPS.index(step)


def _champions(stages: Stages) -> tuple[str | None, str | None]:
    from mlops_desktop.promotion.registry import RegistryAccess, open_mlflow_backend

    aliases = RegistryAccess(open_mlflow_backend(stages.staging)).aliases(MODEL)
    return aliases.get("champion"), aliases.get("previous-champion")


def _crash(runner: ForkRunner, step: str) -> None:
    code, output = runner.run(
        "promote", MODEL, "2", "--from", "dev", "--to", "staging", "--yes", "-q",
        env={CRASH_ENV: step},
    )  # fmt: skip
    assert code == CRASH_EXIT_CODE, (step, code, output[-2000:])


def test_kill_at_every_step_then_recover(stages: Stages, fork_runner: ForkRunner) -> None:
    assert set(PROMOTION_STEPS) == {s.partition(":")[0] for s in ROLLED_BACK + FINISHED}
    journal = Journal()
    audit = AuditLog()
    manager = EndpointManager(stages.staging)
    for step in ROLLED_BACK + FINISHED:
        if step in FINISHED[1:]:
            # The case before finished the promotion: dev v2 is champion, and promoting it
            # again would change nothing. v1 champion again gives this one something to do.
            MlflowBackend(stages.staging).set_model_version_alias(MODEL, "champion", "1")
        before = target_snapshot(stages.staging)
        champion_before, _ = _champions(stages)
        _crash(fork_runner, step)
        assert needs_recovery()
        interrupted = journal.list(limit=1)[0]
        assert interrupted.state is OperationState.RUNNING
        name = step.partition(":")[0]
        states = {s.name: s.state for s in interrupted.steps}
        assert states[name] is StepState.RUNNING, (step, states)  # it died inside this step
        assert all(states[s] is StepState.DONE for s in PROMOTION_STEPS[: states_index(name)])

        outcomes = recover_promotions()
        assert [o.id for o in outcomes] == [interrupted.id], step
        outcome = outcomes[0]
        assert not needs_recovery()
        assert audit.verify().ok, step
        if step in ROLLED_BACK:
            assert outcome.state is OperationState.ROLLED_BACK, (step, outcome.error)
            assert "interrupted" in outcome.error
            assert target_snapshot(stages.staging) == before, step
            assert audit.records()[-1].action == AuditAction.PROMOTION_ROLLED_BACK
            continue
        assert outcome.state is OperationState.COMPLETED, (step, outcome.error)
        new = outcome.target_version
        assert _champions(stages) == (new, champion_before), step
        endpoint = manager.get_endpoint(MODEL)
        deployment = outcome.step("deploy").data["deployment"]
        assert endpoint.traffic == {deployment: 100}, step
        assert manager.invoke(MODEL).deployment == deployment
        records = audit.find(AuditAction.PROMOTION, operation_id=outcome.id)
        assert len(records) == 1, step  # written once, even when the crash came right after
        assert records[0].details["target_version"] == new


def test_kill_9_at_random_moments_inside_deploy_leaves_nothing_unlisted(
    stages: Stages, fork_runner: ForkRunner
) -> None:
    """SIGKILL at seeded moments inside ``deploy`` (~0.5 s here: resolving, copying the model
    files, forking the deployment, recording it, re-routing): after recovery no process of the
    home runs that an endpoint state does not list, and the target is as before."""
    rng = random.Random(20261207)
    root = EndpointManager(stages.staging).root
    before = target_snapshot(stages.staging)
    for delay in sorted(round(rng.uniform(0.0, 0.6), 3) for _ in range(6)):
        code, output = fork_runner.run(
            "promote", MODEL, "2", "--from", "dev", "--to", "staging", "--yes", "-q",
            env={CRASH_ENV: f"deploy@{delay}"},
        )  # fmt: skip
        assert code == -signal.SIGKILL, (delay, code, output[-2000:])
        [outcome] = recover_promotions()
        assert outcome.state is OperationState.ROLLED_BACK, (delay, outcome.error)
        wait_for(lambda: unlisted_processes(stages.home, root) == [])
        assert target_snapshot(stages.staging) == before, delay


def test_crash_in_the_middle_of_a_rollback_is_finished_on_recovery(
    stages: Stages, fork_runner: ForkRunner
) -> None:
    stages.write_policy(
        PolicyConfig(stages={Stage.STAGING: fast_policy(smoke_max_latency_ms=1e-3)})
    )
    before = target_snapshot(stages.staging)
    _crash(fork_runner, "deploy:undo")  # the smoke test fails; the process dies mid-rollback
    interrupted = Journal().list(limit=1)[0]
    assert interrupted.state is OperationState.ROLLING_BACK
    states = {s.name: s.state for s in interrupted.steps}
    assert states["smoke"] is StepState.UNDONE and states["deploy"] is StepState.UNDOING
    assert states["copy"] is StepState.DONE  # not undone yet: the copy is still in staging
    [outcome] = recover_promotions()
    assert outcome.state is OperationState.ROLLED_BACK
    assert target_snapshot(stages.staging) == before


def test_recovery_skips_a_live_operation_then_cli_recovers(
    stages: Stages, capsys: pytest.CaptureFixture[str]
) -> None:
    from mlops_desktop.promotion.locks import target_lock

    # A real CLI process this time (no warm fork), killed by the crash hook in ``deploy``.
    done = run_cli_process(
        "promote", MODEL, "2", "--from", "dev", "--to", "staging", "--yes", "-q",
        env={CRASH_ENV: "deploy"},
    )  # fmt: skip
    assert done.returncode == CRASH_EXIT_CODE, done.stderr[-2000:]
    with target_lock(stages.staging.registry_store_key, MODEL):  # as if it were still running
        assert recover_promotions() == []
    assert needs_recovery()
    assert cli_main("promotions", "recover", "--json") == 0
    [outcome] = json.loads(capsys.readouterr().out)
    assert outcome["state"] == "rolled-back"
    assert cli_main("promotions", "list", "--json") == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == outcome["id"]
    assert cli_main("promotions", "show", outcome["id"]) == 0
    shown = capsys.readouterr().out
    assert "deploy" in shown and "undone" in shown
