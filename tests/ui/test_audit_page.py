"""The Audit page on a real audit log: listing newest first, filter, detail, verify, tampering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from mlops_desktop.core.audit import AuditAction, AuditLog, record_traffic_change
from mlops_desktop.core.errors import Conflict
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.audit.audit_table_model import ACTION, FROM_TO, OUTCOME, WHO, AuditModel
from mlops_desktop.ui.audit.tasks_audit import (
    from_to,
    load_audit_task,
    outcome,
    verification_text,
    verify_audit_task,
)

GATES = [
    {"name": "metric", "passed": True, "detail": "rmse 52.1 vs champion 53.2", "values": {}},
    {"name": "signature", "passed": True, "detail": "same inputs", "values": {}},
]


def _write_records(log: AuditLog) -> None:
    """Four records: a refused promotion, a traffic change, a promotion, an approval."""
    log.append(
        AuditAction.PROMOTION_ROLLED_BACK,
        actor="alice",
        workspace="staging",
        model="diabetes-progression",
        details={
            "operation_id": "op-refused",
            "reason": "gates failed: metric worse",
            "complete": True,
            "plan": {"source_workspace": "dev", "target_workspace": "staging", "version": "3"},
            "gates": [{"name": "metric", "passed": False, "detail": "worse", "values": {}}],
        },
    )
    record_traffic_change(
        workspace="staging",
        model="diabetes-progression",
        endpoint="diabetes-progression",
        before={"v1": 100},
        after={"v1": 90, "v2": 10},
        reason="canary 10%",
        actor="bob",
        log=log,
    )
    log.append(
        AuditAction.PROMOTION,
        actor="bob",
        workspace="staging",
        model="diabetes-progression",
        details={
            "operation_id": "op-good",
            "from": "dev",
            "to": "staging",
            "source_version": "4",
            "target_version": "2",
            "traffic_steps": [10, 100],
            "gates": GATES,
        },
    )
    log.append(
        AuditAction.APPROVAL_REQUESTED,
        actor="bob",
        workspace="prod",
        model="diabetes-progression",
        details={
            "request": {
                "id": "req123",
                "version": "2",
                "source_workspace": "staging",
                "target_workspace": "prod",
            }
        },
    )


@pytest.fixture
def log() -> AuditLog:
    """The test home's audit log with four records."""
    audit = AuditLog()
    _write_records(audit)
    return audit


@pytest.fixture
def audit_page(qtbot: Any, log: AuditLog) -> Iterator[Any]:
    from mlops_desktop.ui.audit.audit_page import AuditPage
    from mlops_desktop.ui.shell.workers import WorkerPool

    pool = WorkerPool()
    page = AuditPage(pool)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    with qtbot.waitSignal(page.dataLoaded, timeout=10_000):
        page.show()
    yield page
    page.hide()
    pool.shutdown(10_000)


def _shown_actions(page: Any) -> list[str]:
    proxy = page.proxy
    return [proxy.index(row, ACTION).data() for row in range(proxy.rowCount())]


def test_tasks_list_newest_first_and_verify(log: AuditLog) -> None:
    records = load_audit_task(TaskContext())
    assert [r.seq for r in records] == [4, 3, 2, 1]
    result = verify_audit_task(TaskContext())
    assert result.ok and result.records == 4
    text = verification_text(result).splitlines()
    assert text[0] == "✔ Chain intact: 4 records"
    assert text[1:] == [a.describe() for a in result.anchors] and len(text) == 3
    assert text[1].startswith("✔ anchor ") and text[2].startswith("✔ head ")
    assert from_to(records[1]) == "dev v4 → staging v2"
    assert from_to(records[2]) == "v1 100% → v1 90% · v2 10%"
    assert outcome(records[1])[0] == "promoted · gates 2/2 passed"
    assert outcome(records[3])[0].startswith("rolled back: gates failed")


def test_a_deployment_made_by_hand_reads_as_one(log: AuditLog) -> None:
    from pathlib import Path

    from mlops_desktop.core.config import MlflowConnection, WorkspaceConfig
    from mlops_desktop.core.policy import PolicyConfig
    from mlops_desktop.core.stages import Stage
    from mlops_desktop.promotion.serving_guard import guard_serving_change, planned_deploy
    from mlops_desktop.serving.entities import (
        Deployment,
        DeploymentStatus,
        Endpoint,
        EndpointStatus,
    )

    def endpoint(*deployments: tuple[str, str, int]) -> Endpoint:
        return Endpoint(
            "ep",
            "prod",
            5001,
            EndpointStatus.RUNNING,
            tuple(
                Deployment(n, "diabetes", v, t, 0, DeploymentStatus.HEALTHY, None, None, Path())
                for n, v, t in deployments
            ),
            None,
            Path(),
        )

    prod = WorkspaceConfig(
        name="prod", stage=Stage.PROD, mlflow=MlflowConnection(tracking_uri="sqlite:///x.db")
    )
    change = planned_deploy(endpoint(("blue", "1", 100)), "green", "diabetes", "2", origin="CLI")
    permit = guard_serving_change(prod, change, identity="carol", policies=PolicyConfig())
    record = permit.record(endpoint(("blue", "1", 100), ("green", "2", 0)), log=log)
    assert (record.action, record.actor, record.details["stage"]) == (
        "serving.deploy",
        "carol",
        "prod",
    )
    assert from_to(record) == "blue 100% → blue 100% · green 0%"
    assert outcome(record)[0] == "deploy · ep/green · diabetes v2"


