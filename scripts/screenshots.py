"""Render the app offscreen at 1600×1000 to ``docs/screenshots/*.png``.

    python scripts/screenshots.py [--out docs/screenshots] [--only NAME ...]

Each shot is a function taking the main window and returning the widget to grab (the
window itself, or one dock). Add views by adding to ``SHOTS``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QEventLoop, QSettings, QStandardPaths, QTimer  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from cutsim.files.exchange import read_file  # noqa: E402
from cutsim.model.commands import SetItemField  # noqa: E402
from ui.examples import EXAMPLE  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings import Settings  # noqa: E402
from ui.startup import make_application  # noqa: E402

SIZE = (1600, 1000)
Shot = Callable[[MainWindow], QWidget]


def settle(ms: int = 300) -> None:
    """Let timers (debounced runs, layout) fire before grabbing."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _tab(kind: str) -> Shot:
    def shot(window: MainWindow) -> QWidget:
        window.editor.show_kind(kind)
        return window
    return shot


def _main(window: MainWindow) -> QWidget:
    window.editor.show_kind("services")
    return window


def _place(window: MainWindow) -> QWidget:
    window.editor.setCurrentWidget(window.editor.place_form)
    return window


def _problem(window: MainWindow) -> QWidget:
    """A flagged cell: an impossible unit cost, shown inline and in the problems list."""
    service = window.document.file.model.services[1]
    window.document.apply(SetItemField("services", service.id, "unit_cost", -50.0))
    table = window.editor.show_kind("services")
    table.select(service.id, "unit_cost")
    return window


def _dock(object_name: str) -> Shot:
    def shot(window: MainWindow) -> QWidget:
        dock = window.views[object_name]
        dock.show()
        dock.raise_()
        return window
    return shot


def _results_tab(title: str, monte_carlo: bool = False, agency: str | None = None) -> Shot:
    """One results tab, grabbed as the results dock alone at 1280×800 (after a Monte Carlo
    if asked; on one agency's money if ``agency`` is given)."""
    def shot(window: MainWindow) -> QWidget:
        dock = window.views["resultsDock"]
        dock.show()
        results = dock.widget()
        tabs = results.tabs
        tabs.setCurrentIndex(next(i for i in range(tabs.count()) if tabs.tabText(i) == title))
        scenarios = window.views["scenarioDock"].widget()
        scenarios.model.set_comparison("baseline")
        if agency is not None:
            results.money.agency.setCurrentIndex(results.money.agency.findData(agency))
        if monte_carlo:
            window.run_controller.run_monte_carlo(400, 1)
            settle(4000)
        dock.setFloating(True)  # grab the dock at a readable size, not squeezed by the layout
        dock.resize(1280, 800)
        return dock
    return shot


def _long_run(window: MainWindow) -> QWidget:
    """The appraisal tab of a scenario whose harm is still growing at the horizon."""
    from cutsim.model.commands import AddScenario
    from cutsim.model.schema import Scenario

    hubs = Scenario.model_validate({"id": "hubs-50", "name": "Halve family hubs", "levers": [
        {"id": "hubs", "kind": "cut", "service": "family_hubs", "percent": 50}]})
    window.document.apply(AddScenario(hubs))
    window.document.set_current_scenario("hubs-50")
    settle(1500)
    return _results_tab("Appraisal")(window)


def _floating(object_name: str, width: int, height: int) -> Shot:
    def shot(window: MainWindow) -> QWidget:
        dock = window.views[object_name]
        dock.setFloating(True)
        dock.resize(width, height)
        return dock
    return shot


def _areas(window: MainWindow) -> QWidget:
    """The Areas tab on the example with neighbourhoods: a youth centre closed in one area."""
    window.document.set_current_scenario("harbourside-centre")
    settle(600)
    dock = _results_tab("Areas")(window)
    page = dock.widget().areas
    page.measure.setCurrentIndex(page.measure.findData("outcome:youth_offending"))
    return dock


def _actuals(window: MainWindow) -> QWidget:
    """The Actuals tab of the example (illustrative actuals) after a review: youth
    offending observed over the forecast's band, the savings variance, what moved."""
    dock = _results_tab("Actuals")(window)
    page = dock.widget().actuals
    from PySide6.QtCore import QEventLoop

    done = QEventLoop()
    page.reviewFinished.connect(done.quit)
    page.review_button.click()  # the review runs on its own thread
    done.exec()
    page.outcome_choice.setCurrentIndex(page.outcome_choice.findData("youth_offending"))
    dock.resize(1280, 1000)
    return dock


