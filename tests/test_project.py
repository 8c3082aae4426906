"""Project-level checks: layering contracts, lint, packaging, import cost."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HEAVY = ("mlflow", "azure", "scipy", "sklearn", "pandas")


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def test_import_layering_contracts() -> None:
    proc = subprocess.run(
        [_tool("lint-imports"), str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


#: Ways a caller tests a workspace's (or an entity's) backend kind; only the backends and the
#: ports (the one place that chooses a kind's implementation) may do that. The pattern is
#: literal, as issue #12 states it, so unrelated kinds are phrased with match or dispatch.
KIND_TESTS = re.compile(r"is_azure|kind ==|isinstance\([^)]*Azure")
KIND_AWARE = ("mlops_desktop/backends/", "mlops_desktop/ports/")


def test_no_caller_tests_the_backend_kind() -> None:
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{number}: {line.strip()}"
        for path in sorted((ROOT / "mlops_desktop").rglob("*.py"))
        if not path.relative_to(ROOT).as_posix().startswith(KIND_AWARE)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if KIND_TESTS.search(line)
    ]
    assert not found, "ask the workspace's ports instead:\n" + "\n".join(found)


def test_ruff_clean() -> None:
    proc = subprocess.run(
        [_tool("ruff"), "check", "mlops_desktop", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]


def _imported_modules(statement: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.parametrize("module", ["mlops_desktop.launcher", "mlops_desktop.cli"])
def test_entry_modules_stay_light(module: str) -> None:
    loaded = _imported_modules(f"import {module}")
    assert "mlops_desktop" in loaded  # the measurement itself works
    assert not loaded & set(HEAVY), f"{module} imports {sorted(loaded & set(HEAVY))}"


def test_wheel_ships_resources_and_finds_them_installed(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("mlops_desktop-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "mlops_desktop/resources/icons/app.svg" in names
    assert any(n.startswith("mlops_desktop/resources/styles/") for n in names)
    probe = (
        "from mlops_desktop.core.resources import resources_dir; import mlops_desktop; "
        "print(mlops_desktop.__file__); print(resources_dir())"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
    )
    assert out.returncode == 0, out.stderr
    package_file, found = out.stdout.split()
    assert package_file.startswith(str(tmp_path / "site"))
    assert found == str(tmp_path / "site" / "mlops_desktop" / "resources")
