"""The disclosure rule (:mod:`cutsim.model.disclosure`) applied to agencies' money.

An agency's published total is split into its named services' money (the published
items) and its confidential services' money (the confidential items), from the engine's
per-service figures, and published as the rule says. The publication
(:mod:`cutsim.publish.disclosure`) and the workshop's screens use this, so that they
show the same figures.
"""

from __future__ import annotations

import numpy as np

from cutsim.appraise.appraisal import place_discount_factors
from cutsim.appraise.run import simulate_by_origin
from cutsim.engine.compiled import CompiledModel
from cutsim.engine.money import SERIES, service_money
from cutsim.levers.build import build_inputs
from cutsim.model.disclosure import Cell, Protected, protect
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import Model, Scenario


def service_annual(cm: CompiledModel, scenario: Scenario) -> dict[str, np.ndarray]:
    """Per-service £ per financial year, (S, H) for each series, central parameters."""
    inputs = build_inputs(cm, scenario)
    _, _, total = simulate_by_origin(cm, cm.central_params(), inputs)
    money = service_money(cm, inputs, total)
    return {s: money.annual[s][0] for s in SERIES}


def service_npv(cm: CompiledModel, annual: dict[str, np.ndarray]) -> np.ndarray:
    """Each service's NPV of net saving (S,) in £ (+ = good for the budget) from its £ per
    financial year (:func:`service_annual`), discounted with the place's own factors (its
    rate and schedule: those of every NPV in the result), so a protected agency NPV's
    parts add up to the NPV the appraisal reports."""
    return annual["net_saving"] @ place_discount_factors(cm.model.place, cm.horizon_years)


def split(model: Model, agency: str) -> tuple[list[int], list[int]]:
    """(indexes of the agency's named services, of its confidential ones)."""
    mine = [i for i, s in enumerate(model.services) if s.agency == agency]
    return ([i for i in mine if not model.services[i].confidential],
            [i for i in mine if model.services[i].confidential])


def protect_values(total: float, per_service: np.ndarray, named: list[int], secret: list[int],
                   floor: float) -> Protected:
    """One agency total (£) whose per-service parts are ``per_service`` (S,), as published."""
    return protect(Cell(float(total), float(per_service[named].sum()),
                        tuple(float(v) for v in per_service[secret])), floor)


def protected_agency_annual(cm: CompiledModel, scenario: Scenario,
                            agency_annual: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each agency's £ per financial year (A, H) as it may be shown: exact for an agency
    without confidential services, protected by the rule for one with them (the same
    figures as the publication's). For screens that show agency money (the workshop)."""
    model = cm.model
    out = {s: np.array(agency_annual[s], dtype=float, copy=True) for s in SERIES}
    if not any(s.confidential for s in model.services):
        return out
    floor = materiality_floor(model)
    annual = service_annual(cm, scenario)
    for a, agency in enumerate(cm.agency_ids):
        named, secret = split(model, agency)
        if not secret:
            continue
        for s in SERIES:
            for y in range(out[s].shape[1]):
                out[s][a, y] = protect_values(out[s][a, y], annual[s][:, y], named, secret,
                                              floor).total
    return out
