"""The form of a cut or an invest: a service, by percent of spend or £/yr, timing, notice
and one-off cost. Ranges follow the core: a cut on a discretionary service reaches down to
its statutory floor (a closure, 100 %, where there is none), a cut on a demand-led service
to its maximum efficiency; an invest up to a multiple of the service's spend.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QWidget,
)

from cutsim.levers.kinds import CutLever, InvestLever
from cutsim.model.fmt import money
from cutsim.model.schema import Model, Service
from ui.scenario.lever_forms.common import (
    LeverForm,
    TimingFields,
    money_spin,
    select,
    service_combo,
)

INVEST_MAX_TIMES = 5.0  # an invest may add up to 5× a service's baseline spend
SLIDER_STEPS = 1000  # the size slider's resolution over the spin box's range

class SpendForm(LeverForm):
    """A cut or an invest: a service, by percent of spend or £/yr, timing, notice, one-off cost."""

    # The size's spin box, in place of QWidget.size() (which nothing calls on a form).
    size: QDoubleSpinBox  # type: ignore[assignment]

    def __init__(self, model: Model, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.kind = kind
        self.service = service_combo(self, f"{kind}-service", model)
        self.by = QComboBox(self)
        self.by.setObjectName(f"{kind}-by")
        self.by.addItem("% of baseline spend", "percent")
        self.by.addItem("£ per year", "amount")
        self.size = QDoubleSpinBox(self)
        self.size.setObjectName(f"{kind}-size")
        self.size.setGroupSeparatorShown(True)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName(f"{kind}-slider")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setAccessibleName(f"Size of the {kind}")
        self.limit = QLabel(self)
        self.limit.setObjectName(f"{kind}-limit")
        self.limit.setWordWrap(True)
        self.limit.setMinimumWidth(360)  # a readable line, not a narrow column
        size_row = QHBoxLayout()
        size_row.addWidget(self.size)
        size_row.addWidget(self.slider, 1)
        self.form.addRow("Service", self.service)
        self.form.addRow("Size given as", self.by)
        self.form.addRow("Size", size_row)
        self.form.addRow("", self.limit)
        self.timing = TimingFields(self, self.form, model)
        self.notice = QDoubleSpinBox(self)
        self.notice.setObjectName(f"{kind}-notice")
        self.notice.setRange(0.0, 120.0)
        self.notice.setDecimals(1)
        self.notice.setSuffix(" months")
        self.notice.setToolTip("months of notice before the change starts to take effect")
        self.one_off = money_spin(self, f"{kind}-one-off")
        self.one_off.setToolTip("one-off cost in the start year (£), e.g. redundancy or set-up")
        self.form.addRow("Notice", self.notice)
        self.form.addRow("One-off cost", self.one_off)
        self.service.currentIndexChanged.connect(lambda _i: self._set_range())
        self.by.currentIndexChanged.connect(lambda _i: self._set_range())
        self.size.valueChanged.connect(self._size_to_slider)
        self.slider.valueChanged.connect(self._slider_to_size)
        self._watch(self.service.currentIndexChanged, self.by.currentIndexChanged,
                    self.size.valueChanged, self.notice.valueChanged, self.one_off.valueChanged,
                    *self.timing.signals())
        self._set_range()

    def current_service(self) -> Service | None:
        sid = self.service.currentData()
        return next((s for s in self.model.services if s.id == sid), None)

    def maximum(self) -> tuple[float, str]:
        """The largest size the core accepts for this service, and the words that say why."""
        service = self.current_service()
        if service is None:
            return 0.0, ""
        by_percent = self.by.currentData() == "percent"
        if self.kind == "invest":
            top = INVEST_MAX_TIMES * (100.0 if by_percent else service.baseline_spend)
            return top, ""
        if service.mode == "demand_led":
            share = service.max_efficiency_percent / 100.0
            why = (f"Demand-led: a cut is an efficiency of at most "
                   f"{service.max_efficiency_percent:g} % of unit cost.")
        elif service.statutory_floor > 0:
            share = 1.0 - service.statutory_floor
            why = (f"Down to the statutory floor: {service.statutory_floor * 100:g} % of "
                   f"baseline activity must stay.")
        else:
            share = 1.0
            why = "No statutory floor: the largest cut is a closure (100 %)."
        top = share * (100.0 if by_percent else service.baseline_spend)
        return top, why

    def _set_range(self) -> None:
        top, why = self.maximum()
        by_percent = self.by.currentData() == "percent"
        self.size.blockSignals(True)
        self.size.setDecimals(2 if by_percent else 0)
        self.size.setSingleStep(1.0 if by_percent else 10000.0)
        self.size.setPrefix("" if by_percent else "£")
        self.size.setSuffix(" %" if by_percent else "/yr")
        self.size.setRange(0.0, top)
        self.size.blockSignals(False)
        service = self.current_service()
        spend = f"Baseline spend {money(service.baseline_spend)}/yr. " if service else ""
        self.limit.setText(spend + why)
        self._size_to_slider(self.size.value())

    def _size_to_slider(self, value: float) -> None:
        top = self.size.maximum()
        self.slider.blockSignals(True)
        self.slider.setValue(round(SLIDER_STEPS * value / top) if top > 0 else 0)
        self.slider.blockSignals(False)

    def _slider_to_size(self, position: int) -> None:
        self.size.setValue(self.size.maximum() * position / SLIDER_STEPS)

    def lever(self, lever_id: str, note: str | None) -> CutLever | InvestLever:
        size = float(self.size.value())
        by_percent = self.by.currentData() == "percent"
        fields: dict[str, Any] = dict(
            id=lever_id, service=self.service.currentData() or "",
            percent=size if by_percent else None, amount=None if by_percent else size,
            notice_months=float(self.notice.value()), one_off_cost=float(self.one_off.value()),
            note=note, **self.timing.read())
        if self.kind == "cut":
            return CutLever(kind="cut", **fields)
        return InvestLever(kind="invest", **fields)

    def show_lever(self, lever: CutLever | InvestLever) -> None:
        select(self.service, lever.service)
        select(self.by, "percent" if lever.percent is not None else "amount")
        self._set_range()
        self.size.setValue(lever.percent if lever.percent is not None else lever.amount or 0.0)
        self.notice.setValue(lever.notice_months)
        self.one_off.setValue(lever.one_off_cost)
        self.timing.show(lever)



#: The kinds this module's form edits, and how to make it for a model.
FORMS = {"cut": lambda model: SpendForm(model, "cut"),
         "invest": lambda model: SpendForm(model, "invest")}
