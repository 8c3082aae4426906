"""Promotion from the GUI: the Models page's buttons and the promote dialog.

Real local MLflow stores and real endpoints on 127.0.0.1, built by the promotion tests'
fixtures (``tests/promotion/conftest.py``, loaded here under another name): dev holds three
versions of ``diabetes``, staging holds dev v1 as ``champion`` served by endpoint ``diabetes``.
Every endpoint is deleted after each test and the warm fork host is stopped at the end.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest
from ui_fakes import make_version

from mlops_desktop.core.config import (
    AppConfig,
    AzureConnection,
    BackendKind,
    WorkspaceConfig,
    local_mlflow_workspace,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.models_page.tasks_promotion import (
    OutcomeKind,
    promote_action,
    rollback_action,
    step_for_message,
)

_PROMOTION_TESTS = Path(__file__).resolve().parents[1] / "promotion"
if str(_PROMOTION_TESTS) not in sys.path:
    sys.path.insert(0, str(_PROMOTION_TESTS))


def _promotion_fixtures() -> Any:
    spec = importlib.util.spec_from_file_location(
        "promotion_fixtures_for_ui", _PROMOTION_TESTS / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_fixtures = _promotion_fixtures()
# The promotion tests' fixtures, collected by pytest from this module's namespace.
serving_host_dir = _fixtures.serving_host_dir
_shared_host = _fixtures._shared_host
empty_store = _fixtures.empty_store
dev_store = _fixtures.dev_store
stages = _fixtures.stages

MODEL = "diabetes"
RUN_TIMEOUT = 120_000


# -- the buttons' state (no stores needed) -------------------------------------------------------


def _azure(name: str, stage: Stage) -> WorkspaceConfig:
    return WorkspaceConfig(
        name=name,
        backend=BackendKind.AZUREML,
        stage=stage,
        azure=AzureConnection(subscription_id="s", resource_group="r", workspace_name=name),
    )


def test_promote_button_state_and_reasons(qtbot) -> None:
    from mlops_desktop.ui.models_page.model_detail_view import ModelVersionDetailView

    dev = local_mlflow_workspace("dev", Stage.DEV)
    staging = local_mlflow_workspace("staging", Stage.STAGING)
    prod = local_mlflow_workspace("prod", Stage.PROD)
    config = AppConfig(workspaces=(dev, staging, prod))

    ready = promote_action(make_version("dev", "2"), config)
    assert ready.enabled and ready.label == "Promote to staging"
    assert (ready.source, ready.target) == ("dev:dev", "staging:staging")
    to_prod = promote_action(make_version("staging", "1", stage=Stage.STAGING), config)
    assert to_prod.enabled and to_prod.target == "prod:prod"

    last = promote_action(make_version("prod", "4", stage=Stage.PROD), config)
    assert not last.enabled and "last stage" in last.reason

    lonely = AppConfig(workspaces=(dev, prod))
    missing = promote_action(make_version("dev", "2"), lonely)
    assert not missing.enabled and "no workspace holds the staging stage" in missing.reason

    azure = AppConfig(workspaces=(dev, _azure("staging", Stage.STAGING), prod))
    mixed = promote_action(make_version("dev", "2"), azure)
    assert not mixed.enabled and "different kinds of workspace" in mixed.reason
    all_azure = AppConfig(
        workspaces=(_azure("dev", Stage.DEV), _azure("staging", Stage.STAGING), prod)
    )
    across = promote_action(make_version("dev", "2"), all_azure)
    assert across.enabled and across.target == "staging:staging"

    # Rollback needs a champion and a previous champion in the same workspace.
    champion = make_version("staging", "2", stage=Stage.STAGING, aliases=("champion",))
    previous = make_version("staging", "1", stage=Stage.STAGING, aliases=("previous-champion",))
    assert not rollback_action(champion, [champion], config).enabled
    back = rollback_action(champion, [champion, previous], config)
    assert back.enabled and back.label == "Roll back staging"
    assert back.reason.startswith("@champion v2 → v1")
    assert back.source == "staging:staging"

    view = ModelVersionDetailView()
    qtbot.addWidget(view)
    view.set_version(champion)
    view.set_actions(last, back)
    assert not view.promote_button.isEnabled()
    assert view.promote_button.toolTip() == last.reason
    assert "last stage" in view.action_hint.text()
    assert view.rollback_button.isEnabled()

    # Where a rollback cannot do anything it is not offered, and the hint says why.
    dev_champion = make_version("dev", "4", aliases=("champion",))
    in_dev = rollback_action(dev_champion, [dev_champion], config)
    assert not in_dev.offered and "nothing is promoted into dev" in in_dev.reason
    first_champion = rollback_action(champion, [champion], config)
    assert not first_champion.offered and "no @previous-champion" in first_champion.reason
    view.set_actions(last, in_dev)
    assert view.rollback_button.isHidden()
    assert f"Roll back: {in_dev.reason}" in view.action_hint.toolTip()
    assert f"Roll back: {in_dev.reason.split(' (')[0]}" in view.action_hint.text()
    view.set_actions(last, back)
    assert not view.rollback_button.isHidden()
    # The longest pair of reasons wraps instead of widening the window past a 1280 px screen.
    view.set_actions(last, first_champion)
    assert view.action_hint.minimumSizeHint().width() <= 400

    assert step_for_message("evaluating gates on the held-out data") == ("gates", False)
    assert step_for_message("undoing: copying the version into the target registry") == (
        "copy",
        True,
    )
    assert step_for_message("canary 10 %: watching 'v2' for 0.3 s") == ("traffic", False)


# -- real promotions -----------------------------------------------------------------------------


@pytest.fixture
def page_and_pool(qtbot, stages) -> Any:
    """A Models page over the test's real workspaces; workers awaited at the end."""
    from mlops_desktop.ui.models_page.models_page import ModelsPage
    from mlops_desktop.ui.shell.notifications import NotificationCenter
    from mlops_desktop.ui.shell.workers import WorkerPool
    from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader

    pool = WorkerPool()
    loader = WorkspaceLoader(pool, NotificationCenter())
    page = ModelsPage(loader, pool=pool)
    page.refreshRequested.connect(loader.reload)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    loader.set_config(stages.config)
    with qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT):
        loader.reload()
    yield page, loader, pool
    assert pool.shutdown(30_000), "a worker outlived the test"


