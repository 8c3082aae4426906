"""pyqtgraph is first imported by a worker, never by the GUI thread.

A cold ``import pyqtgraph`` takes seconds; done in a result handler it froze the window
(benchmarks/gui_stall.py). Checked in a fresh interpreter (where pyqtgraph is not loaded yet): an
import hook records the thread that imports it first while the Compute page loads and charts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import json, sys, threading

first = []

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "pyqtgraph" and not first:
            first.append(threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Watch())
from PySide6.QtWidgets import QApplication
app = QApplication([])
from mlops_desktop.core.config import AppConfig
from mlops_desktop.ui.compute.compute_page import ComputePage
from mlops_desktop.ui.shell.workers import WorkerPool

assert "pyqtgraph" not in sys.modules
pool = WorkerPool()
page = ComputePage(pool)
page.show()
done = []
page.dataLoaded.connect(lambda: done.append(True))
page.set_config(AppConfig())
while not (done and page._charts_built):
    app.processEvents()
print("@@" + json.dumps({"gui_thread_imported": first[0], "charts": page._charts_built}))
pool.shutdown(15_000)
"""


def test_the_compute_page_never_imports_pyqtgraph_on_the_gui_thread(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        MLOPS_DESKTOP_HOME=str(tmp_path / "home"),
        QT_QPA_PLATFORM="offscreen",
    )
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert "@@" in done.stdout, done.stderr[-3000:]
    probe = json.loads(done.stdout.rpartition("@@")[2])
    assert probe == {"gui_thread_imported": False, "charts": True}
