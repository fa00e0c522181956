"""The forms of the income levers: a council tax increase on top of the plan's, and extra
fees and charges (£ a year, or a percentage of one of the agency's fees lines). Income is
paid by residents and service users; the form says so beside the figures.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from cutsim.levers.kinds.council_tax import CouncilTaxLever
from cutsim.levers.kinds.income import IncomeLever
from cutsim.model.schema import Model
from ui.scenario.lever_forms.common import LeverForm, TimingFields, money_spin, percent_spin, select

PAID_BY_RESIDENTS = ("Income is paid by residents and service users: it closes the agency's "
                     "gap in its plan but is not a saving in public spending.")


def _agency_combo(parent: QWidget, name: str, model: Model, council_tax_only: bool) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for agency in model.agencies:
        if not council_tax_only or agency.council_tax is not None:
            combo.addItem(agency.name, agency.id)
    return combo


def _note(parent: QWidget) -> QLabel:
    label = QLabel(PAID_BY_RESIDENTS, parent)
    label.setWordWrap(True)
    label.setMinimumWidth(360)
    return label


class CouncilTaxForm(LeverForm):
    """A council tax increase: the council, and the extra % a year on its core increase."""

    kind = "council_tax"

    def __init__(self, model: Model, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.agency = _agency_combo(self, "council_tax-agency", model, council_tax_only=True)
        self.percent = percent_spin(self, "council_tax-percent")
        self.percent.setRange(-100.0, 100.0)
        self.percent.setToolTip("% a year on top of the plan's own core increase")
        self.form.addRow("Council", self.agency)
        self.form.addRow("Extra increase a year", self.percent)
        self.form.addRow("", _note(self))
        self.timing = TimingFields(self, self.form, model)
        self._watch(self.agency.currentIndexChanged, self.percent.valueChanged,
                    *self.timing.signals())

    def lever(self, lever_id: str, note: str | None) -> CouncilTaxLever:
        return CouncilTaxLever(id=lever_id, kind="council_tax", agency=self.agency.currentData() or "",
                               percent=float(self.percent.value()), note=note, **self.timing.read())

    def show_lever(self, lever: CouncilTaxLever) -> None:
        select(self.agency, lever.agency)
        self.percent.setValue(lever.percent)
        self.timing.show(lever)


class IncomeForm(LeverForm):
    """Extra fees and charges: £ a year, or a % of one of the agency's fees lines."""

    kind = "income"

    def __init__(self, model: Model, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.agency = _agency_combo(self, "income-agency", model, council_tax_only=False)
        self.by = QComboBox(self)
        self.by.setObjectName("income-by")
        self.by.addItem("£ per year", "amount")
        self.by.addItem("% of a fees and charges line", "percent")
        self.amount = money_spin(self, "income-amount", "/yr")
        self.percent = percent_spin(self, "income-percent")
        self.line = QComboBox(self)
        self.line.setObjectName("income-line")
        self.form.addRow("Agency", self.agency)
        self.form.addRow("By", self.by)
        self.form.addRow("Amount", self.amount)
        self.form.addRow("Percent", self.percent)
        self.form.addRow("Fees and charges line", self.line)
        self.form.addRow("", _note(self))
        self.timing = TimingFields(self, self.form, model)
        self.agency.currentIndexChanged.connect(self._fill_lines)
        self.by.currentIndexChanged.connect(self._by_changed)
        self._fill_lines()
        self._by_changed()
        self._watch(self.agency.currentIndexChanged, self.by.currentIndexChanged,
                    self.amount.valueChanged, self.percent.valueChanged,
                    self.line.currentIndexChanged, *self.timing.signals())

    def _fill_lines(self, *_: object) -> None:
        agency = next((a for a in self.model.agencies if a.id == self.agency.currentData()), None)
        self.line.clear()
        for line in (agency.funding_lines or []) if agency is not None else []:
            if line.kind == "fees_and_charges":
                self.line.addItem(line.name, line.id)

    def _by_changed(self, *_: object) -> None:
        by_amount = self.by.currentData() == "amount"
        self.amount.setEnabled(by_amount)
        self.percent.setEnabled(not by_amount)
        self.line.setEnabled(not by_amount)

    def lever(self, lever_id: str, note: str | None) -> IncomeLever:
        by_amount = self.by.currentData() == "amount"
        return IncomeLever(id=lever_id, kind="income", agency=self.agency.currentData() or "",
                           amount=float(self.amount.value()) if by_amount else None,
                           percent=None if by_amount else float(self.percent.value()),
                           line=None if by_amount else self.line.currentData(),
                           note=note, **self.timing.read())

    def show_lever(self, lever: IncomeLever) -> None:
        select(self.agency, lever.agency)
        select(self.by, "amount" if lever.amount is not None else "percent")
        if lever.amount is not None:
            self.amount.setValue(lever.amount)
        else:
            self.percent.setValue(lever.percent or 0.0)
            select(self.line, lever.line)
        self.timing.show(lever)


FORMS = {"council_tax": CouncilTaxForm, "income": IncomeForm}
