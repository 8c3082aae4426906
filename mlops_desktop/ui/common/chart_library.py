"""pyqtgraph loads in a worker thread, never on the GUI thread.

A cold ``import pyqtgraph`` takes seconds (hundreds of modules); done in a result handler it
freezes the window. Chart pages therefore wrap the tasks whose results they plot in
:func:`with_charts`: the worker imports pyqtgraph before it returns, so by the time the result
reaches the GUI thread the handler's ``import pyqtgraph`` is a dictionary lookup. The main window
also warms the import once it is on screen (:func:`load_pyqtgraph` as a task), so a page that
plots on a click finds it loaded too. Importing pyqtgraph creates no widget and touches no
QApplication state, so a worker may do it.
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

from mlops_desktop.ui.shell.workers import TaskFunction

#: The module the charts need; imported by name so no caller pulls it in by accident.
CHART_MODULE = "pyqtgraph"


def pyqtgraph_loaded() -> bool:
    """True once pyqtgraph is imported (a GUI-thread handler may then import it for free)."""
    return CHART_MODULE in sys.modules


def load_pyqtgraph(_ctx: Any = None) -> None:
    """Import pyqtgraph (a task body: call it in a worker, never on the GUI thread)."""
    importlib.import_module(CHART_MODULE)


def with_charts(task: TaskFunction) -> TaskFunction:
    """``task`` that first loads pyqtgraph, so its result arrives with the charts' library
    ready."""

    @functools.wraps(task)
    def run(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        load_pyqtgraph()
        return task(ctx, *args, **kwargs)

    return run


__all__ = ["CHART_MODULE", "load_pyqtgraph", "pyqtgraph_loaded", "with_charts"]
