"""What ``cut`` and ``invest`` share: a change to one service's spend (docs/levers.md).

Exactly one of ``percent`` (of baseline spend, 0-100) or ``amount`` (£/yr); the change
starts ``notice_months/12`` years after ``start_year`` and ramps over ``phase_years``;
``one_off_cost`` (£) falls at ``start_year``; ``areas`` confine it to named areas. How it
changes activity or unit cost is :mod:`cutsim.levers.spend`. This module is not a kind
itself (it sets no ``KIND``): ``cut`` and ``invest`` are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import Field

from cutsim.model.area_rules import lever_area_problems
from cutsim.model.fmt import money
from cutsim.model.lever_kinds import (
    LeverChecks,
    LeverContext,
    LeverKind,
    WorkbookColumn,
)
from cutsim.model.schema import LeverBase, added_in


class SpendLever(LeverBase):
    """Change one service's spend: exactly one of ``percent`` (of baseline) or ``amount`` (£/yr)."""

    service: str
    percent: float | None = None
    amount: float | None = None
    notice_months: float = 0.0
    one_off_cost: float = 0.0
    # Area ids: the change falls in these areas only (percent of their share of the spend).
    areas: list[str] | None = Field(default=None,
                                    json_schema_extra=added_in(2, changes_figures=True))


SPEND_COLUMNS = (
    WorkbookColumn("percent", "percent", "percent of baseline spend, 0-100"),
    WorkbookColumn("amount", "number", "£/yr (instead of percent)"),
    WorkbookColumn("notice_months", "number", "months before the saving starts (default 0)"),
    WorkbookColumn("one_off_cost", "number", "£ lump at start_year (redundancy, exit; default 0)"),
)


def lever_size(lever: SpendLever) -> tuple[float, str]:
    """(value, unit) of the lever's size: ``(20.0, "%")`` or ``(500000.0, "£/yr")``."""
    if lever.percent is not None:
        return float(lever.percent), "%"
    return float(lever.amount or 0.0), "£/yr"


def _where(lever: SpendLever, area_name: Callable[[str], str] | None) -> str:
    """`` in Harbourside and Old Town`` for a lever that names areas; "" for the whole place."""
    if not lever.areas:
        return ""
    shown = [area_name(a) if area_name else a for a in lever.areas]
    return " in " + (shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1])


class SpendKind(LeverKind):
    """The shared behaviour of ``cut`` and ``invest``; the sign is the kind's."""

    sized = True
    sign: ClassVar[float] = -1.0  # a cut lowers spend, an invest raises it
    fields_doc = ("`service`; exactly one of `percent` (of baseline spend, 0–100) or `amount` (£/yr ≥ 0); "
                  "`notice_months` (default 0: the saving starts that much later; the lump does not "
                  "move); `one_off_cost` (£ ≥ 0, default 0, falls at `start_year`)")
    workbook_columns = (WorkbookColumn("service", "choice", "the service id"), *SPEND_COLUMNS)

    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        c.reference("service", ctx.services, "service")
        if (lever.percent is None) == (lever.amount is None):
            c.add("give exactly one of percent (of baseline spend) or amount (£/yr)")
        c.between("percent", 0, 100)
        c.non_negative("amount")
        c.non_negative("notice_months")
        c.non_negative("one_off_cost")
        for message in lever_area_problems(ctx.model, lever, ctx.services):
            c.add(message)

    def describe(self, lever: Any, name: Callable[[str], str],
                 area_name: Callable[[str], str] | None = None) -> str:
        value, unit = lever_size(lever)
        size = f"{value:g} %" if unit == "%" else f"{money(value)}/yr"
        return f"{self.name} {name(lever.service)} by {size}{_where(lever, area_name)}"

    def saving_weight(self, lever: Any, service_id: str, baseline_spend: float) -> tuple[float, float]:
        size = lever.amount if lever.amount is not None else (lever.percent or 0.0) / 100.0 * baseline_spend
        return -self.sign * size, lever.start_year + lever.notice_months / 12.0

    def apply(self, build: Any, lever: Any) -> None:
        from cutsim.levers.spend import (
            apply_spend_lever,  # the engine loads on first run
        )

        apply_spend_lever(build, lever)
