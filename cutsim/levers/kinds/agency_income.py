"""What the income kinds (``council_tax``, ``income``) share: a lever on an agency's income,
not on a service. It names its ``agency``, acts on no service (so redaction never hides
it for a service's sake) and changes nothing in the engine: the financial plan reads it
(:mod:`cutsim.appraise.mtfs`). This module is not a kind itself (it sets no ``KIND``).
"""

from __future__ import annotations

from typing import Any

from cutsim.model.lever_kinds import LeverChecks, LeverContext, LeverKind
from cutsim.model.schema import PLACE_ID


class AgencyIncomeKind(LeverKind):
    """A lever that raises an agency's income (residents pay it; it is no saving)."""

    raises_income = True

    def services(self, lever: Any) -> list[str]:
        return []

    def references(self, lever: Any) -> dict[str, set[str]]:
        return {"agencies": {lever.agency}}

    def rename(self, lever: Any, items: str, old: str, new: str) -> Any:
        if items == "agencies" and lever.agency == old:
            return lever.model_copy(update={"agency": new})
        return lever

    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        c.reference("agency", ctx.agencies - {PLACE_ID}, "agency")

    def label(self, lever: dict[str, Any]) -> str:
        return f"{lever.get('kind')} {lever.get('agency', '')}".strip()

    def apply(self, build: Any, lever: Any) -> None:
        """Nothing: income changes no service and no outcome (the plan reads the lever)."""
