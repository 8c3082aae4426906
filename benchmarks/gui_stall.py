"""The GUI thread under a big registry: 3 local workspaces × 500 model versions.

Builds dev/staging/prod local MLflow workspaces (real SQLite stores, 500 versions each over 10
registered models), opens the MainWindow offscreen, loads every page, shows each page in turn
and presses Refresh (F5). A 5 ms QTimer stamps every tick of the GUI thread's event loop; the
largest gap between ticks is the longest stall (goal ≤ 50 ms). A watchdog thread captures the GUI
thread's stack whenever a tick is 40 ms late, so a stall comes with its cause. Prints time to
data per page (from ``start()`` to each page's ``dataLoaded``), the stall per phase, the
ratio to the goal and the stacks of the worst stalls. Not a test: it asserts nothing.

    QT_QPA_PLATFORM=offscreen python benchmarks/gui_stall.py [--versions 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_MS = 50.0
LATE_S = 0.040


class StallMeter:
    """Largest gap of a 5 ms timer, per named phase, with the GUI stack of late ticks."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.phase = "idle"
        self.worst: dict[str, float] = {}
        #: GUI stack samples per stall (keyed by the tick it started after), every 5 ms late.
        self.samples: dict[float, list[str]] = {}
        self.gaps: dict[float, tuple[float, str]] = {}
        self._last = time.perf_counter()
        self._gui = threading.get_ident()
        self._timer = QTimer()
        self._timer.setInterval(5)
        self._timer.timeout.connect(self._tick)
        self._stop = threading.Event()
        self._watch = threading.Thread(target=self._watchdog, daemon=True)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()
        self._watch.start()

    def stop(self) -> None:
        self._timer.stop()
        self._stop.set()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000.0
        if self._last in self.samples:
            self.gaps[self._last] = (gap, self.phase)
        self._last = now
        if gap > self.worst.get(self.phase, 0.0):
            self.worst[self.phase] = gap

    def _watchdog(self) -> None:
        while not self._stop.wait(0.005):
            last = self._last
            late = time.perf_counter() - last
            if late > LATE_S:
                frame = sys._current_frames().get(self._gui)
                if frame is not None:
                    stack = "".join(traceback.format_stack(frame, limit=16))
                    self.samples.setdefault(last, []).append(stack)


def _wait(app, condition, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.002)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=500, help="versions per workspace")
    parser.add_argument("--stacks", type=int, default=3, help="stall stacks to print")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    with tempfile.TemporaryDirectory(prefix="gui-stall-") as tmp:
        home = Path(tmp) / "home"
        os.environ["MLOPS_DESKTOP_HOME"] = str(home)
        sys.path.insert(0, str(ROOT))
        from benchmarks.local_stores import build_workspaces

        started = time.perf_counter()
        build_workspaces(home, args.versions)
        print(
            f"built 3 local workspaces × {args.versions} versions in "
            f"{time.perf_counter() - started:.1f} s"
        )
        return _measure(args)


def _measure(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.ui.shell.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    meter = StallMeter()
    meter.start()
    meter.phase = "open window"
    window = MainWindow(remember_state=False, background=False)
    window.show()
    app.processEvents()
    loaded_at: dict[str, float] = {}
    t0 = time.perf_counter()
    for key in window.page_keys():
        page = window.page(key)
        signal = getattr(page, "dataLoaded", None)
        if signal is not None:
            signal.connect(lambda key=key: loaded_at.setdefault(key, time.perf_counter() - t0))
    meter.phase = "start: load every page"
    window.start()
    all_loaded = _wait(app, window.is_data_loaded, 300)
    total = time.perf_counter() - t0
    first_load = dict(loaded_at)
    models = window.models_page
    rows = models.versions_model.rowCount() if hasattr(models, "versions_model") else None
    for key in window.page_keys():
        meter.phase = f"show page {key}"
        window.show_page(key)
        _wait(app, lambda: False, 0.3)  # let it paint and settle
    meter.phase = "refresh (F5)"
    window.show_page("models")
    loaded_at.clear()
    t0 = time.perf_counter()
    window.refresh()
    _wait(app, lambda: not window.loader.is_loading, 2)
    _wait(app, window.is_data_loaded, 300)
    _wait(app, lambda: False, 0.5)
    refresh_total = time.perf_counter() - t0
    meter.stop()
    window.close()
    window.shutdown()

    print(f"every page loaded: {all_loaded} in {total:.2f} s; refresh {refresh_total:.2f} s")
    if rows is not None:
        print(f"models page rows: {rows}")
    print("time to data per page (start() → the page's dataLoaded):")
    for key, seconds in sorted(first_load.items(), key=lambda kv: kv[1]):
        print(f"  {key:<10} {seconds:6.2f} s")
    print("longest GUI-thread stall per phase (5 ms timer's largest gap):")
    for phase, gap in meter.worst.items():
        print(f"  {phase:<28} {gap:7.1f} ms")
    worst = max(v for k, v in meter.worst.items() if k != "open window")
    status = "OK" if worst <= GOAL_MS else "OVER"
    print(
        f"longest stall after the window is up: {worst:.1f} ms  goal ≤ {GOAL_MS:.0f} ms  "
        f"ratio {worst / GOAL_MS:.2f} {status}"
    )
    print(f"(constructing the window itself: {meter.worst.get('open window', 0.0):.1f} ms)")
    stalls = sorted(meter.gaps.items(), key=lambda kv: kv[1][0], reverse=True)
    for key, (gap, phase) in stalls[: args.stacks]:
        samples = meter.samples[key]
        common = max(set(samples), key=samples.count)  # where the GUI thread spent the stall
        share = samples.count(common) / len(samples)
        print(
            f"\n--- a {gap:.0f} ms stall ({phase}); {len(samples)} stack samples, "
            f"this one {share:.0%} of them:\n{common}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
