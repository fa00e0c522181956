"""The Areas tab: the map and the table show where a scenario lands (the engine's numbers)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from cutsim.api import Project
from cutsim.appraise.areas import area_figures
from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.results import ResultsDock
from ui.results.areas import NO_AREAS
from ui.results.tables import RAW_ROLE
from ui.run_controller import RunController

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.fixture
def areas_app(make_results_docks):
    return make_results_docks(MODELS / "example-place-areas.cutsim", (1000, 800))


def _show_targeted(qtbot, document, controller, results) -> None:
    document.set_current_scenario("harbourside-centre")
    qtbot.waitUntil(lambda: controller.result is not None
                    and controller.result.scenario.id == "harbourside-centre", timeout=10000)
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        results.tabs.setCurrentWidget(results.areas)


def test_a_cut_in_one_area_shows_in_that_area_only(qtbot, areas_app) -> None:
    document, controller, _scenario, results = areas_app
    _show_targeted(qtbot, document, controller, results)
    page = results.areas
    model = page.model
    names = [model.headerData(r, 2) for r in range(model.rowCount())]
    assert len(names) == 8 and names[0] == "Harbourside"
    expected = Project(document.file).run("harbourside-centre")
    figures = area_figures(expected.compiled, expected.areas, "net_saving", 4)
    assert [model.index(r, 2).data(RAW_ROLE) for r in range(8)] == [f.value for f in figures]
    assert figures[0].value > 0 and all(f.value == 0 for f in figures[1:])
    assert [model.index(r, 2).data() for r in range(1, 8)] == ["no change"] * 7
    # an outcome: youth offending rises in Harbourside only (harm: orange on the map)
    page.measure.setCurrentIndex(page.measure.findData("outcome:youth_offending"))  # redraws now
    assert model.index(0, 2).data(RAW_ROLE) > 0
    assert all(model.index(r, 2).data(RAW_ROLE) == 0 for r in range(1, 8))
    assert "2030-31" in page.caption.text() and "illustrative" in page.caption.text()
    image = page.map.grab().toImage()
    centre = {aid: path.boundingRect().center() for aid, path in page.map.paths.items()}
    harbour = QColor(image.pixel(int(centre["harbourside"].x()), int(centre["harbourside"].y()) + 25))
    moor = QColor(image.pixel(int(centre["moor-end"].x()), int(centre["moor-end"].y()) + 25))
    assert harbour.red() > harbour.blue() + 60  # orange: harm
    assert moor.name() == "#ffffff"  # white: no change


def test_a_model_without_areas_says_so(qtbot) -> None:
    document = DocumentController(read_file(MODELS / "example-place.cutsim"))
    controller = RunController(document)
    results = ResultsDock(document, controller)
    qtbot.addWidget(results)
    results.show()
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        results.tabs.setCurrentWidget(results.areas)
    assert results.areas.caption.text() == NO_AREAS
    assert results.areas.model.rowCount() == 0
    controller.shutdown()


def test_ticking_an_area_in_the_lever_editor_targets_the_lever_and_undo_restores(
        qtbot, areas_app) -> None:
    document, controller, scenario_dock, _results = areas_app
    document.set_current_scenario("youth-cut")
    qtbot.waitUntil(lambda: controller.result.scenario.id == "youth-cut", timeout=10000)
    panel = scenario_dock.levers
    panel.select("youth")
    targets = panel.area_targets
    assert targets.isVisibleTo(panel) and targets.count() == 8 and targets.ticked() is None
    lever_id = panel.rows["youth"].state.lever.id
    old_town = next(i for i in range(targets.count())
                    if targets.item(i).data(Qt.ItemDataRole.UserRole) == "old-town")
    with qtbot.waitSignal(controller.resultReady, timeout=10000):
        targets.item(old_town).setCheckState(Qt.CheckState.Checked)
    lever = next(lv for lv in document.file.scenario("youth-cut").levers if lv.id == lever_id)
    assert lever.areas == ["old-town"] and lever.percent == 20
    areas = controller.result.areas
    i = controller.result.compiled.outcome_index["youth_offending"]
    changed = [a for r, a in enumerate(areas.area_ids) if areas.outcome_delta[r, i].any()]
    assert changed == ["old-town"]
    with qtbot.waitSignal(controller.resultReady, timeout=10000):
        document.undo_stack.undo()
    lever = next(lv for lv in document.file.scenario("youth-cut").levers if lv.id == lever_id)
    assert lever.areas is None
    assert targets.ticked() is None
