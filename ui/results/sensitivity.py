"""The Sensitivity tab (a tornado of the current scenario) and the Compare tab's value of
information table. Both only show what the core computes
(:func:`cutsim.appraise.sensitivity.analyse`, :func:`cutsim.appraise.evppi.evppi_table`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.schema import headline_year
from ui.palette import COST_COLOUR, SAVING_COLOUR
from ui.results.charts import _Chart
from ui.results.fmt import MINUS, money, year_label
from ui.results.tables import _Table

if TYPE_CHECKING:
    from cutsim.appraise.result import Result
    from cutsim.model.schema import Model, Scenario

LOW_COLOUR, HIGH_COLOUR = COST_COLOUR, SAVING_COLOUR
EVPPI_DRAWS = 2048


class TornadoTableModel(_Table):
    """One row per input, largest swing first: its range and the figure at each end (£)."""

    columns = ("Low", "High", "Figure at low (£)", "Figure at high (£)", "Swing (£)")

    def set_report(self, report: dict[str, Any]) -> None:
        rows = report.get("tornado", [])
        self.set_rows([r.get("label", r["input"]) for r in rows],
                      [[r["low"], r["high"], r["figure_low"], r["figure_high"], r["swing"]]
                       for r in rows])

    def format(self, row: int, column: int, value: Any) -> str:
        return f"{value:.4g}".replace("-", MINUS) if column < 2 else money(value)


class EvppiTableModel(_Table):
    """What knowing each input before choosing is worth (£), largest first."""

    columns = ("Worth knowing before deciding (£, EVPPI)",)

    def set_report(self, report: dict[str, Any] | None) -> None:
        if not report:
            self.clear()
            return
        self.set_rows(["Everything (EVPI)"] + [r.get("label", r["input"]) for r in report["evppi"]],
                      [[report["evpi"]]] + [[r["evppi"]] for r in report["evppi"]])


def figure_choices(model: Model, scenario: Scenario) -> list[tuple[str, str]]:
    """(text, --figure spec) for the place NPV, each agency's NPV and headline-year saving."""
    year = headline_year(scenario, model.place.horizon_years)
    label = year_label(model.place.base_year, year)
    items = [("Place NPV", "npv")]
    items += [(f"{a.name}: NPV", f"npv:{a.id}") for a in model.agencies]
    items += [(f"{a.name}: net saving in {label}", f"net_saving:{a.id}:{year}")
              for a in model.agencies]
    return items


class SensitivityPage(_Chart):
    """Tornado: how far each input, alone at the ends of its range, moves the figure."""

    def __init__(self, table_view: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure = self.combo("Figure:", "sensitivity-figure")
        self.controls.addWidget(QLabel("Show the", self))
        self.top = QSpinBox(self)
        self.top.setObjectName("sensitivity-top")
        self.top.setRange(3, 50)
        self.top.setValue(10)
        self.top.setSuffix(" largest")
        self.top.valueChanged.connect(lambda _v: self.selectionChanged.emit())
        self.controls.addWidget(self.top)
        self.controls.addStretch(1)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.layout_.addWidget(self.caption)
        self.widget = pg.PlotWidget()
        item = self.widget.getPlotItem()
        item.showGrid(x=True, alpha=0.25)
        item.setMenuEnabled(False)
        item.getAxis("left").setWidth(190)
        self.low_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.6,
                                        brush=pg.mkBrush(LOW_COLOUR))
        self.high_bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.6,
                                         brush=pg.mkBrush(HIGH_COLOUR))
        legend = item.addLegend(offset=(-10, -10))  # bottom right: the smallest bars
        item.addItem(self.low_bars)
        item.addItem(self.high_bars)
        legend.addItem(self.low_bars, "input at its low end")
        legend.addItem(self.high_bars, "input at its high end")
        self.centre = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#555555", width=1))
        item.addItem(self.centre)
        self.layout_.addWidget(self.widget, 3)
        self.model = TornadoTableModel(self)
        self.view = table_view(self.model, self, "tornado-table")
        self.layout_.addWidget(self.view, 2)
        self.plots = [self.widget]
        self.tables = [self.model]
        self.report: dict[str, Any] | None = None

    def update_result(self, result: Result) -> None:
        from cutsim.appraise.sensitivity import analyse

        model, scenario = result.compiled.model, result.scenario
        self.fill_combo(self.figure, figure_choices(model, scenario))
        self.report = analyse(model, scenario, "tornado", self.figure.currentData(),
                              self.top.value())
        self._draw(self.report)

    def _draw(self, report: dict[str, Any]) -> None:
        rows = report["tornado"][::-1]  # largest at the top
        central = report["central"] / 1e6
        y = np.arange(len(rows), dtype=float)
        lows = np.array([r["figure_low"] for r in rows]) / 1e6
        highs = np.array([r["figure_high"] for r in rows]) / 1e6
        self.low_bars.setOpts(x0=np.minimum(lows, central), y=y, width=np.abs(lows - central),
                              height=0.6)
        self.high_bars.setOpts(x0=np.minimum(highs, central), y=y,
                               width=np.abs(highs - central), height=0.6)
        self.centre.setValue(central)
        item = self.widget.getPlotItem()
        item.getAxis("left").setTicks([[(float(i), r.get("label", r["input"])) for i, r in enumerate(rows)]])
        item.setLabel("bottom", f"£m: {report['figure_label']}")
        self.model.set_report(report)
        if report["tornado"]:
            self.caption.setText(
                f"What {report['figure_label']} depends on: each input alone at the low and "
                f"high ends of its range, every other input at its central value "
                f"({money(report['central'])}). {report['inputs']} inputs have a range; the "
                f"{len(report['tornado'])} with the largest swings are shown.")
        else:
            self.caption.setText("No input of this scenario has a range, so nothing here is "
                                 "uncertain.")


