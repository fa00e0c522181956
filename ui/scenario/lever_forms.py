"""The forms of the lever editor: one per lever kind, each reading and writing one lever.

A form shows a lever's fields in the units people use (percent for shares, £ and £/yr for
money, years and months for timing) and builds the core's lever object back from them;
it never checks the lever's rules itself: the editor runs the core's validator (and the
lever builder, for floors and caps) on what the form builds and shows the messages.

Ranges follow the core: a cut on a discretionary service reaches down to its statutory
floor (a closure, 100 %, where there is none), a cut on a demand-led service to its
maximum efficiency; shares are 0–100 %.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.model.fmt import money
from cutsim.model.schema import (
    CutLever,
    FixedShares,
    InvestLever,
    Model,
    PoolLever,
    ProcureLever,
    Reinvest,
    Service,
)

INVEST_MAX_TIMES = 5.0  # an invest may add up to 5× a service's baseline spend
SLIDER_STEPS = 1000  # the size slider's resolution over the spin box's range


def service_label(model: Model, service: Service) -> str:
    """``"Council — Youth services"``: a service named with its agency's short name."""
    agency = next((a for a in model.agencies if a.id == service.agency), None)
    owner = (agency.short_name or agency.name) if agency is not None else service.agency
    return f"{owner} — {service.name}"


def service_choices(model: Model) -> list[tuple[str, str]]:
    """Every service as (id, label), in the model's order: the editor's list of services."""
    return [(s.id, service_label(model, s)) for s in model.services]


def _money_spin(parent: QWidget, name: str, suffix: str = "") -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0.0, 1e12)
    spin.setDecimals(0)
    spin.setSingleStep(10000.0)
    spin.setPrefix("£")
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    return spin


def _percent_spin(parent: QWidget, name: str, top: float = 100.0) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setObjectName(name)
    spin.setRange(0.0, top)
    spin.setDecimals(2)
    spin.setSingleStep(1.0)
    spin.setSuffix(" %")
    return spin


def _service_combo(parent: QWidget, name: str, model: Model,
                   services: list[Service] | None = None) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for service in services if services is not None else model.services:
        combo.addItem(service_label(model, service), service.id)
    return combo


def _select(combo: QComboBox, value: Any) -> None:
    i = combo.findData(value)
    if i >= 0:
        combo.setCurrentIndex(i)


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

    def read(self) -> dict[str, float]:
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


