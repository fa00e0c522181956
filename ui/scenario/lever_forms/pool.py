"""The form of a pool: services of two or more agencies, the efficiency, reinvestment in
named services, and the gain-share rule (fixed shares by agency when chosen).
"""

from __future__ import annotations

from typing import Any, cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cutsim.levers.kinds import FixedShares, PoolLever, Reinvest
from cutsim.model.schema import Model
from ui.scenario.lever_forms.common import (
    LeverForm,
    TimingFields,
    money_spin,
    percent_spin,
    select,
    service_combo,
    service_label,
)


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
        self.efficiency = percent_spin(self, "pool-efficiency")
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
        self.one_off = money_spin(self, "pool-one-off")
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
        combo = service_combo(self.reinvest, f"pool-reinvest-service-{row}", self.model)
        # long service names must not push the percent column out of sight
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(24)
        if service_id is not None:
            select(combo, service_id)
        spin = percent_spin(self.reinvest, f"pool-reinvest-percent-{row}")
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
        rows = []
        for r in range(self.reinvest.rowCount()):
            service = cast(QComboBox, self.reinvest.cellWidget(r, 0))
            share = cast(QDoubleSpinBox, self.reinvest.cellWidget(r, 1))
            rows.append(Reinvest(service=service.currentData(),
                                 percent_of_saving=float(share.value())))
        return rows

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
                spin = percent_spin(self.fixed, f"pool-fixed-{aid}")
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
            select(self.gain_share, "fixed")
            self._sync_fixed(dict(lever.gain_share.fixed))
        else:
            select(self.gain_share, lever.gain_share)
        self.one_off.setValue(lever.one_off_cost)
        self.timing.show(lever)



FORMS = {"pool": PoolForm}
