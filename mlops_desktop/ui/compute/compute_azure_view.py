"""The Azure ML part of the Compute page: clusters and instances, quota, money-saving hints."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.config import AppConfig
from mlops_desktop.ports.provider import service_compute_workspaces
from mlops_desktop.retraining.compute_azure import idle_nodes, is_cluster

COMPUTE_COLUMNS = (
    "Workspace",
    "Compute",
    "Type",
    "State",
    "Size",
    "Nodes now / min / max",
    "Idle nodes",
    "Scale down after",
)
QUOTA_COLUMNS = ("Workspace", "Quota", "Used", "Limit", "Use")


def _n(value: int | None) -> str:
    return "–" if value is None else str(value)


def _table(columns: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setMaximumHeight(170)
    return table


class AzureComputeView(QWidget):
    """Azure ML computes and quota of every Azure ML workspace, or why there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AzureComputeView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Azure ML compute")
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        self.status_label = QLabel("")
        self.status_label.setObjectName("PageSubtitle")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        tables = QHBoxLayout()
        self.compute_table = _table(COMPUTE_COLUMNS, "AzureComputes")
        self.quota_table = _table(QUOTA_COLUMNS, "AzureQuota")
        tables.addWidget(self.compute_table, 3)
        tables.addWidget(self.quota_table, 2)
        layout.addLayout(tables)
        self.hints_label = QLabel("")
        self.hints_label.setObjectName("HintBox")
        self.hints_label.setWordWrap(True)
        self.hints_label.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.hints_label)
        self._show_tables(False)

    def _show_tables(self, visible: bool) -> None:
        self.compute_table.setVisible(visible)
        self.quota_table.setVisible(visible)
        self.hints_label.setVisible(visible and bool(self.hints_label.text()))

    def set_loading(self, config: AppConfig) -> None:
        """Say what is being read (or that no Azure ML workspace is configured)."""
        names = [ws.name for ws in service_compute_workspaces(config)]
        if names:
            self.status_label.setText(f"Reading {', '.join(names)}…")
        else:
            self.status_label.setText(
                "No Azure ML workspace is configured — add one (File → Add workspace…, or "
                "`mlops-desktop workspaces import-azure-config`) to see its clusters, instances "
                "and quota here."
            )
            self._show_tables(False)

    def set_error(self, message: str) -> None:
        """Reading failed as a whole."""
        self.status_label.setText(f"Azure ML compute could not be read: {message}")

    def set_results(self, results: list[Any]) -> None:
        """Fill the tables and hints from :class:`AzureWorkspaceCompute` results."""
        if not results:
            return  # set_loading already said there is no Azure ML workspace
        computes = [(r.workspace, c) for r in results for c in r.computes]
        quotas = [(r.workspace, q) for r in results for q in r.quotas]
        # Which part of which workspace could not be read (computes, quota, a cluster's nodes).
        errors = [f"{r.workspace}: could not read {p}" for r in results for p in r.problems]
        self.compute_table.setRowCount(len(computes))
        for row, (workspace, c) in enumerate(computes):
            idle = idle_nodes(c) if is_cluster(c) else None
            after = c.idle_seconds_before_scale_down
            cells = [
                workspace,
                c.name,
                c.compute_type,
                c.state,
                c.size,
                f"{_n(c.current_nodes)} / {_n(c.min_nodes)} / {_n(c.max_nodes)}"
                if is_cluster(c)
                else "",
                _n(idle) if is_cluster(c) else "",
                f"{after / 60:.0f} min" if after is not None else "",
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(str(text))
                if c.nodes_unavailable_reason and column == 5:
                    item.setToolTip(c.nodes_unavailable_reason)
                self.compute_table.setItem(row, column, item)
        self.quota_table.setRowCount(len(quotas))
        for row, (workspace, q) in enumerate(quotas):
            use = f"{q.fraction:.0%}" if q.fraction is not None else ""
            for column, text in enumerate((workspace, q.name, q.current, q.limit, use)):
                self.quota_table.setItem(row, column, QTableWidgetItem(str(text)))
        hints = [h for r in results for h in r.hints]
        self.hints_label.setText(
            "<b>Ways to spend less</b><br>" + "<br>".join(f"• {_escape(h)}" for h in hints)
            if hints
            else ""
        )
        summary = f"{len(computes)} compute(s) in {len(results)} workspace(s)"
        self.status_label.setText("; ".join([summary, *errors]))
        self._show_tables(bool(computes or quotas))

    def hints(self) -> list[str]:
        """The hints on display, as plain lines."""
        text = self.hints_label.text()
        return [line[2:] for line in text.split("<br>")[1:]] if text else []


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
