"""Render the app icon (resources/icons/app.svg) into the freedesktop hicolor icon sizes.

``python packaging/linux/render_icons.py`` writes
``packaging/linux/icons/hicolor/{16..512}x{..}/apps/<app id>.png`` and the scalable SVG; run it
again after changing the icon. Qt renders offscreen, so no display is needed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

APP_ID = "io.github.mlopsdesktop.MLOpsDesktop"
SIZES = (16, 32, 48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = ROOT / "resources" / "icons" / "app.svg"
HICOLOR = HERE / "icons" / "hicolor"


def render_icons(source: Path = SOURCE, hicolor: Path = HICOLOR) -> list[Path]:
    """Write the PNGs and the scalable SVG; returns the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise ValueError(f"{source} is not a valid SVG")
    written: list[Path] = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            raise OSError(f"could not write {target}")
        written.append(target)
    scalable = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, scalable)
    written.append(scalable)
    return written


if __name__ == "__main__":
    for path in render_icons():
        print(path.relative_to(ROOT))
