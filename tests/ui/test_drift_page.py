"""The Drift page on the demo's real data: table, banner, charts, cancel, export."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_desktop.core.config import load_config
from mlops_desktop.core.tasks import TaskContext
from mlops_desktop.ui.drift.tasks_drift import list_reference_choices


def test_reference_choices_are_champions_newest_stage_first(demo_home: Path) -> None:
    choices = list_reference_choices(TaskContext(), load_config())
    assert [c.source for c in choices] == [
        "model:prod/diabetes-progression/champion",
        "model:staging/diabetes-progression/champion",
        "model:dev/diabetes-progression/champion",
    ]


@pytest.fixture
def drift_page(qtbot, demo_home: Path):
    from mlops_desktop.ui.drift.drift_page import DriftPage
    from mlops_desktop.ui.shell.workers import WorkerPool

    pool = WorkerPool()
    page = DriftPage(pool)
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    yield page
    pool.shutdown(5000)


def test_demo_drift_shows_drifted_features_and_charts(qtbot, qtmodeltester, drift_page) -> None:
    page = drift_page
    with qtbot.waitSignal(page.dataLoaded, timeout=120_000):
        page.set_config(load_config())
    result = page.result
    assert result is not None, page.banner.text()
    drifted = {f.name for f in result.drifted_features}
    assert {"bmi", "age", "bp"} <= drifted
    assert "s3" not in drifted
    s3 = result.feature("s3")
    assert "null_rate" in s3.quality.violations
    assert "features drifted" in page.banner.text()
    qtmodeltester.check(page.features_model)
    qtmodeltester.check(page.proxy)
    assert page.proxy.rowCount() == len(result.all_columns)
    # Sorted by value, strongest drift first.
    top = page.proxy.index(0, 0).data()
    assert top in {"bmi", "age", "bp"}
    page.select_feature("s3")
    assert "s3" in page.chart_title.text()
    xs, ys = page.time_curve.getData()
    assert len(xs) >= 10 and len(xs) == len(ys)
    assert page.threshold_line.value() == pytest.approx(0.1)


def test_bad_current_file_reports_an_error(qtbot, drift_page, tmp_path: Path) -> None:
    page = drift_page
    page._config = load_config()
    page.reference_file.setText(str(tmp_path / "nope.csv"))
    page.current_file.setText(str(tmp_path / "also-nope.csv"))
    with qtbot.waitSignal(page.errorOccurred, timeout=60_000) as blocker:
        page.compute()
    assert "nope.csv" in str(blocker.args[0])
    assert "Could not compute drift" in page.banner.text()
    assert page.compute_button.isEnabled()


def test_cancel_keeps_the_page_usable(qtbot, drift_page) -> None:
    page = drift_page
    page._config = load_config()
    page.reference_combo.addItem("prod", "model:prod/diabetes-progression/champion")
    from mlops_desktop.ui.drift.drift_page import demo_current_data

    page.current_file.setText(str(demo_current_data()))
    page.compute()
    assert page.cancel_button.isEnabled()
    page.cancel()
    assert not page.cancel_button.isEnabled() and page.compute_button.isEnabled()
    assert page.status_label.text() == "cancelled"


def test_export_from_the_page_writes_each_format(qtbot, drift_page, tmp_path: Path) -> None:
    page = drift_page
    with qtbot.waitSignal(page.dataLoaded, timeout=120_000):
        page.set_config(load_config())
    assert page.export_button.isEnabled()
    for name in ("report.html", "report.pdf", "report.json"):
        target = tmp_path / name
        page.export(target)
        qtbot.waitUntil(lambda t=target: page.status_label.text().endswith(str(t)), timeout=60_000)
        assert target.stat().st_size > 1000
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert "<svg" in (tmp_path / "report.html").read_text()


def test_drift_task_removes_its_downloads_on_cancel_and_error(
    demo_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from mlops_desktop.core.errors import Cancelled
    from mlops_desktop.drift.errors import DriftError
    from mlops_desktop.ui.drift.drift_page import demo_current_data
    from mlops_desktop.ui.drift.tasks_drift import DriftRequest, compute_drift_task

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    reference = "model:prod/diabetes-progression/champion"

    def cancel_once_loaded(done: int, total: int, message: str) -> None:
        if message == "loading the current data":
            ctx.cancel()  # the person pressed Cancel while the data was loading

    ctx = TaskContext(cancel_once_loaded)
    request = DriftRequest(reference, str(demo_current_data()), timestamp="timestamp")
    with pytest.raises((Cancelled, DriftError)):
        compute_drift_task(ctx, load_config(), request)
    assert list(root.iterdir()) == []
    missing = DriftRequest(reference, str(tmp_path / "missing.csv"))
    with pytest.raises(DriftError, match=r"missing\.csv"):
        compute_drift_task(TaskContext(), load_config(), missing)
    assert list(root.iterdir()) == []


def test_every_column_and_both_axes_fit_a_1280x720_window(qtbot, qapp, drift_page) -> None:
    from mlops_desktop.core.settings import Theme
    from mlops_desktop.ui.shell import style

    # As in the app: the style sheet's bold header text is wider than the bare style's.
    style.apply_theme(qapp, Theme.LIGHT)
    page = drift_page
    page.resize(1035, 667)  # what the page gets in a 1280×720 window (navigator, menu, status)
    with qtbot.waitSignal(page.dataLoaded, timeout=120_000):
        page.set_config(load_config())
    assert page.result is not None, page.banner.text()
    qtbot.waitUntil(lambda: page.table.horizontalHeader().length() > 0)
    # No column is hidden behind a horizontal scroll bar (the quality rates were).
    # (the widths settle once the event loop has laid the table out)
    qtbot.waitUntil(lambda: page.table.horizontalScrollBar().maximum() == 0, timeout=5000)
    header = page.table.horizontalHeader()
    assert header.length() <= page.table.viewport().width()
    # Neither chart is squeezed under the next widget: both x axes are on screen.
    qtbot.waitUntil(lambda: page.time_label.y() > 0)  # the charts were laid out
    charts = page.charts.rect()
    distribution, time_label = page.distribution_plot.geometry(), page.time_label.geometry()
    assert distribution.bottom() < time_label.top()
    assert page.time_plot.geometry().bottom() <= charts.bottom()
    # Once the charts exist their minimum widths do not take the columns' room back.
    qtbot.wait(50)
    assert page.table.horizontalScrollBar().maximum() == 0
    assert page.table.horizontalHeader().length() <= page.table.viewport().width()
    # The banner says why and by which rule (the demo drifts only in its latest days).
    assert "drifting more and more" in page.banner.text() and "windows" in page.banner.text()


def test_a_50_mb_category_keeps_the_page_small(qtbot, app_home: Path) -> None:
    import numpy as np
    import pandas as pd

    from mlops_desktop.drift.engine import compute_drift
    from mlops_desktop.ui.drift.drift_page import DriftPage
    from mlops_desktop.ui.shell.workers import WorkerPool

    rng = np.random.default_rng(3)
    reference = pd.DataFrame({"x": rng.normal(size=200), "plan": rng.choice(["a", "b"], 200)})
    current = reference.copy()
    current.loc[0, "plan"] = "z" * (50 * 2**20)
    result = compute_drift(reference, current)
    pool = WorkerPool()
    page = DriftPage(pool)
    qtbot.addWidget(page)
    try:
        page._on_result(result)
        page.select_feature("plan")
        ticks = page.distribution_plot.getAxis("bottom")._tickLevels[0]
        assert len(ticks) == 3 and max(len(label) for _, label in ticks) <= 14
        texts = [
            str(page.proxy.index(r, c).data(role))
            for r in range(page.proxy.rowCount())
            for c in range(page.proxy.columnCount())
            for role in (0, 3)  # display and tooltip
        ]
        assert max(len(t) for t in texts) < 1000
        assert len(page.banner.text()) < 5000
    finally:
        pool.shutdown(5000)
