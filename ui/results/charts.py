"""pyqtgraph charts of one result: outcomes, agency money, waterfall, comparison.

Every chart plots numbers read straight from the engine's :class:`~cutsim.appraise.result.Result`
(the only arithmetic here is changing units, £ → £m, and the sign of costs so that
"+ = good for the budget" holds on every money axis, DESIGN §3). Curves are created once
and updated with ``setData`` so a slider move redraws in a few milliseconds; tests read
the plotted numbers back with ``curve.getData()``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cutsim.appraise.appraisal import place_discount_factors
from cutsim.model.schema import PLACE_ID
from ui.palette import (
    BASELINE_COLOUR,
    COMPARISON_COLOUR,
    COST_COLOUR,
    NET_COLOUR,
    SAVING_COLOUR,
    SCENARIO_COLOUR,
    agency_colours,
    qcolor,
)
from ui.results.fmt import money, year_label

pg.setConfigOptions(antialias=False, background="w", foreground="k")  # fast redraw while dragging

MONEY_AXIS = "£m per year (+ = saving, − = cost)"
LINE_WIDTH = 2.5  # readable on a projector


class YearAxis(pg.AxisItem):
    """x axis in years from 1 April of base_year, labelled with financial years."""

    def __init__(self, base_year: int = 2026, horizon: int = 10) -> None:
        super().__init__(orientation="bottom")
        self.set_years(base_year, horizon)

    def set_years(self, base_year: int, horizon: int) -> None:
        self.base_year, self.horizon = base_year, horizon
        step = max(1, math.ceil(horizon / 8))
        major = [(float(y), year_label(base_year, y)) for y in range(0, horizon, step)]
        self.setTicks([major, [(float(y), "") for y in range(horizon + 1)]])
        self.setLabel(f"financial year (from 1 April {base_year})")


def plot_widget(title: str, y_label: str, base_year: int = 2026, horizon: int = 10) -> pg.PlotWidget:
    """A white plot with a financial-year x axis, a grid, a legend and a y label."""
    widget = pg.PlotWidget(axisItems={"bottom": YearAxis(base_year, horizon)})
    item = widget.getPlotItem()
    item.setTitle(title, size="12pt")
    item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.25)
    # A translucent legend box, so curves stay readable where it overlaps them.
    item.addLegend(offset=(10, 10), labelTextSize="10pt", brush=pg.mkBrush(255, 255, 255, 210),
                   pen=pg.mkPen("#999999"))
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("k")
        item.getAxis(axis).setPen("k")
    item.getAxis("left").setWidth(70)
    item.setMenuEnabled(False)  # export is offered by the dock's own actions
    return widget


def pen(colour: str, *, dash: bool = False, width: float = LINE_WIDTH) -> Any:
    style = Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine
    return pg.mkPen(colour, width=width, style=style)


def _set_years(widget: pg.PlotWidget, result: Any) -> None:
    axis = widget.getPlotItem().getAxis("bottom")
    place = result.compiled.model.place
    if (axis.base_year, axis.horizon) != (place.base_year, result.compiled.horizon_years):
        axis.set_years(place.base_year, result.compiled.horizon_years)


def _elide(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _empty(curve: pg.PlotDataItem) -> None:
    curve.setData([], [])


class _Chart(QWidget):
    """A chart with a selector row on top; ``plots`` lists its exportable plot widgets."""

    selectionChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(2, 2, 2, 2)
        self.controls = QHBoxLayout()
        self.layout_.addLayout(self.controls)
        self.plots: list[pg.PlotWidget] = []

    def combo(self, label: str, name: str) -> QComboBox:
        self.controls.addWidget(QLabel(label, self))
        box = QComboBox(self)
        box.setObjectName(name)
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        box.currentIndexChanged.connect(lambda _i: self.selectionChanged.emit())
        self.controls.addWidget(box)
        return box

    @staticmethod
    def fill_combo(box: QComboBox, items: list[tuple[str, str]]) -> None:
        """Replace the items (text, id), keeping the selected id if it is still there."""
        if [(box.itemText(i), box.itemData(i)) for i in range(box.count())] == items:
            return
        keep = box.currentData()
        box.blockSignals(True)
        box.clear()
        for text, ident in items:
            box.addItem(text, ident)
        index = box.findData(keep)
        box.setCurrentIndex(index if index >= 0 else 0)
        box.blockSignals(False)


# ---------------------------------------------------------------------------- outcomes


class OutcomeChart(_Chart):
    """One outcome's level over time: baseline, scenario, comparison, P10–P90 band."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = self.combo("Outcome:", "outcome-choice")
        self.controls.addStretch(1)
        self.widget = plot_widget("Outcome", "level")
        self.plots = [self.widget]
        self.layout_.addWidget(self.widget, 1)
        item = self.widget.getPlotItem()
        self.band_low = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band_high = pg.PlotDataItem(pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.band_low, self.band_high,
                                       brush=pg.mkBrush(qcolor(SCENARIO_COLOUR, 60)))
        item.addItem(self.band_low)
        item.addItem(self.band_high)
        item.addItem(self.band)
        self.curves = {
            "baseline": item.plot(pen=pen(BASELINE_COLOUR, dash=True), name="Baseline (no change)"),
            "scenario": item.plot(pen=pen(SCENARIO_COLOUR), name="Scenario"),
            "comparison": item.plot(pen=pen(COMPARISON_COLOUR, dash=True), name="Comparison"),
        }
        # The legend cannot draw a FillBetweenItem itself: a filled stand-in shows its colour.
        self.band_key = pg.PlotDataItem(pen=pg.mkPen(None), fillLevel=0,
                                        fillBrush=pg.mkBrush(qcolor(SCENARIO_COLOUR, 60)))
        item.legend.addItem(self.band_key, "Scenario P10–P90 (Monte Carlo)")
        self.outcome_id: str | None = None

    def update_result(self, result: Any, comparison: Any | None, mc: Any | None) -> None:
        model = result.compiled.model
        self.fill_combo(self.outcome, [(o.name, o.id) for o in model.outcomes])
        oid = self.outcome.currentData()
        self.outcome_id = oid
        i = result.compiled.outcome_index[oid]
        level = result.compiled.outcome_baseline[i]
        _set_years(self.widget, result)
        t = result.t
        outcome = model.outcome(oid)
        direction = "higher is better" if outcome.higher_is_better else "lower is better"
        item = self.widget.getPlotItem()
        item.setTitle(f"{outcome.name} ({direction})", size="12pt")
        item.setLabel("left", _elide(outcome.unit, 40))
        # Levels = baseline + ΔY, as Result.outcomes defines them (arrays: no DataFrame per move).
        self.curves["baseline"].setData(t, np.full(len(t), level))
        self.curves["scenario"].setData(t, level + result.outcome_delta[i])
        _rename_legend(self.widget.getPlotItem().legend, self.curves["scenario"],
                       f"Scenario: {result.scenario.name}")
        if comparison is not None:
            self.curves["comparison"].setData(t, level + comparison.outcome_delta[i])
        else:
            _empty(self.curves["comparison"])
        bands = (mc.uncertainty or {}).get("outcomes", {}).get(oid) if mc is not None else None
        if bands:
            self.band_low.setData(t, np.asarray(bands["p10"]))
            self.band_high.setData(t, np.asarray(bands["p90"]))
            self.band.setVisible(True)
        else:
            _empty(self.band_low)
            _empty(self.band_high)
            self.band.setVisible(False)


