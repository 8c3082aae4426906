"""The Overview page on the real demo workspaces: the window's first page, its cells, and each
part opening the page behind it; an offline workspace stays a problem in its own column."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from mlops_desktop.core.config import (
    AppConfig,
    BackendKind,
    MlflowConnection,
    WorkspaceConfig,
    load_config,
    save_config,
)
from mlops_desktop.core.stages import Stage
from mlops_desktop.demo import DEMO_MODEL
from mlops_desktop.overview.entities import (
    Cell,
    Champion,
    Column,
    EndpointGlance,
    Health,
    Page,
    Problem,
    Traffic,
)
from mlops_desktop.ui.overview.overview_card_view import OverviewCardView

LOAD = 120_000


def _loaded(qtbot, window) -> None:
    qtbot.waitUntil(window.overview_page.is_loaded, timeout=LOAD)
    qtbot.waitUntil(lambda: window.overview_page.snapshot() is not None, timeout=LOAD)


def test_overview_is_the_first_page_with_a_card_per_model_and_stage(
    qtbot, make_window, ui_demo_home: Path
) -> None:
    window = make_window()
    assert window.current_page_key() == "overview"
    assert window.sidebar.page_button("overview").isChecked()
    _loaded(qtbot, window)
    page = window.overview_page
    assert page.column_titles() == ["dev", "staging", "prod"]
    cards = {card.column.workspace: card for card in page.cards()}
    assert set(cards) == {"dev", "staging", "prod"}
    prod = cards["prod"]
    assert prod.cell.model == DEMO_MODEL
    version = prod.cell.champion.version
    assert prod.champion_button.full_text == f"v{version}  champion"
    assert prod.metric_label.text().startswith("rmse ")
    dev_version = cards["dev"].cell.champion.version
    assert prod.lineage_label.text() == f"same as dev v{dev_version}"
    assert prod.drift_button.text() == "drift: off"  # no policy in this home
    assert prod.approvals_button.text() == "0 approvals"
    assert not prod.problem_buttons and not prod.endpoint_buttons

    # the champion opens the Models page on that very version, scoped to prod
    qtbot.mouseClick(prod.champion_button, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "models"
    qtbot.waitUntil(lambda: window.models_page.selected_version() is not None, timeout=LOAD)
    selected = window.models_page.selected_version()
    assert selected.key == ("prod", prod.cell.champion.registered_name, version)
    assert window.navigator.scope.stage is Stage.PROD

    window.show_page("overview")
    qtbot.mouseClick(prod.drift_button, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "drift"
    window.show_page("overview")
    qtbot.mouseClick(cards["staging"].approvals_button, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "models"
    assert window.navigator.scope.stage is Stage.STAGING

    # F5 reads the shown Overview again; a hidden one waits until it is shown
    window.show_page("overview")
    shown = page.snapshot()
    with qtbot.waitSignal(page.snapshotShown, timeout=LOAD):
        window.refresh_action.trigger()
    assert page.snapshot() is not shown
    window.show_page("jobs")
    window.refresh_action.trigger()
    assert page.is_loaded()  # hidden: nobody waits for it
    with qtbot.waitSignal(page.snapshotShown, timeout=LOAD):
        window.show_page("overview")


def test_an_offline_workspace_is_a_problem_in_its_column_the_rest_loads(
    qtbot, make_window, ui_demo_home: Path
) -> None:
    config = load_config()
    remote = WorkspaceConfig(
        name="remote",
        backend=BackendKind.MLFLOW,
        stage=Stage.PROD,
        mlflow=MlflowConnection(tracking_uri="http://127.0.0.1:9"),
    )
    save_config(AppConfig(workspaces=(*config.workspaces, remote)))
    window = make_window()
    _loaded(qtbot, window)
    page = window.overview_page
    assert page.column_titles() == ["dev", "staging", "prod", "prod · remote"]
    offline = page.card(DEMO_MODEL, "remote", "prod")
    assert offline is not None and offline.cell.champion is None
    assert offline.champion_button.full_text == "Workspace offline"
    assert page.card(DEMO_MODEL, "prod", "prod").cell.champion is not None
    column = next(c for c in page.snapshot().columns if c.workspace == "remote")
    assert column.state == "offline" and column.problems
    # the empty cell opens the Models page on its stage and workspace
    qtbot.mouseClick(offline.champion_button, Qt.MouseButton.LeftButton)
    assert window.current_page_key() == "models"
    scope = window.navigator.scope
    assert (scope.stage, scope.workspace) == (Stage.PROD, "remote")


def test_each_part_of_a_card_asks_for_the_page_behind_it(qtbot) -> None:
    column = Column("prod", Stage.PROD, "MLflow", "online")
    cell = Cell(
        model="churn",
        workspace="prod",
        stage=Stage.PROD,
        champion=Champion("churn", "3", "champion", "roc_auc", 0.91, lineage="same as dev v7"),
        endpoints=(
            EndpointGlance(
                "churn-api",
                "degraded",
                Health.WARN,
                ("v3 · 100 %",),
                Traffic(True, 40, 4, 120.0, (0,) * 11 + (40,)),
                champion_share=25,
            ),
        ),
        problems=(Problem("job 1234abcd failed: exit 1", Health.BAD, Page.JOBS, ("1234abcd",)),),
    )
    card = OverviewCardView(cell, column)
    qtbot.addWidget(card)
    card.resize(300, 240)
    card.show()
    asked: list[tuple[str, tuple[str, ...]]] = []
    card.openRequested.connect(lambda page, target: asked.append((page, target)))
    for button in (card.champion_button, card.endpoint_buttons[0], card.problem_buttons[0]):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(card.drift_button, Qt.MouseButton.LeftButton)
    assert asked == [
        ("models", ("prod", "prod", "churn", "3")),
        ("endpoints", ("prod", "churn-api")),
        ("jobs", ("1234abcd",)),
        ("drift", ()),
    ]
    assert card.sparklines[0].values()[-1] == 40
    assert card.property("health") == "bad"  # the worst part: the failed job
    assert card.metric_label.text() == "roc_auc 0.91"
    assert card.share_labels[0].full_text == "Champion takes 25 % of live traffic"
