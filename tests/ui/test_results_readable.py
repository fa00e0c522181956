"""Every results tab, for every bundled scenario, reads honestly at 1280×800.

For each scenario of models/*.cutsim and scenarios/*.cutsim (with the file's other
scenario ticked for comparison where there is one), every tab of the results dock is
shown and checked:

- no axis carries pyqtgraph's SI multiplier, and money axes name £, £k or £m;
- no table cell or header is elided: each line's text width (QFontMetrics) fits its
  column, and header lines fit the header's height;
- no legend entry names an empty series (and every drawn series is named);
- every money figure shown equals the engine's at the shown precision: table cells are
  the core formatter's text of the engine's number, charts plot the engine's numbers
  in the axis's unit, and the summary line gives the headline year's net saving.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import re
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle, QTableView

from cutsim.api import Project
from cutsim.engine.money import SERIES
from cutsim.files.exchange import read_file
from cutsim.model.fmt import money, money_in_unit, table_unit, year_label
from cutsim.model.materiality import clean, materiality_floor
from cutsim.model.schema import PLACE_ID, headline_year
from ui.document import DocumentController
from ui.results import ResultsDock
from ui.results.plotkit import MoneyAxis
from ui.results.tables import RAW_ROLE
from ui.run_controller import RunController

REPO = Path(__file__).resolve().parents[2]
BUNDLED = sorted((REPO / "models").glob("*.cutsim")) + sorted((REPO / "scenarios").glob("*.cutsim"))
CASES = [(path, scenario.id) for path in BUNDLED for scenario in read_file(path).scenarios]
SI_MARK = re.compile(r"\(x\s*[0-9.e+-]+\)|×\s*10|x0\.|x1e")


def test_the_bundled_files_give_cases() -> None:
    assert len(BUNDLED) >= 5 and len(CASES) >= 7


@pytest.fixture
def shown(qtbot, request):
    path, scenario_id = request.param
    document = DocumentController(read_file(path))
    document.set_current_scenario(scenario_id)
    controller = RunController(document)
    others = [s.id for s in document.file.scenarios if s.id != scenario_id]
    if others:
        controller.set_comparison(others[0])
    results = ResultsDock(document, controller)
    qtbot.addWidget(results)
    results.resize(1280, 800)
    results.show()
    qtbot.waitUntil(lambda: controller.result is not None
                    and controller.result.scenario.id == scenario_id, timeout=10000)
    qtbot.waitUntil(lambda: (controller.comparison is not None) == bool(others), timeout=10000)
    expected = Project(document.file).run(scenario_id)
    other = Project(document.file).run(others[0]) if others else None
    yield results, expected, other
    controller.shutdown()


# ------------------------------------------------------------------ charts


def check_axes(widget: pg.PlotWidget) -> None:
    item = widget.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        assert not axis.autoSIPrefix and axis.autoSIPrefixScale == 1.0, name
        label = axis.labelString()
        assert not SI_MARK.search(label), label
        if isinstance(axis, MoneyAxis):
            assert {1.0: "£", 1e3: "£k", 1e6: "£m"}[axis.divisor] == axis.unit
            assert re.fullmatch(rf"{re.escape(axis.unit)}( a year)? \(\+ saving, − cost\)",
                                axis.labelText), axis.labelText
    # the ticks drawn on the y axis are plain numbers in its unit: no exponent, no "−0"
    axis = item.getAxis("left")
    low, high = item.vb.viewRange()[1]
    for spacing, values in axis.tickValues(low, high, 400):
        for text in axis.tickStrings(values, 1.0, spacing):
            assert "e" not in text and not re.fullmatch(r"[−-]0(\.0*)?", text), text


def check_legend(widget: pg.PlotWidget, stand_ins: dict) -> None:
    """Every legend entry is a series that is drawn; every drawn curve is named."""
    item = widget.getPlotItem()
    legend = item.legend
    named = []
    for sample_item, name in legend.entries:
        drawn = stand_ins.get(id(sample_item))
        if drawn is not None:
            assert drawn(), f"legend names {name!r}, which is not drawn"
        else:
            x, y = sample_item.getData()
            assert y is not None and len(y) > 0, f"legend names the empty series {name!r}"
        named.append(sample_item)
    for curve in item.listDataItems():
        if isinstance(curve, pg.BarGraphItem):
            assert not curve.isVisible() or curve in named, "drawn bars are missing from the legend"
            continue
        x, y = curve.getData()
        if y is not None and len(y) > 0 and curve.isVisible() and curve.opts["pen"] is not None \
                and curve.opts["pen"].style() != Qt.PenStyle.NoPen:
            assert curve in named, "a drawn series is missing from the legend"


def divisor(widget: pg.PlotWidget) -> float:
    return widget.getPlotItem().getAxis("left").divisor


def check_outcomes(results, expected, other) -> None:
    chart = results.outcomes
    model = expected.compiled.model
    for mode in ("change", "level"):
        chart.mode.setCurrentIndex(chart.mode.findData(mode))
        for oid in expected.compiled.outcome_ids:
            chart.outcome.setCurrentIndex(chart.outcome.findData(oid))
            assert chart.outcome_id == oid
            i = expected.compiled.outcome_index[oid]
            level = expected.compiled.outcome_baseline[i]
            np.testing.assert_allclose(chart.curves["scenario"].getData()[1] + chart.offset,
                                       level + expected.outcome_delta[i], rtol=1e-12, atol=1e-9)
            check_axes(chart.widget)
            stand_ins = {id(chart.band_key): chart.band.isVisible}
            check_legend(chart.widget, stand_ins)
            names = chart.legend.names()
            assert ("Comparison" in " ".join(names)) == (other is not None)
            assert not any("P10" in n for n in names)  # no Monte Carlo was run
            if mode == "level":
                low, high = chart.widget.getPlotItem().vb.viewRange()[1]
                assert low <= 0.0 <= high, "a level axis must start at zero"
                assert "axis from zero" in chart.widget.getPlotItem().getAxis("left").labelString()
    assert model.outcomes


def check_money(results, expected) -> None:
    chart = results.money
    cm = expected.compiled
    floor = materiality_floor(cm.model)
    for aid in [PLACE_ID, *cm.agency_ids]:
        chart.agency.setCurrentIndex(chart.agency.findData(aid))
        assert chart.agency_id == aid
        if aid == PLACE_ID:
            rates, annual = expected.place_rates, expected.place_annual
        else:
            i = cm.agency_index[aid]
            rates = {s: v[i] for s, v in expected.agency_rates.items()}
            annual = {s: v[i] for s, v in expected.agency_annual.items()}
        d = divisor(chart.widget)
        want = {"planned_saving": rates["planned_saving"], "knock_on_cost": -rates["knock_on_cost"],
                "net_saving": rates["net_saving"] + rates["one_off_cost"]}
        for key, curve in chart.curves.items():
            y = curve.getData()[1]
            if y is None or len(y) == 0:
                assert np.all(np.abs(want[key]) < floor), f"{aid} {key} is not drawn"
            else:
                np.testing.assert_allclose(y * d, want[key], rtol=1e-9, atol=floor)
        one_off = annual["one_off_cost"]
        if chart.one_off.isVisible():
            years = np.flatnonzero(np.abs(one_off) >= floor)
            np.testing.assert_allclose(chart.one_off.opts["height"] * d, -one_off[years], rtol=1e-12)
            np.testing.assert_allclose(chart.one_off.opts["x0"], years + 0.05)
        else:
            assert np.all(np.abs(one_off) < floor)
        magnitude = max(float(np.abs(v).max()) for v in want.values())
        assert magnitude < d * 1000 or d == 1e6, "the chart chose too small a unit"
        check_axes(chart.widget)
        check_legend(chart.widget, {id(chart.one_off): chart.one_off.isVisible})
        check_axes(chart.net_widget)
        check_legend(chart.net_widget, {})
    net = expected.agency_annual["net_saving"]
    for i, aid in enumerate(cm.agency_ids):
        y = chart.net_curves[aid].getData()[1]
        if y is not None and len(y):
            np.testing.assert_allclose(y * divisor(chart.net_widget), net[i], rtol=1e-12)


def check_waterfall(results, expected) -> None:
    chart = results.waterfall
    for mode in ("total", "npv"):
        chart.mode.setCurrentIndex(chart.mode.findData(mode))
        steps = chart.steps
        if mode == "total":
            assert steps[-1][1] == pytest.approx(expected.place_annual["net_saving"].sum(), abs=1e-6)
        else:
            assert steps[-1][1] == pytest.approx(expected.appraisal.place.npv, rel=1e-9, abs=1e-6)
        assert [label.textItem.toPlainText() for label in chart.labels] == [money(v) for _n, v in steps]
        np.testing.assert_allclose(np.asarray(chart.bars.opts["height"]) * chart.divisor,
                                   [v for _n, v in steps], rtol=1e-12, atol=1e-9)
        check_axes(chart.widget)


def check_compare(results, expected, other) -> None:
    chart = results.compare.chart
    d = divisor(chart.widget)
    np.testing.assert_allclose(chart.curves["current"].getData()[1] * d,
                               expected.place_annual["net_saving"], rtol=1e-12, atol=1e-9)
    if other is not None:
        np.testing.assert_allclose(chart.curves["comparison"].getData()[1] * d,
                                   other.place_annual["net_saving"], rtol=1e-12, atol=1e-9)
    check_axes(chart.widget)
    check_legend(chart.widget, {})


# ------------------------------------------------------------------ tables


def text_margin(view: QTableView) -> int:
    # QStyledItemDelegate leaves this on each side of a cell's text.
    return view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1


def check_not_elided(view: QTableView) -> None:
    model = view.model()
    assert model.rowCount() > 0
    margin = text_margin(view)
    for c in range(model.columnCount()):
        width = view.columnWidth(c)
        assert width > 0
        for r in range(model.rowCount()):
            index = model.index(r, c)
            text = model.data(index, Qt.ItemDataRole.DisplayRole) or ""
            font = model.data(index, Qt.ItemDataRole.FontRole) or view.font()
            metrics = QFontMetrics(QFont(font))
            need = max(metrics.horizontalAdvance(line) for line in text.split("\n")) + 2 * margin
            assert need <= width, f"cell ({r}, {c}) {text!r} needs {need}px, has {width}px"
    header = view.horizontalHeader()
    metrics = QFontMetrics(header.font())
    header_margin = view.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    for c in range(model.columnCount()):
        text = model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        lines = text.split("\n")
        need = max(metrics.horizontalAdvance(line) for line in lines) + 2 * header_margin
        assert need <= header.sectionSize(c), f"header {text!r} needs {need}px"
        assert len(lines) * metrics.lineSpacing() <= header.height(), f"header {text!r} is cut"
    vertical = view.verticalHeader()
    if vertical.isVisible():
        for r in range(model.rowCount()):
            text = model.headerData(r, Qt.Orientation.Vertical, Qt.ItemDataRole.DisplayRole)
            if text:
                need = metrics.horizontalAdvance(text) + 2 * header_margin
                assert need <= vertical.width(), f"row header {text!r} needs {need}px"


def check_cells_are_the_engines(model, floor: float, engine: dict) -> None:
    """``engine[(row, column)]`` = the engine's £; each cell shows it in the core's words,
    in the one unit the table chose from its figures (docs/user-guide.md "Money in tables")."""
    figures = [clean(v, floor) for v in engine.values() if v is not None and np.isfinite(v)]
    assert table_unit(figures) == model.unit or not figures
    for (r, c), value in engine.items():
        raw = model.data(model.index(r, c), RAW_ROLE)
        assert raw == pytest.approx(value, rel=1e-12, abs=1e-9), (r, c)
        shown = model.data(model.index(r, c), Qt.ItemDataRole.DisplayRole)
        if shown not in ("", "—"):
            signed = shown.startswith("+")
            assert shown == money_in_unit(clean(value, floor), model.unit, signed=signed), \
                (r, c, shown)


def check_tables(results, expected, other) -> None:
    cm = expected.compiled
    floor = materiality_floor(cm.model)
    ids = [*cm.agency_ids, PLACE_ID]
    appraisal = results.appraisal_model
    check_cells_are_the_engines(appraisal, floor, {
        (r, c): getattr(expected.appraisal.entities[aid], key)
        for r, aid in enumerate(ids) for c, key in ((0, "npv"), (1, "npv_adjusted"))})
    for r, aid in enumerate(ids):
        bcr = appraisal.data(appraisal.index(r, 3), Qt.ItemDataRole.DisplayRole)
        payback = appraisal.data(appraisal.index(r, 2), Qt.ItemDataRole.DisplayRole)
        annual = ({s: expected.agency_annual[s][r] for s in SERIES} if aid != PLACE_ID
                  else expected.place_annual)
        if np.all(annual["net_saving"] < floor):  # never saves: no payback, no meaningful ratio
            assert payback == "—" and bcr == "—", aid
        value = expected.appraisal.entities[aid].payback_year
        if payback not in ("—", "not within horizon"):
            assert payback == year_label(cm.model.place.base_year, value)
    shift = results.cost_shift_model
    check_cells_are_the_engines(shift, floor, {
        (i, j): expected.cost_shift_matrix[i, j]
        for i in range(len(cm.agency_ids)) for j in range(len(cm.agency_ids))})
    annual_model = results.annual_model
    engine = {}
    for b, aid in enumerate(ids):
        source = ({s: expected.agency_annual[s][b] for s in SERIES} if aid != PLACE_ID
                  else expected.place_annual)
        for k, series in enumerate(SERIES):
            r = b * len(SERIES) + k
            for y in range(cm.horizon_years):
                engine[(r, 2 + y)] = source[series][y]
            engine[(r, 2 + cm.horizon_years)] = float(sum(source[series]))
    check_cells_are_the_engines(annual_model, floor, engine)
    compare = results.compare.model
    engine = {(r, 0): expected.appraisal.entities[aid].npv for r, aid in enumerate(ids)}
    if other is not None:
        engine.update({(r, 1): other.appraisal.entities[aid].npv for r, aid in enumerate(ids)})
        engine.update({(r, 2): expected.appraisal.entities[aid].npv - other.appraisal.entities[aid].npv
                       for r, aid in enumerate(ids)})
    check_cells_are_the_engines(compare, floor, engine)


# ------------------------------------------------------------------ the test


@pytest.mark.parametrize("shown", CASES, indirect=True,
                         ids=[f"{p.stem}:{s}" for p, s in CASES])
def test_every_tab_reads_honestly(qtbot, shown):
    results, expected, other = shown
    cm = expected.compiled
    year = headline_year(expected.scenario, cm.horizon_years)
    assert f"In {year_label(cm.model.place.base_year, year)} (the headline year)" in results.status.text()
    assert money(float(expected.place_annual["net_saving"][year])) in results.status.text()
    pages = {results.outcomes: lambda: check_outcomes(results, expected, other),
             results.money: lambda: check_money(results, expected),
             results.waterfall: lambda: check_waterfall(results, expected),
             results.compare: lambda: check_compare(results, expected, other)}
    for index in range(results.tabs.count()):
        page = results.tabs.widget(index)
        if not results.tabs.isTabEnabled(index):
            # only the pools tab (no pool and no procurement) or the areas tab (a model
            # without areas) is ever disabled
            assert page in (results.pools, results.areas)
            if page is results.pools:
                assert not expected.settlement and not expected.procurement
            else:
                assert not expected.compiled.model.areas
            continue
        results.tabs.setCurrentIndex(index)
        qtbot.waitUntil(lambda i=index: i in results._drawn, timeout=5000)
        check = pages.get(page)
        if check is not None:
            check()
        views = [v for v in page.findChildren(QTableView) if not v.isHidden()]
        for view in views:
            qtbot.waitUntil(lambda v=view: v.model().rowCount() > 0 and v.columnWidth(0) > 0
                            and (v.verticalHeader().width() > 0 or v.verticalHeader().isHidden()),
                            timeout=5000)
            check_not_elided(view)
        # export actions only where there is something to export
        assert results.export_buttons["export-chart"].isEnabled() == bool(getattr(page, "plots", []))
        assert results.export_buttons["export-table"].isEnabled() == bool(views)
    check_tables(results, expected, other)
