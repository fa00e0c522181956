"""Render ``cutsim.svg`` to the app icon files: PNGs at the standard sizes, ``.ico``, ``.icns``.

    python packaging/icons/render.py

Qt's SVG renderer draws the PNGs (no extra dependency); Pillow packs the Windows ``.ico``
and the macOS ``.icns`` from them (Pillow writes both formats on any platform).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # what Windows asks for in lists, taskbar, tiles


def render_pngs(svg: Path, out: Path) -> list[Path]:
    """One PNG per size, ``cutsim-<n>.png``, with a transparent background."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render: {svg.name} is not a valid SVG")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / f"cutsim-{size}.png"
        if not image.save(str(path)):
            raise SystemExit(f"render: cannot write {path.name}")
        written.append(path)
    return written


def pack_ico_icns(out: Path) -> None:
    """``cutsim.ico`` (Windows) and ``cutsim.icns`` (macOS) from the largest PNG."""
    from PIL import Image

    big = Image.open(out / "cutsim-512.png").convert("RGBA")
    big.save(out / "cutsim.ico", sizes=[(s, s) for s in ICO_SIZES])
    big.save(out / "cutsim.icns")


def main() -> int:
    pngs = render_pngs(HERE / "cutsim.svg", HERE)
    pack_ico_icns(HERE)
    print(f"render: {len(pngs)} PNGs, cutsim.ico, cutsim.icns in {HERE.name}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
