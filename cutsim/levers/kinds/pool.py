"""``pool``: agencies pool budgets for services they share (docs/levers.md).

Duplication removed is an efficiency with activity kept (``efficiency_percent``, with an
optional range), part of the saving may be reinvested in named services, and the saving
is shared among the partners by a gain-share rule (:mod:`cutsim.levers.settlement`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import Field

from cutsim.model.lever_kinds import (
    LeverChecks,
    LeverContext,
    LeverKind,
    UncertainField,
    WorkbookCells,
    WorkbookColumn,
)
from cutsim.model.schema import LeverBase, Strict, added_in
from cutsim.model.validation import fmt


class Reinvest(Strict):
    service: str
    percent_of_saving: float


class FixedShares(Strict):
    fixed: dict[str, float]


class PoolLever(LeverBase):
    kind: Literal["pool"]
    services: list[str]
    efficiency_percent: float
    efficiency_percent_low: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    efficiency_percent_high: float | None = Field(default=None, json_schema_extra=added_in(2, changes_figures=True))
    reinvest: list[Reinvest] = Field(default_factory=list)
    gain_share: Literal["contribution", "benefit"] | FixedShares = "contribution"
    one_off_cost: float = 0.0


GAIN_SHARES = ("contribution", "benefit")


class PoolKind(LeverKind):
    name = "pool"
    schema = PoolLever
    title = "Pool budgets"
    words = "a pooled budget between agencies"
    who_pays = ("A pooled budget changes what each agency that shares it pays, and the outcomes "
                "it improves can lower other agencies' costs.")
    workbook_columns = (
        WorkbookColumn("services", "list", "service ids of two or more agencies, comma-separated"),
        WorkbookColumn("one_off_cost", "number", "£ lump at start_year (redundancy, exit; default 0)"),
        WorkbookColumn("efficiency_percent", "percent", "duplication removed, 0-100"),
        WorkbookColumn("reinvest", "pairs", "service: percent of saving; … (e.g. youth: 50)"),
        WorkbookColumn("gain_share", "text", "contribution, benefit, or fixed agency: share; …"),
    )
    uncertain_fields = (UncertainField("efficiency_percent", 0.0, 100.0),)
    workbook_text_fields = ("reinvest", "gain_share")
    fields_doc = ("`services` (of two or more agencies); `efficiency_percent` (0–100); `reinvest` "
                  "(default `[]`: `{service, percent_of_saving}`, shares 0–100 adding to at most 100); "
                  "`gain_share`: `\"contribution\"` (default), `\"benefit\"` or `{\"fixed\": {agency: "
                  "share}}` with shares 0–1 adding to 1, each agency owning a pooled service; "
                  "`one_off_cost` (default 0)")

    def services(self, lever: Any) -> list[str]:
        return [*lever.services, *(r.service for r in lever.reinvest)]

    def references(self, lever: Any) -> dict[str, set[str]]:
        refs = super().references(lever)
        if isinstance(lever.gain_share, FixedShares):
            refs["agencies"] = set(lever.gain_share.fixed)
        return refs

    def rename(self, lever: Any, items: str, old: str, new: str) -> Any:
        def swap(value: str) -> str:
            return new if value == old else value

        if items == "services":
            reinvest = [r.model_copy(update={"service": swap(r.service)}) for r in lever.reinvest]
            return lever.model_copy(update={"services": [swap(s) for s in lever.services],
                                            "reinvest": reinvest})
        if items == "agencies" and isinstance(lever.gain_share, FixedShares):
            fixed = {swap(k): v for k, v in lever.gain_share.fixed.items()}
            return lever.model_copy(update={"gain_share": FixedShares(fixed=fixed)})
        return lever

    def check(self, c: LeverChecks, lever: Any, ctx: LeverContext) -> None:
        services = ctx.services
        for sid in lever.services:
            if sid not in services:
                c.add(f'services refers to service "{sid}", which does not exist')
        owners = {services[s].agency for s in lever.services if s in services}
        if len(owners) < 2:
            c.add("a pool needs services of two or more agencies")
        c.between("efficiency_percent", 0, 100)
        c.field_range("efficiency_percent", 0, 100)
        c.non_negative("one_off_cost")
        for j, share in enumerate(lever.reinvest):
            if share.service not in services:
                c.add(f'reinvest[{j}] refers to service "{share.service}", which does not exist')
            if not 0 <= share.percent_of_saving <= 100:
                c.add(f"reinvest[{j}].percent_of_saving must be between 0 and 100 "
                      f"(got {fmt(share.percent_of_saving)})")
        if sum(share.percent_of_saving for share in lever.reinvest) > 100:
            c.add("reinvest shares add up to more than 100 % of the saving")
        if isinstance(lever.gain_share, FixedShares):
            fixed = lever.gain_share.fixed
            for agency in fixed:
                if agency not in owners:
                    c.add(f'gain_share.fixed names agency "{agency}", which has no service in the pool')
            if any(not 0 <= v <= 1 for v in fixed.values()) or abs(sum(fixed.values()) - 1) > 1e-9:
                c.add(f"gain_share.fixed shares must be fractions adding up to 1 "
                      f"(got {fmt(sum(fixed.values()))})")

    def describe(self, lever: Any, name: Callable[[str], str],
                 area_name: Callable[[str], str] | None = None) -> str:
        return (f"pool {', '.join(name(s) for s in lever.services)} "
                f"({lever.efficiency_percent:g} % efficiency)")

    def label(self, lever: dict[str, Any]) -> str:
        return f"pool {', '.join(lever.get('services', []))}"

    def saving_weight(self, lever: Any, service_id: str, baseline_spend: float) -> tuple[float, float]:
        saves = service_id in lever.services
        return (lever.efficiency_percent / 100.0 * baseline_spend if saves else 0.0), lever.start_year

    def apply(self, build: Any, lever: Any) -> None:
        from cutsim.levers.pool import apply_pool  # the engine loads on first run

        apply_pool(build, lever)

    def workbook_text(self, lever: Any, cells: WorkbookCells) -> dict[str, Any]:
        out: dict[str, Any] = {"reinvest": [(r.service, r.percent_of_saving) for r in lever.reinvest]}
        if isinstance(lever.gain_share, str):
            out["gain_share"] = lever.gain_share
        else:
            out["gain_share"] = "fixed " + "; ".join(
                f"{k}: {cells.number_text(v)}" for k, v in lever.gain_share.fixed.items())
        return out

    def from_workbook_text(self, values: dict[str, Any], cells: WorkbookCells) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if "reinvest" in values:
            values["reinvest"] = [{"service": s, "percent_of_saving": p} for s, p in values["reinvest"]]
        share = values.get("gain_share")
        if isinstance(share, str):
            words = share.strip()
            if words.lower().startswith("fixed"):
                try:
                    values["gain_share"] = {"fixed": dict(cells.pairs(words[5:]))}
                except ValueError as exc:
                    problems.append(("gain_share", str(exc)))
                    values["gain_share"] = "contribution"
            elif words not in GAIN_SHARES:
                problems.append(("gain_share", "must be contribution, benefit or fixed agency: "
                                 f"share; …, got {cells.shown(share)}"))
                values["gain_share"] = "contribution"
            else:
                values["gain_share"] = words
        return problems


KIND = PoolKind()