def _mtfs(programme: bool) -> Shot:
    """The MTFS tab of the council with its reserves cut to £2m and a savings programme
    rated by directorate, owner and status: the banner says in which years the plan does
    not balance (``programme``: the savings programme's tab)."""
    def shot(window: MainWindow) -> QWidget:
        from cutsim.model.commands import AddScenario
        from cutsim.model.schema import Scenario

        window.document.apply(SetItemField("agencies", "council", "reserves", 2_000_000.0))
        children, adults = "Children's services", "Adult social care"
        plan = Scenario.model_validate({"id": "mtfs-programme", "name": "Savings programme",
                                        "levers": [
            {"id": "youth", "kind": "cut", "service": "youth", "percent": 20,
             "directorate": children, "owner": "Director of children's services",
             "status": "amber"},
            {"id": "hubs", "kind": "cut", "service": "family_hubs", "percent": 15,
             "start_year": 1, "directorate": children, "owner": "Head of early help",
             "status": "red", "delivery_confidence_percent": 60},
            {"id": "reablement", "kind": "cut", "service": "reablement", "percent": 10,
             "directorate": adults, "owner": "Director of adult social services",
             "status": "green"},
            {"id": "safety", "kind": "cut", "service": "community_safety", "percent": 25,
             "directorate": "Communities", "owner": "Head of community safety",
             "status": "delivered"}]})
        window.document.apply(AddScenario(plan))
        window.document.set_current_scenario("mtfs-programme")
        settle(1500)
        dock = _results_tab("MTFS")(window)
        page = dock.widget().mtfs
        page.agency.setCurrentIndex(page.agency.findData("council"))
        page.sub_tabs.setCurrentIndex(1 if programme else 0)
        return dock
    return shot


SHOTS: dict[str, Shot] = {
    "main-window": _main,
    "editor-place": _place,
    "editor-agencies": _tab("agencies"),
    "editor-outcomes": _tab("outcomes"),
    "editor-effects": _tab("effects"),
    "editor-demands": _tab("demands"),
    "editor-problem": _problem,
    "view-results": _dock("resultsDock"),
    "view-diagram": _floating("diagramDock", 1280, 1000),
    "results-outcomes": _results_tab("Outcomes", monte_carlo=True),
    "results-money": _results_tab("Agency money"),
    "results-money-police": _results_tab("Agency money", agency="police"),
    "results-annual-money": _results_tab("Annual money"),
    "results-waterfall": _results_tab("Waterfall"),
    "results-cost-shift": _results_tab("Cost shift"),
    "results-appraisal": _results_tab("Appraisal"),
    "results-mtfs": _results_tab("MTFS"),
    "mtfs-warning": _mtfs(programme=False),
    "mtfs-programme": _mtfs(programme=True),
    "results-appraisal-long-run": _long_run,
    "results-compare": _results_tab("Compare"),
    "results-sensitivity": _results_tab("Sensitivity"),
    "scenario-panel": _floating("scenarioDock", 560, 950),
    "results-areas": _areas,
    "results-actuals": _actuals,
}
# Shots of another example file than the example place.
SHOT_FILES: dict[str, Path] = {
    "results-areas": Path(__file__).resolve().parent.parent / "models" / "example-place-areas.cutsim",
}


def render(name: str, shot: Shot, out: Path) -> Path | None:
    """One screenshot on a fresh window (so shots do not leak edits into each other)."""
    window = MainWindow(read_file(SHOT_FILES.get(name, EXAMPLE)), None, settings=Settings(),
                        recovery_dir=Path(tempfile.mkdtemp()))
    window.resize(*SIZE)
    window.show()
    settle()
    try:
        widget = shot(window)
    except KeyError:
        print(f"skipped {name}: that view is not installed")
        window.document.undo_stack.setClean()
        window.close()
        return None
    settle(600)
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    window.document.undo_stack.setClean()  # no unsaved-changes prompt on close
    window.close()
    print(f"wrote {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", help="names of shots to render (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    QStandardPaths.setTestModeEnabled(True)  # never touch the user's settings or recovery file
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    make_application([sys.argv[0]])
    for name, shot in SHOTS.items():
        if not args.only or name in args.only:
            render(name, shot, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
