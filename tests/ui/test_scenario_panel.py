"""The scenario panel: list model, scenario commands, sliders as levers, timing, undo."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.run_controller import RunController
from ui.scenario import ScenarioDock
from ui.scenario.levers import lever_for, slider_value
from ui.scenario.panel import new_scenario_id

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def panel(qtbot):
    document = DocumentController(read_file(EXAMPLE))
    controller = RunController(document)
    dock = ScenarioDock(document, controller)
    qtbot.addWidget(dock)
    yield document, controller, dock
    controller.shutdown()


def levers_on(document, service):
    scenario = document.file.scenario(document.current_scenario_id)
    return [lv for lv in scenario.levers if getattr(lv, "service", None) == service]


def test_list_model_passes_the_model_tester(qtbot, qtmodeltester, panel):
    _document, _controller, dock = panel
    qtmodeltester.check(dock.model)
    dock.new_scenario("Option B")
    qtmodeltester.check(dock.model)


def test_one_slider_per_discretionary_service_grouped_by_agency(panel):
    document, _controller, dock = panel
    model = document.file.model
    discretionary = {s.id for s in model.services if s.mode == "discretionary"}
    assert set(dock.levers.rows) == discretionary
    assert dock.levers.rows["youth"].slider.value() == -20  # the example's 20 % cut
    assert "£3.00m/yr" in dock.levers.rows["youth"].spend.text()


def test_slider_sets_cut_invest_and_zero_removes(panel):
    document, _controller, dock = panel
    row = dock.levers.rows["vcs_advice"]
    row.slider.setValue(-15)
    (lever,) = levers_on(document, "vcs_advice")
    assert lever.kind == "cut" and lever.percent == 15
    row.slider.setValue(25)
    (lever,) = levers_on(document, "vcs_advice")
    assert lever.kind == "invest" and lever.percent == 25
    row.slider.setValue(0)
    assert levers_on(document, "vcs_advice") == []


def test_a_drag_is_one_undo_step(panel):
    document, _controller, dock = panel
    before = document.file
    steps = document.undo_stack.count()
    slider = dock.levers.rows["youth"].slider
    for value in (-21, -25, -30, -35):
        slider.setValue(value)
    assert document.undo_stack.count() == steps + 1
    assert levers_on(document, "youth")[0].percent == 35
    document.undo_stack.undo()
    assert document.file.scenarios == before.scenarios
    assert slider.value() == -20  # the slider follows undo


def test_change_beside_the_slider_comes_from_the_result(qtbot, panel):
    document, controller, dock = panel
    with qtbot.waitSignal(controller.resultReady, timeout=10000):
        dock.levers.rows["youth"].slider.setValue(-40)
    assert dock.levers.rows["youth"].change.text() == "\u2212£1.20m/yr"


def test_timing_controls_edit_the_selected_lever(panel):
    document, _controller, dock = panel
    dock.levers.select("youth")
    dock.levers.start_year.setValue(2)
    dock.levers.phase_years.setValue(1.5)
    (lever,) = levers_on(document, "youth")
    assert lever.start_year == 2 and lever.phase_years == 1.5
    dock.levers.rows["youth"].slider.setValue(-30)  # a move keeps the timing
    (lever,) = levers_on(document, "youth")
    assert (lever.percent, lever.start_year, lever.phase_years) == (30, 2, 1.5)


def test_new_duplicate_rename_delete(panel):
    document, _controller, dock = panel
    first = document.current_scenario_id
    sid = dock.duplicate_current()
    assert document.current_scenario_id == sid
    copy = document.file.scenario(sid)
    assert copy.parent == first and copy.levers == document.file.scenario(first).levers
    assert dock.rename_current("Option C")
    assert document.file.scenario(sid).name == "Option C"
    index = dock.model.index(dock.model.row_of(sid))
    assert dock.model.data(index) == "Option C"
    assert dock.delete_current(confirm=False)
    assert all(s.id != sid for s in document.file.scenarios)
    new = dock.new_scenario("Option D")
    assert document.file.scenario(new).levers == []
    assert all(row.slider.value() == 0 for row in dock.levers.rows.values())


def test_renaming_in_the_list_is_undoable(panel):
    document, _controller, dock = panel
    index = dock.model.index(0)
    old = dock.model.data(index)
    assert dock.model.setData(index, "Renamed", Qt.ItemDataRole.EditRole)
    assert dock.model.data(index) == "Renamed"
    document.undo_stack.undo()
    assert dock.model.data(index) == old


def test_selecting_a_scenario_makes_it_current(panel):
    document, _controller, dock = panel
    row = dock.model.row_of("baseline")
    dock.list.setCurrentIndex(dock.model.index(row))
    assert document.current_scenario_id == "baseline"
    assert dock.levers.rows["youth"].slider.value() == 0


def test_compare_checks_up_to_three_and_reach_the_controller(panel):
    _document, controller, dock = panel
    for name in ("Option C", "Option D"):
        dock.new_scenario(name)
    a, b, c, d = (dock.model.index(i) for i in range(4))
    checked = Qt.CheckState.Checked.value
    for index in (b, a, c):
        assert dock.model.setData(index, checked, Qt.ItemDataRole.CheckStateRole)
    assert not dock.model.setData(d, checked, Qt.ItemDataRole.CheckStateRole)  # four at most
    assert dock.model.data(d, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    ids = [dock.model.scenario_id(i) for i in (1, 0, 2)]
    assert controller.comparison_ids == ids
    assert controller.comparison_scenario_id == dock.model.scenario_id(1)
    dock.model.setData(a, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert controller.comparison_ids == [ids[0], ids[2]]


def test_pure_helpers():
    assert slider_value(None) == 0
    cut = lever_for(-20, "youth", "l1", None, 1.0, 2.0)
    assert (cut.kind, cut.percent, cut.start_year, cut.phase_years) == ("cut", 20, 1.0, 2.0)
    assert slider_value(cut) == -20
    assert lever_for(0, "youth", "l1", cut, 0, 0) is None
    assert slider_value(lever_for(60, "youth", "l1", None, 0, 0)) == 50  # clamped to the slider
    assert new_scenario_id("Option B!", {"option-b"}) == "option-b-2"