def _champion(page: Any, workspace: str) -> str | None:
    for version in page.versions_model.versions():
        if version.workspace == workspace and "champion" in version.aliases:
            return str(version.version)
    return None


def test_promote_dev_to_staging_through_the_dialog(qtbot, page_and_pool, tmp_path) -> None:
    page, loader, _pool = page_and_pool
    assert _champion(page, "staging") == "1"
    assert page.select_version(("dev", MODEL, "2"))
    button = page.detail_view.promote_button
    assert button.isEnabled() and button.text() == "Promote to staging"
    assert page.detail_view.rollback_button.isHidden()  # no "Roll back dev"
    assert "nothing is promoted into dev" in page.detail_view.action_hint.text()

    with qtbot.waitSignal(page.promoteDialogOpened, timeout=5_000) as opened:
        button.click()
    dialog = opened.args[0]
    assert dialog.route_label.text() == "dev  →  staging"
    dialog.set_canary_index(1)  # 10 % -> 100 %
    assert dialog.canary_steps() == [10]
    with (
        qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT),  # the page refreshes
        qtbot.waitSignal(dialog.promotionFinished, timeout=RUN_TIMEOUT),
    ):
        dialog.start_button.click()
    assert dialog.outcome is not None and dialog.outcome.kind is OutcomeKind.PROMOTED, (
        dialog.outcome_label.text()
    )
    assert [dialog.step_status(n) for n in ("policy", "gates", "audit")] == ["✓ done"] * 3
    assert "Promoted" in dialog.outcome_label.text()
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum()
    # The dialog renders (docs/screenshots/promote.png is made the same way, by hand).
    assert dialog.grab().save(str(tmp_path / "promote.png"))

    dialog.close_button.click()
    assert _champion(page, "staging") == "2"
    assert page.select_version(("staging", MODEL, "2"))
    assert page.detail_view.rollback_button.isEnabled()
    assert page.detail_view.rollback_button.text() == "Roll back staging"
    assert page.detail_view.promote_button.text() == "Promote to prod"


