"""Desktop packaging: the .desktop file, AppStream metadata, icons, the PyInstaller spec.

Fast checks only; the PyInstaller build itself is a separate command
(``python packaging/build.py --smoke``, see packaging/README.md).
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
LINUX = PACKAGING / "linux"
APP_ID = "io.github.mlopsdesktop.MLOpsDesktop"
DESKTOP_FILE = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
HICOLOR = LINUX / "icons" / "hicolor"
SPEC = PACKAGING / "mlops-desktop.spec"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        package = {"desktop-file-validate": "desktop-file-utils", "appstreamcli": "appstream"}
        pytest.skip(f"{name} is not installed (Debian/Ubuntu package {package[name]!r})")
    return path


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR", f"{path} has no IHDR chunk"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# -- .desktop -------------------------------------------------------------------------------


def test_desktop_file_passes_desktop_file_validate() -> None:
    tool = _require_tool("desktop-file-validate")
    proc = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True, timeout=60)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "error" not in output.lower(), output


def test_desktop_file_launches_the_app_with_its_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "mlops-desktop"
    assert entry["Icon"] == APP_ID  # themed icon name == the installed icon files' name
    assert entry["Terminal"] == "false"


# -- AppStream --------------------------------------------------------------------------------


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = _require_tool("appstreamcli")
    proc = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_metainfo_matches_the_desktop_file_and_existing_screenshots() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP_FILE.name
    assert root.findtext("provides/binary") == "mlops-desktop"
    images = root.findall("screenshots/screenshot/image")
    assert len(images) >= 3
    for image in images:
        url = (image.text or "").strip()
        assert url.startswith("https://"), url
        name = url.rsplit("/docs/screenshots/", 1)[-1]
        local = ROOT / "docs" / "screenshots" / name
        assert local.is_file(), f"{url} does not name a file in docs/screenshots"
        assert _png_size(local) == (int(image.get("width", 0)), int(image.get("height", 0)))


# -- icons ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size(size: int) -> None:
    path = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    assert _png_size(path) == (size, size)


def test_scalable_icon_is_the_app_icon() -> None:
    scalable = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    assert ET.parse(scalable).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    app_svg = ROOT / "resources" / "icons" / "app.svg"
    assert scalable.read_bytes() == app_svg.read_bytes(), (
        "the desktop icon differs from resources/icons/app.svg: "
        "run python packaging/linux/render_icons.py"
    )


# -- the PyInstaller spec ---------------------------------------------------------------------


def _spec_calls() -> list[ast.Call]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _call_name(call: ast.Call) -> str:
    return call.func.id if isinstance(call.func, ast.Name) else ""


def test_spec_bundles_our_resources_where_the_app_looks() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    targets = {
        node.elts[1].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Tuple)
        and len(node.elts) == 2
        and isinstance(node.elts[1], ast.Constant)
    }
    assert "mlops_desktop/resources" in targets
    assert (ROOT / "resources" / "icons" / "app.svg").is_file()
    assert (ROOT / "resources" / "templates" / "drift_report.html.j2").is_file()


def test_spec_bundles_mlflow_migrations_as_source_files() -> None:
    found = [
        call
        for call in _spec_calls()
        if _call_name(call) == "collect_data_files"
        and call.args
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == "mlflow.store.db_migrations"
    ]
    assert found, "MLflow's alembic migrations are not collected as data"
    keywords = {k.arg: k.value for k in found[0].keywords}
    include_py = keywords.get("include_py_files")
    assert isinstance(include_py, ast.Constant) and include_py.value is True
    spec = importlib.util.find_spec("mlflow")
    assert spec is not None and spec.submodule_search_locations
    migrations = Path(next(iter(spec.submodule_search_locations))) / "store" / "db_migrations"
    assert (migrations / "env.py").is_file() and (migrations / "alembic.ini").is_file()
    assert list((migrations / "versions").glob("*.py")), "mlflow ships no migration scripts?"


def test_spec_collects_lazy_imports_and_is_one_folder() -> None:
    text = SPEC.read_text(encoding="utf-8")
    calls = _spec_calls()
    assert any(
        _call_name(c) == "collect_submodules"
        and c.args
        and isinstance(c.args[0], ast.Constant)
        and c.args[0].value == "mlops_desktop"
        for c in calls
    ), "the -m children (mlops_desktop.serving.*, retraining.supervisor) are not collected"
    for module in (
        "mlflow.store.tracking.sqlalchemy_store",
        "mlflow.sklearn",
        "mlflow.pyfunc.scoring_server",
        "sqlalchemy.dialects.sqlite",
        "scipy.stats",
        "sklearn.ensemble",
        "pyarrow.parquet",
        "azure.ai.ml",
        "azure.identity",
        "fairlearn.metrics",
        "reportlab.platypus",
        "croniter",
        "PySide6.QtSvg",
    ):
        assert f'"{module}"' in text, f"{module} is not a hidden import of the spec"
    names = {_call_name(c) for c in calls}
    assert {"Analysis", "EXE", "COLLECT"} <= names  # COLLECT = one-folder
    exe = next(c for c in calls if _call_name(c) == "EXE")
    exclude = {k.arg: k.value for k in exe.keywords}["exclude_binaries"]
    assert isinstance(exclude, ast.Constant) and exclude.value is True


def test_build_extra_and_ignored_outputs() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    build = pyproject["project"]["optional-dependencies"]["build"]
    assert any(req.lower().startswith("pyinstaller") for req in build)
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"build/", "dist/"} <= set(ignored)


# -- the frozen app's behaviour, simulated -----------------------------------------------------


def test_resources_found_in_a_frozen_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlops_desktop.core import resources

    bundled = tmp_path / "mlops_desktop" / "resources"
    (bundled / "icons").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    resources.resources_dir.cache_clear()
    try:
        assert resources.resources_dir() == bundled
        assert resources.resource_path("icons", "app.svg") == bundled / "icons" / "app.svg"
    finally:
        resources.resources_dir.cache_clear()


def _write_module(folder: Path, dotted: str) -> Path:
    """A module that writes its ``__name__`` and ``sys.argv[1:]`` to the file in argv[1]."""
    path = folder.joinpath(*dotted.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.parents:
        if parent == folder:
            break
        (parent / "__init__.py").touch()
    path.write_text(
        "import json, sys\n"
        "from pathlib import Path\n"
        "Path(sys.argv[1]).write_text(json.dumps([__name__, sys.argv[1:]]))\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Pretend to be a PyInstaller app whose bundle folder is ``tmp_path / 'bundle'``."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.syspath_prepend(str(bundle))
    yield bundle
    for name in [n for n in sys.modules if n.startswith("childpkg_")]:
        del sys.modules[name]


def test_frozen_binary_runs_dash_m_children(frozen: Path, tmp_path: Path) -> None:
    from mlops_desktop.launcher import main

    _write_module(frozen, "childpkg_m.child")
    out = tmp_path / "out.json"
    assert main(["-m", "childpkg_m.child", str(out), "--flag"]) == 0
    assert out.read_text(encoding="utf-8") == f'["__main__", ["{out}", "--flag"]]'


def test_frozen_binary_runs_a_bundled_modules_file_as_that_module(
    frozen: Path, tmp_path: Path
) -> None:
    from mlops_desktop.launcher import main

    source = _write_module(frozen, "childpkg_file.child")
    compiled_name = source.with_suffix(".pyc")  # as __file__ reads in a bundle: no such file
    out = tmp_path / "out.json"
    assert main([str(compiled_name), str(out)]) == 0
    assert out.read_text(encoding="utf-8") == f'["__main__", ["{out}"]]'


def test_frozen_binary_runs_a_script_path_and_dash_c(frozen: Path, tmp_path: Path) -> None:
    from mlops_desktop.launcher import main

    script = _write_module(tmp_path / "scripts", "user_pipeline")
    out = tmp_path / "script.json"
    assert main(["-u", str(script), str(out)]) == 0
    assert out.read_text(encoding="utf-8") == f'["__main__", ["{out}"]]'
    marker = tmp_path / "c.txt"
    code = "import sys; open(sys.argv[1], 'w').write(__name__)"
    assert main(["-c", code, str(marker)]) == 0
    assert marker.read_text(encoding="utf-8") == "__main__"


def test_frozen_binary_leaves_gui_and_cli_command_lines_alone(frozen: Path) -> None:
    from mlops_desktop.launcher import _run_frozen_child

    for argv in ([], ["demo"], ["--screenshot", "x.png"], ["models", "list", "--json"]):
        assert _run_frozen_child(argv) is None


def test_macos_entitlements_allow_libffi_closures() -> None:
    import plistlib

    with (PACKAGING / "macos" / "entitlements.plist").open("rb") as handle:
        entitlements = plistlib.load(handle)
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}
