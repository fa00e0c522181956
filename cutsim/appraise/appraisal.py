"""Green Book appraisal of a scenario's annual money (DESIGN §3, §7; docs/appraisal.md).

Pure functions on *annual* figures: £ per financial year y = 0 … H−1, each the exact
integral of a rate series over that year (lumps counted in the year they fall). Every
function accepts a leading draws axis, i.e. arrays of shape ``(H,)`` or ``(D, H)``, so
Monte Carlo can take percentiles of NPV without a Python loop.

Signs follow the result format: for ``planned_saving`` and ``net_saving`` positive is good
for the budget; for ``knock_on_cost`` and ``one_off_cost`` positive is a cost.
``net_saving = planned_saving − knock_on_cost − one_off_cost``.

Definitions (all documented with a worked example in docs/appraisal.md):

- discount factor ``DF_y = 1/(1+r)^y`` (year 0 undiscounted, r the place's discount rate);
- ``NPV = Σ_y DF_y · net_saving_y``; the place's NPV is the sum of the agencies';
- *benefits* are amounts good for the budget (positive planned saving, negative knock-on or
  one-off cost), *costs* the amounts bad for it, classified year by year and agency by
  agency, so ``NPV = PV(benefits) − PV(costs)`` always;
- optimism bias lowers benefits by f and raises costs by f, where f is the table's fraction
  for the weakest confidence grade on the scenario's causal path (grade 5 when there is no
  path): ``NPV_adjusted = (1−f)·PV(benefits) − (1+f)·PV(costs)``;
- ``BCR = PV(benefits)/PV(costs)``, ``None`` when PV(costs) is 0 (the ratio is undefined);
- payback year: the first year from which the *discounted* cumulative net saving is ≥ 0 and
  stays ≥ 0 to the horizon (``None`` if it never does, or if every figure is zero);
- social value: NPV of the outcomes' value (ΔY·value_per_unit, signed so that a change in
  the good direction is positive), reported for the place only and never added to cash.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from cutsim.model.errors import InputError
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import PLACE_ID, Model, Scenario

if TYPE_CHECKING:
    from cutsim.engine.compiled import CompiledModel
    from cutsim.engine.inputs import LeverInputs

log = logging.getLogger(__name__)

MONEY_SERIES = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")
NO_PATH_GRADE = 5  # no knock-on path: only the levers' own cash, the best-evidenced figure

# A cumulative total within this fraction of the largest annual magnitude counts as zero,
# so that e.g. −100 then +100 pays back in year 1 despite floating-point rounding.
_PAYBACK_REL_TOL = 1e-9


# --------------------------------------------------------------------------- discounting


def discount_factors(horizon: int, rate: float) -> np.ndarray:
    """Green Book discount factors ``1/(1+rate)^y`` for y = 0 … horizon−1 (dimensionless).

    Year 0 (the base financial year) is undiscounted. ``rate`` is per year, e.g. 0.035.
    """
    if horizon < 0:
        raise ValueError(f"horizon must be >= 0 (got {horizon})")
    if not rate > -1.0:
        raise ValueError(f"discount rate must be > -1 (got {rate})")
    return (1.0 + rate) ** -np.arange(horizon, dtype=float)


def present_values(annual: np.ndarray, rate: float) -> np.ndarray:
    """Each year's figure times its discount factor: £ (present value), same shape as input.

    ``annual`` has shape ``(..., H)``: £ per financial year, the last axis over years.
    """
    annual = np.asarray(annual, dtype=float)
    return annual * discount_factors(annual.shape[-1], rate)


def npv(annual_net: np.ndarray, rate: float) -> np.ndarray | float:
    """Net present value ``Σ_y annual_net_y/(1+rate)^y`` in £ at the price year.

    ``annual_net`` is £ per financial year, shape ``(H,)`` (returns a float) or
    ``(..., H)`` with leading axes such as Monte Carlo draws (returns an array of shape
    ``(...)``). Positive is good for the budget when given net savings.
    """
    annual_net = np.asarray(annual_net, dtype=float)
    value = present_values(annual_net, rate).sum(axis=-1)
    return float(value) if np.ndim(value) == 0 else value


def annual_of_rate(cm: CompiledModel, rate: np.ndarray) -> np.ndarray:
    """Exact £ per financial year of a piecewise-constant rate (£/yr on the grid's N+1
    points, constant over each step, the last point unused): shape ``(H,)``."""
    rate = np.asarray(rate, dtype=float)
    return (rate[:-1] * cm.h).reshape(cm.horizon_years, cm.steps_per_year).sum(axis=1)


def price_procurement(cm: CompiledModel, inputs: LeverInputs) -> dict[str, dict[str, Any]]:
    """The result's ``procurement`` block: each procure lever's report (from the levers)
    with its NPVs (£) filled in, discounted like every other figure in the appraisal."""
    rate = cm.model.place.discount_rate
    block = {}
    for lever_id, report in inputs.procurement.items():
        filled = dict(report)
        for key, series in inputs.procurement_rates.get(lever_id, {}).items():
            filled[key] = None if series is None else float(npv(annual_of_rate(cm, series), rate))
        block[lever_id] = filled
    return block


def value_split(result: Any) -> dict[str, float | None]:
    """The place's value over the horizon in the four kinds the HM Treasury / New Economy
    CBA model keeps apart (NPVs, £, positive = good): ``fiscal_cashable`` (planned savings
    less cashable knock-on and one-off costs: budgets that really move),
    ``fiscal_non_cashable`` (less the non-cashable knock-on: capacity used, no budget
    line moves), ``economic`` (procurement's local economic activity) and ``social``
    (outcome changes valued by value_per_unit). Fiscal cashable plus non-cashable is the
    place NPV."""
    model = result.compiled.model
    rate = model.place.discount_rate
    annual = {k: v.sum(axis=0) for k, v in result.agency_annual.items()}
    non_cashable = np.zeros_like(annual["knock_on_cost"])
    if result.service_annual is not None:
        share = result.cashable_shares
        non_cashable = ((1.0 - share)[:, None] * result.service_annual["knock_on_cost"]).sum(axis=0)
    cashable_net = annual["net_saving"] + non_cashable
    economic = [r.get("local_economy_npv") for r in result.procurement.values()]
    social = result.appraisal.get("social_value_npv", {}).get(PLACE_ID)
    return {"fiscal_cashable": float(npv(cashable_net, rate)),
            "fiscal_non_cashable": 0.0 - float(npv(non_cashable, rate)),  # never −0
            "economic": float(sum(v for v in economic if v is not None)) if economic else 0.0,
            "social": None if social is None else float(social)}


# --------------------------------------------------------------------------- payback


def payback_years(annual_net: np.ndarray, rate: float, floor: float | None = None) -> np.ndarray:
    """Vectorised payback year: an int array of shape ``(...)``, −1 where there is none.

    ``annual_net`` is £ per financial year, shape ``(..., H)``. The payback year is the
    smallest y such that the discounted cumulative net saving
    ``C_j = Σ_{i≤j} net_i/(1+rate)^i`` is ≥ 0 for every j from y to H−1. It is 0 when C
    is never negative; there is none (−1) when C_{H−1} < 0 or every figure is zero.
    A cumulative total within 1e-9 of the largest annual magnitude counts as zero; with
    ``floor`` (£, the materiality floor of :mod:`cutsim.model.materiality`) a magnitude
    below the floor counts as zero instead, so round-off is never judged as money.
    """
    annual_net = np.asarray(annual_net, dtype=float)
    horizon = annual_net.shape[-1]
    lead = annual_net.shape[:-1]
    if horizon == 0:
        return np.full(lead, -1, dtype=int)
    cumulative = np.cumsum(present_values(annual_net, rate), axis=-1)
    scale = np.max(np.abs(annual_net), axis=-1, keepdims=True)
    if floor is not None:
        negative = cumulative < -floor
        scale = np.where(scale < floor, 0.0, scale)
    else:
        negative = cumulative < -_PAYBACK_REL_TOL * scale
    # Last year with a negative cumulative total (−1 if none); payback is the year after.
    reversed_neg = negative[..., ::-1]
    any_neg = reversed_neg.any(axis=-1)
    last_neg = np.where(any_neg, horizon - 1 - np.argmax(reversed_neg, axis=-1), -1)
    year = last_neg + 1
    all_zero = scale[..., 0] == 0.0
    never = (year >= horizon) | all_zero
    return np.where(never, -1, year).astype(int)


def payback_year(annual_net: np.ndarray, rate: float) -> int | None:
    """Payback year of one series of annual net savings (£/year, shape ``(H,)``).

    The financial-year index y (0 = base year) from which the *discounted* cumulative net
    saving is ≥ 0 and stays ≥ 0 to the horizon; ``None`` if it never does or if every
    figure is zero. See :func:`payback_years` for the vectorised form.
    """
    annual_net = np.asarray(annual_net, dtype=float)
    if annual_net.ndim != 1:
        raise ValueError("payback_year takes one series of shape (H,); use payback_years")
    year = int(payback_years(annual_net, rate))
    return None if year < 0 else year


# --------------------------------------------------------------------------- benefits and costs


def benefits_and_costs(
    series: Mapping[str, np.ndarray], rate: float
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """PV of benefits and PV of costs of one agency's annual money, both ≥ 0 (£).

    ``series`` holds ``planned_saving``, ``knock_on_cost`` and ``one_off_cost`` (£/year,
    shape ``(..., H)``). Each year's figure is a *benefit* if it is good for the budget
    (planned saving > 0, knock-on or one-off cost < 0, e.g. demand avoided by an
    investment) and a *cost* otherwise, so ``PV(benefits) − PV(costs) = NPV``. For a plain
    cut this is benefits = PV(planned saving), costs = PV(knock-on + one-off costs).
    """
    planned = np.asarray(series["planned_saving"], dtype=float)
    costs_in = [np.asarray(series[k], dtype=float) for k in ("knock_on_cost", "one_off_cost")]
    good = np.maximum(planned, 0.0) + sum(np.maximum(-c, 0.0) for c in costs_in)
    bad = np.maximum(-planned, 0.0) + sum(np.maximum(c, 0.0) for c in costs_in)
    return npv(good, rate), npv(bad, rate)


def bcr(
    pv_benefits: np.ndarray | float, pv_costs: np.ndarray | float
) -> np.ndarray | float | None:
    """Benefit–cost ratio ``PV(benefits)/PV(costs)`` (dimensionless).

    ``None`` (scalar input) or NaN (array input) where PV(costs) is 0: with no cost the
    ratio is undefined (infinite for any benefit), so it is not reported.
    """
    b = np.asarray(pv_benefits, dtype=float)
    c = np.asarray(pv_costs, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(c > 0.0, b / np.where(c > 0.0, c, 1.0), np.nan)
    if ratio.ndim == 0:
        return None if np.isnan(ratio) else float(ratio)
    return ratio


# --------------------------------------------------------------------------- optimism bias


def _lever_start_services(scenario: Scenario) -> tuple[set[str], set[str]]:
    """Services and outcomes a scenario's levers act on directly (the path's sources)."""
    services: set[str] = set()
    outcomes: set[str] = set()
    for lever in scenario.levers:
        if getattr(lever, "service", None):
            services.add(lever.service)
        services.update(getattr(lever, "services", None) or ())
        services.update(r.service for r in getattr(lever, "reinvest", None) or ())
        # A procurement lever may move a local-economy outcome directly; the demand
        # that outcome drives is on the scenario's causal path too.
        if getattr(lever, "outcome", None):
            outcomes.add(lever.outcome)
    return services, outcomes


def path_confidences(model: Model, scenario: Scenario) -> list[int]:
    """Confidence grades (1–5) of every effect and demand link on the scenario's path.

    The path starts at the services the levers touch (fields ``service``, ``services``,
    ``reinvest[].service``; and a lever's ``outcome``) and follows service → effect →
    outcome → demand → demand-led service → its effects … until nothing new is reached.
    Each link is counted once, even in feedback loops.
    """
    effects_by_service: dict[str, list] = {}
    for effect in model.effects:
        effects_by_service.setdefault(effect.service, []).append(effect)
    demands_by_outcome: dict[str, list] = {}
    for demand in model.demands:
        demands_by_outcome.setdefault(demand.outcome, []).append(demand)

    start_services, start_outcomes = _lever_start_services(scenario)
    queue: deque[tuple[str, str]] = deque(
        [("service", s) for s in sorted(start_services)]
        + [("outcome", o) for o in sorted(start_outcomes)]
    )
    seen: set[tuple[str, str]] = set(queue)
    grades: list[int] = []
    while queue:
        kind, node = queue.popleft()
        links: Iterable = (
            effects_by_service.get(node, ()) if kind == "service"
            else demands_by_outcome.get(node, ())
        )
        for link in links:
            grades.append(link.confidence)
            nxt = ("outcome", link.outcome) if kind == "service" else ("service", link.service)
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return grades


def weakest_confidence_on_path(model: Model, scenario: Scenario) -> int | None:
    """The lowest confidence grade (1 = weakest … 5) on the scenario's causal path.

    ``None`` when no effect or demand link is reachable from the levers (no knock-on
    path). Graph traversal on the model only; see :func:`path_confidences`.
    """
    grades = path_confidences(model, scenario)
    return min(grades) if grades else None


def optimism_bias(model: Model, scenario: Scenario) -> dict[str, Any]:
    """The optimism-bias grade and fraction applied to a scenario.

    Returns ``{"grade": int, "fraction": float, "on_path": bool}``: the weakest confidence
    grade on the path and its fraction in ``place.effective_optimism_bias``; grade 5's
    fraction when there is no knock-on path (``on_path`` false).
    """
    weakest = weakest_confidence_on_path(model, scenario)
    grade = NO_PATH_GRADE if weakest is None else int(weakest)
    table = model.place.effective_optimism_bias
    try:
        fraction = float(table[str(grade)])
    except KeyError:
        raise InputError(f"place.optimism_bias: no fraction for confidence grade {grade}") from None
    if not 0.0 <= fraction < 1.0:
        raise InputError(
            f'place.optimism_bias["{grade}"]: fraction must be in [0, 1) (got {fraction})'
        )
    return {"grade": grade, "fraction": fraction, "on_path": weakest is not None}


# --------------------------------------------------------------------------- social value


def outcome_values(model: Model) -> np.ndarray:
    """Signed £ value of one unit of each outcome's change, in ``model.outcomes`` order.

    ``value_per_unit`` when higher is better, ``−value_per_unit`` when lower is better (so
    that a change in the good direction has positive value); 0 when no value is given.
    """
    values = []
    for outcome in model.outcomes:
        v = outcome.value_per_unit or 0.0
        values.append(v if outcome.higher_is_better else -v)
    return np.asarray(values, dtype=float)


def _integrate_steps(rate: np.ndarray, steps: int) -> np.ndarray:
    """Integrate a rate over one year's grid (last axis has steps+1 points, h = 1/steps).

    Composite Simpson's rule when ``steps`` is even, the trapezoid rule otherwise.
    """
    h = 1.0 / steps
    if steps % 2 == 0:
        w = np.ones(steps + 1)
        w[1:-1:2] = 4.0
        w[2:-1:2] = 2.0
        return rate @ (w * h / 3.0)
    w = np.ones(steps + 1)
    w[0] = w[-1] = 0.5
    return rate @ (w * h)


def social_value_annual(
    model: Model,
    t: np.ndarray,
    outcome_delta: np.ndarray,
    steps_per_year: int,
    horizon: int,
) -> np.ndarray:
    """Social value per financial year, £ per year (positive = value gained).

    ``outcome_delta`` is ΔY_o(t) (outcome level minus baseline) on the grid ``t`` (years,
    ``t_k = k/steps_per_year``, horizon·steps_per_year + 1 points), shape ``(O, N+1)`` or
    ``(D, O, N+1)``, outcomes in ``model.outcomes`` order. ``value_per_unit`` is read as £
    per unit of outcome level sustained for a year, so the value rate is
    ``Σ_o ΔY_o(t)·v_o`` £/year with v_o signed by :func:`outcome_values`, and each year's
    value is its integral over that year.

    The integral is an approximation: composite Simpson's rule on the grid values (the
    trapezoid rule when steps_per_year is odd). Outcomes are smooth between grid points
    except where a zero-delay link passes on a lever's step, so the error is small; money
    series, which must be exact, are integrated by the engine, not here.

    Returns shape ``(H,)`` or ``(D, H)``.
    """
    delta = np.asarray(outcome_delta, dtype=float)
    n_points = horizon * steps_per_year + 1
    if delta.ndim not in (2, 3) or delta.shape[-2:] != (len(model.outcomes), n_points):
        raise ValueError(
            f"outcome_delta must have shape (O, N+1) or (D, O, N+1) with O = "
            f"{len(model.outcomes)}, N+1 = {n_points} (got {delta.shape})"
        )
    if np.shape(t) != (n_points,):
        raise ValueError(f"t must have {n_points} points (got shape {np.shape(t)})")
    rate = np.einsum("...ok,o->...k", delta, outcome_values(model))  # £/year on the grid
    years = [
        _integrate_steps(rate[..., y * steps_per_year : (y + 1) * steps_per_year + 1],
                         steps_per_year)
        for y in range(horizon)
    ]
    return np.stack(years, axis=-1) if years else np.zeros(rate.shape[:-1] + (0,))


# --------------------------------------------------------------------------- the §7 block


def _plain(value: Any) -> Any:
    """Numpy scalars/arrays to JSON-ready floats/lists; NaN (undefined ratio) to None."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return None if np.isnan(arr) else float(arr)
    return [None if np.isnan(x) else float(x) for x in arr.ravel()] if arr.ndim == 1 else [
        _plain(row) for row in arr
    ]


