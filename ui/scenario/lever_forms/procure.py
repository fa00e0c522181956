"""The form of a procure lever: the service, its local share now and after, the price
premium and the local-economy outcome it changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QWidget,
)

from cutsim.levers.kinds import ProcureLever
from cutsim.model.schema import Model
from ui.scenario.lever_forms.common import (
    LeverForm,
    TimingFields,
    percent_spin,
    select,
    service_combo,
    service_label,
)


class ProcureForm(LeverForm):
    """Procurement: the share of external spend bought locally, from → to, and its premium."""

    kind = "procure"

    def __init__(self, model: Model, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        bought = [s for s in model.services if s.external_share] or list(model.services)
        self.service = service_combo(self, "procure-service", model, bought)
        self.share_from = percent_spin(self, "procure-from")
        self.share_to = percent_spin(self, "procure-to")
        for spin in (self.share_from, self.share_to):
            spin.setToolTip("share of the service's external spend bought from local suppliers")
        self.premium = percent_spin(self, "procure-premium", 1000.0)
        self.premium.setToolTip("extra price paid on the spend moved locally, %")
        self.outcome = QComboBox(self)
        self.outcome.setObjectName("procure-outcome")
        self.outcome.addItem("(none)", None)
        for outcome in model.outcomes:
            self.outcome.addItem(outcome.name, outcome.id)
        multiplier = model.place.local_multiplier
        self.multiplier = QLabel(
            (f"Local multiplier {multiplier:g}" if multiplier is not None
             else "No local multiplier set") + ": the place's, edited with the place.", self)
        self.multiplier.setObjectName("procure-multiplier")
        self.multiplier.setWordWrap(True)
        self.multiplier.setMinimumWidth(360)
        self.form.addRow("Service", self.service)
        self.form.addRow("Bought locally now", self.share_from)
        self.form.addRow("Bought locally after", self.share_to)
        self.form.addRow("Price premium", self.premium)
        self.form.addRow("Outcome it feeds", self.outcome)
        self.form.addRow("", self.multiplier)
        self.timing = TimingFields(self, self.form, model)
        self._watch(self.service.currentIndexChanged, self.share_from.valueChanged,
                    self.share_to.valueChanged, self.premium.valueChanged,
                    self.outcome.currentIndexChanged, *self.timing.signals())

    def lever(self, lever_id: str, note: str | None) -> ProcureLever:
        return ProcureLever(id=lever_id, kind="procure", service=self.service.currentData() or "",
                            local_share_from=float(self.share_from.value()) / 100.0,
                            local_share_to=float(self.share_to.value()) / 100.0,
                            premium_percent=float(self.premium.value()),
                            outcome=self.outcome.currentData(), note=note, **self.timing.read())

    def show_lever(self, lever: ProcureLever) -> None:
        if self.service.findData(lever.service) < 0:
            service = next((s for s in self.model.services if s.id == lever.service), None)
            if service is not None:
                self.service.addItem(service_label(self.model, service), service.id)
        select(self.service, lever.service)
        self.share_from.setValue(100.0 * lever.local_share_from)
        self.share_to.setValue(100.0 * lever.local_share_to)
        self.premium.setValue(lever.premium_percent)
        select(self.outcome, lever.outcome)
        self.timing.show(lever)


FORMS = {"procure": ProcureForm}
