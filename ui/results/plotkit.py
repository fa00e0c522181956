"""The pieces every results chart is built from: honest axes, a legend outside the data,
and a hover read-out of exact values.

- Money axes name their unit (£, £k or £m, chosen per chart from the largest magnitude
  plotted, :func:`cutsim.model.fmt.axis_unit`) in the label; pyqtgraph's automatic SI
  multiplier is switched off on every axis, so a tick never reads "x0.001".
- The legend sits below the plot, outside the data, and lists only the series shown.
- Hovering a plot shows the exact value (to the penny for money), the financial year
  and the series, as a tooltip; :meth:`HoverReadout.text_at` gives the same text to tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QCursor
from PySide6.QtWidgets import QToolTip

from cutsim.model.fmt import axis_unit, money_exact, tick, year_label
from cutsim.model.schema import headline_year

if TYPE_CHECKING:
    from cutsim.appraise.result import Result

pg.setConfigOptions(antialias=False, background="w", foreground="k")  # fast redraw while dragging

LINE_WIDTH = 2.5  # readable on a projector
SIGNS = "(+ saving, − cost)"
MONEY_AXIS = f"£ a year {SIGNS}"  # before the first result picks the chart's unit
LEGEND_ROW, LEGEND_COLUMN = 4, 1  # PlotItem's grid: row 3 is the bottom axis


def pen(colour: str, *, dash: bool = False, width: float = LINE_WIDTH) -> Any:
    style = Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine
    return pg.mkPen(colour, width=width, style=style)


class PlainAxis(pg.AxisItem):
    """An axis without pyqtgraph's automatic SI multiplier; ticks with a real minus sign."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation=orientation)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [tick(v * scale, spacing * scale) for v in values]


class MoneyAxis(PlainAxis):
    """A £ axis: values are plotted divided by ``divisor`` and the label names the unit."""

    def __init__(self, orientation: str = "left", per: str = "a year") -> None:
        super().__init__(orientation)
        self.per = per
        self.divisor, self.unit = 1.0, "£"
        self._show_unit()

    def choose(self, magnitude: float) -> float:
        """Pick £, £k or £m for the largest |value| (£) plotted; returns the divisor."""
        self.divisor, self.unit = axis_unit(magnitude)
        self._show_unit()
        return self.divisor

    def _show_unit(self) -> None:
        per = f" {self.per}" if self.per else ""
        self.setLabel(f"{self.unit}{per} {SIGNS}")


class YearAxis(PlainAxis):
    """x axis in years from 1 April of base_year, labelled with financial years."""

    def __init__(self, base_year: int = 2026, horizon: int = 10) -> None:
        super().__init__("bottom")
        self.set_years(base_year, horizon)

    def set_years(self, base_year: int, horizon: int) -> None:
        self.base_year, self.horizon = base_year, horizon
        step = max(1, math.ceil(horizon / 8))
        major = [(float(y), year_label(base_year, y)) for y in range(0, horizon, step)]
        self.setTicks([major, [(float(y), "") for y in range(horizon + 1)]])
        self.setLabel(f"financial year (from 1 April {base_year})")


class OutsideLegend(pg.LegendItem):
    """A legend in the plot's grid below the x axis: it never covers the data.

    ``show_only`` lists the (item, name) pairs to show, so a legend names only the series
    that are drawn.
    """

    def __init__(self, plot_item: pg.PlotItem, columns: int = 4) -> None:
        super().__init__(offset=None, labelTextSize="10pt", colCount=columns)
        plot_item.layout.addItem(self, LEGEND_ROW, LEGEND_COLUMN)
        plot_item.layout.setRowStretchFactor(LEGEND_ROW, 0)
        self.entries: list[tuple[Any, str]] = []
        self.max_columns = columns
        self._plot_item = plot_item
        # a narrow panel (a laptop's screen) stacks the entries rather than cutting them off
        plot_item.vb.sigResized.connect(lambda _vb: self.fit_columns())

    def fit_columns(self, width: float | None = None) -> int:
        """Lay the entries out in as many columns (up to ``max_columns``) as fit side by
        side in ``width`` (scene px; the plot's width when None). Returns the count."""
        width = float(self._plot_item.width() if width is None else width)
        widths = [sample.boundingRect().width() + label.boundingRect().width() + 12
                  for sample, label in self.items]
        n = max(1, min(self.max_columns, len(widths)))
        while n > 1 and sum(max(widths[c::n]) for c in range(n)) > width:
            n -= 1
        self.setColumnCount(n)
        return n

    def show_only(self, entries: Sequence[tuple[Any, str]]) -> None:
        entries = list(entries)
        if entries == self.entries:
            return
        self.clear()
        for item, name in entries:
            self.addItem(item, name)
        self.entries = entries
        self.setVisible(bool(entries))
        self.fit_columns()
        self.updateGeometry()

    def names(self) -> list[str]:
        return [label.text for _sample, label in self.items]


