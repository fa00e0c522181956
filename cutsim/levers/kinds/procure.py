"""``procure``: buy a service's external spend more locally (docs/levers.md).

The local share of external spend moves from ``local_share_from`` to ``local_share_to``,
at an optional price premium (``premium_percent``, with an optional range) and with an
optional local-economy outcome it changes (:mod:`cutsim.levers.procurement`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from cutsim.model.lever_kinds import (
    LeverChecks,
    LeverContext,
    LeverKind,
    UncertainField,
    WorkbookColumn,
)
from cutsim.model.schema import LeverBase, added_in


class ProcureLever(LeverBase):
    kind: Literal["procure"]
    service: str
    local_share_from: float
    local_share_to: float
    premium_percent: float = 0.0
    premium_percent_low: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    premium_percent_high: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    outcome: str | None = None


class ProcureKind(LeverKind):
    name = "procure"
    schema = ProcureLever
    title = "Buy locally (procurement)"
    words = "a change in how services are bought"
    who_pays = ("Buying services differently changes prices and the local economy; it moves "
                "costs between agencies only through the outcomes it changes.")
    workbook_columns = (
        WorkbookColumn("service", "choice", "the service id"),
        WorkbookColumn("local_share_from", "fraction", "local share of external spend now, 0-1"),
        WorkbookColumn("local_share_to", "fraction", "local share after, 0-1"),
        WorkbookColumn("premium_percent", "percent", "price premium paid, percent (default 0)"),
        WorkbookColumn("outcome", "choice", "the local-economy outcome it changes (optional)"),
    )
    uncertain_fields = (UncertainField("premium_percent", 0.0, math.inf),)
    fields_doc = ("`service`; `local_share_from`, `local_share_to` (fractions of external spend bought "
                  "locally, 0–1); `premium_percent` (≥ 0, default 0); optional `outcome` (the "
                  "local-economy outcome it changes)")

    def outcomes(self, lever: Any) -> list[str]:
        return [lever.outcome] if lever.outcome else []

    def rename(self, lever: Any, items: str, old: str, new: str) -> Any:
        if items == "outcomes" and lever.outcome == old:
            return lever.model_copy(update={"outcome": new})
        return super().rename(lever, items, old, new)

    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        c.reference("service", ctx.services, "service")
        c.between("local_share_from", 0, 1)
        c.between("local_share_to", 0, 1)
        c.non_negative("premium_percent")
        c.field_range("premium_percent", 0, math.inf)
        c.reference("outcome", ctx.outcomes, "outcome")

    def describe(self, lever: Any, name: Callable[[str], str],
                 area_name: Callable[[str], str] | None = None) -> str:
        return (f"buy {name(lever.service)} locally "
                f"({lever.local_share_from:.0%} to {lever.local_share_to:.0%})")

    def apply(self, build: Any, lever: Any) -> None:
        from cutsim.levers.procurement import (
            apply_procure,  # the engine loads on first run
        )

        apply_procure(build.cm, build.inputs, lever)


KIND = ProcureKind()
