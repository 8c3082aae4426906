"""Build the one-folder desktop app with PyInstaller: ``python packaging/build.py``.

Runs ``packaging/mlops-desktop.spec`` from the repository root (work files in ``build/``, the app
in ``dist/mlops-desktop/``), then prints the build time and the size of the folder. ``--smoke``
also runs the built binary's smoke checks (``--version``, ``demo``, an offscreen screenshot; see
``packaging/smoke_test.sh``). Needs the ``build`` extra: ``pip install -e '.[build]'``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "mlops-desktop.spec"
APP_NAME = "mlops-desktop"


def folder_size(path: Path) -> int:
    """Bytes of every file under ``path`` (symlinks not followed)."""
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def binary_path(dist: Path) -> Path:
    """The built executable inside the one-folder app."""
    suffix = ".exe" if sys.platform == "win32" else ""
    return dist / APP_NAME / f"{APP_NAME}{suffix}"


def build(dist: Path, work: Path, clean: bool) -> float:
    """Run PyInstaller on the spec; returns the seconds it took."""
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--distpath",
        str(dist),
        "--workpath",
        str(work),
        "--log-level",
        "WARN",
    ]
    if clean:
        command.append("--clean")
    command.append(str(SPEC))
    print("+", " ".join(command), flush=True)
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True)
    return time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Build, report time and size, optionally smoke-test the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="work folder")
    parser.add_argument("--clean", action="store_true", help="clear PyInstaller's caches first")
    parser.add_argument("--smoke", action="store_true", help="run packaging/smoke_test.sh after")
    args = parser.parse_args(argv)
    seconds = build(args.dist.resolve(), args.work.resolve(), args.clean)
    binary = binary_path(args.dist.resolve())
    size = folder_size(binary.parent)
    print(f"built {binary} in {seconds:.0f} s; folder {size / 1e6:.0f} MB", flush=True)
    if args.smoke:
        env = {**os.environ, "MLOPS_DESKTOP_BINARY": str(binary)}
        subprocess.run(["bash", str(ROOT / "packaging" / "smoke_test.sh")], env=env, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
