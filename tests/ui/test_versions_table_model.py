"""The versions table sorts itself over cached keys; its proxy only filters.

A ``QSortFilterProxyModel`` sort calls the Python ``data()`` twice per comparison: thousands of
rows froze the GUI thread (benchmarks/gui_stall.py). These tests pin the design (no Python
``lessThan``, the source model orders its rows) and that selection survives re-sorting and
another workspace's reload.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt

from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.models_page.versions_table_model import (
    Column,
    ModelVersionsModel,
    ModelVersionsProxyModel,
)
from tests.ui.ui_fakes import make_version


def _models() -> tuple[ModelVersionsModel, ModelVersionsProxyModel]:
    model = ModelVersionsModel()
    proxy = ModelVersionsProxyModel()
    proxy.setSourceModel(model)
    return model, proxy


def test_the_proxy_compares_no_rows_in_python() -> None:
    assert "lessThan" not in ModelVersionsProxyModel.__dict__
    assert "sort" in ModelVersionsModel.__dict__


def test_sorting_orders_the_source_rows_and_keeps_the_selection(qtmodeltester) -> None:
    model, proxy = _models()
    model.set_workspace_versions(
        "a", [make_version("a", n, metric=m) for n, m in (("1", 9.5), ("2", 100.0), ("3", None))]
    )
    model.set_workspace_versions(
        "b", [make_version("b", n, metric=m, stage=Stage.PROD) for n, m in (("10", 10.25),)]
    )
    qtmodeltester.check(model)
    qtmodeltester.check(proxy)
    selection = QItemSelectionModel(proxy)
    chosen = next(r for r in range(proxy.rowCount()) if proxy.version_at(r).version == "10")
    selection.setCurrentIndex(
        proxy.index(chosen, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )

    proxy.sort(Column.KEY_METRIC, Qt.SortOrder.AscendingOrder)
    metrics = [v.key_metric_value for v in model.versions()]
    assert metrics == [9.5, 10.25, 100.0, None]
    assert [proxy.version_at(r).key_metric_value for r in range(proxy.rowCount())] == metrics
    assert proxy.version_at(selection.currentIndex().row()).version == "10"

    proxy.sort(Column.VERSION, Qt.SortOrder.DescendingOrder)
    assert [v.version for v in model.versions()] == ["10", "3", "2", "1"]
    assert proxy.version_at(selection.currentIndex().row()).version == "10"

    # Workspace "a" reloads: its rows interleave with "b"'s, yet they go in one removal and one
    # insertion, placed in the sort order; "b"'s selected row stays selected.
    model.set_workspace_versions("a", [make_version("a", n) for n in ("2", "11")])
    assert [v.version for v in model.versions()] == ["11", "10", "2"]
    assert proxy.version_at(selection.currentIndex().row()).version == "10"
    qtmodeltester.check(model)

    model.remove_workspaces_not_in({"b"})
    assert [v.workspace for v in model.versions()] == ["b"]


def test_search_and_scope_filter_over_the_cached_search_text() -> None:
    model, proxy = _models()
    model.set_workspace_versions(
        "dev", [make_version("dev", "1", aliases=("champion",)), make_version("dev", "2")]
    )
    model.set_workspace_versions("prod", [make_version("prod", "1", stage=Stage.PROD)])
    proxy.set_search("@CHAMPION")
    assert [(v.workspace, v.version) for v in map(proxy.version_at, range(proxy.rowCount()))] == [
        ("dev", "1")
    ]
    proxy.set_search("")
    proxy.set_scope(Stage.PROD, None)
    assert [proxy.version_at(r).workspace for r in range(proxy.rowCount())] == ["prod"]
    proxy.set_scope(None, "dev")
    proxy.set_search("v2")
    assert [proxy.version_at(r).version for r in range(proxy.rowCount())] == ["2"]
