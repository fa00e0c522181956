"""The results dock charts the engine's numbers, follows undo, shows bands and exports."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from cutsim.api import Project
from cutsim.files.exchange import read_file
from ui.document import DocumentController
from ui.results import ResultsDock
from ui.results.charts import waterfall_steps
from ui.results.export import export_chart, export_table
from ui.run_controller import RunController
from ui.scenario import ScenarioDock

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def app(qtbot):
    document = DocumentController(read_file(EXAMPLE))
    controller = RunController(document)
    scenario = ScenarioDock(document, controller)
    results = ResultsDock(document, controller)
    for widget in (scenario, results):
        qtbot.addWidget(widget)
    results.resize(900, 700)
    results.show()
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    yield document, controller, scenario, results
    controller.shutdown()


def engine(document):
    """The core's result for the current scenario, computed directly."""
    return Project(document.file).run(document.current_scenario_id)


def money_curves(results):
    return {k: c.getData()[1] for k, c in results.money.curves.items()}


def assert_money_charted(results, expected, agency="council"):
    i = expected.compiled.agency_index[agency]
    results.money.agency.setCurrentIndex(results.money.agency.findData(agency))
    curves = money_curves(results)
    np.testing.assert_allclose(curves["planned_saving"],
                               expected.agency_rates["planned_saving"][i] / 1e6, rtol=1e-12)
    np.testing.assert_allclose(curves["knock_on_cost"],
                               -expected.agency_rates["knock_on_cost"][i] / 1e6, rtol=1e-12)
    np.testing.assert_allclose(curves["net_saving"],
                               expected.agency_rates["net_saving"][i] / 1e6, rtol=1e-12)


def test_slider_move_charts_the_engines_numbers_and_undo_restores_them(qtbot, app):
    document, controller, scenario, results = app
    results.tabs.setCurrentWidget(results.money)
    before = engine(document)
    assert_money_charted(results, before)
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        scenario.levers.rows["youth"].slider.setValue(-45)
    after = engine(document)
    assert after.agency_rates["planned_saving"].sum() != before.agency_rates["planned_saving"].sum()
    assert_money_charted(results, after)
    # the outcome chart shows the same run
    results.tabs.setCurrentWidget(results.outcomes)
    oid = results.outcomes.outcome_id
    np.testing.assert_allclose(results.outcomes.curves["scenario"].getData()[1],
                               after.outcomes[(oid, "scenario")].to_numpy(), rtol=1e-12)
    results.tabs.setCurrentWidget(results.money)
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        document.undo_stack.undo()
    assert_money_charted(results, before)


def test_whole_place_and_net_by_agency(qtbot, app):
    document, _controller, _scenario, results = app
    results.tabs.setCurrentWidget(results.money)
    expected = engine(document)
    results.money.agency.setCurrentIndex(results.money.agency.findData("place"))
    np.testing.assert_allclose(money_curves(results)["net_saving"],
                               expected.place_rates["net_saving"] / 1e6, rtol=1e-12)
    nhs = expected.compiled.agency_index["nhs"]
    np.testing.assert_allclose(results.money.net_curves["nhs"].getData()[1],
                               expected.agency_rates["net_saving"][nhs] / 1e6, rtol=1e-12)


def test_waterfall_runs_from_planned_saving_to_place_net(qtbot, app):
    document, _controller, _scenario, results = app
    results.tabs.setCurrentWidget(results.waterfall)
    expected = engine(document)
    steps = results.waterfall.steps
    assert steps[0][0] == "Planned saving" and steps[-1][0] == "Net saving (place)"
    assert steps[0][1] == pytest.approx(expected.place_annual["planned_saving"].sum())
    assert steps[-1][1] == pytest.approx(expected.place_annual["net_saving"].sum())
    assert sum(v for _l, v in steps[:-1]) == pytest.approx(steps[-1][1])
    npv = waterfall_steps(expected, "npv")
    assert npv[-1][1] == pytest.approx(expected.appraisal["npv"]["place"], rel=1e-9)
    assert sum(v for _l, v in npv[:-1]) == pytest.approx(npv[-1][1])


