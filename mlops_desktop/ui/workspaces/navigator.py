"""The stage/workspace navigator: a tree of stages with the workspaces hosting each."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QMetaMethod, QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeView, QWidget

from mlops_desktop.core.config import AppConfig
from mlops_desktop.core.entities import ConnectionInfo, ConnectionState
from mlops_desktop.ports.provider import ports_of
from mlops_desktop.ui.common.delegates import CountBadgeDelegate
from mlops_desktop.ui.workspaces.navigator_tree_model import COUNT_ROLE, NavigatorModel, Scope


class NavigatorView(QTreeView):
    """Shows :class:`NavigatorModel`; choosing a node narrows the pages to that scope.

    Emits ``scopeChanged(Scope)`` when the person (or :meth:`set_scope`) picks a node. A
    workspace whose ports offer sign-in (an Azure ML workspace whose credential signs in
    interactively: ``browser``, ``device-code``) has a *Sign in…* context-menu action emitting
    ``signInRequested(name)``; it is offered only while something is connected to that signal.
    """

    scopeChanged = Signal(object)
    #: The person asked to sign in to the Azure ML workspace of this name.
    signInRequested = Signal(str)

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
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_context_menu)

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

    # -- sign-in ------------------------------------------------------------------------------

    def can_sign_in(self, name: str) -> bool:
        """True when *Sign in…* is offered for workspace ``name``.

        That is a workspace whose ports declare sign-in supported (an Azure ML workspace with an
        interactive credential kind: the default chain and the Azure CLI sign in outside the
        app, ``az login``) and a listener for the request.
        """
        workspace = self.navigator_model.workspace(name)
        if workspace is None:
            return False
        if not self.isSignalConnected(QMetaMethod.fromSignal(self.signInRequested)):
            return False
        return bool(ports_of(workspace).sign_in)

    def context_menu(self, index: QModelIndex) -> QMenu | None:
        """The context menu of the node at ``index`` (None when it has no actions)."""
        name = self.navigator_model.scope_of(index).workspace
        if name is None or not self.can_sign_in(name):
            return None
        menu = QMenu(self)
        state = self.navigator_model.connection(name).state
        text = "Sign in…" if state is not ConnectionState.ONLINE else "Sign in again…"
        action = menu.addAction(text)
        action.setObjectName("SignInAction")
        action.triggered.connect(lambda _checked=False: self.signInRequested.emit(name))
        return menu

    def _show_context_menu(self, position: QPoint) -> None:
        menu = self.context_menu(self.indexAt(position))
        if menu is not None:
            menu.exec(self.viewport().mapToGlobal(position))
            menu.deleteLater()

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        self._apply(indexes[0] if indexes else QModelIndex())

    def _apply(self, index: QModelIndex) -> None:
        scope = self.navigator_model.scope_of(index)
        if scope != self._scope:
            self._scope = scope
            self.scopeChanged.emit(scope)
