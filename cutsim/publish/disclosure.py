"""The disclosure gate (:mod:`cutsim.appraise.disclosure`) applied to a publication.

The open-data document is protected once, before any file is rendered from it, so the
HTML page, the PDF, ``open-data.json`` and every CSV show the same figures. For each
agency with a confidential service every money figure is published as the gate says
(its confidential services' part scaled by the agency's one factor): each series in
each financial year, over the horizon and in the report year, the NPV, the baseline
budget, the rate bands, and the cost-shift entries it bears. The place's figures are the
sums of the agencies' published ones, its rate series (the chart "Net saving to the
place over time") the engine's rates with the same scaled parts taken off, so the chart
keeps its shape and scale; bands move by the same amount as the central figure they
belong to; the optimism-bias-adjusted NPV is left out (null).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from cutsim.appraise.disclosure import DisclosureGate
from cutsim.engine.compiled import CompiledModel
from cutsim.engine.money import SERIES
from cutsim.model.disclosure import GRID_RATIO, P_PERCENT
from cutsim.model.fmt import round_sig
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Scenario


def rule_text() -> str:
    """The rule in one sentence, as the open data states it."""
    return (f"Each agency with commercially confidential services has its confidential "
            f"services' part of every figure scaled by one factor, so that no figure, less the "
            f"named items published beside it, lies within {P_PERCENT:g} % of a confidential "
            f"amount, and combining figures cannot place a confidential amount more closely "
            f"than a factor of {GRID_RATIO:g} (see docs/signing.md, Disclosure control).")


def protect_document(doc: dict[str, Any], cm: CompiledModel, scenario: Scenario) -> dict[str, Any]:
    """A copy of the open-data document with every money figure passed through the gate."""
    doc = copy.deepcopy(doc)
    gate = DisclosureGate.for_scenario(cm, scenario)
    scaled = gate.scaled_agencies()
    doc["redacted"]["disclosure"] = {"p_percent": P_PERCENT, "grid_ratio": GRID_RATIO,
                                     "rule": rule_text(),
                                     "scaled": [a for a in scaled],
                                     "suppressed": [a for a, s in scaled.items() if s.suppressed],
                                     "note": gate.note(adjusted_npv=True)}
    if not gate.applies:
        return doc
    money = gate.scenario_money()
    ids = list(cm.agency_ids)
    y_report = doc["report"]["years_from_start"] - 1
    k = doc["report"]["years_from_start"] * cm.model.place.steps_per_year
    population = doc["place"]["population"]
    annual_fix = {s: gate.correction(money.annual[s][0]) for s in SERIES}
    rate_fix = {s: gate.correction(money.rates[s][0]) for s in SERIES}
    npv_fix = gate.npv_correction()
    spend_fix = gate.spend_correction()
    for agency in doc["agencies"]:
        a = ids.index(agency["id"])
        if agency["id"] not in scaled:
            continue
        for s in SERIES:
            agency["annual"][s] = [float(v - annual_fix[s][a, y])
                                   for y, v in enumerate(agency["annual"][s])]
            agency["total"][s] = float(agency["total"][s] - annual_fix[s][a].sum())
            agency["report_year"][s] = agency["annual"][s][y_report]
        if agency.get("npv") is not None:
            agency["npv"] = float(agency["npv"] - npv_fix[a])
        agency["baseline_spend"] = float(agency["baseline_spend"] - spend_fix[a])
        band = agency.get("net_saving_rate_range")
        if band:
            agency["net_saving_rate_range"] = {q: v - float(rate_fix["net_saving"][a, k])
                                               for q, v in band.items()}
        _per_resident(agency, population)
    _cost_shift(doc, gate, ids, population)
    _areas(doc, gate, y_report, cm)
    _place(doc, gate, rate_fix, float(npv_fix.sum()), population)
    doc["redacted"]["note"] += " " + gate.note(adjusted_npv=True)
    return doc


def _areas(doc: dict[str, Any], gate: DisclosureGate, y: int, cm: CompiledModel) -> None:
    """Each area's net saving and knock-on cost in the report year with the confidential
    part scaled (the areas then add up to the place's published figures), and the
    deprivation deciles summed again from them."""
    block = doc.get("areas")
    if not block:
        return
    from cutsim.publish.areas import by_decile

    net = gate.area_correction("net_saving")
    knock = gate.area_correction("knock_on_cost")
    if net is None or knock is None:
        raise ValueError("the disclosure gate has no area figures for a model with areas")
    order = list(gate.areas.area_ids) if gate.areas is not None else []
    floor = materiality_floor(cm.model)
    for row in block["areas"]:
        r = order.index(row["id"])
        row["net_saving"] = _nothing(row["net_saving"] - float(net[r, :, y].sum()), floor)
        row["knock_on_cost"] = _nothing(row["knock_on_cost"] - float(knock[r, :, y].sum()), floor)
    block["by_deprivation"] = by_decile(block["areas"], floor)


def _nothing(value: float, floor: float) -> float:
    return 0.0 if abs(value) < floor else float(value)


def _per_resident(block: dict[str, Any], population: int | None) -> None:
    if population:
        block["per_resident"] = {
            "report_year_net_saving": block["report_year"]["net_saving"] / population,
            "total_net_saving": block["total"]["net_saving"] / population}


def _cost_shift(doc: dict[str, Any], gate: DisclosureGate, ids: list[str],
                population: int | None) -> None:
    """Cost-shift entries with the confidential services' part scaled (each agency's
    entries still add up to its published knock-on cost)."""
    exact = np.zeros((len(ids), len(ids)))
    for e in doc["cost_shift"]:
        exact[ids.index(e["from"]), ids.index(e["to"])] = e["amount"]
    shown = gate.cost_shift(exact)
    for e in doc["cost_shift"]:
        e["amount"] = float(shown[ids.index(e["from"]), ids.index(e["to"])])
        e["per_resident"] = e["amount"] / population if population else None


def _cashable_percent(gate: DisclosureGate) -> float | None:
    """The cashable share (%, two significant figures) of the place's published extra
    demand costs: each service's knock-on cost over the horizon, the confidential ones
    scaled, weighted by its cashable share (the exact share would tie the confidential
    knock-on cost to the named ones)."""
    model = gate.cm.model
    knock = gate.scenario_money().annual["knock_on_cost"][0].sum(axis=1) * (1.0 - gate.weights)
    share = np.array([1.0 if s.cashable_share is None else s.cashable_share
                      for s in model.services])
    total = float(knock.sum())
    if total <= 0:
        return None
    return round_sig(100.0 * float((knock * share).sum()) / total, 2)


def _place(doc: dict[str, Any], gate: DisclosureGate, rate_fix: dict[str, np.ndarray],
           npv_fix: float, population: int | None) -> None:
    """The place's money as the sum of the agencies' published figures."""
    place, agencies = doc["place_money"], doc["agencies"]
    for s in SERIES:
        place["annual"][s] = [math.fsum(a["annual"][s][y] for a in agencies)
                              for y in range(len(place["annual"][s]))]
        place["total"][s] = math.fsum(a["total"][s] for a in agencies)
        place["report_year"][s] = math.fsum(a["report_year"][s] for a in agencies)
    if place.get("npv") is not None and all(a.get("npv") is not None for a in agencies):
        place["npv"] = math.fsum(a["npv"] for a in agencies)
    # The optimism-bias adjustment is made line by line and is not split by service, so
    # the adjusted NPV less the NPV would give the adjustment of the confidential lines
    # back: it is left out (null), which the note and docs/signing.md say.
    place["npv_adjusted"] = None
    if place.get("npv_range"):
        place["npv_range"] = {q: float(v - npv_fix) for q, v in place["npv_range"].items()}
    if place.get("knock_on_cashable_percent") is not None:
        place["knock_on_cashable_percent"] = _cashable_percent(gate)
    fix = rate_fix["net_saving"].sum(axis=0)
    place["net_saving_rate"] = [float(v - fix[i]) for i, v in enumerate(place["net_saving_rate"])]
    if place.get("net_saving_rate_range"):
        place["net_saving_rate_range"] = {
            q: [float(v - fix[i]) for i, v in enumerate(values)]
            for q, values in place["net_saving_rate_range"].items()}
    _per_resident(place, population)
