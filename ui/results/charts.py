"""pyqtgraph charts of one result: outcomes, agency money, waterfall, comparison.

Every chart plots numbers read straight from the engine's :class:`~cutsim.appraise.result.Result`
(the only arithmetic here is the axis unit, £ → £k or £m, and the sign of costs so that
"+ = good for the budget" holds on every money axis, docs/mathematics.md). Curves are created once
and updated with ``setData`` so a slider move redraws in a few milliseconds; tests read
the plotted numbers back with ``curve.getData()`` and the axis's ``divisor``.

A series that is nothing everywhere (below the place's materiality floor) is not drawn
and not named in the legend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from cutsim.model.fmt import money, money_exact, number, wrap_words
from cutsim.model.materiality import is_nothing, materiality_floor
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
from ui.results.plotkit import (
    MONEY_AXIS,
    HeadlineMark,
    HoverReadout,
    HoverSeries,
    MoneyAxis,
    OutsideLegend,
    PlainAxis,
    empty,
    in_the_year,
    pen,
    per_year,
    plot_widget,
    set_years,
)

if TYPE_CHECKING:

    from cutsim.appraise.result import Result

ONE_OFF_COLOUR = "#CC79A7"
ZERO_PEN = pg.mkPen("#555555", width=1)

__all__ = [
    "MONEY_AXIS",
    "AgencyMoneyChart",
    "CompareChart",
    "OutcomeChart",
    "WaterfallChart",
    "pen",
    "plot_widget",
    "waterfall_steps",
]


def labels(result: Result) -> dict[str, str]:
    """Agency id → the name to show where space is tight (short name); the place too."""
    names = {a.id: a.label for a in result.compiled.model.agencies}
    names[PLACE_ID] = "Whole place"
    return names


def full_names(result: Result) -> dict[str, str]:
    names = {a.id: a.name for a in result.compiled.model.agencies}
    names[PLACE_ID] = "Whole place"
    return names


def shown(values: np.ndarray, floor: float) -> bool:
    """True when a series has something in it above the materiality floor."""
    return len(values) > 0 and not bool(np.all(is_nothing(values, floor)))


def year_edges(horizon: int) -> np.ndarray:
    """x of the financial-year edges 0, 1, …, H: annual figures are drawn as steps."""
    return np.arange(horizon + 1, dtype=float)


def money_axis(widget: pg.PlotWidget) -> MoneyAxis:
    return widget.getPlotItem().getAxis("left")


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
    """One outcome over time: change from baseline (default) or level on an axis from zero.

    Series: baseline, scenario, comparison (when one is ticked), P10–P90 band (after a
    Monte Carlo run).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome = self.combo("Outcome:", "outcome-choice")
        self.mode = self.combo("Show:", "outcome-mode")
        self.fill_combo(self.mode, [("Change from baseline", "change"),
                                    ("Level (axis from zero)", "level")])
        self.controls.addStretch(1)
        self.widget = plot_widget("Outcome", "level", money=False)
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
        # No clipping to the view (pyqtgraph's dynamic range limit): outcome levels run to
        # hundreds of millions and the curve must hold exactly the engine's numbers.
        self.curves = {
            "baseline": item.plot(pen=pen(BASELINE_COLOUR, dash=True), dynamicRangeLimit=None),
            "scenario": item.plot(pen=pen(SCENARIO_COLOUR), dynamicRangeLimit=None),
            "comparison": item.plot(pen=pen(COMPARISON_COLOUR, dash=True), dynamicRangeLimit=None),
        }
        # The legend cannot draw a FillBetweenItem itself: a filled stand-in shows its colour.
        self.band_key = pg.PlotDataItem(pen=pg.mkPen(None), fillLevel=0,
                                        fillBrush=pg.mkBrush(qcolor(SCENARIO_COLOUR, 60)))
        self.legend: OutsideLegend = item.legend
        self.hover = HoverReadout(self.widget)
        self.headline = HeadlineMark(self.widget)
        self.outcome_id: str | None = None
        self.offset = 0.0  # subtracted from levels: the baseline in "change" mode

    def update_result(self, result: Result, comparison: Result | None, mc: Result | None) -> None:
        model = result.compiled.model
        self.fill_combo(self.outcome, [(o.name, o.id) for o in model.outcomes])
        oid = self.outcome.currentData()
        self.outcome_id = oid
        change = self.mode.currentData() == "change"
        i = result.compiled.outcome_index[oid]
        level = float(result.compiled.outcome_baseline[i])
        self.offset = level if change else 0.0
        set_years(self.widget, result)
        self.headline.show_year(result)
        t = result.t
        outcome = model.outcome(oid)
        direction = "higher is better" if outcome.higher_is_better else "lower is better"
        item = self.widget.getPlotItem()
        item.setTitle(f"{outcome.name} ({direction})", size="12pt")
        item.setLabel("left", f"change from baseline, {outcome.unit}" if change
                      else f"{outcome.unit} (axis from zero)")
        # Levels = baseline + ΔY, as Result.outcomes defines them; "change" shows ΔY.
        base = level - self.offset
        self.curves["baseline"].setData(t, np.full(len(t), base))
        scenario = level + result.outcome_delta[i] - self.offset
        self.curves["scenario"].setData(t, scenario)
        entries = [(self.curves["baseline"], "Baseline (no change)"),
                   (self.curves["scenario"], f"Scenario: {result.scenario.name}")]
        hover = [HoverSeries("Scenario", t, level + result.outcome_delta[i], self._level_text),
                 HoverSeries("Change from baseline", t, result.outcome_delta[i], self._change_text)]
        data = [scenario, np.array([base])]
        if comparison is not None:
            other = level + comparison.outcome_delta[i] - self.offset
            self.curves["comparison"].setData(t, other)
            entries.append((self.curves["comparison"], f"Comparison: {comparison.scenario.name}"))
            hover.append(HoverSeries("Comparison", t, level + comparison.outcome_delta[i],
                                     self._level_text))
            data.append(other)
        else:
            empty(self.curves["comparison"])
        bands = None
        if mc is not None and mc.uncertainty is not None:
            bands = mc.uncertainty.outcomes.get(oid)
        if bands is not None:
            low, high = np.asarray(bands.p10), np.asarray(bands.p90)
            self.band_low.setData(t, low - self.offset)
            self.band_high.setData(t, high - self.offset)
            self.band.setVisible(True)
            entries.append((self.band_key, "Scenario P10–P90 (Monte Carlo)"))
            data += [low - self.offset, high - self.offset]
        else:
            empty(self.band_low)
            empty(self.band_high)
            self.band.setVisible(False)
        self.legend.show_only(entries)
        self._unit = outcome.unit
        self.hover.set_series(model.place.base_year, hover, self.headline.year)
        self._set_range(np.concatenate(data), change)

    def _level_text(self, value: float) -> str:
        return f"{number(value, 3)} {self._unit}"

    def _change_text(self, value: float) -> str:
        return f"{'+' if value > 0 else ''}{number(value, 3)} {self._unit}"

    def _set_range(self, values: np.ndarray, change: bool) -> None:
        view = self.widget.getPlotItem().vb
        if change:
            view.enableAutoRange(axis=pg.ViewBox.YAxis)
            return
        # Levels: the axis includes zero, so a small rise does not look vertical.
        low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
        view.setYRange(low, high if high > low else low + 1.0, padding=0.05)


