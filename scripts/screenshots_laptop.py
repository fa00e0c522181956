"""Screenshots of the app on a 1,366×768 laptop screen and of the printed cabinet pack.

    python scripts/screenshots_laptop.py [--out docs/screenshots]

The app runs on Qt's headless platform with one 1,366×768 screen (a configuration file
for the ``offscreen`` platform, written to a temporary folder); the pack is printed to a
PDF by the app's own printing code and its pages turned into PNG files by ``pdftoppm``
(poppler-utils). The numbers come from the bundled example place.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREEN = (1366, 768)


def _screen_config() -> str:
    """A headless screen of the laptop's size, as the ``offscreen`` platform reads it."""
    folder = Path(tempfile.mkdtemp(prefix="cutsim-screen-"))
    config = folder / "screen.json"
    config.write_text(json.dumps({"screens": [{
        "name": "laptop", "x": 0, "y": 0, "width": SCREEN[0], "height": SCREEN[1],
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"


if __name__ == "__main__" and "QT_QPA_PLATFORM" not in os.environ:
    os.environ["QT_QPA_PLATFORM"] = _screen_config()
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QSettings, QStandardPaths, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cutsim.files.exchange import read_file  # noqa: E402


def settle(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition, ms: int = 20000) -> None:
    waited = 0
    while not condition() and waited < ms:
        settle(50)
        waited += 50


def app_on_a_laptop(out: Path) -> None:
    """The main window as it opens on the laptop, then with three scenarios compared."""
    from ui.main_window import MainWindow

    path = ROOT / "models" / "example-place.cutsim"
    window = MainWindow(read_file(path), path,
                        recovery_dir=Path(tempfile.mkdtemp(prefix="cutsim-recovery-")))
    window.show()
    wait_for(lambda: window.run_controller is not None and window.run_controller.result is not None)
    dock = window.views["resultsDock"].widget()
    dock.tabs.setCurrentWidget(dock.annual)
    settle(800)
    window.grab().save(str(out / "app-laptop-1366x768.png"))
    scenario = window.views["scenarioDock"].widget()
    for name, size in (("Deeper youth cut", -40), ("Youth closure", -100)):
        scenario.duplicate_current(name)
        scenario.levers.rows["youth"].slider.setValue(size)
    window.document.set_current_scenario("youth-cut")
    others = [s.id for s in window.document.file.scenarios if s.id != "youth-cut"]
    dock.tabs.setCurrentWidget(dock.compare)
    scenario.model.set_comparisons(others)
    wait_for(lambda: len(window.run_controller.comparisons) == 3)
    settle(1000)
    window.grab().save(str(out / "app-laptop-1366x768-compare.png"))
    print(f"window {window.frameGeometry().width()}×{window.frameGeometry().height()} px "
          f"on a {SCREEN[0]}×{SCREEN[1]} screen")
    window.run_controller.shutdown()
    window.hide()


def printed_pack(out: Path) -> None:
    """The youth cut's printed pack on A4: its first page and the medium-term plan's."""
    import datetime as dt

    from cutsim.api import Project
    from ui.printing import print_to_pdf

    result = Project(read_file(ROOT / "models" / "example-place.cutsim")).run("youth-cut")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "pack.pdf"
        pages = print_to_pdf(pdf, result, None, "A4", dt.date(2026, 12, 7))
        subprocess.run(["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", str(min(pages, 2)),
                        str(pdf), str(Path(folder) / "page")], check=True)
        for n in range(1, min(pages, 2) + 1):
            source = next(Path(folder).glob(f"page-*{n}.png"))
            (out / f"print-pack-page-{n}.png").write_bytes(source.read_bytes())
    print(f"pack: {pages} A4 pages")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    _app = QApplication.instance() or QApplication([])  # kept alive while rendering
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      tempfile.mkdtemp(prefix="cutsim-settings-"))
    app_on_a_laptop(args.out)
    printed_pack(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
