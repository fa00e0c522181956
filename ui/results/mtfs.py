"""The MTFS tab: the medium-term financial plan of one agency or the place, by year.

A thin view over :func:`cutsim.appraise.mtfs.build_plan` (docs/mtfs.md): lines down,
financial years across, real or cash terms, an agency picker and a slippage box.
Every figure is the core's; the CSV export writes pounds and pence.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from cutsim.appraise.mtfs import GRANT_LINES, LABELS, LINES, build_plan
from cutsim.model.fmt import money, money_exact, pounds_pence
from cutsim.model.schema import PLACE_ID
from ui.results.tables import _Table

PLACE_CHOICE = "Whole place"


class MtfsTableModel(_Table):
    """Plan lines × financial years for the chosen agency (general fund, then each grant)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ()
        self._years: list[str] = []
        self.plan: Any = None

    def set_plan(self, plan: Any, who: str, floor: float) -> None:
        self.plan, self.floor = plan, floor
        self._years = list(plan.years)
        self.columns = tuple(self._years)
        rows, values = [], []
        if who == PLACE_ID:
            blocks = [("", plan.place, LINES)]
        else:
            agency = next(a for a in plan.agencies if a.agency == who)
            blocks = [("", agency.lines, LINES)] + [
                (f"{grant.replace('_', ' ').capitalize()}: ", lines, GRANT_LINES)
                for grant, lines in agency.grants.items()]
        for prefix, lines, keys in blocks:
            for key in keys:
                rows.append(prefix + LABELS.get(key, key))
                values.append([float(v) for v in lines[key]])
        self.set_rows(rows, values)

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        return f"{self._rows[row]}, {self.columns[column]}: {money_exact(self.shown(value))}"

    def format(self, row: int, column: int, value: Any) -> str:
        return money(self.shown(value))

    def to_csv(self, path: str | Path) -> None:
        """line, one column per financial year: £ to the penny."""
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["line", *self._years])
            for name, values in zip(self._rows, self._values):
                writer.writerow([name, *(pounds_pence(self.shown(v)) for v in values)])


class MtfsPage(QWidget):
    """Caption, controls (agency, cash terms, slippage) and the plan's table."""

    changed = Signal()

    def __init__(self, make_view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = MtfsTableModel(self)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.agency = QComboBox(self)
        self.agency.setObjectName("mtfs-agency")
        self.agency.setAccessibleName("Agency")
        self.cash = QCheckBox("Cash terms", self)
        self.cash.setObjectName("mtfs-cash")
        self.cash.setToolTip("Inflate each year by the agency's pay and price inflation assumption")
        self.slippage = QDoubleSpinBox(self)
        self.slippage.setObjectName("mtfs-slippage")
        self.slippage.setRange(0.0, 100.0)
        self.slippage.setSuffix(" % of savings slip")
        self.slippage.setAccessibleName("Slippage")
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Plan of", self))
        controls.addWidget(self.agency, 1)
        controls.addWidget(self.cash)
        controls.addWidget(self.slippage)
        self.view = make_view(self.model, self, "mtfs-table")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addLayout(controls)
        layout.addWidget(self.view, 1)
        self.tables = [self.model]
        self.plots: list[Any] = []
        self._result: Any = None
        self.agency.currentIndexChanged.connect(lambda _i: self._show())
        self.cash.toggled.connect(lambda _c: self._show())
        self.slippage.valueChanged.connect(lambda _v: self._show())

    def update_result(self, result: Any) -> None:
        self._result = result
        chosen = self.agency.currentData()
        self.agency.blockSignals(True)
        self.agency.clear()
        self.agency.addItem(PLACE_CHOICE, PLACE_ID)
        for agency in result.compiled.model.agencies:
            self.agency.addItem(agency.name, agency.id)
        index = self.agency.findData(chosen if chosen is not None else result.compiled.agency_ids[0])
        self.agency.setCurrentIndex(max(0, index))
        self.agency.blockSignals(False)
        self._show()

    def _show(self) -> None:
        result = self._result
        if result is None:
            return
        from cutsim.model.materiality import materiality_floor

        plan = build_plan(result, cash=self.cash.isChecked(),
                          slippage_percent=self.slippage.value())
        self.model.set_plan(plan, self.agency.currentData() or PLACE_ID,
                            materiality_floor(result.compiled.model))
        self.view.resizeColumnsToContents()
        terms = ("cash terms, by each agency's inflation assumption" if plan.terms == "cash"
                 else f"real terms at {plan.price_year} prices")
        self.caption.setText(
            f"Medium-term financial plan, £ a year, {terms}. Gap = baseline spend with "
            "pressures − funding: positive is a shortfall. Gap after savings = gap − planned "
            "savings + cashable knock-on + one-off costs; non-cashable knock-on is shown but "
            "moves no budget. Ring-fenced grants below, apart from the general fund.")
        self.changed.emit()
