"""Pick a figure from the bundled reference tables: unit costs for a service, evidence
for an effect link.

Both dialogs only search and show what the core's tables hold
(:mod:`cutsim.tools.unit_costs`, :mod:`cutsim.tools.evidence`); choosing a row gives the
fields to set, which the editor applies as one undoable core command. Unit costs are
uprated to the place's price year with the documented deflator points or an index the
user types; evidence rows with null results are shown, marked, never hidden.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.errors import InputError
from cutsim.tools import evidence, unit_costs


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(True)
    table.setAlternatingRowColors(True)
    return table


def _item(text: str, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class UnitCostDialog(QDialog):
    """Search the GMCA Unit Cost Database and pick a row for one service."""

    def __init__(self, service_name: str, price_year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitCostDialog")
        self.setWindowTitle(f"Pick from the Unit Cost Database — {service_name}")
        self.rows: list[unit_costs.UnitCost] = []
        self.search = QLineEdit()
        self.search.setObjectName("unitCostSearch")
        self.search.setPlaceholderText("Search 684 unit costs (e.g. care home, A&E, arrest)…")
        self.search.setClearButtonEnabled(True)
        self.year = QSpinBox()
        self.year.setObjectName("unitCostPriceYear")
        self.year.setRange(1990, 2100)
        self.year.setValue(price_year)
        self.index = QDoubleSpinBox()
        self.index.setObjectName("unitCostIndex")
        self.index.setRange(0.0, 1000.0)
        self.index.setDecimals(2)
        self.index.setSpecialValueText("bundled")
        self.index.setToolTip("GDP deflator index of the price year on the ONS YBGB base "
                              "(2024 = 100); needed for a year without a bundled point "
                              "(2015, 2016, 2019, 2024)")
        self.factor_label = QLabel()
        self.factor_label.setObjectName("unitCostFactor")
        self.table = _table(["id", "description", "unit", "2015/16 £", "uprated £", "agency", "grade"],
                            "unitCostTable")
        for col, width in enumerate((70, 380, 120, 90, 90, 120, 50)):
            self.table.setColumnWidth(col, width)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use this unit cost")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Search", self.search)
        prices = QHBoxLayout()
        prices.addWidget(self.year)
        prices.addWidget(QLabel("index (optional)"))
        prices.addWidget(self.index)
        prices.addWidget(self.factor_label, 1)
        form.addRow("Prices of", prices)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        note = QLabel(unit_costs.ATTRIBUTION)
        note.setWordWrap(True)
        note.setObjectName("unitCostAttribution")
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.search.textChanged.connect(self.refresh)
        self.year.valueChanged.connect(self.refresh)
        self.index.valueChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selection)
        self.table.doubleClicked.connect(lambda _index: self.accept() if self.chosen() else None)
        QShortcut(QKeySequence("Ctrl+F"), self, self.search.setFocus)
        self.resize(1000, 560)
        self.refresh()

    def factor(self) -> float:
        """The uprating factor from 2015/16 prices (InputError when no index is known)."""
        index = self.index.value() or None
        return unit_costs.uprating_factor(self.year.value(), index)

    def refresh(self) -> None:
        try:
            factor = self.factor()
            self.factor_label.setText(f"× {factor:.4f} from 2015/16 (GDP deflator, ONS YBGB)")
        except InputError as exc:
            factor = None
            self.factor_label.setText(str(exc))
        self.rows = unit_costs.search(self.search.text(), limit=200)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            cost = "" if row.cost_gbp is None else f"{row.cost_gbp:,.2f}"
            uprated = "" if row.cost_gbp is None or factor is None else f"{row.cost_gbp * factor:,.2f}"
            for c, (text, right) in enumerate(((row.id, False), (row.description, False),
                                               (row.unit, False), (cost, True), (uprated, True),
                                               (row.agency_group, False), (row.confidence_grade, False))):
                self.table.setItem(r, c, _item(text, right))
        self._selection()

    def _selection(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen() is not None)

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def chosen(self) -> unit_costs.UnitCost | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        if len(rows) != 1:
            return None
        row = self.rows[rows.pop()]
        if row.cost_gbp is None:
            return None
        try:
            self.factor()
        except InputError:
            return None
        return row

    def fields(self) -> dict[str, Any]:
        """unit_cost (£ at the chosen year's prices), activity_unit and source to set."""
        row = self.chosen()
        if row is None or row.cost_gbp is None:
            raise InputError("choose a row with a fiscal cost (and a price year with an index)")
        factor = self.factor()
        return {"unit_cost": row.cost_gbp * factor, "activity_unit": row.activity_unit,
                "source": unit_costs.source_text(row, self.year.value(), factor)}


class EvidenceDialog(QDialog):
    """Browse the bundled evidence table (null results included) for one effect link."""

    def __init__(self, link_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceDialog")
        self.setWindowTitle(f"Pick evidence — {link_name}")
        self.search = QLineEdit()
        self.search.setObjectName("evidenceSearch")
        self.search.setPlaceholderText("Search the published effects…")
        self.search.setClearButtonEnabled(True)
        self.table = _table(["id", "spending change", "outcome", "effect", "confidence", "study"],
                            "evidenceTable")
        for col, width in enumerate((50, 300, 160, 260, 80, 240)):
            self.table.setColumnWidth(col, width)
        self.detail = QLabel()
        self.detail.setObjectName("evidenceDetail")
        self.detail.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use as this link's source")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        note = QLabel("Sets the link's source and confidence. A study's effect is in its own "
                      "unit: convert it to this link's per_unit by hand. Null results (a study "
                      "that found no effect) are listed too.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self.search.textChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selection)
        self.resize(1100, 520)
        self.refresh()

    def refresh(self) -> None:
        self.rows = evidence.search(self.search.text())
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            effect = ("null result: no effect found" if row.is_null else
                      "direction only" if row.effect_value is None else row.effect)
            for c, text in enumerate((row.id, row.service_cut, row.outcome_affected, effect,
                                      row.confidence, row.study)):
                self.table.setItem(r, c, _item(text))
        self._selection()

    def _selection(self) -> None:
        row = self.chosen()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(row is not None)
        self.detail.setText("" if row is None else
                            f"{row.effect} ({row.effect_unit}); lag {row.lag_years or 'unknown'} "
                            f"years; {row.population}. {row.notes}")

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def chosen(self) -> evidence.EvidenceLink | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.rows[rows.pop()] if len(rows) == 1 else None

    def fields(self) -> dict[str, Any]:
        row = self.chosen()
        if row is None:
            raise InputError("choose a row of the evidence table")
        return {"source": evidence.source_text(row), "confidence": row.confidence_grade}
