"""The stage → workspace tree of the navigator, with connection state per workspace."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

from mlops_desktop.core.config import AppConfig, WorkspaceConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState
from mlops_desktop.core.stages import Stage
from mlops_desktop.ports.provider import ports_of
from mlops_desktop.ui.shell import style

AnyIndex = QModelIndex | QPersistentModelIndex

#: Role giving a node's :class:`Scope`.
SCOPE_ROLE = Qt.ItemDataRole.UserRole + 1
#: Role giving the number of versions under a node (None: not loaded).
COUNT_ROLE = Qt.ItemDataRole.UserRole + 2
#: Role giving a workspace node's :class:`~mlops_desktop.core.entities.ConnectionState`.
STATE_ROLE = Qt.ItemDataRole.UserRole + 3


@dataclass(frozen=True, slots=True)
class Scope:
    """What a navigator node stands for: all, one stage, or one workspace within a stage."""

    stage: Stage | None = None
    workspace: str | None = None

    @property
    def label(self) -> str:
        """Human description, e.g. "Prod · prod-eu" or "All stages"."""
        if self.stage is None:
            return "All stages"
        if self.workspace is None:
            return self.stage.label
        return f"{self.stage.label} · {self.workspace}"


class NavigatorModel(QStandardItemModel):
    """Tree: *All workspaces*, then each stage with the workspaces hosting it.

    A workspace in the name-prefix layout hosts several stages and so appears under each.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workspaces: dict[str, WorkspaceConfig] = {}
        self._connections: dict[str, ConnectionInfo] = {}
        self._root_item: QStandardItem | None = None
        self._stage_items: dict[Stage, QStandardItem] = {}
        self._workspace_items: dict[str, list[QStandardItem]] = {}

    def set_config(self, config: AppConfig) -> None:
        """Rebuild the tree for ``config``'s workspaces (connection states are kept by name)."""
        self.clear()
        self._workspaces = {ws.name: ws for ws in config.workspaces}
        self._connections = {
            name: info for name, info in self._connections.items() if name in self._workspaces
        }
        self._stage_items = {}
        self._workspace_items = {}
        root = QStandardItem("All workspaces")
        root.setData(Scope(), SCOPE_ROLE)
        root.setEditable(False)
        root.setIcon(style.icon("layers"))
        root.setToolTip("Every stage and workspace")
        self._root_item = root
        self.appendRow(root)
        bold = QFont()
        bold.setWeight(QFont.Weight.DemiBold)
        for stage, workspaces in config.workspaces_by_stage():
            stage_item = QStandardItem(stage.label)
            stage_item.setEditable(False)
            stage_item.setData(Scope(stage), SCOPE_ROLE)
            stage_item.setIcon(style.stage_icon(stage))
            stage_item.setFont(bold)
            stage_item.setToolTip(
                f"{stage.label}: {len(workspaces)} workspace(s)"
                if workspaces
                else f"No workspace hosts {stage.label} yet"
            )
            self._stage_items[stage] = stage_item
            self.appendRow(stage_item)
            for ws in workspaces:
                item = QStandardItem(ws.name)
                item.setEditable(False)
                item.setData(Scope(stage, ws.name), SCOPE_ROLE)
                stage_item.appendRow(item)
                self._workspace_items.setdefault(ws.name, []).append(item)
                self._paint_workspace(ws.name)

    # -- state --------------------------------------------------------------------------------

    def set_connection(self, workspace: str, info: ConnectionInfo) -> None:
        """Show ``workspace``'s connection state (dot colour; tooltip with detail and identity)."""
        if workspace not in self._workspaces:
            return
        self._connections[workspace] = info
        self._paint_workspace(workspace)

    def workspace(self, name: str) -> WorkspaceConfig | None:
        """The configuration of workspace ``name`` (None when it is not shown)."""
        return self._workspaces.get(name)

    def connection(self, workspace: str) -> ConnectionInfo:
        """The last known connection state of ``workspace``."""
        return self._connections.get(workspace, ConnectionInfo(ConnectionState.UNKNOWN))

    def set_counts(self, counts: dict[Scope, int]) -> None:
        """Version counts per scope (absent scopes show no count)."""
        if self._root_item is not None:
            self._root_item.setData(counts.get(Scope()), COUNT_ROLE)
        for stage, item in self._stage_items.items():
            item.setData(counts.get(Scope(stage)), COUNT_ROLE)
            for row in range(item.rowCount()):
                child = item.child(row)
                scope: Scope = child.data(SCOPE_ROLE)
                child.setData(counts.get(scope), COUNT_ROLE)

    def _paint_workspace(self, name: str) -> None:
        ws = self._workspaces[name]
        info = self._connections.get(name, ConnectionInfo(ConnectionState.UNKNOWN))
        lines = [
            f"{ws.name} — {style.STATE_LABELS[info.state]}",
            f"{ws.backend.value} · {ws.location}",
        ]
        if ws.layout.value == "name-prefix":
            lines.append(f"hosts {ws.stage_label} (registered names prefixed by stage)")
        if info.identity:
            lines.append(f"{ports_of(ws).identity_verb} {info.identity}")
        if info.detail and info.state is not ConnectionState.ONLINE:
            lines.append(info.detail)
        if info.server_version:
            lines.append(f"server {info.server_version}")
        tooltip = "\n".join(lines)
        for item in self._workspace_items.get(name, []):
            item.setIcon(style.state_icon(info.state))
            item.setData(info.state, STATE_ROLE)
            item.setToolTip(tooltip)

    # -- lookup -------------------------------------------------------------------------------

    def scope_of(self, index: AnyIndex) -> Scope:
        """The scope of ``index`` (all, for an invalid index)."""
        scope = index.data(SCOPE_ROLE) if index.isValid() else None
        return scope if isinstance(scope, Scope) else Scope()

    def index_of(self, scope: Scope) -> QModelIndex:
        """The node standing for ``scope`` (invalid when there is none)."""
        if scope.stage is None:
            return self._root_item.index() if self._root_item is not None else QModelIndex()
        stage_item = self._stage_items.get(scope.stage)
        if stage_item is None:
            return QModelIndex()
        if scope.workspace is None:
            return stage_item.index()
        for row in range(stage_item.rowCount()):
            child = stage_item.child(row)
            if child.data(SCOPE_ROLE) == scope:
                return child.index()
        return QModelIndex()

    def workspace_items(self, name: str) -> list[QStandardItem]:
        """The nodes of workspace ``name`` (one per stage it hosts)."""
        return list(self._workspace_items.get(name, []))
