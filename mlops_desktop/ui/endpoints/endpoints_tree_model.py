"""Tree model of the Endpoints page: workspaces → endpoints → deployments.

Workspace rows are group headers (stage, name, how many endpoints, or why there are none);
endpoint rows carry the address and status; deployment rows the model version, traffic and
mirror shares and health. A refresh with the same rows updates cells in place (selection and
expansion stay); a different set of rows resets the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QIcon

from mlops_desktop.serving.entities import (
    Deployment,
    DeploymentStatus,
    Endpoint,
    EndpointStatus,
)
from mlops_desktop.ui.endpoints.tasks_endpoints import WorkspaceEndpoints
from mlops_desktop.ui.shell import style

Index = QModelIndex | QPersistentModelIndex
#: Tree keys: (workspace,), (workspace, endpoint) or (workspace, endpoint, deployment).
Key = tuple[str, ...]


class Column(IntEnum):
    """Columns of the endpoints tree."""

    NAME = 0
    STATUS = 1
    MODEL = 2
    VERSION = 3
    TRAFFIC = 4
    MIRROR = 5
    URL = 6


HEADERS = {
    Column.NAME: "Endpoint / deployment",
    Column.STATUS: "Status",
    Column.MODEL: "Model",
    Column.VERSION: "Version",
    Column.TRAFFIC: "Traffic",
    Column.MIRROR: "Mirror",
    Column.URL: "Address",
}


class RowKind(IntEnum):
    """What a row is."""

    WORKSPACE = 0
    ENDPOINT = 1
    DEPLOYMENT = 2


#: ``RowKind`` of a row (int).
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
#: The row's key (tuple of str, see :data:`Key`).
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
#: Stage value of a workspace row ("dev", "staging", "prod" or "").
STAGE_ROLE = Qt.ItemDataRole.UserRole + 3
#: Traffic bar data: a list of (deployment, percent, colour) — one item on deployment rows.
TRAFFIC_ROLE = Qt.ItemDataRole.UserRole + 4
#: Workspace rows: the grey summary after the name ("2 endpoints", or why there are none).
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 5

STATUS_COLORS: dict[str, str] = {
    EndpointStatus.RUNNING.value: "#16A34A",
    DeploymentStatus.HEALTHY.value: "#16A34A",
    EndpointStatus.DEGRADED.value: "#D97706",
    DeploymentStatus.UNHEALTHY.value: "#D97706",
    EndpointStatus.DEAD.value: "#DC2626",
    EndpointStatus.STOPPED.value: "#8C959F",
}
#: Conventional deployment names get their own colour (blue/green rollouts read at a glance).
_NAMED_COLORS = {
    "blue": "#2563EB",
    "green": "#16A34A",
    "red": "#DC2626",
    "orange": "#EA580C",
    "purple": "#7C3AED",
    "canary": "#D97706",
    "shadow": "#64748B",
}
_PALETTE = ("#2563EB", "#16A34A", "#9333EA", "#EA580C", "#0891B2", "#DB2777", "#65A30D")


def deployment_color(name: str, position: int = 0) -> str:
    """The colour of a deployment in trees, bars and charts."""
    return _NAMED_COLORS.get(name.lower(), _PALETTE[position % len(_PALETTE)])


def deployment_colors(endpoint: Endpoint) -> dict[str, str]:
    """Colours of every deployment of ``endpoint``, distinct where names do not fix them."""
    colors: dict[str, str] = {}
    used: set[str] = set()
    palette = iter([c for c in _PALETTE if c not in _NAMED_COLORS.values()] + list(_PALETTE))
    for d in endpoint.deployments:
        color = _NAMED_COLORS.get(d.name.lower())
        if color is None or color in used:
            color = next((c for c in palette if c not in used), _PALETTE[0])
        colors[d.name] = color
        used.add(color)
    return colors


def status_text(status: str) -> str:
    """A status for people, e.g. "Running" for "running"."""
    return status[:1].upper() + status[1:]


@dataclass(eq=False)
class _Node:
    kind: RowKind
    key: Key
    payload: Any
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    #: Deployment colour (deployment rows) or colours by deployment (endpoint rows).
    colors: dict[str, str] = field(default_factory=dict)

    def row(self) -> int:
        siblings = self.parent.children if self.parent is not None else []
        return next(i for i, node in enumerate(siblings) if node is self)


def _build(items: list[WorkspaceEndpoints]) -> _Node:
    root = _Node(RowKind.WORKSPACE, (), None)
    for item in items:
        ws_node = _Node(RowKind.WORKSPACE, item.key, item, root)
        root.children.append(ws_node)
        for endpoint in item.endpoints:
            colors = deployment_colors(endpoint)
            ep_node = _Node(
                RowKind.ENDPOINT, (item.workspace, endpoint.name), endpoint, ws_node, [], colors
            )
            ws_node.children.append(ep_node)
            for deployment in endpoint.deployments:
                ep_node.children.append(
                    _Node(
                        RowKind.DEPLOYMENT,
                        (item.workspace, endpoint.name, deployment.name),
                        deployment,
                        ep_node,
                        [],
                        {deployment.name: colors[deployment.name]},
                    )
                )
    return root


def _shape(node: _Node) -> list[Any]:
    return [(child.key, _shape(child)) for child in node.children]


class EndpointsModel(QAbstractItemModel):
    """Workspaces (group rows) → endpoints → deployments."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._root = _Node(RowKind.WORKSPACE, (), None)
        self._items: list[WorkspaceEndpoints] = []

    # -- content ------------------------------------------------------------------------------

    def set_workspaces(self, items: list[WorkspaceEndpoints]) -> bool:
        """Show ``items``; returns True when the rows changed (the model was reset)."""
        fresh = _build(items)
        self._items = list(items)
        if _shape(fresh) == _shape(self._root):
            self._copy_payloads(self._root, fresh)
            self._announce_changes(QModelIndex(), self._root)
            return False
        self.beginResetModel()
        self._root = fresh
        self.endResetModel()
        return True

    def _copy_payloads(self, old: _Node, new: _Node) -> None:
        for old_child, new_child in zip(old.children, new.children, strict=True):
            old_child.payload = new_child.payload
            old_child.colors = new_child.colors
            self._copy_payloads(old_child, new_child)

    def _announce_changes(self, parent: QModelIndex, node: _Node) -> None:
        if not node.children:
            return
        last = len(node.children) - 1
        self.dataChanged.emit(
            self.index(0, 0, parent), self.index(last, len(Column) - 1, parent), []
        )
        for row, child in enumerate(node.children):
            if child.children:
                self._announce_changes(self.index(row, 0, parent), child)

    def workspaces(self) -> list[WorkspaceEndpoints]:
        """What the model shows."""
        return list(self._items)

    def endpoints(self) -> list[Endpoint]:
        """Every endpoint shown, in row order."""
        return [e for item in self._items for e in item.endpoints]

    def endpoint_count(self) -> int:
        """How many endpoints the tree shows."""
        return sum(len(item.endpoints) for item in self._items)

    # -- lookups ------------------------------------------------------------------------------

    def _node(self, index: Index) -> _Node:
        if not index.isValid():
            return self._root
        node = index.internalPointer()
        assert isinstance(node, _Node)
        return node

    def kind(self, index: Index) -> RowKind | None:
        """What the row at ``index`` is (None for an invalid index)."""
        return self._node(index).kind if index.isValid() else None

    def key(self, index: Index) -> Key:
        """The row's key (``()`` for an invalid index)."""
        return self._node(index).key if index.isValid() else ()

    def index_of(self, key: Key) -> QModelIndex:
        """Index (column 0) of the row with ``key``; invalid when absent."""
        node = self._root
        parent = QModelIndex()
        for depth in range(1, len(key) + 1):
            row = next((i for i, c in enumerate(node.children) if c.key == key[:depth]), -1)
            if row < 0:
                return QModelIndex()
            parent = self.index(row, 0, parent)
            node = node.children[row]
        return parent

    def workspace_at(self, index: Index) -> WorkspaceEndpoints | None:
        """The workspace of the row (any kind)."""
        node = self._node(index)
        while node.parent is not None and node.kind is not RowKind.WORKSPACE:
            node = node.parent
        return node.payload if index.isValid() else None

    def endpoint_at(self, index: Index) -> Endpoint | None:
        """The endpoint of an endpoint row or of a deployment row's parent."""
        if not index.isValid():
            return None
        node = self._node(index)
        if node.kind is RowKind.DEPLOYMENT and node.parent is not None:
            node = node.parent
        return node.payload if node.kind is RowKind.ENDPOINT else None

    def deployment_at(self, index: Index) -> Deployment | None:
        """The deployment of a deployment row."""
        node = self._node(index)
        return node.payload if index.isValid() and node.kind is RowKind.DEPLOYMENT else None

    def endpoint(self, key: Key) -> Endpoint | None:
        """The endpoint with key (workspace, name)."""
        return self.endpoint_at(self.index_of(key[:2])) if len(key) >= 2 else None

    def colors(self, key: Key) -> dict[str, str]:
        """Deployment colours of the endpoint with ``key``."""
        index = self.index_of(key[:2])
        return dict(self._node(index).colors) if index.isValid() else {}

    # -- QAbstractItemModel -------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        """Index of a child of ``parent``."""
        if column < 0 or column >= len(Column) or row < 0:
            return QModelIndex()
        if parent.isValid() and parent.column() != 0:
            return QModelIndex()
        node = self._node(parent)
        if row >= len(node.children):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        """Parent of ``index`` (invalid for workspace rows)."""
        if not index.isValid():
            return QModelIndex()
        node = self._node(index).parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row(), 0, node)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Children of ``parent`` (only column 0 has children)."""
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of columns."""
        return len(Column)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        """True for rows with children."""
        return self.rowCount(parent) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Every row is selectable."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Column titles."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, icons, colours, tooltips and the custom roles."""
        if not index.isValid():
            return None
        node = self._node(index)
        column = Column(index.column())
        if role == KIND_ROLE:
            return int(node.kind)
        if role == KEY_ROLE:
            return node.key
        if node.kind is RowKind.WORKSPACE:
            return self._workspace_data(node.payload, column, role)
        if node.kind is RowKind.ENDPOINT:
            return self._endpoint_data(node, column, role)
        return self._deployment_data(node, column, role)

    # -- cells --------------------------------------------------------------------------------

    @staticmethod
    def _workspace_summary(item: WorkspaceEndpoints) -> str:
        if not item.supported:
            return f"Endpoints not available — {item.reason or 'this backend has none'}"
        if item.error:
            return f"Could not list endpoints — {item.error}"
        count = len(item.endpoints)
        if not count:
            return "no endpoints yet"
        running = sum(1 for e in item.endpoints if e.status is EndpointStatus.RUNNING)
        noun = "endpoint" if count == 1 else "endpoints"
        return f"{count} {noun} · {running} running"

    def _workspace_data(self, item: WorkspaceEndpoints, column: Column, role: int) -> Any:
        if role == STAGE_ROLE:
            return item.stage.value if item.stage is not None else ""
        if role == SUMMARY_ROLE:
            return self._workspace_summary(item)
        if column is not Column.NAME:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return item.workspace
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Workspace {item.workspace}: {self._workspace_summary(item)}"
        if role == Qt.ItemDataRole.DecorationRole and item.stage is not None:
            return style.stage_icon(item.stage)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(120, 34)
        return None

    def _endpoint_data(self, node: _Node, column: Column, role: int) -> Any:
        endpoint: Endpoint = node.payload
        status = endpoint.status.value
        mirror_on = bool(endpoint.mirror_traffic)
        if role == TRAFFIC_ROLE and column is Column.TRAFFIC:
            return [
                (d.name, d.traffic, node.colors.get(d.name, _PALETTE[0]))
                for d in endpoint.deployments
            ]
        if role == Qt.ItemDataRole.DisplayRole:
            models = sorted({d.registered_model for d in endpoint.deployments})
            versions = sorted({d.version for d in endpoint.deployments}, key=_version_key)
            mirror = endpoint.mirror_traffic
            service_state = endpoint.service_state
            values = {
                Column.NAME: endpoint.name,
                # A managed service's own state (Succeeded, Updating, …) says more.
                Column.STATUS: (
                    f"{service_state} · no deployments"
                    if service_state and not endpoint.deployments
                    else service_state or status_text(status)
                ),
                Column.MODEL: models[0] if len(models) == 1 else f"{len(models)} models",
                Column.VERSION: ", ".join(f"v{v}" for v in versions),
                Column.TRAFFIC: _split_text(endpoint),
                Column.MIRROR: ", ".join(f"→ {k} {v} %" for k, v in mirror.items()) or "—",
                Column.URL: endpoint.url,
            }
            return values[column]
        if role == Qt.ItemDataRole.DecorationRole and column is Column.STATUS:
            return _status_icon(status)
        if role == Qt.ItemDataRole.FontRole and column is Column.NAME:
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.URL:
            return QColor(style.ACCENT)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.MIRROR and not mirror_on:
            return QColor(style.TEXT_MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _endpoint_tooltip(endpoint)
        return None

    def _deployment_data(self, node: _Node, column: Column, role: int) -> Any:
        deployment: Deployment = node.payload
        status = deployment.status.value
        color = node.colors.get(deployment.name, _PALETTE[0])
        if role == TRAFFIC_ROLE and column is Column.TRAFFIC:
            return [(deployment.name, deployment.traffic, color)]
        if role == Qt.ItemDataRole.DisplayRole:
            service_state = deployment.service_state
            values = {
                Column.NAME: deployment.name,
                Column.STATUS: service_state or status_text(status),
                Column.MODEL: deployment.registered_model,
                Column.VERSION: f"v{deployment.version}",
                Column.TRAFFIC: f"{deployment.traffic} %",
                Column.MIRROR: f"{deployment.mirror} %" if deployment.mirror else "—",
                Column.URL: deployment.url
                or (deployment.instances if service_state else "not running"),
            }
            return values[column]
        if role == Qt.ItemDataRole.DecorationRole:
            if column is Column.NAME:
                return style.dot_icon(color, size=9)
            if column is Column.STATUS:
                return _status_icon(status)
        if role == Qt.ItemDataRole.ForegroundRole and column in (Column.URL, Column.MIRROR):
            return QColor(style.TEXT_MUTED)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _deployment_tooltip(deployment)
        return None


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 62, version)


def _split_text(endpoint: Endpoint) -> str:
    return " / ".join(f"{d.name} {d.traffic} %" for d in endpoint.deployments if d.traffic) or "—"


def _status_icon(status: str) -> QIcon:
    return style.dot_icon(STATUS_COLORS.get(status, style.TEXT_FAINT), hollow=status == "stopped")


def _endpoint_tooltip(endpoint: Endpoint) -> str:
    if not endpoint.traits.local_processes:  # a managed service: its state and summary
        return "<br>".join(
            [
                f"<b>{endpoint.name}</b> — {endpoint.traits.label}, {endpoint.service_state}",
                f"Scoring URI: {endpoint.scoring_uri}",
                endpoint.summary,
            ]
        )
    lines = [
        f"<b>{endpoint.name}</b> — {endpoint.status.value}",
        f"Scoring URI: {endpoint.scoring_uri}",
        f"Router: pid {endpoint.router_pid}" if endpoint.router_pid else "Router: not running",
    ]
    if endpoint.created_at is not None:
        lines.append(f"Created {endpoint.created_at:%Y-%m-%d %H:%M}")
    lines.append(f"Folder: {endpoint.directory}")
    return "<br>".join(lines)


def _deployment_tooltip(deployment: Deployment) -> str:
    if deployment.service_state:
        return "<br>".join(
            [
                f"<b>{deployment.name}</b> — {deployment.service_state}",
                f"{deployment.registered_model} version {deployment.version}",
                f"Traffic {deployment.traffic} %, mirror {deployment.mirror} %",
                f"Instances: {deployment.instances or 'unknown'}",
            ]
        )
    lines = [
        f"<b>{deployment.name}</b> — {deployment.status.value}",
        f"{deployment.registered_model} version {deployment.version}",
        f"Traffic {deployment.traffic} %, mirror {deployment.mirror} %",
        f"Port {deployment.port} · pid {deployment.pid}"
        if deployment.port
        else "Process not running",
    ]
    if deployment.created_at is not None:
        lines.append(f"Deployed {deployment.created_at:%Y-%m-%d %H:%M}")
    return "<br>".join(lines)