class ValueOfInformation(QWidget):
    """The Compare tab's EVPPI table for the current and the comparison scenario."""

    def __init__(self, table_view: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.button = QPushButton("Value of information", self)
        self.button.setObjectName("evppi-run")
        self.button.setToolTip("What knowing each input before choosing between these two "
                               f"scenarios is worth (EVPPI, {EVPPI_DRAWS:,} draws)")
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        bar.addWidget(self.button)
        bar.addWidget(self.status, 1)
        layout.addLayout(bar)
        self.model = EvppiTableModel(self)
        self.view = table_view(self.model, self, "evppi-table")
        self.view.hide()  # shown once there is a report: no empty table
        layout.addWidget(self.view, 1)
        self.report: dict[str, Any] | None = None

    def compute(self, current: Result | None, other: Result | None) -> dict[str, Any] | None:
        """EVPPI of every input for the choice between the two results' scenarios."""
        from cutsim.appraise.evppi import evppi_table
        from cutsim.appraise.uncertain import uncertainty_space

        if current is None:
            self.status.setText("Run the scenario first.")
            self.model.clear()
            self.report = None
            return None
        if other is None:
            self.status.setText("Choose a comparison scenario first.")
            self.model.clear()
            self.report = None
            return None
        model = current.compiled.model
        scenarios = [current.scenario, other.scenario]
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            space = uncertainty_space(model, scenarios)
            self.report = evppi_table(space, [s.id for s in scenarios],
                                      [a.id for a in model.agencies], draws=EVPPI_DRAWS, seed=1)
        finally:
            QApplication.restoreOverrideCursor()
        names = {current.scenario.id: current.scenario.name, other.scenario.id: other.scenario.name}
        self.status.setText(_choice_text(self.report, names))
        self.model.set_report(self.report)
        self.view.show()
        return self.report

    def clear(self) -> None:
        self.report = None
        self.model.clear()
        self.view.hide()
        self.status.setText("")



def _choice_text(report: dict[str, Any], names: dict[str, str]) -> str:
    """The EVPPI table's caption: the rule, what it picks, and which red lines bind."""
    from cutsim.appraise.evppi import decision_rule, none_allowed

    text = f"Choosing {decision_rule(report)} picks {names[report['choice']]}."
    for sid, status in (report.get("red_lines") or {}).items():
        if status["has_red_lines"] and not status["allowed"]:
            text += (f" {names[sid]} is expected to break a red line (in "
                     f"{status['breach_share']:.0%} of draws).")
    if none_allowed(report):
        text += " No scenario keeps to its red lines, so the choice is by NPV alone."
    return (text + f" Knowing everything first is worth {money(report['evpi'])}; below, each "
            "input alone (the most worth paying to know it before deciding).")
