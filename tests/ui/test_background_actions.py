"""What the open window does on its own: a fired retraining policy is only said until background
stage changes are turned on (Settings → Background); then it is announced, cancellable, and
submitted after the announced wait. Real policy files, real drift data, a real job process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.core.config import AppConfig, local_mlflow_workspace, save_config
from mlops_desktop.core.settings import Settings, with_value
from mlops_desktop.core.stages import Stage
from mlops_desktop.retraining.decisions import Outcome
from mlops_desktop.retraining.job_manager import JobManager
from mlops_desktop.retraining.jobs import JobStatus
from mlops_desktop.retraining.policies import RetrainingConfig, policy_from_dict, save_policies

pytestmark = pytest.mark.slow

JOB_SCRIPT = "import sys\nprint('trained', sys.argv[1:])\n"


@pytest.fixture
def drifting_policy(tmp_path: Path) -> str:
    """A saved policy on workspace dev whose data drifts on ``a`` (so it fires)."""
    rng = np.random.default_rng(1)
    reference = pd.DataFrame({"a": rng.normal(0, 1, 500), "b": rng.normal(0, 1, 500)})
    current = pd.DataFrame({"a": rng.normal(1.0, 1, 500), "b": rng.normal(0, 1, 500)})
    reference.to_parquet(tmp_path / "reference.parquet")
    current.to_parquet(tmp_path / "current.parquet")
    script = tmp_path / "job.py"
    script.write_text(JOB_SCRIPT)
    save_config(AppConfig(workspaces=(local_mlflow_workspace("dev", Stage.DEV),)))
    policy = policy_from_dict(
        {
            "name": "drift-a",
            "model": "m",
            "workspace": "dev",
            "cooldown": "1h",
            "promote_to": "staging",
            "pipeline": {"script": str(script), "args": [], "tracked": False},
            "data": {
                "reference": str(tmp_path / "reference.parquet"),
                "current": str(tmp_path / "current.parquet"),
            },
            "triggers": [{"kind": "feature_drift", "features": ["a"]}],
        }
    )
    save_policies(RetrainingConfig(policies=(policy,)))
    return policy.name


def test_by_default_a_fired_policy_is_said_and_nothing_is_submitted(
    qtbot, make_window, drifting_policy: str
) -> None:
    window = make_window(start=False)
    services = window.background
    checks = services.policy_checks
    assert checks.stage_changes is False
    assert services.actions_indicator.label.text() == "Background actions: off"
    with qtbot.waitSignal(checks.checked, timeout=60_000) as blocker:
        assert checks.check_now()
    [decision] = blocker.args[0]
    assert decision.outcome is Outcome.WOULD_FIRE and decision.policy == drifting_policy
    assert JobManager().list_jobs() == [], "nothing may be submitted unasked"
    said = window.notifications.latest
    assert said is not None and "would fire" in said.message
    assert "nothing submitted" in said.message and "Settings → Background" in said.hint
    assert checks.pending == []


def test_when_opted_in_the_job_is_announced_cancellable_then_submitted(
    qtbot, make_window, drifting_policy: str
) -> None:
    window = make_window(start=False)
    services = window.background
    checks = services.policy_checks
    indicator = services.actions_indicator
    opted_in = with_value(Settings(), "background.stage_changes", "true")
    window.apply_settings(with_value(opted_in, "background.announce_seconds", "3600"))
    assert checks.stage_changes and indicator.label.text() == "Background actions: on"

    with qtbot.waitSignal(checks.pendingChanged, timeout=60_000):
        assert checks.check_now()
    assert checks.pending == [drifting_policy]
    announced = window.notifications.latest
    assert announced is not None and announced.title == "Retraining about to start"
    assert announced.message.startswith(f"Retraining policy {drifting_policy} fired (")
    assert "submitting a retraining job for m in dev in 3600 s, then promoting the new " in (
        announced.message
    )
    assert indicator.label.text() == f"Retraining pending: {drifting_policy}"
    assert indicator.cancel_button.isVisible()
    indicator.cancel_button.click()
    assert checks.pending == [] and not indicator.cancel_button.isVisible()
    assert indicator.label.text() == "Background actions: on"
    assert JobManager().list_jobs() == []

    # Announced with no wait: submitted as `retrain check NAME --submit` would.
    window.apply_settings(with_value(opted_in, "background.announce_seconds", "0"))
    qtbot.waitUntil(lambda: not checks.running, timeout=60_000)
    with qtbot.waitSignal(checks.submitted, timeout=60_000) as blocker:
        assert checks.check_now()
    [fired] = blocker.args[0]
    assert fired.outcome is Outcome.FIRED and fired.job_id
    job = JobManager().wait(fired.job_id, timeout=60)
    assert job.status is JobStatus.SUCCEEDED

    # Turning it off again cancels what is announced.
    window.apply_settings(Settings())
    assert indicator.label.text() == "Background actions: off"
