"""What every lever form shares: the base form, timing fields and the widgets they use.

A form shows a lever's fields in the units people use (percent for shares, £ and £/yr for
money, years and months for timing) and builds the core's lever object back from them;
it never checks the lever's rules itself: the editor runs the core's validator (and the
lever builder, for floors and caps) on what the form builds and shows the messages.
"""

from __future__ import annotations

from typing import Any, TypedDict

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QWidget,
)

from cutsim.model.schema import Model, Service


def service_label(model: Model, service: Service) -> str:
    """``"Council — Youth services"``: a service named with its agency's short name."""
    agency = next((a for a in model.agencies if a.id == service.agency), None)
    owner = (agency.short_name or agency.name) if agency is not None else service.agency
    return f"{owner} — {service.name}"


def service_choices(model: Model) -> list[tuple[str, str]]:
    """Every service as (id, label), in the model's order: the editor's list of services."""
    return [(s.id, service_label(model, s)) for s in model.services]


def money_spin(parent: QWidget, name: str, suffix: str = "") -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0.0, 1e12)
    spin.setDecimals(0)
    spin.setSingleStep(10000.0)
    spin.setPrefix("£")
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    return spin


def percent_spin(parent: QWidget, name: str, top: float = 100.0) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0.0, top)
    spin.setDecimals(2)
    spin.setSingleStep(1.0)
    spin.setSuffix(" %")
    return spin


def service_combo(parent: QWidget, name: str, model: Model,
                   services: list[Service] | None = None) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for service in services if services is not None else model.services:
        combo.addItem(service_label(model, service), service.id)
    return combo


def select(combo: QComboBox, value: Any) -> None:
    i = combo.findData(value)
    if i >= 0:
        combo.setCurrentIndex(i)


class Timing(TypedDict):
    """A lever's timing as the form reads it (years from the base year's 1 April)."""

    start_year: float
    phase_years: float


class TimingFields:
    """Start year and phasing, shared by every lever kind (years from year 0)."""

    def __init__(self, parent: QWidget, form: QFormLayout, model: Model) -> None:
        horizon = model.place.horizon_years
        self.start_year = QDoubleSpinBox(parent)
        self.start_year.setObjectName("lever-start-year")
        self.start_year.setRange(0.0, float(horizon))
        self.start_year.setDecimals(2)
        self.start_year.setSingleStep(1.0)
        self.start_year.setSuffix(f" (year 0 = {model.place.base_year}/"
                                  f"{(model.place.base_year + 1) % 100:02d})")
        self.phase_years = QDoubleSpinBox(parent)
        self.phase_years.setObjectName("lever-phase-years")
        self.phase_years.setRange(0.0, float(horizon))
        self.phase_years.setDecimals(2)
        self.phase_years.setSingleStep(0.5)
        self.phase_years.setSuffix(" years")
        form.addRow("Starts in year", self.start_year)
        form.addRow("Phased in over", self.phase_years)

    def read(self) -> Timing:
        return {"start_year": float(self.start_year.value()),
                "phase_years": float(self.phase_years.value())}

    def show(self, lever: Any) -> None:
        self.start_year.setValue(lever.start_year)
        self.phase_years.setValue(lever.phase_years)

    def signals(self) -> list[Any]:
        return [self.start_year.valueChanged, self.phase_years.valueChanged]


class LeverForm(QWidget):
    """Base of the forms: ``changed()`` fires on any edit; ``lever(id, note)`` builds it."""

    changed = Signal()
    kind = ""

    def __init__(self, model: Model, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

    def _watch(self, *signals: Any) -> None:
        for signal in signals:
            signal.connect(lambda *_a: self.changed.emit())

    def lever(self, lever_id: str, note: str | None) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def show_lever(self, lever: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