def test_promoting_the_champion_s_source_again_says_so_and_changes_nothing(
    qtbot, page_and_pool
) -> None:
    page, _loader, _pool = page_and_pool
    assert page.select_version(("dev", MODEL, "1"))  # staging's champion is a copy of it
    dialog = page.open_promote_dialog()
    assert dialog is not None
    with qtbot.waitSignal(dialog.promotionFinished, timeout=RUN_TIMEOUT):
        dialog.start_button.click()
    assert dialog.outcome is not None and dialog.outcome.kind is OutcomeKind.UNCHANGED
    text = dialog.outcome_label.text()
    assert "already champion in staging (v1, copy of dev v1)" in text
    assert dialog.status_label.text() == "Nothing to do."
    assert dialog.step_status("copy") == "waiting"  # no step ran
    assert _champion(page, "staging") == "1"
    dialog.close_button.click()


def test_gate_failure_shows_rolled_back_with_the_reason(qtbot, page_and_pool) -> None:
    page, _loader, _pool = page_and_pool
    assert page.select_version(("dev", MODEL, "3"))  # much worse than staging's champion
    dialog = page.open_promote_dialog()
    assert dialog is not None
    dialog.set_canary_index(0)
    with qtbot.waitSignal(dialog.promotionFinished, timeout=RUN_TIMEOUT):
        dialog.start_button.click()
    assert dialog.outcome is not None and dialog.outcome.kind is OutcomeKind.ROLLED_BACK
    text = dialog.outcome_label.text()
    assert "Rolled back" in text and "gates failed" in text
    assert "✗ metric" in text and "worse by" in text
    assert dialog.step_status("gates") == "↺ undone"
    assert dialog.step_status("copy") == "— not run"
    assert _champion(page, "staging") == "1"
    dialog.close_button.click()


def test_prod_waits_for_a_second_person_who_approves_and_executes(
    qtbot, page_and_pool, monkeypatch
) -> None:
    page, loader, _pool = page_and_pool
    view = page.detail_view
    assert page.select_version(("staging", MODEL, "1"))
    dialog = page.open_promote_dialog()
    assert dialog is not None
    with (
        qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT),
        qtbot.waitSignal(dialog.promotionFinished, timeout=RUN_TIMEOUT),
    ):
        dialog.start_button.click()
    outcome = dialog.outcome
    assert outcome is not None and outcome.kind is OutcomeKind.AWAITING_APPROVAL
    assert outcome.request_id and outcome.request_id in dialog.outcome_label.text()
    dialog.close_button.click()

    # The requester sees the request but may not decide it; the function's refusal is shown.
    qtbot.waitUntil(lambda: len(view.request_rows()) == 1, timeout=30_000)
    assert view.request_rows()[0].request.id == outcome.request_id
    # The gates ran when the request was filed: their verdicts are beside the decision.
    assert "gates 2/2 passed" in view.requests_list.item(0).text()
    gates = view.request_gates.text()
    assert "Gates when requested" in gates and "✓ metric:" in gates and "✓ signature:" in gates
    assert not view.approve_button.isEnabled() and not view.execute_button.isEnabled()
    assert "second person" in view.approve_button.toolTip()
    page.decide_request(outcome.request_id, True)
    qtbot.waitUntil(lambda: "cannot approve" in view.request_message.text(), timeout=30_000)

    # A second person approves and executes it: staging v1 becomes prod's champion.
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "bob")
    page.reload_requests()
    qtbot.waitUntil(view.execute_button.isEnabled, timeout=30_000)
    assert view.approve_button.isEnabled()
    with qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT):
        view.execute_button.click()
    qtbot.waitUntil(lambda: "Promoted" in view.request_message.text(), timeout=RUN_TIMEOUT)
    assert _champion(page, "prod") == "1"
    qtbot.waitUntil(lambda: not view.request_rows(), timeout=30_000)  # executed: not open
