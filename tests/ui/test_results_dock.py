"""The results dock charts the engine's numbers, follows undo, shows bands and exports."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
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

EXAMPLE = Path(__file__).resolve().parents[2] / "models" / "example-place.cutsim"


@pytest.fixture
def app(make_results_docks):
    return make_results_docks(EXAMPLE, (900, 700))


def engine(document):
    """The core's result for the current scenario, computed directly."""
    return Project(document.file).run(document.current_scenario_id)


def divisor(widget):
    """The £ → axis-unit divisor the chart chose (1, 1e3 or 1e6)."""
    return widget.getPlotItem().getAxis("left").divisor


def money_curves(results):
    """The money chart's curves back in £ a year."""
    d = divisor(results.money.widget)
    return {k: c.getData()[1] * d for k, c in results.money.curves.items()}


def assert_money_charted(results, expected, agency="council"):
    i = expected.compiled.agency_index[agency]
    results.money.agency.setCurrentIndex(results.money.agency.findData(agency))
    curves = money_curves(results)
    planned = expected.agency_rates["planned_saving"][i]
    knock = expected.agency_rates["knock_on_cost"][i]
    np.testing.assert_allclose(curves["planned_saving"], planned, rtol=1e-12)
    np.testing.assert_allclose(curves["knock_on_cost"], -knock, rtol=1e-12)
    # net before one-off costs = the engine's net saving + its one-off cost rate
    np.testing.assert_allclose(curves["net_saving"], expected.agency_rates["net_saving"][i]
                               + expected.agency_rates["one_off_cost"][i], rtol=1e-9)
    one_off = expected.agency_annual["one_off_cost"][i]
    np.testing.assert_allclose(results.money.one_off_values, one_off, rtol=1e-12)
    if one_off.any():
        heights = results.money.one_off.opts["height"] * divisor(results.money.widget)
        np.testing.assert_allclose(heights, -one_off[one_off != 0], rtol=1e-12)


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
    np.testing.assert_allclose(results.outcomes.curves["scenario"].getData()[1]
                               + results.outcomes.offset,
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
                               expected.place_rates["planned_saving"]
                               - expected.place_rates["knock_on_cost"], rtol=1e-12)
    nhs = expected.compiled.agency_index["nhs"]
    np.testing.assert_allclose(results.money.net_curves["nhs"].getData()[1]
                               * divisor(results.money.net_widget),
                               expected.agency_annual["net_saving"][nhs], rtol=1e-12)


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
    assert npv[-1][1] == pytest.approx(expected.appraisal.place.npv, rel=1e-9)
    assert sum(v for _l, v in npv[:-1]) == pytest.approx(npv[-1][1])


def test_tables_hold_the_appraisal_and_cost_shift(qtbot, qtmodeltester, app):
    document, _controller, _scenario, results = app
    expected = engine(document)
    results.tabs.setCurrentWidget(results.appraisal)
    model = results.appraisal_model
    qtmodeltester.check(model)
    place_row = model.rowCount() - 1
    assert model.raw(place_row, 0) == pytest.approx(expected.appraisal.place.npv)
    assert model.raw(place_row, 1) == pytest.approx(expected.appraisal.place.npv_adjusted)
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
    np.testing.assert_allclose(results.compare.chart.curves["comparison"].getData()[1]
                               * divisor(results.compare.chart.widget),
                               other.place_annual["net_saving"], atol=1e-6)
    qtmodeltester.check(results.compare.model)
    place = results.compare.model.rowCount() - 1
    current = engine(document)
    assert results.compare.model.raw(place, 2) == pytest.approx(
        current.appraisal.place.npv - other.appraisal.place.npv)


def test_monte_carlo_bands_are_drawn_and_cleared_on_change(qtbot, app):
    document, controller, scenario, results = app
    results.tabs.setCurrentWidget(results.outcomes)
    with qtbot.waitSignal(controller.monteCarloFinished, timeout=100000) as blocker:
        results.draws.setValue(200)
        results.mc_button.click()
    assert results.progress.value() == 100
    oid = results.outcomes.outcome_id
    bands = blocker.args[0].uncertainty.outcomes[oid]
    offset = results.outcomes.offset
    np.testing.assert_allclose(results.outcomes.band_low.getData()[1] + offset, bands.p10)
    np.testing.assert_allclose(results.outcomes.band_high.getData()[1] + offset, bands.p90)
    assert "Scenario P10–P90 (Monte Carlo)" in results.outcomes.legend.names()
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
    assert lines[0].startswith(",NPV over 10 years (£)") and lines[-1].startswith("Whole place,")