# ---------------------------------------------------------------------------- agency money


class AgencyMoneyChart(_Chart):
    """One agency's (or the place's) money over time, and every agency's net saving.

    Top: planned saving (+), knock-on cost (−) and the net saving before one-off costs as
    £/yr rates; one-off costs as bars of £ in their financial year (a bar one year wide,
    so its height is the year's £). Bottom: each agency's net saving per financial year
    (after one-off costs), as steps.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.agency = self.combo("Agency:", "agency-choice")
        self.controls.addStretch(1)
        self.widget = plot_widget("Money")
        self.net_widget = plot_widget("Net saving by agency, per financial year (after one-off costs)")
        self.plots = [self.widget, self.net_widget]
        self.layout_.addWidget(self.widget, 3)
        self.layout_.addWidget(self.net_widget, 2)
        item = self.widget.getPlotItem()
        self.one_off = pg.BarGraphItem(x0=[], height=[], width=0.9,
                                       brush=pg.mkBrush(qcolor(ONE_OFF_COLOUR, 170)),
                                       pen=pg.mkPen(ONE_OFF_COLOUR))
        item.addItem(self.one_off)
        # Net first, wide: where knock-on cost is all there is (net = −knock-on), the
        # knock-on line still shows on top of it.
        net = item.plot(pen=pen(NET_COLOUR, width=5))
        self.curves = {
            "planned_saving": item.plot(pen=pen(SAVING_COLOUR)),
            "knock_on_cost": item.plot(pen=pen(COST_COLOUR)),
            "net_saving": net,
        }
        self.one_off_values = np.zeros(0)  # £ per financial year, as a cost (+)
        item.addItem(pg.InfiniteLine(0, angle=0, pen=ZERO_PEN))
        self.net_widget.getPlotItem().addItem(pg.InfiniteLine(0, angle=0, pen=ZERO_PEN))
        self.hover = HoverReadout(self.widget)
        self.net_hover = HoverReadout(self.net_widget)
        self.headlines = [HeadlineMark(self.widget), HeadlineMark(self.net_widget)]
        self.net_curves: dict[str, pg.PlotDataItem] = {}
        self.agency_id: str | None = None
        self.note = QLabel("", self)
        self.note.setObjectName("money-note")
        self.controls.addWidget(self.note)

    def update_result(self, result: Result) -> None:
        cm = result.compiled
        short, full = labels(result), full_names(result)
        self.fill_combo(self.agency, [("Whole place", PLACE_ID)]
                        + [(full[a], a) for a in cm.agency_ids])
        aid = self.agency.currentData()
        self.agency_id = aid
        floor = materiality_floor(cm.model)
        for widget in self.plots:
            set_years(widget, result)
        for mark in self.headlines:
            mark.show_year(result)
        if aid == PLACE_ID:
            rates, annual = result.place_rates, result.place_annual
        else:
            i = cm.agency_index[aid]
            rates = {s: v[i] for s, v in result.agency_rates.items()}
            annual = {s: v[i] for s, v in result.agency_annual.items()}
        t = result.t
        series = {"planned_saving": rates["planned_saving"],
                  "knock_on_cost": -rates["knock_on_cost"],
                  "net_saving": rates["planned_saving"] - rates["knock_on_cost"]}
        one_off = np.asarray(annual["one_off_cost"], dtype=float)
        has_one_off = shown(one_off, floor)
        magnitude = max([float(np.abs(v).max()) for v in series.values()]
                        + [float(np.abs(one_off).max()) if has_one_off else 0.0])
        divisor = money_axis(self.widget).choose(magnitude)
        names = {"planned_saving": "Planned saving", "knock_on_cost": "Knock-on cost (−)",
                 "net_saving": "Net saving before one-off costs"}
        entries, hover = [], []
        for key, curve in self.curves.items():
            if shown(series[key], floor):
                curve.setData(t, series[key] / divisor)
                entries.append((curve, names[key]))
                hover.append(HoverSeries(names[key], t, series[key], per_year))
            else:
                empty(curve)
        self.one_off_values = one_off
        if has_one_off:
            years = np.flatnonzero(~is_nothing(one_off, floor))
            self.one_off.setOpts(x0=years + 0.05, height=-one_off[years] / divisor, width=0.9)
            self.one_off.setVisible(True)
            entries.append((self.one_off, "One-off cost (−), £ in its financial year"))
            hover.append(HoverSeries("One-off cost", np.arange(len(one_off) + 1.0), one_off,
                                     in_the_year, annual=True))
        else:
            self.one_off.setOpts(x0=[], height=[], width=0.9)
            self.one_off.setVisible(False)
        self.widget.getPlotItem().legend.show_only(entries)
        self.hover.set_series(cm.model.place.base_year, hover, self.headlines[0].year)
        title = "Whole place" if aid == PLACE_ID else short[aid]
        self.widget.getPlotItem().setTitle(f"{title}: money over time", size="12pt")
        self.note.setText("" if entries else "No money changes for this agency in this scenario.")
        self._update_net(result, short, floor)

    def _update_net(self, result: Result, short: dict[str, str], floor: float) -> None:
        cm = result.compiled
        colours = agency_colours(cm.agency_ids)
        item = self.net_widget.getPlotItem()
        if list(self.net_curves) != list(cm.agency_ids):
            for curve in self.net_curves.values():
                item.removeItem(curve)
            self.net_curves = {a: item.plot(pen=pen(colours[a]), stepMode="center")
                               for a in cm.agency_ids}
        net = result.agency_annual["net_saving"]
        divisor = money_axis(self.net_widget).choose(float(np.abs(net).max()) if net.size else 0.0)
        edges = year_edges(cm.horizon_years)
        entries, hover = [], []
        for i, aid in enumerate(cm.agency_ids):
            curve = self.net_curves[aid]
            if shown(net[i], floor):
                curve.setData(edges, net[i] / divisor)
                entries.append((curve, short[aid]))
                hover.append(HoverSeries(short[aid], edges, net[i], in_the_year, annual=True))
            else:
                empty(curve)
        item.legend.show_only(entries)
        self.net_hover.set_series(cm.model.place.base_year, hover, self.headlines[0].year)


# ---------------------------------------------------------------------------- waterfall


def waterfall_steps(result: Result, mode: str) -> list[tuple[str, float]]:
    """(label, £) steps from planned saving to whole-place net saving, as the appraisal
    made them (:func:`cutsim.appraise.appraisal.waterfall`); only the labels are the app's.

    ``mode`` "total": annual figures summed over the horizon (undiscounted £);
    "npv": discounted with the place's factors, those of every NPV. Costs are negative.
    """
    waterfall = result.appraisal.waterfall
    if waterfall is None:  # (every run makes one; a result without it has no steps)
        return []
    short = labels(result)
    names = {"planned_saving": "Planned saving", "one_off_cost": "One-off costs",
             "net_saving": "Net saving (place)"}
    return [(f"Knock-on: {short[step.agency or PLACE_ID]}" if step.kind == "knock_on_cost"
             else names[step.kind], step.amount)
            for step in waterfall.steps(mode)]


class WaterfallChart(_Chart):
    """Planned saving → minus each agency's knock-on cost → minus one-off → net."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = self.combo("Show:", "waterfall-mode")
        self.fill_combo(self.mode, [("Total over the horizon (undiscounted)", "total"),
                                    ("Net present value (discounted)", "npv")])
        self.controls.addStretch(1)
        self.axis = MoneyAxis("left", per="")
        self.widget = pg.PlotWidget(axisItems={"left": self.axis, "bottom": PlainAxis("bottom")})
        item = self.widget.getPlotItem()
        item.showGrid(y=True, alpha=0.25)
        item.getAxis("left").setWidth(74)
        item.setMenuEnabled(False)
        item.addItem(pg.InfiniteLine(0, angle=0, pen=ZERO_PEN))
        self.plots = [self.widget]
        self.layout_.addWidget(self.widget, 1)
        self.bars = pg.BarGraphItem(x0=[], y0=[], width=0.7, height=[])
        item.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.steps: list[tuple[str, float]] = []
        self.divisor = 1.0

    def update_result(self, result: Result) -> None:
        self.steps = waterfall_steps(result, self.mode.currentData())
        running, peak = 0.0, 0.0
        for i, (_label, value) in enumerate(self.steps):
            running = value if i in (0, len(self.steps) - 1) else running + value
            peak = max(peak, abs(running), abs(value))
        self.divisor = d = self.axis.choose(peak)
        bottoms, heights, brushes = [], [], []
        running = 0.0
        last = len(self.steps) - 1
        for i, (_label, value) in enumerate(self.steps):
            if i in (0, last):  # first and last bars stand on zero
                bottoms.append(0.0)
                heights.append(value / d)
                brushes.append(pg.mkBrush(SAVING_COLOUR if i == 0 else NET_COLOUR))
                running = value
            else:
                bottoms.append(running / d)
                heights.append(value / d)
                brushes.append(pg.mkBrush(COST_COLOUR if value < 0 else SAVING_COLOUR))
                running += value
        x = np.arange(len(self.steps), dtype=float)
        self.bars.setOpts(x0=x - 0.35, y0=bottoms, height=heights, width=0.7, brushes=brushes,
                          pens=[pg.mkPen("k", width=1)] * len(x))
        self._label_bars(x, bottoms, heights)
        axis = self.widget.getPlotItem().getAxis("bottom")
        axis.setTicks([[(float(i), wrap_words(label, 14)) for i, (label, _v) in enumerate(self.steps)]])
        axis.setStyle(autoExpandTextSpace=True, hideOverlappingLabels=False)
        axis.setHeight(44)
        what = "total over the horizon, undiscounted" if self.mode.currentData() == "total" \
            else "net present value, discounted"
        self.widget.getPlotItem().setTitle(f"Planned saving → whole-place net saving ({what})",
                                           size="11pt")
        self.widget.setToolTip("\n".join(f"{label}: {money_exact(value)}"
                                         for label, value in self.steps))

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