class SpendForm(LeverForm):
    """A cut or an invest: a service, by percent of spend or £/yr, timing, notice, one-off cost."""

    def __init__(self, model: Model, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.kind = kind
        self.service = _service_combo(self, f"{kind}-service", model)
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
        self.one_off = _money_spin(self, f"{kind}-one-off")
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
        cls = CutLever if self.kind == "cut" else InvestLever
        size = float(self.size.value())
        by_percent = self.by.currentData() == "percent"
        return cls(id=lever_id, kind=self.kind, service=self.service.currentData() or "",
                   percent=size if by_percent else None, amount=None if by_percent else size,
                   notice_months=float(self.notice.value()),
                   one_off_cost=float(self.one_off.value()), note=note, **self.timing.read())

    def show_lever(self, lever: CutLever | InvestLever) -> None:
        _select(self.service, lever.service)
        _select(self.by, "percent" if lever.percent is not None else "amount")
        self._set_range()
        self.size.setValue(lever.percent if lever.percent is not None else lever.amount or 0.0)
        self.notice.setValue(lever.notice_months)
        self.one_off.setValue(lever.one_off_cost)
        self.timing.show(lever)


class PoolForm(LeverForm):
    """A pooled budget: services of several agencies, efficiency, reinvestment, gain share."""

    kind = "pool"

    def __init__(self, model: Model, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        self.services = QListWidget(self)
        self.services.setObjectName("pool-services")
        self.services.setToolTip("Tick the services pooled (two or more agencies)")
        for service in model.services:
            item = QListWidgetItem(service_label(model, service), self.services)
            item.setData(Qt.ItemDataRole.UserRole, service.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self.services.setMaximumHeight(130)
        self.efficiency = _percent_spin(self, "pool-efficiency")
        self.efficiency.setToolTip("unit-cost saving on the pooled services, % of their spend")
        self.reinvest = QTableWidget(0, 2, self)
        self.reinvest.setObjectName("pool-reinvest")
        self.reinvest.setHorizontalHeaderLabels(["Reinvested in", "% of the saving"])
        self.reinvest.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.reinvest.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents)
        self.reinvest.setMaximumHeight(110)
        add, remove = QToolButton(self), QToolButton(self)
        add.setText("Add reinvestment")
        add.setObjectName("pool-reinvest-add")
        remove.setText("Remove")
        remove.setObjectName("pool-reinvest-remove")
        add.clicked.connect(lambda: self.add_reinvest())
        remove.clicked.connect(self._remove_reinvest)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        box = QVBoxLayout()
        box.addWidget(self.reinvest)
        box.addLayout(buttons)
        self.gain_share = QComboBox(self)
        self.gain_share.setObjectName("pool-gain-share")
        self.gain_share.addItem("Pro rata to contributions", "contribution")
        self.gain_share.addItem("Pro rata to benefit", "benefit")
        self.gain_share.addItem("Fixed shares", "fixed")
        self.fixed = QTableWidget(0, 1, self)
        self.fixed.setObjectName("pool-fixed-shares")
        self.fixed.setHorizontalHeaderLabels(["Share of the net saving"])
        self.fixed.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.fixed.setMaximumHeight(110)
        self.one_off = _money_spin(self, "pool-one-off")
        self.one_off.setToolTip("set-up cost of the pool in its start year (£)")
        self.form.addRow("Pooled services", self.services)
        self.form.addRow("Efficiency", self.efficiency)
        self.form.addRow("Reinvestment", box)
        self.form.addRow("Gain share", self.gain_share)
        self.form.addRow("Fixed shares", self.fixed)
        self.form.addRow("Set-up cost", self.one_off)
        self.timing = TimingFields(self, self.form, model)
        self.services.itemChanged.connect(lambda _i: self._sync_fixed())
        self.gain_share.currentIndexChanged.connect(lambda _i: self._sync_fixed())
        self._watch(self.services.itemChanged, self.efficiency.valueChanged,
                    self.gain_share.currentIndexChanged, self.one_off.valueChanged,
                    *self.timing.signals())
        self._sync_fixed()

    # --- services and partners
    def checked_services(self) -> list[str]:
        return [self.services.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.services.count())
                if self.services.item(i).checkState() == Qt.CheckState.Checked]

    def set_checked(self, service_ids: list[str]) -> None:
        for i in range(self.services.count()):
            item = self.services.item(i)
            item.setCheckState(Qt.CheckState.Checked
                               if item.data(Qt.ItemDataRole.UserRole) in service_ids
                               else Qt.CheckState.Unchecked)

    def owners(self) -> list[str]:
        """Agencies owning a pooled service, in the model's agency order."""
        chosen = set(self.checked_services())
        owning = {s.agency for s in self.model.services if s.id in chosen}
        return [a.id for a in self.model.agencies if a.id in owning]

    # --- reinvestment rows
    def add_reinvest(self, service_id: str | None = None, percent: float = 0.0) -> None:
        row = self.reinvest.rowCount()
        self.reinvest.insertRow(row)
        combo = _service_combo(self.reinvest, f"pool-reinvest-service-{row}", self.model)
        # long service names must not push the percent column out of sight
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(24)
        if service_id is not None:
            _select(combo, service_id)
        spin = _percent_spin(self.reinvest, f"pool-reinvest-percent-{row}")
        spin.setValue(percent)
        self.reinvest.setCellWidget(row, 0, combo)
        self.reinvest.setCellWidget(row, 1, spin)
        self._watch(combo.currentIndexChanged, spin.valueChanged)
        self.changed.emit()

    def _remove_reinvest(self) -> None:
        row = self.reinvest.currentRow()
        row = row if row >= 0 else self.reinvest.rowCount() - 1
        if row >= 0:
            self.reinvest.removeRow(row)
            self.changed.emit()

    def reinvest_rows(self) -> list[Reinvest]:
        return [Reinvest(service=self.reinvest.cellWidget(r, 0).currentData(),
                         percent_of_saving=float(self.reinvest.cellWidget(r, 1).value()))
                for r in range(self.reinvest.rowCount())]

    # --- fixed shares: one row per owning agency, shown when the rule is "fixed"
    def _sync_fixed(self, shares: dict[str, float] | None = None) -> None:
        fixed = self.gain_share.currentData() == "fixed"
        self.fixed.setEnabled(fixed)
        current = shares if shares is not None else self.fixed_shares()
        owners = self.owners()
        self.fixed.setRowCount(len(owners))
        self.fixed.setVerticalHeaderLabels([next(a.short_name or a.name for a in self.model.agencies
                                                 if a.id == aid) for aid in owners])
        for row, aid in enumerate(owners):
            spin = self.fixed.cellWidget(row, 0)
            if not isinstance(spin, QDoubleSpinBox) or spin.property("agency") != aid:
                spin = _percent_spin(self.fixed, f"pool-fixed-{aid}")
                spin.setProperty("agency", aid)
                self.fixed.setCellWidget(row, 0, spin)
                self._watch(spin.valueChanged)
            spin.blockSignals(True)
            spin.setValue(100.0 * current.get(aid, 0.0))
            spin.blockSignals(False)

    def fixed_shares(self) -> dict[str, float]:
        """The fixed shares as fractions (the file's unit), by agency id."""
        out = {}
        for row in range(self.fixed.rowCount()):
            spin = self.fixed.cellWidget(row, 0)
            if isinstance(spin, QDoubleSpinBox):
                out[str(spin.property("agency"))] = float(spin.value()) / 100.0
        return out

    def lever(self, lever_id: str, note: str | None) -> PoolLever:
        rule = self.gain_share.currentData()
        gain_share: Any = FixedShares(fixed=self.fixed_shares()) if rule == "fixed" else rule
        return PoolLever(id=lever_id, kind="pool", services=self.checked_services(),
                         efficiency_percent=float(self.efficiency.value()),
                         reinvest=self.reinvest_rows(), gain_share=gain_share,
                         one_off_cost=float(self.one_off.value()), note=note,
                         **self.timing.read())

    def show_lever(self, lever: PoolLever) -> None:
        self.set_checked(list(lever.services))
        self.efficiency.setValue(lever.efficiency_percent)
        self.reinvest.setRowCount(0)
        for share in lever.reinvest:
            self.add_reinvest(share.service, share.percent_of_saving)
        if isinstance(lever.gain_share, FixedShares):
            _select(self.gain_share, "fixed")
            self._sync_fixed(dict(lever.gain_share.fixed))
        else:
            _select(self.gain_share, lever.gain_share)
        self.one_off.setValue(lever.one_off_cost)
        self.timing.show(lever)


class ProcureForm(LeverForm):
    """Procurement: the share of external spend bought locally, from → to, and its premium."""

    kind = "procure"

    def __init__(self, model: Model, parent: QWidget | None = None) -> None:
        super().__init__(model, parent)
        bought = [s for s in model.services if s.external_share] or list(model.services)
        self.service = _service_combo(self, "procure-service", model, bought)
        self.share_from = _percent_spin(self, "procure-from")
        self.share_to = _percent_spin(self, "procure-to")
        for spin in (self.share_from, self.share_to):
            spin.setToolTip("share of the service's external spend bought from local suppliers")
        self.premium = _percent_spin(self, "procure-premium", 1000.0)
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
        _select(self.service, lever.service)
        self.share_from.setValue(100.0 * lever.local_share_from)
        self.share_to.setValue(100.0 * lever.local_share_to)
        self.premium.setValue(lever.premium_percent)
        _select(self.outcome, lever.outcome)
        self.timing.show(lever)