def test_hover_reads_the_exact_value_year_and_series(qtbot, app):
    document, _controller, _scenario, results = app
    from cutsim.model.fmt import money_exact

    results.tabs.setCurrentWidget(results.money)
    results.money.agency.setCurrentIndex(results.money.agency.findData("police"))
    expected = engine(document)
    i = expected.compiled.agency_index["police"]
    t = expected.t
    k = int(np.searchsorted(t, 2.5))
    text = results.money.hover.text_at(float(t[k]))
    assert text.startswith(f"2028-29, t = {t[k]:.2f} years")
    assert f"Knock-on cost (−): {money_exact(-expected.agency_rates['knock_on_cost'][i][k])} a year" in text
    assert "Planned saving" not in text  # the police plan no saving here: not drawn, not read out
    net = results.money.net_hover.text_at(4.5)
    assert net.startswith("2030-31 (the headline year)")
    assert f"Police: {money_exact(expected.agency_annual['net_saving'][i][4])} in the year" in net


def test_one_off_costs_are_bars_in_their_financial_year(qtbot, app):
    document, _controller, scenario, results = app
    from cutsim.model.commands import SetLever

    results.tabs.setCurrentWidget(results.money)
    results.money.agency.setCurrentIndex(results.money.agency.findData("council"))
    file = document.file
    lever = next(lv for lv in file.scenario(document.current_scenario_id).levers if lv.kind == "cut")
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        document.apply(SetLever(document.current_scenario_id,
                                lever.model_copy(update={"one_off_cost": 250_000.0})))
    expected = engine(document)
    i = expected.compiled.agency_index["council"]
    one_off = expected.agency_annual["one_off_cost"][i]
    assert one_off[0] == pytest.approx(250_000.0)
    d = divisor(results.money.widget)
    assert results.money.one_off.isVisible()
    np.testing.assert_allclose(results.money.one_off.opts["height"] * d, [-250_000.0])
    assert "One-off cost (−), £ in its financial year" in results.money.widget.getPlotItem().legend.names()
    # the net line is before one-off costs: no −£3m-a-year spike in the first month
    net = results.money.curves["net_saving"].getData()[1] * d
    assert net.min() > -1e5


def test_annual_money_exports_pounds_and_pence_and_exports_follow_the_tab(qtbot, app, tmp_path):
    document, _controller, _scenario, results = app
    results.tabs.setCurrentWidget(results.annual)
    assert results.export_buttons["export-table"].isEnabled()
    assert not results.export_buttons["export-chart"].isEnabled()
    path = export_table(results.annual_model, tmp_path / "annual.csv")
    rows = path.read_text(encoding="utf-8").splitlines()
    expected = engine(document)
    assert rows[0].split(",")[:4] == ["agency_id", "agency", "series", "2026-27"]
    council = next(r for r in rows if r.startswith("council,") and ",planned_saving," in r)
    cells = council.split(",")
    assert cells[3] == f"{expected.agency_annual['planned_saving'][0][0]:.2f}"
    assert all(re.fullmatch(r"-?\d+\.\d\d", c) for c in cells[3:])
    results.tabs.setCurrentWidget(results.outcomes)
    assert results.export_buttons["export-chart"].isEnabled()
    assert not results.export_buttons["export-table"].isEnabled()


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


def test_four_scenarios_side_by_side(qtbot, qtmodeltester, app):
    document, controller, scenario, results = app
    # Two more scenarios: copies of the current one with a different youth cut.
    for name, size in (("Deeper", -40), ("Closure", -100)):
        scenario.duplicate_current(name)
        scenario.levers.rows["youth"].slider.setValue(size)
    document.set_current_scenario("youth-cut")
    others = [s.id for s in document.file.scenarios if s.id != "youth-cut"]
    assert len(others) == 3
    results.tabs.setCurrentWidget(results.compare)
    with qtbot.waitSignal(results.redrawn, timeout=10000):
        scenario.model.set_comparisons(others)
    qtbot.waitUntil(lambda: len(controller.comparisons) == 3, timeout=10000)
    qtbot.waitUntil(lambda: results.compare.model.columnCount() == 7, timeout=10000)
    qtmodeltester.check(results.compare.model)
    project = Project(document.file)
    d = divisor(results.compare.chart.widget)
    place = results.compare.model.rowCount() - 1
    current = project.run("youth-cut").appraisal.place.npv
    for k, (sid, key) in enumerate(zip(others, results.compare.chart.KEYS)):
        expected = project.run(sid)
        np.testing.assert_allclose(results.compare.chart.curves[key].getData()[1] * d,
                                   expected.place_annual["net_saving"], atol=1e-6)
        assert results.compare.model.raw(place, 1 + k) == pytest.approx(
            expected.appraisal.place.npv)
        assert results.compare.model.raw(place, 4 + k) == pytest.approx(
            current - expected.appraisal.place.npv)
    assert len({results.compare.model.raw(place, c) for c in range(4)}) == 4
