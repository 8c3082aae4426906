"""The stage/workspace navigator: a tree of stages with the workspaces hosting each."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.entities import ConnectionInfo
from mlops_desktop.ui.delegates import CountBadgeDelegate
from mlops_desktop.ui.models.navigator_model import COUNT_ROLE, NavigatorModel, Scope


class NavigatorView(QTreeView):
    """Shows :class:`NavigatorModel`; choosing a node narrows the pages to that scope.

    Emits ``scopeChanged(Scope)`` when the person (or :meth:`set_scope`) picks a node.
    """

    scopeChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Navigator")
        self.navigator_model = NavigatorModel(self)
        self.setModel(self.navigator_model)
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setIndentation(14)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setItemDelegate(CountBadgeDelegate(COUNT_ROLE, self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._scope = Scope()
        self.selectionModel().selectionChanged.connect(self._selection_changed)

    @property
    def scope(self) -> Scope:
        """The scope of the selected node (all when nothing is selected)."""
        return self._scope

    def set_config(self, config: AppConfig) -> None:
        """Rebuild the tree; the chosen scope is kept when it still exists."""
        previous = self._scope
        blocker = self.selectionModel().blockSignals(True)
        self.navigator_model.set_config(config)
        self.expandAll()
        self.selectionModel().blockSignals(blocker)
        index = self.navigator_model.index_of(previous)
        self.set_scope(previous if index.isValid() else Scope())

    def set_connection(self, workspace: str, info: ConnectionInfo) -> None:
        """Update a workspace's status dot and tooltip."""
        self.navigator_model.set_connection(workspace, info)

    def set_scope(self, scope: Scope) -> None:
        """Select the node standing for ``scope``."""
        index = self.navigator_model.index_of(scope)
        if not index.isValid():
            return
        self.selectionModel().setCurrentIndex(
            index, self.selectionModel().SelectionFlag.ClearAndSelect
        )
        self._apply(index)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        self._apply(indexes[0] if indexes else QModelIndex())

    def _apply(self, index: QModelIndex) -> None:
        scope = self.navigator_model.scope_of(index)
        if scope != self._scope:
            self._scope = scope
            self.scopeChanged.emit(scope)