# ---------------------------------------------------------------------------- compare


class CompareChart(_Chart):
    """The place's net saving per financial year: the current scenario and up to three others."""

    KEYS = ("comparison", "comparison-2", "comparison-3")
    # Colour-blind safe and told apart by dash pattern too (vermillion, green, purple).
    STYLES = ((COMPARISON_COLOUR, Qt.PenStyle.DashLine), ("#009E73", Qt.PenStyle.DotLine),
              ("#CC79A7", Qt.PenStyle.DashDotLine))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = QLabel("Tick up to three scenarios in the scenario list to compare them.", self)
        # the names of three scenarios wrap onto more lines; they never widen the window
        self.note.setWordWrap(True)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.controls.addWidget(self.note, 1)
        self.widget = plot_widget("Whole place: net saving per financial year")
        self.plots = [self.widget]
        self.layout_.addWidget(self.widget, 1)
        item = self.widget.getPlotItem()
        self.curves = {"current": item.plot(pen=pen(SCENARIO_COLOUR), stepMode="center")}
        for key, (colour, style) in zip(self.KEYS, self.STYLES):
            self.curves[key] = item.plot(pen=pg.mkPen(colour, width=2.5, style=style),
                                         stepMode="center")
        item.addItem(pg.InfiniteLine(0, angle=0, pen=ZERO_PEN))
        self.hover = HoverReadout(self.widget)
        self.headline = HeadlineMark(self.widget)

    def update_result(self, result: Result, comparisons: Result | list[Result] | None) -> None:
        """Draw ``result`` and ``comparisons`` (a result, a list of up to three, or None)."""
        others: list[Result] = [] if comparisons is None else (
            list(comparisons) if isinstance(comparisons, (list, tuple)) else [comparisons])
        others = others[:len(self.KEYS)]
        set_years(self.widget, result)
        self.headline.show_year(result)
        edges = year_edges(result.compiled.horizon_years)
        current = result.place_annual["net_saving"]
        series = [o.place_annual["net_saving"] for o in others]
        magnitude = max([float(np.abs(current).max())] + [float(np.abs(v).max()) for v in series])
        divisor = money_axis(self.widget).choose(magnitude)
        self.curves["current"].setData(edges, current / divisor)
        entries = [(self.curves["current"], f"Current: {result.scenario.name}")]
        hover = [HoverSeries("Current", edges, current, in_the_year, annual=True)]
        for i, key in enumerate(self.KEYS):
            if i >= len(others):
                empty(self.curves[key])
                continue
            self.curves[key].setData(edges, series[i] / divisor)
            entries.append((self.curves[key], others[i].scenario.name))
            hover.append(HoverSeries(others[i].scenario.name, edges, series[i], in_the_year,
                                     annual=True))
        if others:
            names = ", ".join(f"“{o.scenario.name}”" for o in others)
            self.note.setText(f"Comparing with {names}")
        else:
            self.note.setText("Tick up to three scenarios in the scenario list to compare them.")
        self.widget.getPlotItem().legend.show_only(entries)
        self.hover.set_series(result.compiled.model.place.base_year, hover, self.headline.year)
