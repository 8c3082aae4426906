"""Promotion across three Azure ML workspaces from the GUI: the Models page's Promote button,
the promote dialog's live steps and outcome, and the approval requests of prod.

The real azure-ai-ml runs in the page's and the dialog's workers against the loopback ARM of
``tests/azureml``; model files live in Azurite (``azure_blob_env``, see
``azure_blob_fixtures``). dev holds ``churn-files`` v1 and v2, real sklearn MLflow models
carrying their held-out split at ``mlops/holdout.parquet``.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from azure_blob_helpers import (
    BlobEnvironment,
    model_with_holdout,
    promotion_policies,
    register_model_folder,
)
from azure_helpers import azure_workspace

from mlops_desktop.core.config import AppConfig, save_config
from mlops_desktop.core.errors import PermissionDenied
from mlops_desktop.core.policy import save_policy
from mlops_desktop.core.stages import Stage
from mlops_desktop.promotion.entities import OperationState
from mlops_desktop.ui.models_page.tasks_promotion import PROMOTION_STEPS, OutcomeKind

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::marshmallow.warnings.Marshmallow4Warning"),
    # azure-ai-ml's blob transfers call azure-storage-blob APIs it deprecated.
    pytest.mark.filterwarnings("ignore::DeprecationWarning:azure.storage"),
]

MODEL = "churn-files"
RUN_TIMEOUT = 180_000
#: The longest the GUI thread may go without serving its event loop while Azure work runs.
MAX_STALL_S = 1.0


@pytest.fixture
def azure_stages(
    azure_blob_env: BlobEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AppConfig:
    """dev, staging and prod saved in the app's configuration with the promotion policy of
    tests/azureml (prod: approval by the CI service principal, as Azure names it, in
    other letters); two versions registered in dev."""
    server = azure_blob_env.server
    config = AppConfig(
        workspaces=tuple(
            azure_workspace(server, stage) for stage in (Stage.DEV, Stage.STAGING, Stage.PROD)
        )
    )
    save_config(config)
    save_policy(promotion_policies(approvers=("Application 5A6B7C8D-9E0F-4A1B-8C2D-3E4F5A6B7C8D",)))
    dev = azure_blob_env.backend(Stage.DEV)
    for seed in (0, 1):
        register_model_folder(dev, MODEL, model_with_holdout(tmp_path / f"m{seed}", seed=seed))
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ml-lead")  # who uses the app
    return config


@pytest.fixture
def page_and_loader(qtbot: Any, azure_stages: AppConfig) -> Iterator[tuple[Any, Any]]:
    """The Models page over the three Azure workspaces, loaded; workers awaited at the end."""
    from mlops_desktop.ui.models_page.models_page import ModelsPage
    from mlops_desktop.ui.shell.notifications import NotificationCenter
    from mlops_desktop.ui.shell.workers import WorkerPool
    from mlops_desktop.ui.shell.workspace_loader import WorkspaceLoader

    pool = WorkerPool()
    loader = WorkspaceLoader(pool, NotificationCenter())
    page = ModelsPage(loader, pool=pool)
    page.refreshRequested.connect(loader.reload)
    qtbot.addWidget(page)
    page.resize(1300, 820)
    page.show()
    loader.set_config(azure_stages)
    with qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT):
        loader.reload()
    yield page, loader
    assert pool.shutdown(60_000), "a worker outlived the test"


@contextmanager
def gui_heartbeat() -> Iterator[list[float]]:
    """Yields the longest gap (one item, filled at exit) between ticks of a 20 ms timer in the
    GUI thread: a blocking call in the GUI thread shows up as a long gap."""
    from PySide6.QtCore import QTimer

    ticks = [time.monotonic()]
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    longest: list[float] = []
    try:
        yield longest
    finally:
        timer.stop()
        ticks.append(time.monotonic())
        longest.append(max(b - a for a, b in itertools.pairwise(ticks)))


def _record_steps(dialog: Any) -> list[tuple[str, str]]:
    """Every status a step row shows, in order (consecutive repeats dropped)."""
    seen: list[tuple[str, str]] = []

    def changed(item: Any, column: int) -> None:
        entry = (item.text(0), item.text(1))
        if column == 1 and (not seen or seen[-1] != entry):
            seen.append(entry)

    dialog.steps_view.itemChanged.connect(changed)
    return seen


def _open_dialog(qtbot: Any, page: Any, key: tuple[str, str, str], label: str) -> Any:
    assert page.select_version(key), f"{key} is not listed"
    button = page.detail_view.promote_button
    assert button.isEnabled(), page.detail_view.action_reason()
    assert button.text() == label
    with qtbot.waitSignal(page.promoteDialogOpened, timeout=5_000) as opened:
        button.click()
    return opened.args[0]


def _run(qtbot: Any, dialog: Any, loader: Any) -> float:
    """Start the dialog's promotion and wait for its outcome and the page's refresh; returns
    the longest stall of the GUI thread meanwhile."""
    with (
        gui_heartbeat() as stall,
        qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT),
        qtbot.waitSignal(dialog.promotionFinished, timeout=RUN_TIMEOUT),
    ):
        dialog.start_button.click()
        assert dialog.running and not dialog.start_button.isEnabled()
    return stall[0]


def _aliases(page: Any, workspace: str) -> dict[str, str]:
    return {
        alias: str(v.version)
        for v in page.versions_model.versions()
        if v.workspace == workspace and v.registered_name == MODEL
        for alias in v.aliases
    }


def _save_png(widget: Any, path: Path) -> None:
    """Render into ``path``, and into ``MLOPS_TEST_RENDER_DIR`` when set (for a look)."""
    assert widget.grab().save(str(path))
    folder = os.environ.get("MLOPS_TEST_RENDER_DIR")
    if folder:
        widget.grab().save(str(Path(folder) / path.name))


def test_promote_dev_to_staging_through_the_dialog(
    qtbot: Any, page_and_loader: tuple[Any, Any], azure_blob_env: BlobEnvironment, tmp_path: Path
) -> None:
    page, loader = page_and_loader
    staging = azure_blob_env.backend(Stage.STAGING)

    # v1: the endpoint does not exist yet; all traffic at once.
    dialog = _open_dialog(qtbot, page, ("dev", MODEL, "1"), "Promote to staging")
    assert dialog.route_label.text() == "dev  →  staging"
    dialog.set_canary_index(0)
    steps = _record_steps(dialog)
    stall = _run(qtbot, dialog, loader)
    assert dialog.outcome is not None and dialog.outcome.kind is OutcomeKind.PROMOTED, (
        dialog.outcome_label.text()
    )
    assert stall < MAX_STALL_S, f"the GUI thread stalled {stall:.2f} s"
    # Each step showed running, then done, in the workflow's order.
    for name in PROMOTION_STEPS:
        assert (name, "● running…") in steps, (name, steps)
        assert steps.index((name, "● running…")) < steps.index((name, "✓ done")), name
    runs = [name for name, status in steps if status == "● running…"]
    assert runs == list(PROMOTION_STEPS)
    assert [dialog.step_status(n) for n in PROMOTION_STEPS] == ["✓ done"] * len(PROMOTION_STEPS)
    assert "Promoted" in dialog.outcome_label.text()
    assert f"{MODEL} is in staging as v1" in dialog.outcome_label.text()
    assert dialog.progress_bar.value() == dialog.progress_bar.maximum()
    detail = _detail(dialog, "deploy")
    assert f"created endpoint {MODEL!r} serving v1 as 'version-1'" in detail
    assert "127.0.0.1" not in _all_text(dialog)
    dialog.close_button.click()
    assert staging.get_online_endpoint(MODEL).traffic == {"version-1": 100}
    assert _aliases(page, "staging") == {"champion": "1"}

    # v2 against the champion: canary 10 % -> 100 %, the old deployment retired.
    dialog = _open_dialog(qtbot, page, ("dev", MODEL, "2"), "Promote to staging")
    dialog.set_canary_index(1)
    assert dialog.canary_steps() == [10]
    stall = _run(qtbot, dialog, loader)
    assert dialog.outcome is not None and dialog.outcome.kind is OutcomeKind.PROMOTED, (
        dialog.outcome_label.text()
    )
    assert stall < MAX_STALL_S, f"the GUI thread stalled {stall:.2f} s"
    assert "champion v1" in _detail(dialog, "gates")
    assert "'version-2' takes all traffic (10 % -> 100 %)" in _detail(dialog, "traffic")
    assert "version-1" in _detail(dialog, "retire")
    text = dialog.outcome_label.text()
    assert f"{MODEL} is in staging as v2" in text and "✓ metric" in text
    _save_png(dialog, tmp_path / "promote-azure.png")
    dialog.close_button.click()

    endpoint = staging.get_online_endpoint(MODEL)
    assert endpoint.traffic == {"version-2": 100}
    assert {d.name for d in endpoint.deployments} == {"version-2"}
    assert _aliases(page, "staging") == {"champion": "2", "previous-champion": "1"}
    assert page.select_version(("staging", MODEL, "2"))
    assert page.detail_view.promote_button.text() == "Promote to prod"
    assert page.detail_view.rollback_button.isEnabled()


def test_prod_awaits_approval_listed_for_a_second_identity(
    qtbot: Any,
    page_and_loader: tuple[Any, Any],
    azure_stages: AppConfig,
    azure_blob_env: BlobEnvironment,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlops_desktop.promotion.promote import promote_model_version

    page, loader = page_and_loader
    ready = promote_model_version(MODEL, "1", source="dev", config=azure_stages, actor="ml-lead")
    assert ready.state is OperationState.COMPLETED, ready
    with qtbot.waitSignal(loader.loadFinished, timeout=RUN_TIMEOUT):
        loader.reload()

    dialog = _open_dialog(qtbot, page, ("staging", MODEL, "1"), "Promote to prod")
    assert dialog.route_label.text() == "staging  →  prod"
    stall = _run(qtbot, dialog, loader)
    assert stall < MAX_STALL_S, f"the GUI thread stalled {stall:.2f} s"
    outcome = dialog.outcome
    assert outcome is not None and outcome.kind is OutcomeKind.AWAITING_APPROVAL, (
        dialog.outcome_label.text()
    )
    request_id = outcome.request_id
    assert request_id and request_id in dialog.outcome_label.text()
    assert "Waiting for approval" in dialog.outcome_label.text()
    assert dialog.step_status("policy") == "✓ done"
    assert dialog.step_status("copy") == "— not run"
    dialog.close_button.click()
    prod = azure_blob_env.backend(Stage.PROD)
    assert MODEL not in {e.name for e in prod.list_online_endpoints()}
    # The page kept the promoted version selected through its refresh and lists the request.
    assert page.selected_version().key == ("staging", MODEL, "1")
    qtbot.waitUntil(lambda: bool(page.detail_view.request_rows()), timeout=30_000)
    assert [r.request.id for r in page.detail_view.request_rows()] == [request_id]

    # The request lives in prod's registry (a model container tag); the reviewer approves it.
    from mlops_desktop.core.tasks import TaskContext
    from mlops_desktop.ui.models_page.tasks_promotion import approve_and_execute, load_requests

    # In Azure ML the person is the signed-in identity, whatever MLFLOW_TRACKING_USERNAME says.
    morgan = "morgan.lee@contoso.example"
    rows = load_requests(TaskContext(), azure_stages, MODEL, ["dev", "staging", "prod"])
    assert [(r.request.id, r.workspace, r.request.requested_by, r.viewer) for r in rows] == [
        (request_id, "prod", morgan, morgan)  # the page sees it is the viewer's own request
    ]
    assert f"v1 staging → prod (prod) · pending · by {morgan}" in rows[0].text
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "reviewer")  # still Morgan to Azure
    with pytest.raises(PermissionDenied, match="cannot approve"):
        approve_and_execute(TaskContext(), azure_stages, request_id)
    azure_blob_env.sign_in("ci-deployer")  # a second identity with rights in prod
    done = approve_and_execute(TaskContext(), azure_stages, request_id)
    assert done.state is OperationState.COMPLETED, done
    assert prod.get_online_endpoint(MODEL).traffic == {"version-1": 100}
    assert not load_requests(TaskContext(), azure_stages, MODEL, ["prod"])  # executed


def _detail(dialog: Any, step: str) -> str:
    """The Detail column of a step row."""
    view = dialog.steps_view
    items = (view.topLevelItem(i) for i in range(view.topLevelItemCount()))
    return next(str(item.text(2)) for item in items if item.text(0) == step)


def _all_text(dialog: Any) -> str:
    """Everything the dialog says: step details, status line and outcome."""
    rows = [_detail(dialog, name) for name in PROMOTION_STEPS]
    return "\n".join([*rows, dialog.status_label.text(), dialog.outcome_label.text()])
