"""Screenshots of the lever editor, the settlement, a four-way comparison and a print preview.

    python scripts/screenshots_levers.py [--out docs/screenshots]

Renders offscreen with ``QWidget.grab()``; the numbers come from the bundled files.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QSettings, QStandardPaths, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from cutsim.files.exchange import read_file  # noqa: E402


def settle(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_for(condition, ms: int = 15000) -> None:
    waited = 0
    while not condition() and waited < ms:
        settle(50)
        waited += 50


def editors(out: Path) -> None:
    from ui.document import DocumentController
    from ui.run_controller import RunController
    from ui.scenario.lever_editor import LeverEditor

    file = read_file(ROOT / "models" / "example-place.cutsim")
    document = DocumentController(file)
    run = RunController(document)
    compiled = run.project.compiled

    def pick(combo, value):
        combo.setCurrentIndex(combo.findData(value))

    shots = {}
    cut = LeverEditor(document, "youth-cut", None, compiled)
    pick(cut.forms["cut"].service, "vcs_befriending")
    cut.forms["cut"].slider.setValue(cut.forms["cut"].slider.maximum())
    cut.forms["cut"].notice.setValue(6)
    cut.forms["cut"].one_off.setValue(40000)
    cut.note.setPlainText("Closure: befriending moves to volunteers from the libraries.")
    shots["lever-editor-cut-closure.png"] = cut
    amount = LeverEditor(document, "youth-cut", None, compiled)
    pick(amount.kind, "invest")
    form = amount.forms["invest"]
    pick(form.service, "asc_prevention")
    pick(form.by, "amount")
    form.size.setValue(500000)
    form.timing.start_year.setValue(1)
    form.timing.phase_years.setValue(2)
    shots["lever-editor-invest-amount.png"] = amount
    pool = LeverEditor(document, "youth-cut", None, compiled)
    pick(pool.kind, "pool")
    form = pool.forms["pool"]
    form.set_checked(["reablement", "community_nursing"])
    form.efficiency.setValue(6)
    form.add_reinvest("asc_prevention", 40)
    pick(form.gain_share, "fixed")
    form.fixed.cellWidget(0, 0).setValue(45)
    form.fixed.cellWidget(1, 0).setValue(55)
    form.one_off.setValue(250000)
    shots["lever-editor-pool.png"] = pool
    procure = LeverEditor(document, "youth-cut", None, compiled)
    pick(procure.kind, "procure")
    form = procure.forms["procure"]
    pick(form.service, "drug_alcohol")
    form.share_from.setValue(20)
    form.share_to.setValue(45)
    form.premium.setValue(3)
    pick(form.outcome, "local_spend")
    shots["lever-editor-procure.png"] = procure
    bad = LeverEditor(document, "youth-cut", None, compiled)
    pick(bad.kind, "pool")
    bad.forms["pool"].set_checked(["youth", "early_help"])
    bad.forms["pool"].efficiency.setValue(5)
    shots["lever-editor-messages.png"] = bad
    for name, dialog in shots.items():
        dialog.resize(760, 700)
        dialog.show()
        settle(200)
        dialog.grab().save(str(out / name))
        dialog.close()
    run.shutdown()


def results(out: Path) -> None:
    from ui.document import DocumentController
    from ui.printing import PrintController
    from ui.results import ResultsDock
    from ui.run_controller import RunController
    from ui.scenario import ScenarioDock

    file = read_file(ROOT / "scenarios" / "pooled-health-care.cutsim")
    document = DocumentController(file)
    run = RunController(document)
    dock = ResultsDock(document, run)
    dock.resize(1100, 650)
    dock.show()
    wait_for(lambda: run.result is not None)
    dock.tabs.setCurrentWidget(dock.pools)
    settle()
    dock.grab().save(str(out / "results-settlement.png"))

    preview = PrintController(None, run).preview_dialog()
    preview.resize(900, 1000)
    preview.show()
    settle(1500)
    preview.grab().save(str(out / "print-preview.png"))
    preview.close()
    run.shutdown()

    file = read_file(ROOT / "models" / "example-place.cutsim")
    document = DocumentController(file)
    run = RunController(document)
    scenario = ScenarioDock(document, run)
    dock = ResultsDock(document, run)
    for name, size in (("Deeper youth cut", -40), ("Youth closure", -100)):
        scenario.duplicate_current(name)
        scenario.levers.rows["youth"].slider.setValue(size)
    document.set_current_scenario("youth-cut")
    others = [s.id for s in document.file.scenarios if s.id != "youth-cut"]
    scenario.model.set_comparisons(others)
    dock.resize(1100, 750)
    dock.show()
    dock.tabs.setCurrentWidget(dock.compare)
    wait_for(lambda: len(run.comparisons) == 3)
    settle(800)
    dock.grab().save(str(out / "results-compare-four.png"))
    run.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from ui.startup import make_application

    app: QApplication = make_application([sys.argv[0]])
    args.out.mkdir(parents=True, exist_ok=True)
    editors(args.out)
    results(args.out)
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