# ---------------------------------------------------------------------------- agency money


class AgencyMoneyChart(_Chart):
    """One agency's (or the place's) money over time, and every agency's net saving.

    Signs: planned saving is plotted as it is (+ = saving); knock-on and one-off costs are
    plotted negative, since they take money out of the budget; net = planned − costs.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agency = self.combo("Agency:", "agency-choice")
        self.controls.addStretch(1)
        self.widget = plot_widget("Money", MONEY_AXIS)
        self.net_widget = plot_widget("Net saving by agency", MONEY_AXIS)
        self.plots = [self.widget, self.net_widget]
        self.layout_.addWidget(self.widget, 3)
        self.layout_.addWidget(self.net_widget, 2)
        item = self.widget.getPlotItem()
        self.curves = {
            "planned_saving": item.plot(pen=pen(SAVING_COLOUR), name="Planned saving"),
            "knock_on_cost": item.plot(pen=pen(COST_COLOUR), name="Knock-on cost (−)"),
            "one_off_cost": item.plot(pen=pen("#CC79A7", dash=True), name="One-off cost (−)"),
            "net_saving": item.plot(pen=pen(NET_COLOUR, width=3.5), name="Net saving"),
        }
        item.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#555555", width=1)))
        self.net_curves: dict[str, pg.PlotDataItem] = {}
        self.agency_id: str | None = None

    def update_result(self, result: Any) -> None:
        cm = result.compiled
        names = {a.id: a.name for a in cm.model.agencies}
        self.fill_combo(self.agency, [("Whole place", PLACE_ID)]
                        + [(names[a], a) for a in cm.agency_ids])
        aid = self.agency.currentData()
        self.agency_id = aid
        for widget in self.plots:
            _set_years(widget, result)
        rates = result.place_rates if aid == PLACE_ID else {
            s: v[cm.agency_index[aid]] for s, v in result.agency_rates.items()}
        t = result.t
        signs = {"planned_saving": 1.0, "knock_on_cost": -1.0, "one_off_cost": -1.0,
                 "net_saving": 1.0}
        for series, curve in self.curves.items():
            curve.setData(t, signs[series] * rates[series] / 1e6)
        title = "Whole place" if aid == PLACE_ID else names[aid]
        self.widget.getPlotItem().setTitle(f"{title}: money, £m per year", size="12pt")
        self._update_net(result, names)

    def _update_net(self, result: Any, names: dict[str, str]) -> None:
        cm = result.compiled
        colours = agency_colours(cm.agency_ids)
        item = self.net_widget.getPlotItem()
        if list(self.net_curves) != list(cm.agency_ids):
            for curve in self.net_curves.values():
                item.removeItem(curve)
            item.legend.clear()
            item.legend.setColumnCount(4)  # eight agencies in two rows, clear of the curves
            self.net_curves = {a: item.plot(pen=pen(colours[a]), name=_elide(names[a], 22))
                               for a in cm.agency_ids}
        net = result.agency_rates["net_saving"]
        for i, aid in enumerate(cm.agency_ids):
            self.net_curves[aid].setData(result.t, net[i] / 1e6)


# ---------------------------------------------------------------------------- waterfall


def waterfall_steps(result: Any, mode: str) -> list[tuple[str, float]]:
    """(label, £) steps from planned saving to whole-place net saving.

    ``mode`` "total": annual figures summed over the horizon (undiscounted £);
    "npv": discounted with the Green Book factors the appraisal uses. Costs are negative.
    """
    cm = result.compiled
    annual = result.agency_annual
    weights = np.ones(cm.horizon_years)
    if mode == "npv":
        weights = place_discount_factors(cm.model.place, cm.horizon_years)
    steps = [("Planned saving", float(annual["planned_saving"].sum(axis=0) @ weights))]
    for i, aid in enumerate(cm.agency_ids):
        cost = float(annual["knock_on_cost"][i] @ weights)
        if abs(cost) >= 0.5:
            steps.append((f"Knock-on: {aid}", -cost))
    one_off = float(annual["one_off_cost"].sum(axis=0) @ weights)
    if abs(one_off) >= 0.5:
        steps.append(("One-off costs", -one_off))
    steps.append(("Net saving (place)", float(annual["net_saving"].sum(axis=0) @ weights)))
    return steps


class WaterfallChart(_Chart):
    """Planned saving → minus each agency's knock-on cost → minus one-off → net."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = self.combo("Show:", "waterfall-mode")
        self.fill_combo(self.mode, [("Total over the horizon (£m, undiscounted)", "total"),
                                    ("Net present value (£m, discounted)", "npv")])
        self.controls.addStretch(1)
        self.widget = pg.PlotWidget()
        item = self.widget.getPlotItem()
        item.showGrid(y=True, alpha=0.25)
        item.setLabel("left", "£m (+ = saving, − = cost)")
        item.getAxis("left").setWidth(70)
        item.setMenuEnabled(False)
        item.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#555555", width=1)))
        self.plots = [self.widget]
        self.layout_.addWidget(self.widget, 1)
        self.bars = pg.BarGraphItem(x0=[], y0=[], width=0.7, height=[])
        item.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.steps: list[tuple[str, float]] = []

    def update_result(self, result: Any) -> None:
        self.steps = waterfall_steps(result, self.mode.currentData())
        bottoms, heights, brushes = [], [], []
        running = 0.0
        last = len(self.steps) - 1
        for i, (_label, value) in enumerate(self.steps):
            if i in (0, last):  # first and last bars stand on zero
                bottoms.append(0.0)
                heights.append(value / 1e6)
                brushes.append(pg.mkBrush(SAVING_COLOUR if i == 0 else NET_COLOUR))
                running = value
            else:
                bottoms.append(running / 1e6)
                heights.append(value / 1e6)
                brushes.append(pg.mkBrush(COST_COLOUR if value < 0 else SAVING_COLOUR))
                running += value
        x = np.arange(len(self.steps), dtype=float)
        self.bars.setOpts(x0=x - 0.35, y0=bottoms, height=heights, width=0.7, brushes=brushes,
                          pens=[pg.mkPen("k", width=1)] * len(x))
        self._label_bars(x, bottoms, heights)
        axis = self.widget.getPlotItem().getAxis("bottom")
        axis.setTicks([[(float(i), _short(label, 12)) for i, (label, _v) in enumerate(self.steps)]])
        axis.setStyle(autoExpandTextSpace=True, hideOverlappingLabels=False)
        axis.setHeight(44)
        what = "total over the horizon" if self.mode.currentData() == "total" else "NPV"
        self.widget.getPlotItem().setTitle(f"Planned saving → whole-place net saving ({what})",
                                           size="11pt")

    def _label_bars(self, x: np.ndarray, bottoms: list[float], heights: list[float]) -> None:
        item = self.widget.getPlotItem()
        for label in self.labels:
            item.removeItem(label)
        self.labels = []
        for xi, b, h, (_name, value) in zip(x, bottoms, heights, self.steps):
            top = max(b, b + h)
            text = pg.TextItem(money(value), color="k", anchor=(0.5, 1.0))
            text.setPos(float(xi), top)
            item.addItem(text)
            self.labels.append(text)


