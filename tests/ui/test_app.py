"""The GUI entry point in real processes: no display, screenshots, timing, import cost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from mlops_desktop.core.config import load_config
from mlops_desktop.ui.shell.app import PAGE_KEYS, has_display
from mlops_desktop.ui.shell.window_pages import PAGES

HEAVY = ("mlflow", "azure", "scipy", "sklearn", "pandas", "pyqtgraph")
REPO = Path(__file__).resolve().parents[2]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "PYTEST_CURRENT_TEST")
    }
    env["MLOPS_DESKTOP_HOME"] = str(home)
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_has_display_rules() -> None:
    assert not has_display({}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux")
    assert has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert has_display({}, "win32") and has_display({}, "darwin")
    assert tuple(entry.key for entry in PAGES) == PAGE_KEYS


def test_without_a_display_main_explains_and_returns_2(app_home: Path) -> None:
    result = _run(["-m", "mlops_desktop"], _env(app_home), timeout=60)
    assert result.returncode == 2, result.stderr
    assert "no display" in result.stderr
    assert "mlops-desktop --help" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "Aborted" not in result.stderr and "qt.qpa" not in result.stderr
    gui = _run(["-m", "mlops_desktop", "gui"], _env(app_home), timeout=60)
    assert gui.returncode == 2 and "mlops-desktop --help" in gui.stderr


def test_screenshot_of_real_workspaces_with_timing(ui_demo_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "shots" / "models.png"
    env = _env(ui_demo_home, QT_QPA_PLATFORM="offscreen")
    result = _run(["-m", "mlops_desktop", "--screenshot", str(out), "--timing"], env)
    assert result.returncode == 0, result.stderr[-3000:]

    image = QImage(str(out))
    assert not image.isNull()
    assert (image.width(), image.height()) == (1400, 860)
    versions = sum(len(_versions(ws)) for ws in load_config().workspaces)
    assert f"{versions} model versions from 3 workspace(s)" in result.stdout
    window = re.search(r"time-to-window: ([0-9.]+) s", result.stdout)
    data = re.search(r"time-to-data: ([0-9.]+) s", result.stdout)
    assert window and data, result.stdout
    assert 0 < float(window.group(1)) <= float(data.group(1))


def test_screenshot_of_the_empty_state_page_and_size(app_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "empty.png"
    env = _env(app_home, QT_QPA_PLATFORM="offscreen")
    result = _run(
        [
            "-m",
            "mlops_desktop",
            "gui",
            "--screenshot",
            str(out),
            "--page",
            "jobs",
            "--size",
            "900x600",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)
    assert "page jobs, 0 model versions from 0 workspace(s)" in result.stdout

    bad = _run(["-m", "mlops_desktop", "gui", "--size", "huge"], env)
    assert bad.returncode == 2 and "WIDTHxHEIGHT" in bad.stderr


def _versions(ws):
    from mlops_desktop.backends.registry import open_backend

    return open_backend(ws).list_model_versions(with_runs=False)


def _imported_modules(code: str, env: dict[str, str]) -> set[str]:
    result = _run(["-X", "importtime", "-c", code], env, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]
    modules = set()
    for line in result.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip())
    assert "mlops_desktop.ui.shell.app" in modules or "mlops_desktop" in modules
    return modules


@pytest.mark.parametrize(
    "code",
    [
        "import mlops_desktop.ui.shell.app",
        # The whole window, built and shown: still no backend SDK before it loads data.
        "from PySide6.QtWidgets import QApplication; app = QApplication([]); "
        "from mlops_desktop.ui.shell.main_window import MainWindow; w = MainWindow(); w.show(); "
        "app.processEvents()",
    ],
    ids=["import-app", "window-shown"],
)
def test_starting_the_gui_imports_no_heavy_library(code: str, app_home: Path) -> None:
    env = _env(app_home, QT_QPA_PLATFORM="offscreen")
    modules = _imported_modules(code, env)
    heavy = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert heavy == [], f"imported at start-up: {heavy[:10]}"
    if code == "import mlops_desktop.ui.shell.app":
        assert not any(m.startswith("PySide6") for m in modules), "Qt loads only in main()"


def test_an_on_screen_window_is_kept_inside_its_screen(qtbot) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    from mlops_desktop.ui.shell.app import fit_to_screen

    area = QGuiApplication.primaryScreen().availableGeometry()
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(area.width() + 400, area.height() + 300)  # the 1400×860 default on a small screen
    fit_to_screen(window)
    assert window.width() <= area.width() and window.height() <= area.height()
    assert area.contains(window.geometry().topLeft())
    small = QWidget()
    qtbot.addWidget(small)
    small.resize(300, 200)
    fit_to_screen(small)
    assert (small.width(), small.height()) == (300, 200)  # a window that fits is left alone