def test_model_passes_qabstractitemmodeltester(qtmodeltester: Any, log: AuditLog) -> None:
    model = AuditModel()
    model.set_records(load_audit_task(TaskContext()))
    qtmodeltester.check(model)
    assert model.rowCount() == 4
    assert model.index(0, WHO).data() == "bob"
    assert model.index(0, FROM_TO).data() == "staging v2 → prod"


def test_page_lists_records_newest_first_with_detail(audit_page: Any) -> None:
    assert audit_page.is_loaded
    assert _shown_actions(audit_page) == [
        "approval.requested",
        "promotion",
        "traffic",
        "promotion.rolled_back",
    ]
    assert audit_page.count_label.text() == "4 records"
    # The newest record is selected; its detail pane shows the whole record.
    assert audit_page.selected_record().seq == 4
    assert audit_page.select_record(3)
    text = audit_page.detail.toPlainText()
    assert "Gate results" in text and "rmse 52.1 vs champion 53.2" in text
    assert "Hash chain" in text and audit_page.selected_record().hash in text
    assert audit_page.select_record(2)
    text = audit_page.detail.toPlainText()
    assert "before" in text and "v1 90% · v2 10%" in text


def test_action_filter_and_search(qtbot: Any, audit_page: Any) -> None:
    combo = audit_page.action_filter
    combo.setCurrentIndex(combo.findData("promotion"))
    assert _shown_actions(audit_page) == ["promotion", "promotion.rolled_back"]
    assert audit_page.count_label.text() == "2 of 4 records"
    combo.setCurrentIndex(combo.findData("traffic"))
    assert _shown_actions(audit_page) == ["traffic"]
    assert audit_page.selected_record().action == "traffic"
    combo.setCurrentIndex(combo.findData(""))
    audit_page.search_edit.setText("op-refused")
    assert _shown_actions(audit_page) == ["promotion.rolled_back"]
    audit_page.search_edit.setText("BOB staging")
    assert _shown_actions(audit_page) == ["approval.requested", "promotion", "traffic"]
    audit_page.search_edit.setText("nothing-like-this")
    assert audit_page.proxy.rowCount() == 0
    assert audit_page.selected_record() is None
    assert audit_page.proxy.index(0, OUTCOME).data() is None


def test_verify_intact_then_tampered(qtbot: Any, audit_page: Any, log: AuditLog) -> None:
    with qtbot.waitSignal(audit_page.verified, timeout=10_000) as blocker:
        audit_page.verify_button.click()
    assert blocker.args[0].ok
    assert audit_page.banner_state == "ok"
    assert audit_page.banner.text().splitlines()[0] == "✔ Chain intact: 4 records"

    # Tamper with record 2: change who made the traffic change.
    lines = log.path.read_text(encoding="utf-8").splitlines(keepends=True)
    raw = json.loads(lines[1])
    raw["actor"] = "mallory"
    lines[1] = json.dumps(raw, sort_keys=True, separators=(",", ":")) + "\n"
    log.path.write_text("".join(lines), encoding="utf-8")

    with qtbot.waitSignal(audit_page.verified, timeout=10_000) as blocker:
        audit_page.verify_button.click()
    result = blocker.args[0]
    assert not result.ok and result.bad_seq == 2 and result.bad_line == 2
    assert audit_page.banner_state == "bad"
    assert "record 2 on line 2" in audit_page.banner.text()
    assert "edited" in audit_page.banner.text()
    # The broken record is selected.
    assert audit_page.selected_record().seq == 2


def test_deleted_tail_then_append_shows_broken_with_anchors(
    qtbot: Any, audit_page: Any, log: AuditLog
) -> None:
    lines = log.path.read_text(encoding="utf-8").splitlines(keepends=True)
    log.path.write_text("".join(lines[:2]), encoding="utf-8")
    with pytest.raises(Conflict):  # the next audited action is refused …
        log.append(AuditAction.TRAFFIC, actor="after")
    with qtbot.waitSignal(audit_page.verified, timeout=10_000) as blocker:
        audit_page.verify_button.click()
    result = blocker.args[0]  # … and the page says what the CLI says
    assert not result.ok and result.bad_seq == 4
    assert audit_page.banner_state == "bad"
    text = audit_page.banner.text()
    assert "Chain broken at record 4 at the end of the log" in text
    assert "records 3-4 were deleted from the end" in text
    assert f"✘ anchor {log.anchor_path}: record 4" in text
    assert f"✘ head {log.head_path}: record 4" in text


