"""Screenshots of the model workbook template and the results workbook (rendered by
LibreOffice) and of the "Pick from the Unit Cost Database" dialog, into
``docs/screenshots/``.

    python scripts/workbook_screenshots.py [--out docs/screenshots]

The template is written by ``cutsim template``, converted to PDF by LibreOffice headless
and its pages to PNG by pdftoppm (poppler-utils); the dialog is grabbed offscreen.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cutsim.files.exchange import read_file  # noqa: E402
from cutsim.files.workbook import write_workbook  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = {1: "workbook-template-how-to.png", 2: "workbook-template-place.png"}


def _trim(path: Path) -> None:
    """Crop the page's white margins (keeping a small border)."""
    from PIL import Image, ImageChops

    image = Image.open(path).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        pad = 16
        image.crop((max(box[0] - pad, 0), max(box[1] - pad, 0), min(box[2] + pad, image.width),
                    min(box[3] + pad, image.height))).save(path)


def template_pages(out: Path) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs LibreOffice (soffice) and pdftoppm (poppler-utils)")
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        book = tmp_path / "template.xlsx"
        write_workbook(book, None)
        subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                        "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                       check=True, capture_output=True, timeout=300)
        for page, name in PAGES.items():
            subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page),
                            "-singlefile", str(tmp_path / "template.pdf"), str(tmp_path / "page")],
                           check=True)
            target = out / name
            shutil.copy(tmp_path / "page.png", target)
            _trim(target)
            written.append(target)
    return written


def results_page(out: Path) -> Path:
    """The first page of the results workbook (``cutsim run --xlsx``) as LibreOffice prints
    it: the Summary sheet, landscape, one page wide, with its page header."""
    import cutsim
    from cutsim.tools.results_workbook import write_results_workbook

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs LibreOffice (soffice) and pdftoppm (poppler-utils)")
    target = out / "results-workbook.png"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        book = tmp_path / "results.xlsx"
        write_results_workbook(book, cutsim.load(ROOT / "models" / "example-place.cutsim")
                               .run("youth-cut", draws=200, seed=1))
        subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
                        "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(book)],
                       check=True, capture_output=True, timeout=300)
        for page, name in ((1, "results-workbook.png"), (2, "results-workbook-annual.png")):
            subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", str(page), "-l", str(page),
                            "-singlefile", str(tmp_path / "results.pdf"), str(tmp_path / "page")],
                           check=True)
            shutil.copy(tmp_path / "page.png", out / name)
    return target


def picker_dialog(out: Path) -> Path:
    from PySide6.QtCore import QEventLoop, QTimer

    from ui.reference_pickers import UnitCostDialog
    from ui.startup import make_application

    make_application(["cutsim-screenshots"])
    example = read_file(ROOT / "models" / "example-place.cutsim")
    dialog = UnitCostDialog("Emergency department (A&E)", example.model.place.effective_price_year)
    dialog.resize(1150, 560)
    dialog.search.setText("A&E attendance")
    dialog.select_row(0)
    dialog.show()
    loop = QEventLoop()
    QTimer.singleShot(300, loop.quit)
    loop.exec()
    target = out / "unit-cost-picker.png"
    dialog.grab().save(str(target))
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--results-only", action="store_true",
                        help="only the results workbook's pages (no Qt needed)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.results_only:
        print(results_page(args.out))
        return
    for path in template_pages(args.out) + [picker_dialog(args.out), results_page(args.out)]:
        print(path)


if __name__ == "__main__":
    main()
