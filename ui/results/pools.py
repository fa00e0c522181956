"""Pools and procurement: a pooled budget's settlement and procurement's local value.

Both tables read the result's own blocks (``Result.settlement`` and ``Result.procurement``,
docs/result-format.md), so every figure is the engine's: the settlement table shows, per pool and
partner, the contribution (£/yr), the net saving the pool causes (£ over the horizon,
undiscounted, + = saving), the share of the pool's total net saving (%) and the transfer
(£, + = the partner receives, − = it pays). The procurement table shows the spend moved
to local suppliers, its premium and the change in the local economy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel, QTableView, QVBoxLayout, QWidget

from cutsim.model.fmt import DASH
from cutsim.model.materiality import materiality_floor
from ui.results.tables import _agency_names, _Table

if TYPE_CHECKING:
    from cutsim.appraise.result import Result


class SettlementTableModel(_Table):
    """One row per pool partner: contribution, net saving, share, transfer."""

    columns = ("Contribution (£/yr)", "Net saving from the pool (£, horizon)",
               "Share of the pool's net saving", "Transfer (£, + = receives)")
    FIELDS = ("contribution", "net_saving", "share", "transfer")

    def set_result(self, result: Result) -> None:
        self.floor = materiality_floor(result.compiled.model)
        names = _agency_names(result)
        rows, values = [], []
        for pool_id, partners in (result.settlement or {}).items():
            for agency, entry in partners.items():
                rows.append(f"{pool_id}: {names.get(agency, agency)}")
                values.append([entry[f] for f in self.FIELDS])
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        if value is None:
            return DASH
        if column == 2:
            return f"{100.0 * value:.1f} %"
        return self.money_cell(value, signed=column == 3)

    def is_money_column(self, column: int) -> bool:
        return column != 2  # the share


class ProcurementTableModel(_Table):
    """One row per procurement lever: spend moved locally, premium, local economy."""

    columns = ("External spend (£/yr)", "Moved to local suppliers (£/yr)",
               "Premium cost (£/yr)", "Local multiplier", "Local economy change (£/yr)",
               "Premium cost (£ NPV)", "Local economy (£ NPV)")
    FIELDS = ("external_spend", "moved_locally", "premium_cost", "local_multiplier",
              "local_economy_change", "premium_cost_npv", "local_economy_npv")

    def set_result(self, result: Result) -> None:
        self.floor = materiality_floor(result.compiled.model)
        services = {s.id: s.name for s in result.compiled.model.services}
        rows, values = [], []
        for lever_id, entry in (result.procurement or {}).items():
            rows.append(f"{lever_id}: {services.get(entry.get('service'), entry.get('service'))}")
            values.append([entry.get(f) for f in self.FIELDS])
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        if value is None:
            return DASH
        if column == 3:
            return f"{value:g}"
        return self.money_cell(value)

    def is_money_column(self, column: int) -> bool:
        return column != 3  # the local multiplier


def has_pools_or_procurement(result: Result) -> bool:
    """True when the result has a settlement or procurement block to show."""
    return bool(getattr(result, "settlement", None) or getattr(result, "procurement", None))


class PoolsPage(QWidget):
    """The "Pools and procurement" tab: the settlement table above the procurement table."""

    def __init__(self, table_view: Callable[[Any, QWidget, str], QTableView],
                 parent: QWidget | None = None) -> None:
        """``table_view(model, parent, name)`` makes the results dock's kind of table view."""
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.settlement = SettlementTableModel(self)
        self.procurement = ProcurementTableModel(self)
        self.settlement_caption = QLabel(
            "Pooled budgets: who pays whom. Net saving is what the pool causes for each partner "
            "over the horizon (£, undiscounted, + = saving); the transfer (+ = receives, "
            "− = pays) leaves each partner with its share of the pool's total net saving. "
            "Transfers add up to zero.", self)
        self.procurement_caption = QLabel(
            "Procurement: external spend moved to local suppliers, the premium paid on it and "
            "the change in the local economy (moved spend × the place's local multiplier).", self)
        for caption in (self.settlement_caption, self.procurement_caption):
            caption.setWordWrap(True)
        self.settlement_view = table_view(self.settlement, self, "settlement-table")
        self.procurement_view = table_view(self.procurement, self, "procurement-table")
        layout.addWidget(self.settlement_caption)
        layout.addWidget(self.settlement_view, 1)
        layout.addWidget(self.procurement_caption)
        layout.addWidget(self.procurement_view, 1)
        self.tables = [self.settlement, self.procurement]
        self.plots: list[Any] = []

    def set_result(self, result: Result) -> None:
        self.settlement.set_result(result)
        self.procurement.set_result(result)
        for widget, model in ((self.settlement_caption, self.settlement),
                              (self.settlement_view, self.settlement),
                              (self.procurement_caption, self.procurement),
                              (self.procurement_view, self.procurement)):
            widget.setVisible(model.has_rows())
        self.tables = [m for m in (self.settlement, self.procurement) if m.has_rows()]
