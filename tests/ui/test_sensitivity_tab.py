"""The Sensitivity tab shows the core's tornado; the Compare tab's value-of-information
table shows the core's EVPPI for the two scenarios on screen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cutsim.appraise.evppi import evppi_table
from cutsim.appraise.sensitivity import analyse
from cutsim.appraise.uncertain import uncertainty_space
from ui.results.sensitivity import EVPPI_DRAWS

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def app(make_results_docks):
    return make_results_docks(EXAMPLE, (1000, 800))


def test_sensitivity_tab_shows_the_core_tornado(qtbot, qtmodeltester, app):
    document, controller, _scenario, results = app
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        results.tabs.setCurrentWidget(results.sensitivity)
    page = results.sensitivity
    scenario = document.file.scenario(document.current_scenario_id)
    want = analyse(document.file.model, scenario, "tornado", "npv", 10)
    model = page.model
    qtmodeltester.check(model)
    assert model.rowCount() == 10
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in range(10)] == \
        [r["label"] for r in want["tornado"]]  # the input in words, not its id
    assert [model.raw(r, 4) for r in range(10)] == [r["swing"] for r in want["tornado"]]
    assert "what the npv for the place depends on" in page.caption.text().lower()
    # another figure: the NHS's net saving in the headline year
    index = page.figure.findData(next(page.figure.itemData(i) for i in range(page.figure.count())
                                      if str(page.figure.itemData(i)).startswith("net_saving:nhs")))
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        page.figure.setCurrentIndex(index)
    want_nhs = analyse(document.file.model, scenario, "tornado", page.figure.currentData(), 10)
    assert page.report == want_nhs
    assert [model.raw(r, 2) for r in range(model.rowCount())] == \
        [r["figure_low"] for r in want_nhs["tornado"]]


def test_compare_tab_value_of_information(qtbot, qtmodeltester, app):
    document, controller, scenario, results = app
    results.tabs.setCurrentWidget(results.compare)
    row = scenario.model.row_of("baseline")
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        scenario.model.setData(scenario.model.index(row), Qt.CheckState.Checked.value,
                               Qt.ItemDataRole.CheckStateRole)
    voi = results.compare.value_of_information
    qtbot.mouseClick(voi.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: voi.report is not None, timeout=60000)
    qtmodeltester.check(voi.model)
    scenarios = [controller.result.scenario, controller.comparison.scenario]
    space = uncertainty_space(document.file.model, scenarios)
    want = evppi_table(space, [s.id for s in scenarios],
                       [a.id for a in document.file.model.agencies], draws=EVPPI_DRAWS, seed=1)
    assert voi.model.raw(0, 0) == want["evpi"]
    assert voi.model.rowCount() == 1 + len(want["evppi"])
    assert [voi.model.raw(r + 1, 0) for r in range(3)] == [r["evppi"] for r in want["evppi"][:3]]
    assert "Choosing by expected place NPV picks" in voi.status.text()