def test_page_refreshes_when_shown(qtbot: Any, audit_page: Any, log: AuditLog) -> None:
    audit_page.hide()
    log.append(
        AuditAction.ROLLBACK,
        actor="carol",
        model="diabetes-progression",
        details={"from_version": "2", "to_version": "1"},
    )
    with qtbot.waitSignal(audit_page.audit_model.modelReset, timeout=10_000):
        audit_page.show()
    assert audit_page.audit_model.rowCount() == 5
    assert audit_page.proxy.index(0, FROM_TO).data() == "v2 → v1"


def test_empty_log(qtbot: Any, app_home: Any) -> None:
    from mlops_desktop.ui.audit.audit_page import AuditPage
    from mlops_desktop.ui.shell.workers import WorkerPool

    pool = WorkerPool()
    page = AuditPage(pool)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.dataLoaded, timeout=10_000):
        page.show()
    assert page.count_label.text() == "0 records"
    with qtbot.waitSignal(page.verified, timeout=10_000):
        page.verify()
    lines = page.banner.text().splitlines()
    assert lines[0] == "✔ Chain intact: 0 records"
    assert "no records were ever written" in lines[1]
    page.hide()
    pool.shutdown(10_000)


def test_main_window_audit_page_loads_when_shown(
    qtbot: Any, make_window: Any, log: AuditLog
) -> None:
    from mlops_desktop.ui.audit.audit_page import AuditPage

    window = make_window()
    page = window.page("audit")
    assert isinstance(page, AuditPage)
    assert page.is_loaded  # hidden: nothing to wait for
    with qtbot.waitSignal(page.dataLoaded, timeout=10_000):
        window.show_page("audit")
    assert page.audit_model.rowCount() == 4
    qtbot.waitUntil(window.is_data_loaded, timeout=30_000)


def _header_text_fits(table: Any) -> list[str]:
    """Columns whose header text (bold, with the style sheet's 8 px padding each side) is wider
    than the section, as a user would see them clipped."""
    from PySide6.QtGui import QFont, QFontMetrics

    header = table.horizontalHeader()
    font = QFont(header.font())
    font.setWeight(QFont.Weight.DemiBold)
    metrics = QFontMetrics(font)
    clipped = []
    for column in range(header.count()):
        text = str(table.model().headerData(column, header.orientation()))
        needed = metrics.horizontalAdvance(text) + 16
        if header.sectionSize(column) < needed:
            clipped.append(f"{text!r}: {header.sectionSize(column)} < {needed} px")
    return clipped


@pytest.mark.parametrize("size", [(1400, 860), (1280, 720)])
def test_header_sections_fit_their_text(
    qtbot: Any, qapp: Any, make_window: Any, log: AuditLog, size: tuple[int, int]
) -> None:
    """Long actors and traffic splits (as a retraining job writes them) elide; no header does."""
    from mlops_desktop.core.settings import Theme
    from mlops_desktop.ui.shell import style

    style.apply_theme(qapp, Theme.LIGHT)  # the app's style sheet: bold, padded header text
    record_traffic_change(
        workspace="staging",
        model="diabetes-progression",
        endpoint="diabetes-progression",
        before={"blue": 100, "v2": 0},
        after={"blue": 0, "v2": 100},
        reason="promotion",
        actor="retraining job 20261127-061841-0cbe0a (root)",
        log=log,
    )
    window = make_window(size=size)
    page = window.page("audit")
    with qtbot.waitSignal(page.dataLoaded, timeout=10_000):
        window.show_page("audit")
    table = page.table
    qtbot.waitUntil(lambda: table.model().rowCount() == 5)
    qtbot.waitUntil(lambda: not _header_text_fits(table), timeout=5_000)
    header = table.horizontalHeader()
    # Everything fits side by side: no horizontal scrolling to find the outcome.
    assert header.length() <= table.viewport().width()


def test_a_no_op_promotion_reads_nothing_to_do(log: AuditLog) -> None:
    from mlops_desktop.promotion.unchanged import PROMOTION_UNCHANGED

    record = log.append(
        PROMOTION_UNCHANGED,
        actor="alice",
        workspace="staging",
        model="m",
        details={
            "from": "dev",
            "to": "staging",
            "source_version": "5",
            "champion_version": "2",
            "reason": "already champion in staging (v2, copy of dev v5)",
        },
    )
    assert from_to(record) == "dev v5 → staging v2"
    said = "nothing to do: already champion in staging (v2, copy of dev v5)"
    assert outcome(record)[0] == said