def plot_widget(title: str, y_label: str | None = None, base_year: int = 2026, horizon: int = 10,
                *, money: bool = True, per: str = "a year") -> pg.PlotWidget:
    """A white plot with a financial-year x axis, a grid, a legend below and a y axis.

    With ``money`` the left axis is a :class:`MoneyAxis` (its unit is chosen per update);
    otherwise a plain axis labelled ``y_label``.
    """
    left = MoneyAxis("left", per) if money else PlainAxis("left")
    widget = pg.PlotWidget(axisItems={"bottom": YearAxis(base_year, horizon), "left": left})
    item = widget.getPlotItem()
    item.setTitle(title, size="12pt")
    if not money and y_label:
        item.setLabel("left", y_label)
    item.showGrid(x=True, y=True, alpha=0.25)
    item.legend = OutsideLegend(item)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setTextPen("k")
        item.getAxis(axis).setPen("k")
    item.getAxis("left").setWidth(74)
    item.setMenuEnabled(False)  # export is offered by the dock's own actions
    return widget


class HeadlineMark:
    """A light band over the scenario's headline financial year (docs/result-format.md), so a chart
    shows the year every summary quotes."""

    def __init__(self, widget: pg.PlotWidget) -> None:
        self.region = pg.LinearRegionItem(values=(0, 1), movable=False,
                                          brush=pg.mkBrush(255, 200, 0, 40),
                                          pen=pg.mkPen(None))
        self.region.setZValue(-10)
        widget.getPlotItem().addItem(self.region, ignoreBounds=True)
        self.year: int | None = None

    def show_year(self, result: Result) -> None:
        self.year = headline_year(result.scenario, result.compiled.horizon_years)
        self.region.setRegion((self.year, self.year + 1))


def set_years(widget: pg.PlotWidget, result: Result) -> None:
    axis = widget.getPlotItem().getAxis("bottom")
    place = result.compiled.model.place
    if (axis.base_year, axis.horizon) != (place.base_year, result.compiled.horizon_years):
        axis.set_years(place.base_year, result.compiled.horizon_years)


def empty(curve: pg.PlotDataItem) -> None:
    curve.setData([], [])


# ---------------------------------------------------------------------------- hover


@dataclass
class HoverSeries:
    """One series for the hover read-out: exact values over ``x``.

    ``annual``: x holds financial-year edges (H+1) and ``values`` one figure per year;
    otherwise ``values`` are at the points ``x``. ``text`` formats one value.
    """

    name: str
    x: np.ndarray
    values: np.ndarray
    text: Callable[[float], str]
    annual: bool = False

    def value_at(self, x: float) -> float | None:
        if len(self.values) == 0:
            return None
        if self.annual:
            year = int(math.floor(x))
            return float(self.values[year]) if 0 <= year < len(self.values) else None
        i = int(np.argmin(np.abs(self.x - x)))
        return float(self.values[i])


def per_year(value: float) -> str:
    return f"{money_exact(value)} a year"


def in_the_year(value: float) -> str:
    return f"{money_exact(value)} in the year"


class HoverReadout:
    """Shows the series' exact values at the pointer as a tooltip over ``widget``."""

    def __init__(self, widget: pg.PlotWidget) -> None:
        self.widget = widget
        self.series: list[HoverSeries] = []
        self.base_year = 2026
        self.headline_year: int | None = None
        self.last_text = ""
        widget.scene().sigMouseMoved.connect(self._moved)

    def set_series(self, base_year: int, series: Sequence[HoverSeries],
                   headline_year: int | None = None) -> None:
        self.base_year, self.headline_year = base_year, headline_year
        self.series = list(series)

    def text_at(self, x: float) -> str:
        """The read-out at time ``x`` (years from 1 April of the base year)."""
        if not self.series or x < 0:
            return ""
        year = int(math.floor(x + 1e-9))
        headline = " (the headline year)" if year == self.headline_year else ""
        lines = [f"{year_label(self.base_year, year)}{headline}, t = {x:.2f} years"]
        for series in self.series:
            value = series.value_at(x)
            if value is not None:
                lines.append(f"{series.name}: {series.text(value)}")
        return "\n".join(lines) if len(lines) > 1 else ""

    def _moved(self, position: QPointF) -> None:
        view = self.widget.getPlotItem().vb
        if not view.sceneBoundingRect().contains(position):
            QToolTip.hideText()
            return
        x = view.mapSceneToView(position).x()
        self.last_text = self.text_at(x)
        if self.last_text:
            QToolTip.showText(QCursor.pos(), self.last_text, self.widget)
        else:
            QToolTip.hideText()
