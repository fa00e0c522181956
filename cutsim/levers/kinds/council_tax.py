"""``council_tax``: raise council tax by ``percent`` a year on top of the plan's own increase
(docs/mtfs.md, "Income levers").

Income closes the agency's gap in its financial plan; it is not a cut in public spending,
so it changes no service, no outcome and none of the place's money: it appears in the plan
(its own line) and in what residents pay, never in the place's net saving. An increase at
or above the referendum limit is allowed and warned in every output.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from cutsim.levers.kinds.agency_income import AgencyIncomeKind
from cutsim.model.lever_kinds import LeverChecks, LeverContext, WorkbookColumn
from cutsim.model.schema import LeverBase

MAX_EXTRA_PERCENT = 100.0  # % a year: beyond it a figure is a slip


class CouncilTaxLever(LeverBase):
    kind: Literal["council_tax"]
    agency: str
    percent: float


class CouncilTaxKind(AgencyIncomeKind):
    name = "council_tax"
    schema = CouncilTaxLever
    title = "Raise council tax"
    words = "a council tax increase paid by residents"
    who_pays = ("A council tax increase is paid by residents; it closes the council's gap but "
                "is not a saving in public spending.")
    workbook_columns = (
        WorkbookColumn("agency", "choice", "the agency whose income it raises"),
        WorkbookColumn("percent", "percent", "% a year on top of the plan's increase"),
    )
    fields_doc = ("`agency` (a council with `council_tax`); `percent` (% a year on top of the "
                  "plan's own increase, −100 to 100, from `start_year`'s financial year on); "
                  "income, not a saving: it closes the plan's gap and changes no figure of a run")

    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        super().check(c, lever, ctx)
        c.between("percent", -MAX_EXTRA_PERCENT, MAX_EXTRA_PERCENT)
        agency = next((a for a in ctx.model.agencies if a.id == lever.agency), None)
        if agency is not None and agency.council_tax is None:
            c.add(f'agency "{lever.agency}" has no council_tax in the model to raise')

    def describe(self, lever: Any, name: Callable[[str], str],
                 area_name: Callable[[str], str] | None = None) -> str:
        return f"raise council tax by a further {lever.percent:g} % a year"


KIND = CouncilTaxKind()