def _payback_plain(annual_net: np.ndarray, rate: float, floor: float | None = None) -> Any:
    years = payback_years(annual_net, rate, floor)
    if years.ndim == 0:
        return None if years < 0 else int(years)
    return [None if y < 0 else int(y) for y in years.ravel()]


def _check_series(agency: str, series: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    missing = [k for k in MONEY_SERIES if k not in series]
    if missing:
        raise InputError(f'annual agencies "{agency}": missing series {", ".join(missing)}')
    shapes = {np.shape(series[k]) for k in MONEY_SERIES}
    if len(shapes) != 1:
        raise InputError(f'annual agencies "{agency}": series have different shapes {shapes}')
    return shapes.pop()


def appraise(
    model: Model,
    scenario: Scenario,
    annual_agencies: Mapping[str, Mapping[str, np.ndarray]],
    social_value_annual: Mapping[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """The result's ``appraisal`` block (DESIGN §7) from annual money per agency.

    ``annual_agencies[agency][series]`` is £ per financial year (shape ``(H,)``, or
    ``(D, H)`` over Monte Carlo draws) for ``planned_saving``, ``knock_on_cost``,
    ``one_off_cost`` and ``net_saving``. A ``"place"`` entry, if present, is ignored: the
    place's figures are always the sums over agencies. ``social_value_annual["place"]``
    (£/year, from :func:`social_value_annual`) is optional.

    Returns ``{discount_rate, price_year, npv, npv_adjusted, payback_year, bcr,
    bcr_adjusted, social_value_npv, optimism_bias}``; each of the per-entity blocks is
    keyed by agency id and ``"place"``. With a draws axis the per-entity values are lists
    over draws. ``social_value_npv`` is ``None`` for agencies (outcomes belong to the
    place) and for the place when no social value is given.
    """
    rate = float(model.place.discount_rate)
    bias = optimism_bias(model, scenario)
    f = bias["fraction"]
    floor = materiality_floor(model)  # £: what counts as nothing (DESIGN §3)

    agencies = {a: s for a, s in annual_agencies.items() if a != PLACE_ID}
    if not agencies:
        raise InputError("appraisal needs the annual money of at least one agency")
    shape = None
    for agency, series in agencies.items():
        this = _check_series(agency, series)
        if shape is not None and this != shape:
            raise InputError(f'annual agencies "{agency}": shape {this} differs from {shape}')
        shape = this

    block: dict[str, Any] = {
        "discount_rate": rate,
        "price_year": model.place.effective_price_year,
        "npv": {}, "npv_adjusted": {}, "payback_year": {},
        "bcr": {}, "bcr_adjusted": {}, "social_value_npv": {},
        "optimism_bias": bias,
    }
    place_net = np.zeros(shape)
    place_b: np.ndarray | float = 0.0
    place_c: np.ndarray | float = 0.0
    for agency, series in agencies.items():
        net = np.asarray(series["net_saving"], dtype=float)
        b, c = benefits_and_costs(series, rate)
        _fill(block, agency, net, b, c, f, rate, floor)
        block["social_value_npv"][agency] = None
        place_net = place_net + net
        place_b = place_b + b
        place_c = place_c + c
    _fill(block, PLACE_ID, place_net, place_b, place_c, f, rate, floor)

    sv = (social_value_annual or {}).get(PLACE_ID)
    block["social_value_npv"][PLACE_ID] = None if sv is None else _plain(npv(sv, rate))
    return block


def _fill(block: dict, key: str, net: np.ndarray, b: Any, c: Any, f: float, rate: float,
          floor: float | None = None) -> None:
    """One entity's NPV, adjusted NPV, payback and BCRs into the block (payback judged
    against the materiality ``floor``, £)."""
    block["npv"][key] = _plain(npv(net, rate))
    block["npv_adjusted"][key] = _plain((1.0 - f) * np.asarray(b) - (1.0 + f) * np.asarray(c))
    block["payback_year"][key] = _payback_plain(net, rate, floor)
    block["bcr"][key] = _plain(_nan_bcr(b, c))
    block["bcr_adjusted"][key] = _plain(_nan_bcr((1.0 - f) * np.asarray(b),
                                                 (1.0 + f) * np.asarray(c)))


def _nan_bcr(b: Any, c: Any) -> np.ndarray:
    ratio = bcr(b, c)
    return np.asarray(np.nan if ratio is None else ratio, dtype=float)