def test_tables_hold_the_appraisal_and_cost_shift(qtbot, qtmodeltester, app):
    document, _controller, _scenario, results = app
    expected = engine(document)
    results.tabs.setCurrentWidget(results.appraisal)
    model = results.appraisal_model
    qtmodeltester.check(model)
    place_row = model.rowCount() - 1
    assert model.raw(place_row, 0) == pytest.approx(expected.appraisal["npv"]["place"])
    assert model.raw(place_row, 1) == pytest.approx(expected.appraisal["npv_adjusted"]["place"])
    results.tabs.setCurrentWidget(results.cost_shift)
    shift = results.cost_shift_model
    qtmodeltester.check(shift)
    ids = expected.compiled.agency_ids
    i, j = ids.index("council"), ids.index("schools")
    assert shift.raw(i, j) == pytest.approx(expected.cost_shift_matrix[i, j])
    assert shift.rowCount() == shift.columnCount() == len(ids)


def test_comparison_side_by_side(qtbot, qtmodeltester, app):
    document, controller, scenario, results = app
    results.tabs.setCurrentWidget(results.compare)
    row = scenario.model.row_of("baseline")
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        scenario.model.setData(scenario.model.index(row), Qt.CheckState.Checked.value,
                               Qt.ItemDataRole.CheckStateRole)
    assert controller.comparison is not None and controller.comparison.scenario.id == "baseline"
    other = Project(document.file).run("baseline")
    np.testing.assert_allclose(results.compare.chart.curves["comparison"].getData()[1],
                               other.place_rates["net_saving"] / 1e6, atol=1e-12)
    qtmodeltester.check(results.compare.model)
    place = results.compare.model.rowCount() - 1
    current = engine(document)
    assert results.compare.model.raw(place, 2) == pytest.approx(
        current.appraisal["npv"]["place"] - other.appraisal["npv"]["place"])


def test_monte_carlo_bands_are_drawn_and_cleared_on_change(qtbot, app):
    document, controller, scenario, results = app
    results.tabs.setCurrentWidget(results.outcomes)
    with qtbot.waitSignal(controller.monteCarloFinished, timeout=100000) as blocker:
        results.draws.setValue(200)
        results.mc_button.click()
    assert results.progress.value() == 100
    oid = results.outcomes.outcome_id
    bands = blocker.args[0].uncertainty["outcomes"][oid]
    np.testing.assert_allclose(results.outcomes.band_low.getData()[1], bands["p10"])
    np.testing.assert_allclose(results.outcomes.band_high.getData()[1], bands["p90"])
    assert results.outcomes.band.isVisible()
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        scenario.levers.rows["youth"].slider.setValue(-10)
    assert not results.outcomes.band.isVisible()
    qtbot.waitUntil(lambda: not controller._jobs, timeout=5000)


def test_errors_are_shown_in_the_results_area(qtbot, app):
    document, _controller, scenario, results = app
    from cutsim.model.commands import SetItemField

    with qtbot.waitSignal(results.redrawn, timeout=10000):
        document.apply(SetItemField("services", "youth", "unit_cost", -5.0))
    assert "unit_cost" in results.status.text()
    assert "Traceback" not in results.status.text()


def test_exports(qtbot, app, tmp_path):
    _document, _controller, _scenario, results = app
    results.tabs.setCurrentWidget(results.money)
    png = export_chart(results.money.widget, tmp_path / "money.png", width=800)
    svg = export_chart(results.money.widget, tmp_path / "money.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text(encoding="utf-8")
    results.tabs.setCurrentWidget(results.appraisal)
    csv_path = export_table(results.appraisal_model, tmp_path / "npv.csv")
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith(",NPV (£)") and lines[-1].startswith("Whole place,")


def test_the_appraisal_says_beside_the_npv_when_harm_is_still_growing(qtbot):
    from cutsim.appraise.longrun import describe_long_run
    from cutsim.model.schema import Scenario

    # Family hubs' harm (child admissions, delayed discharge) arrives over about eight
    # years, so a ten-year horizon ends before it settles.
    hubs = Scenario.model_validate({"id": "hubs", "name": "Halve family hubs", "levers": [
        {"id": "h", "kind": "cut", "service": "family_hubs", "percent": 50}]})
    source = read_file(EXAMPLE)
    document = DocumentController(source.model_copy(update={"scenarios": [hubs]}))
    controller = RunController(document)
    results = ResultsDock(document, controller)
    qtbot.addWidget(results)
    results.show()
    qtbot.waitUntil(lambda: controller.result is not None, timeout=10000)
    results.tabs.setCurrentWidget(results.appraisal)
    qtbot.waitUntil(lambda: results.long_run_note.text() != "", timeout=5000)
    text = results.long_run_note.text()
    assert text.startswith("Harm is still growing at the horizon")
    assert text == " ".join(describe_long_run(engine(document)))
    controller.shutdown()
