"""The disclosure rule (:mod:`cutsim.model.disclosure`) applied to a publication.

The open-data document is protected once, before any file is rendered from it, so the
HTML page, the PDF, ``open-data.json`` and every CSV show the same figures. For each
agency with a confidential service, every money cell is protected: each series
(planned saving, knock-on cost, one-off cost, net saving) in each financial year, over
the horizon, the NPV, and the baseline budget. The published items of a cell are the
figures of the agency's named services (which anyone re-running the published services
could know: the worst case); the confidential items are those of its confidential
services, from the engine's per-service money.

What follows from a protected agency is made consistent with it: the report-year and
per-resident figures, the place's figures (the sum of the agencies' published ones),
cost-shift entries borne by the agency (the largest carries the difference, so they
still add up to its published knock-on cost), and the agency's and the place's rate
bands and rate series (rounded to the largest base used), which would otherwise give
the exact figure back through a steady year.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from cutsim.appraise.disclosure import protect_values, service_annual, service_npv, split
from cutsim.engine.compiled import CompiledModel
from cutsim.engine.money import SERIES
from cutsim.model.disclosure import MIN_GROUP, P_PERCENT, describe_base
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Scenario


def _round_to(value: float | None, base: float) -> float | None:
    return None if value is None or base <= 0 else round(value / base) * base


def rule_text() -> str:
    return (f"No published total, less the named items published beside it, lies within "
            f"{P_PERCENT:g} % of any confidential item; a total holding fewer than {MIN_GROUP} "
            "confidential items, or one that would, is published with its confidential part "
            "rounded (see docs/signing.md, Disclosure control).")


def protect_document(doc: dict[str, Any], cm: CompiledModel, scenario: Scenario) -> dict[str, Any]:
    """A copy of the open-data document with every money cell protected (module docstring)."""
    model = cm.model
    hidden = {s.id for s in model.services if s.confidential}
    doc = copy.deepcopy(doc)
    doc["redacted"]["disclosure"] = {"p_percent": P_PERCENT, "min_group": MIN_GROUP,
                                     "rule": rule_text(), "rounded": {}}
    if not hidden:
        return doc
    floor = materiality_floor(model)
    annual = service_annual(cm, scenario)
    npvs = service_npv(cm, annual)
    y_report = doc["report"]["years_from_start"] - 1
    population = doc["place"]["population"]
    bases: dict[str, float] = {}
    for agency in doc["agencies"]:
        named, secret = split(model, agency["id"])
        if not secret:
            continue
        used: list[float] = []

        def shown(total: float, values: np.ndarray) -> float:
            # called only within this iteration, so the loop's current values are meant
            result = protect_values(total, values, named, secret, floor)  # noqa: B023
            used.append(result.base)  # noqa: B023
            return result.total

        for s in SERIES:
            per_service = annual[s]
            agency["annual"][s] = [shown(agency["annual"][s][y], per_service[:, y])
                                   for y in range(per_service.shape[1])]
            agency["total"][s] = shown(agency["total"][s], per_service.sum(axis=1))
            agency["report_year"][s] = agency["annual"][s][y_report]
        if agency.get("npv") is not None:
            agency["npv"] = shown(agency["npv"], npvs)
        spend = np.array([s.baseline_spend for s in model.services])
        agency["baseline_spend"] = shown(agency["baseline_spend"], spend)
        base = max(used)
        if base > 0:
            bases[agency["id"]] = base
            band = agency.get("net_saving_rate_range")
            if band:
                agency["net_saving_rate_range"] = {q: _round_to(v, base) for q, v in band.items()}
            _shift_costs(doc["cost_shift"], agency["id"], agency["total"]["knock_on_cost"],
                         population)
        _per_resident(agency, population)
    _place(doc, bases, population)
    doc["redacted"]["disclosure"]["rounded"] = {a: b for a, b in bases.items()}
    if bases:
        words = ", ".join(f"{a} to {describe_base(b)}" for a, b in bases.items())
        doc["redacted"]["note"] += (f" To keep them confidential, some totals are rounded "
                                    f"(their confidential part, at most: {words}).")
    return doc


def _per_resident(block: dict[str, Any], population: int | None) -> None:
    if population:
        block["per_resident"] = {
            "report_year_net_saving": block["report_year"]["net_saving"] / population,
            "total_net_saving": block["total"]["net_saving"] / population}


def _shift_costs(entries: list[dict[str, Any]], agency: str, knock_on_total: float,
                 population: int | None) -> None:
    """Cost-shift entries borne by ``agency`` add up to its published knock-on cost."""
    borne = [e for e in entries if e["to"] == agency]
    if not borne:
        return
    gap = knock_on_total - sum(e["amount"] for e in borne)
    largest = max(borne, key=lambda e: abs(e["amount"]))
    largest["amount"] += gap
    largest["per_resident"] = largest["amount"] / population if population else None


def _place(doc: dict[str, Any], bases: dict[str, float], population: int | None) -> None:
    """The place's money as the sum of the agencies' published figures."""
    if not bases:
        return
    place, agencies = doc["place_money"], doc["agencies"]
    for s in SERIES:
        place["annual"][s] = [math.fsum(a["annual"][s][y] for a in agencies)
                              for y in range(len(place["annual"][s]))]
        place["total"][s] = math.fsum(a["total"][s] for a in agencies)
        place["report_year"][s] = math.fsum(a["report_year"][s] for a in agencies)
    if place.get("npv") is not None and all(a.get("npv") is not None for a in agencies):
        place["npv"] = math.fsum(a["npv"] for a in agencies)
    base = max(bases.values())
    for key in ("npv_adjusted",):
        place[key] = _round_to(place.get(key), base)
    if place.get("npv_range"):
        place["npv_range"] = {q: _round_to(v, base) for q, v in place["npv_range"].items()}
    place["net_saving_rate"] = [_round_to(v, base) for v in place["net_saving_rate"]]
    if place.get("net_saving_rate_range"):
        place["net_saving_rate_range"] = {q: [_round_to(v, base) for v in values]
                                          for q, values in place["net_saving_rate_range"].items()}
    _per_resident(place, population)