def _short(label: str, width: int = 18) -> str:
    """Wrap a bar label onto two lines so ten bars fit under a projector chart."""
    if len(label) <= width:
        return label
    cut = label.rfind(" ", 0, width)
    cut = cut if cut > 0 else width
    rest = label[cut:].strip()
    return label[:cut] + "\n" + (rest if len(rest) <= width else rest[: width - 1] + "…")


# ---------------------------------------------------------------------------- compare


class CompareChart(_Chart):
    """The place's net saving over time: current scenario beside the comparison."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel("Tick a scenario in the scenario list to compare it.", self)
        self.controls.addWidget(self.note)
        self.controls.addStretch(1)
        self.widget = plot_widget("Whole place: net saving, £m per year", MONEY_AXIS)
        self.plots = [self.widget]
        self.layout_.addWidget(self.widget, 1)
        item = self.widget.getPlotItem()
        self.curves = {
            "current": item.plot(pen=pen(SCENARIO_COLOUR), name="Current"),
            "comparison": item.plot(pen=pen(COMPARISON_COLOUR, dash=True), name="Comparison"),
        }
        item.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen("#555555", width=1)))

    def update_result(self, result: Any, comparison: Any | None) -> None:
        _set_years(self.widget, result)
        self.curves["current"].setData(result.t, result.place_rates["net_saving"] / 1e6)
        legend = self.widget.getPlotItem().legend
        _rename_legend(legend, self.curves["current"], f"Current: {result.scenario.name}")
        if comparison is None:
            _empty(self.curves["comparison"])
            self.note.setText("Tick a scenario in the scenario list to compare it.")
        else:
            self.curves["comparison"].setData(comparison.t,
                                              comparison.place_rates["net_saving"] / 1e6)
            _rename_legend(legend, self.curves["comparison"],
                           f"Comparison: {comparison.scenario.name}")
            self.note.setText(f"Comparing with “{comparison.scenario.name}”")


def _rename_legend(legend: Any, curve: pg.PlotDataItem, text: str) -> None:
    for sample, label in legend.items:
        if sample.item is curve and label.text != text:
            label.setText(text)
