"""``income``: more fees and charges (docs/mtfs.md, "Income levers").

£ a year (``amount``), or ``percent`` of one of the agency's ``fees_and_charges`` funding
lines (``line``), ramped like any lever from ``start_year`` over ``phase_years``, with the
delivery confidence every lever may carry. Like a council tax increase it is paid by
residents and service users: it closes the agency's gap in its plan and changes no figure
of a run, so it is never part of the place's net saving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from cutsim.levers.kinds.agency_income import AgencyIncomeKind
from cutsim.model.fmt import money
from cutsim.model.lever_kinds import LeverChecks, LeverContext, WorkbookColumn
from cutsim.model.schema import LeverBase


class IncomeLever(LeverBase):
    kind: Literal["income"]
    agency: str
    amount: float | None = None
    percent: float | None = None
    line: str | None = None


class IncomeKind(AgencyIncomeKind):
    name = "income"
    schema = IncomeLever
    title = "Raise fees and charges"
    words = "more income from fees and charges"
    who_pays = ("More fees and charges are paid by residents and service users; they close an "
                "agency's gap but are not a saving in public spending.")
    workbook_columns = (
        WorkbookColumn("agency", "choice", "the agency whose income it raises"),
        WorkbookColumn("amount", "number", "£/yr (instead of percent)"),
        WorkbookColumn("percent", "percent", "% of the named fees and charges line"),
        WorkbookColumn("line", "text", "id of the agency's fees_and_charges funding line"),
    )
    fields_doc = ("`agency`; exactly one of `amount` (£/yr ≥ 0) or `percent` (0–100) of the "
                  "agency's `fees_and_charges` funding line named by `line`; income, not a "
                  "saving: it closes the plan's gap and changes no figure of a run")

    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        super().check(c, lever, ctx)
        if (lever.amount is None) == (lever.percent is None):
            c.add("give exactly one of amount (£/yr) or percent (of a fees_and_charges line)")
        c.non_negative("amount")
        c.between("percent", 0, 100)
        if lever.percent is not None:
            agency = next((a for a in ctx.model.agencies if a.id == lever.agency), None)
            lines = {f.id: f for f in (agency.funding_lines or [])} if agency is not None else {}
            named = lines.get(lever.line) if lever.line is not None else None
            if named is None or named.kind != "fees_and_charges":
                c.add(f"line must name a fees_and_charges funding line of agency "
                      f'"{lever.agency}" (got {lever.line!r})')

    def describe(self, lever: Any, name: Callable[[str], str],
                 area_name: Callable[[str], str] | None = None) -> str:
        if lever.amount is not None:
            return f"raise {money(lever.amount)}/yr more in fees and charges"
        return f"raise fees and charges by {lever.percent:g} %"


KIND = IncomeKind()
