"""Opening what an Overview cell points at: the page, then the thing on it.

The window's own navigation is reused: ``show_page``, the navigator's scope and each page's
``select…``. When the thing is not listed yet (the page is still loading), the selection waits
for the page's item model to fill and is dropped once the person goes elsewhere.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject

from mlops_desktop.core.stages import Stage
from mlops_desktop.ui.workspaces.navigator_tree_model import Scope


class OverviewNavigation(QObject):
    """Carries out the Overview page's ``openRequested(page, target)`` in ``window``."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self._window = window
        self._pending: tuple[str, tuple[str, ...]] | None = None
        for model in (
            window.models_page.versions_model,
            window.endpoints_page.model,
            window.jobs_page.jobs_model,
        ):
            model.modelReset.connect(self._retry)
            model.rowsInserted.connect(self._retry)
        window.pages.currentChanged.connect(self._page_changed)

    @property
    def pending(self) -> tuple[str, tuple[str, ...]] | None:
        """A selection waiting for its page's data."""
        return self._pending

    def open(self, page: str, target: Any = ()) -> None:
        """Show ``page`` and select ``target`` on it."""
        target = tuple(str(t) for t in (target or ()))
        window = self._window
        self._pending = None
        window.show_page(page)
        if page == "models" and len(target) >= 2:
            stage = Stage(target[1]) if target[1] else None
            window.navigator.set_scope(Scope(stage, target[0]) if stage else Scope())
        elif page == "endpoints":
            window._feed_endpoints_page(force=True)
        elif page == "drift":
            window._feed_drift_page(force=True)
        if not self._select(page, target):
            self._pending = (page, target)

    def _select(self, page: str, target: tuple[str, ...]) -> bool:
        """Select ``target`` on ``page``; True when done (or nothing to select)."""
        window = self._window
        if page == "models" and len(target) == 4:
            return bool(window.models_page.select_version((target[0], target[2], target[3])))
        if page == "endpoints" and len(target) == 2:
            return bool(window.endpoints_page.select(target))
        if page == "jobs" and len(target) == 1:
            jobs = window.jobs_page
            if jobs.jobs_model.row_of(target[0]) < 0:
                return False
            jobs.select_job(target[0])
            return True
        return True

    def _retry(self, *_args: Any) -> None:
        if self._pending is not None and self._select(*self._pending):
            self._pending = None

    def _page_changed(self, _index: int) -> None:
        if self._pending is not None and self._window.current_page_key() != self._pending[0]:
            self._pending = None
