"""Green Book appraisal of a scenario's annual money (docs/mathematics.md, docs/appraisal.md).

Pure functions on *annual* figures: £ per financial year y = 0 … H−1, each the exact
integral of a rate series over that year (lumps counted in the year they fall). Every
function accepts a leading draws axis, i.e. arrays of shape ``(H,)`` or ``(D, H)``, so
Monte Carlo can take percentiles of NPV without a Python loop.

Signs follow the result format: for ``planned_saving`` and ``net_saving`` positive is good
for the budget; for ``knock_on_cost`` and ``one_off_cost`` positive is a cost.
``net_saving = planned_saving − knock_on_cost − one_off_cost``.

Definitions (all documented with a worked example in docs/appraisal.md):

- discount factor ``DF_y = Π_{i=1..y} 1/(1+r_i)`` (year 0 undiscounted): the Green Book
  schedule, r_i the place's discount rate for years 1–30, then 3.0 % for 31–75 and 2.5 %
  for 76–125 (or the place's rate every year with ``discount_schedule: "flat"``);
- ``NPV = Σ_y DF_y · net_saving_y``; the place's NPV is the sum of the agencies';
- *benefits* are amounts good for the budget (positive planned saving, negative knock-on or
  one-off cost), *costs* the amounts bad for it, classified year by year and agency by
  agency, so ``NPV = PV(benefits) − PV(costs)`` always;
- optimism bias, line by line (after the GMCA/New Economy CBA model; the grades and
  fractions come from :mod:`cutsim.appraise.optimism`): each agency's
  knock-on costs are raised, and its avoided costs lowered, by the fraction f_k of the
  weakest confidence grade on the links whose path reaches its services; its own planned
  saving is lowered (a planned spend raised) and its one-off costs raised by the fraction
  f_d of the weakest ``delivery_confidence`` of the levers on its services, and not at all
  when none is given (an agency's decision to stop spending rests on no knock-on link):
  ``NPV_adjusted = Σ_y DF_y · [(1∓f_d)·planned − (1±f_k)·knock-on − (1±f_d)·one-off]``,
  upper signs for amounts bad for the budget;
- ``BCR = PV(benefits)/PV(costs)``, ``None`` when PV(costs) is nothing (below the
  materiality floor of :mod:`cutsim.model.materiality`: the ratio is undefined);
- payback year: the first year from which the *discounted* cumulative net saving is ≥ 0 and
  stays ≥ 0 to the horizon (``None`` if it never does, or if every figure is nothing);
  "≥ 0" and "nothing" are judged against the materiality floor, never an agency's noise;
- social value: NPV of the outcomes' value (ΔY·value_per_unit, signed so that a change in
  the good direction is positive), reported for the place only and never added to cash;
- the long run (:mod:`cutsim.appraise.longrun`): each agency's knock-on in the last year
  against its long-run level, and an optional terminal value (``place.terminal_years``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from cutsim.appraise.blocks import (
    Appraisal,
    EntityAppraisal,
    LineBias,
    LongRun,
    LongRunEntity,
    OutcomeNotSettled,
    TerminalValue,
    ValueSplit,
    Waterfall,
    WaterfallStep,
)
from cutsim.appraise.optimism import optimism_bias
from cutsim.model.errors import InputError
from cutsim.model.materiality import clean, is_nothing, materiality_floor
from cutsim.model.schema import DISCOUNT_SCHEDULES, PLACE_ID, Model, Place, Scenario

if TYPE_CHECKING:
    from cutsim.appraise.longrun import LongRunLevels
    from cutsim.engine.compiled import CompiledModel
    from cutsim.engine.inputs import LeverInputs

log = logging.getLogger(__name__)

MONEY_SERIES = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")


# --------------------------------------------------------------------------- discounting

SCHEDULES = DISCOUNT_SCHEDULES
DEFAULT_SCHEDULE = "green_book"

# The Green Book's long-term discount rates (annex A6, table 8): (last year of the band,
# rate). Years 1-30 take the place's own ``discount_rate`` (3.5 % by default); the bands
# beyond year 100 are only reached by a terminal value.
GREEN_BOOK_LATER_RATES: tuple[tuple[float, float], ...] = (
    (75, 0.030), (125, 0.025), (200, 0.020), (300, 0.015), (math.inf, 0.010))
GREEN_BOOK_FIRST_BAND = 30  # the place's rate applies to years 1-30


def year_rates(horizon: int, rate: float, schedule: str = DEFAULT_SCHEDULE) -> np.ndarray:
    """The discount rate of each year y = 0 … horizon−1 (per year; year 0's entry is 0).

    Year y's rate discounts year y back to year y−1. ``"green_book"``: ``rate`` for
    years 1–30, then 3.0 % for 31–75, 2.5 % for 76–125 (2.0 %, 1.5 %, 1.0 % after);
    ``"flat"``: ``rate`` every year.
    """
    if horizon < 0:
        raise ValueError(f"horizon must be >= 0 (got {horizon})")
    if not rate > -1.0:
        raise ValueError(f"discount rate must be > -1 (got {rate})")
    if schedule not in SCHEDULES:
        raise ValueError(f'discount schedule must be one of {", ".join(SCHEDULES)} '
                         f'(got "{schedule}")')
    years = np.arange(horizon, dtype=float)
    rates = np.full(horizon, float(rate))
    if schedule == "green_book":
        start: float = GREEN_BOOK_FIRST_BAND
        for last, band_rate in GREEN_BOOK_LATER_RATES:
            rates[(years > start) & (years <= last)] = band_rate
            start = last
    rates[:1] = 0.0
    return rates


def discount_factors(horizon: int, rate: float, schedule: str = DEFAULT_SCHEDULE) -> np.ndarray:
    """Discount factors DF_y for y = 0 … horizon−1 (dimensionless), docs/mathematics.md.

    Year 0 (the base financial year) is undiscounted; each later year's factor is the
    product of its year rates, ``DF_y = Π_{i=1..y} 1/(1 + r_i)`` with r_i from
    :func:`year_rates`. With the Green Book schedule at 3.5 %: DF_30 = 1.035^−30 =
    0.3563, DF_31 = DF_30/1.03 = 0.3459, DF_76 = DF_75/1.025 = 0.0919. ``rate`` is per
    year, e.g. 0.035; ``schedule`` is ``"green_book"`` (default) or ``"flat"``.
    """
    return _discount_factors(int(horizon), float(rate), schedule)


@lru_cache(maxsize=32)
def _discount_factors(horizon: int, rate: float, schedule: str) -> np.ndarray:
    """:func:`discount_factors`, made once per (horizon, rate, schedule): a slider move
    prices every figure with the same factors. Read-only, so no caller can change them."""
    rates = year_rates(horizon, rate, schedule)
    # Within a band the factor is a power, not a running product, so a flat schedule gives
    # exactly (1 + r)^−y and rounding does not accumulate over a hundred years.
    factors = np.ones(horizon)
    start, anchor = 0, 1.0
    while start < horizon - 1:
        band_rate = rates[start + 1]
        end = start + 1
        while end + 1 < horizon and rates[end + 1] == band_rate:
            end += 1
        steps = np.arange(1, end - start + 1, dtype=float)
        factors[start + 1:end + 1] = anchor * (1.0 + band_rate) ** -steps
        start, anchor = end, float(factors[end])
    factors.setflags(write=False)
    return factors


def place_discount_factors(place: Place, horizon: int | None = None) -> np.ndarray:
    """The place's discount factors (its ``discount_rate`` and ``discount_schedule``) for
    y = 0 … horizon−1 (default: the place's horizon). Every NPV in cutsim uses these."""
    years = place.horizon_years if horizon is None else horizon
    return discount_factors(years, place.discount_rate, place.effective_discount_schedule)


def present_values(annual: np.ndarray, rate: float, schedule: str = DEFAULT_SCHEDULE, *,
                   factors: np.ndarray | None = None) -> np.ndarray:
    """Each year's figure times its discount factor: £ (present value), same shape as input.

    ``annual`` has shape ``(..., H)``: £ per financial year, the last axis over years.
    ``factors`` (H,), when given, are :func:`discount_factors` of ``rate`` and
    ``schedule`` already computed (a caller pricing many series computes them once).
    """
    annual = np.asarray(annual, dtype=float)
    if factors is None:
        factors = discount_factors(annual.shape[-1], rate, schedule)
    return annual * factors


def npv(annual_net: np.ndarray, rate: float, schedule: str = DEFAULT_SCHEDULE, *,
        factors: np.ndarray | None = None) -> np.ndarray | float:
    """Net present value ``Σ_y DF_y · annual_net_y`` in £ at the price year.

    ``annual_net`` is £ per financial year, shape ``(H,)`` (returns a float) or
    ``(..., H)`` with leading axes such as Monte Carlo draws (returns an array of shape
    ``(...)``). Positive is good for the budget when given net savings. DF_y from
    :func:`discount_factors` with ``rate`` and ``schedule`` (or ``factors``, those
    factors already computed, as in :func:`present_values`).
    """
    annual_net = np.asarray(annual_net, dtype=float)
    value = present_values(annual_net, rate, schedule, factors=factors).sum(axis=-1)
    return float(value) if np.ndim(value) == 0 else value


def annual_of_rate(cm: CompiledModel, rate: np.ndarray) -> np.ndarray:
    """Exact £ per financial year of a piecewise-constant rate (£/yr on the grid's N+1
    points, constant over each step, the last point unused): shape ``(H,)``."""
    rate = np.asarray(rate, dtype=float)
    return (rate[:-1] * cm.h).reshape(cm.horizon_years, cm.steps_per_year).sum(axis=1)


def price_procurement(cm: CompiledModel, inputs: LeverInputs) -> dict[str, dict[str, Any]]:
    """The result's ``procurement`` block: each procure lever's report (from the levers)
    with its NPVs (£) filled in, discounted like every other figure in the appraisal."""
    factors = place_discount_factors(cm.model.place, cm.horizon_years)
    block = {}
    for lever_id, report in inputs.procurement.items():
        filled = dict(report)
        for key, series in inputs.procurement_rates.get(lever_id, {}).items():
            filled[key] = None if series is None else float(annual_of_rate(cm, series) @ factors)
        block[lever_id] = filled
    return block


def value_split(result: Any) -> ValueSplit:
    """The place's value over the horizon in the four kinds the HM Treasury / New Economy
    CBA model keeps apart (NPVs, £, positive = good): ``fiscal_cashable`` (planned savings
    less cashable knock-on and one-off costs: budgets that really move),
    ``fiscal_non_cashable`` (less the non-cashable knock-on: capacity used, no budget
    line moves), ``economic`` (procurement's local economic activity) and ``social``
    (outcome changes valued by value_per_unit). Fiscal cashable plus non-cashable is the
    place NPV."""
    model = result.compiled.model
    factors = place_discount_factors(model.place, result.compiled.horizon_years)
    annual = {k: v.sum(axis=0) for k, v in result.agency_annual.items()}
    if result.service_annual is not None:
        share = result.cashable_shares
        non_cashable = ((1.0 - share)[:, None] * result.service_annual["knock_on_cost"]).sum(axis=0)
    else:
        non_cashable = np.zeros_like(annual["knock_on_cost"])
    cashable_net = annual["net_saving"] + non_cashable
    economic = [r.get("local_economy_npv") for r in result.procurement.values()]
    place = result.appraisal.entities.get(PLACE_ID)
    social = None if place is None else place.social_value_npv
    return ValueSplit(
        fiscal_cashable=float(cashable_net @ factors),
        fiscal_non_cashable=0.0 - float(non_cashable @ factors),  # never −0
        economic=float(sum(v for v in economic if v is not None)) if economic else 0.0,
        social=None if social is None else float(social))


def compiled_floor(cm: CompiledModel) -> float:
    """The materiality floor of the compiled model's place (£, :func:`materiality_floor`),
    summed over its services once per compiled model."""
    return cm.once("materiality_floor", lambda: materiality_floor(cm.model))


def waterfall(cm: CompiledModel, agency_annual: Mapping[str, np.ndarray]) -> Waterfall:
    """The steps from the place's planned saving to its net saving (£, + = good for the
    budget): planned saving, minus each agency's knock-on cost, minus the one-off costs,
    and the net saving; ``total`` sums each year's £ over the horizon (undiscounted),
    ``npv`` discounts them with the place's factors (those of every NPV here). An agency's
    knock-on cost or the one-off costs that are nothing by the materiality floor are left
    out. ``agency_annual[series]`` is (A, H) £ per financial year."""
    floor = compiled_floor(cm)
    # the place's series, summed over agencies once for both sets of weights
    place = {k: agency_annual[k].sum(axis=0) for k in ("planned_saving", "one_off_cost",
                                                          "net_saving")}

    def steps(weights: np.ndarray) -> tuple[WaterfallStep, ...]:
        out = [WaterfallStep("planned_saving", None, float(place["planned_saving"] @ weights))]
        for i, aid in enumerate(cm.agency_ids):
            cost = float(agency_annual["knock_on_cost"][i] @ weights)
            if not is_nothing(cost, floor):
                out.append(WaterfallStep("knock_on_cost", aid, -cost))
        one_off = float(place["one_off_cost"] @ weights)
        if not is_nothing(one_off, floor):
            out.append(WaterfallStep("one_off_cost", None, -one_off))
        out.append(WaterfallStep("net_saving", None, float(place["net_saving"] @ weights)))
        return tuple(out)

    return Waterfall(total=steps(np.ones(cm.horizon_years)),
                     npv=steps(place_discount_factors(cm.model.place, cm.horizon_years)))


# --------------------------------------------------------------------------- payback


def payback_years(annual_net: np.ndarray, rate: float, schedule: str = DEFAULT_SCHEDULE,
                  floor: float = 0.0, *, factors: np.ndarray | None = None) -> np.ndarray:
    """Vectorised payback year: an int array of shape ``(...)``, −1 where there is none.

    ``annual_net`` is £ per financial year, shape ``(..., H)``. The payback year is the
    smallest y such that the discounted cumulative net saving ``C_j = Σ_{i≤j} DF_i·net_i``
    is ≥ 0 for every j from y to H−1. It is 0 when C is never negative; there is none
    (−1) when C_{H−1} < 0 or every figure is nothing. ``floor`` (£, the materiality floor
    of :mod:`cutsim.model.materiality`) decides both: a cumulative total above −floor
    counts as ≥ 0, and a series whose every year is below floor in magnitude is nothing.
    ``factors``: the discount factors already computed (:func:`present_values`).
    """
    annual_net = np.asarray(annual_net, dtype=float)
    horizon = annual_net.shape[-1]
    lead = annual_net.shape[:-1]
    if horizon == 0:
        return np.full(lead, -1, dtype=int)
    cumulative = np.cumsum(present_values(annual_net, rate, schedule, factors=factors),
                           axis=-1)
    negative = cumulative < -floor
    # Last year with a negative cumulative total (−1 if none); payback is the year after.
    reversed_neg = negative[..., ::-1]
    any_neg = reversed_neg.any(axis=-1)
    last_neg = np.where(any_neg, horizon - 1 - np.argmax(reversed_neg, axis=-1), -1)
    year = last_neg + 1
    nothing = np.all(np.abs(annual_net) <= floor, axis=-1)
    never = (year >= horizon) | nothing
    return np.where(never, -1, year).astype(int)


def payback_year(annual_net: np.ndarray, rate: float, schedule: str = DEFAULT_SCHEDULE,
                 floor: float = 0.0) -> int | None:
    """Payback year of one series of annual net savings (£/year, shape ``(H,)``).

    The financial-year index y (0 = base year) from which the *discounted* cumulative net
    saving is ≥ 0 and stays ≥ 0 to the horizon; ``None`` if it never does or if every
    figure is nothing (below ``floor``, £). See :func:`payback_years`.
    """
    annual_net = np.asarray(annual_net, dtype=float)
    if annual_net.ndim != 1:
        raise ValueError("payback_year takes one series of shape (H,); use payback_years")
    year = int(payback_years(annual_net, rate, schedule, floor))
    return None if year < 0 else year


# --------------------------------------------------------------------------- benefits and costs


def benefits_and_costs(
    series: Mapping[str, np.ndarray], rate: float, schedule: str = DEFAULT_SCHEDULE, *,
    factors: np.ndarray | None = None,
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """PV of benefits and PV of costs of one agency's annual money, both ≥ 0 (£).

    ``series`` holds ``planned_saving``, ``knock_on_cost`` and ``one_off_cost`` (£/year,
    shape ``(..., H)``). Each year's figure is a *benefit* if it is good for the budget
    (planned saving > 0, knock-on or one-off cost < 0, e.g. demand avoided by an
    investment) and a *cost* otherwise, so ``PV(benefits) − PV(costs) = NPV``. For a plain
    cut this is benefits = PV(planned saving), costs = PV(knock-on + one-off costs).
    ``factors``: the discount factors already computed (:func:`present_values`).
    """
    planned = np.asarray(series["planned_saving"], dtype=float)
    costs_in = [np.asarray(series[k], dtype=float) for k in ("knock_on_cost", "one_off_cost")]
    good = np.maximum(planned, 0.0) + sum(np.maximum(-c, 0.0) for c in costs_in)
    bad = np.maximum(-planned, 0.0) + sum(np.maximum(c, 0.0) for c in costs_in)
    return (npv(good, rate, schedule, factors=factors),
            npv(bad, rate, schedule, factors=factors))


def bcr(
    pv_benefits: np.ndarray | float, pv_costs: np.ndarray | float, floor: float = 0.0
) -> np.ndarray | float | None:
    """Benefit–cost ratio ``PV(benefits)/PV(costs)`` (dimensionless).

    ``None`` (scalar input) or NaN (array input) where PV(costs) is nothing (≤ ``floor``,
    £, the materiality floor): with no cost the ratio is undefined (infinite for any
    benefit), so it is not reported.
    """
    if isinstance(pv_benefits, float) and isinstance(pv_costs, float):
        # One ratio: the same IEEE division as numpy's, without its array machinery.
        if not pv_costs > max(floor, 0.0):
            return None
        ratio = float(pv_benefits) / float(pv_costs)
        return None if math.isnan(ratio) else ratio
    b = np.asarray(pv_benefits, dtype=float)
    c = np.asarray(pv_costs, dtype=float)
    some = c > max(floor, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(some, b / np.where(some, c, 1.0), np.nan)
    if ratios.ndim == 0:
        return None if np.isnan(ratios) else float(ratios)
    return ratios


# --------------------------------------------------------------------------- benefits and costs after optimism bias


def adjusted_benefits_and_costs(
    series: Mapping[str, np.ndarray], delivery_fraction: np.ndarray | float,
    knock_on_fraction: np.ndarray | float, rate: float, schedule: str = DEFAULT_SCHEDULE, *,
    factors: np.ndarray | None = None,
) -> tuple[np.ndarray | float, np.ndarray | float]:
    """PV of benefits and PV of costs (both ≥ 0, £) of annual money after optimism bias,
    line by line: each year's planned saving and one-off cost by the
    ``delivery_fraction``, its knock-on cost by the ``knock_on_fraction``; a benefit (good
    for the budget) is lowered by its line's fraction, a cost raised by it. The series are
    (..., H); the fractions (0-1) are numbers or arrays over the leading axes (one per
    agency, say, with the years' axis kept as 1).
    """
    planned = np.asarray(series["planned_saving"], dtype=float)
    knock = np.asarray(series["knock_on_cost"], dtype=float)
    one_off = np.asarray(series["one_off_cost"], dtype=float)
    fd, fk = delivery_fraction, knock_on_fraction
    good = ((1.0 - fd) * (np.maximum(planned, 0.0) + np.maximum(-one_off, 0.0))
            + (1.0 - fk) * np.maximum(-knock, 0.0))
    bad = ((1.0 + fd) * (np.maximum(-planned, 0.0) + np.maximum(one_off, 0.0))
           + (1.0 + fk) * np.maximum(knock, 0.0))
    return (npv(good, rate, schedule, factors=factors),
            npv(bad, rate, schedule, factors=factors))


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


# --------------------------------------------------------------------------- the long run

# Money or an outcome counts as still moving at the horizon when what is left to come
# exceeds this fraction of its size (and, for money, the materiality floor).
SETTLED_FRACTION = 0.01


def _moving(now: float, rest: float, floor: float) -> float:
    """How far ``rest`` is beyond ``now`` when that gap is material (else 0.0)."""
    gap = rest - now
    return gap if abs(gap) > max(floor, SETTLED_FRACTION * max(abs(now), abs(rest))) else 0.0


def long_run_block(levels: LongRunLevels, names: list[str], stacked: Mapping[str, np.ndarray],
                   floor: float) -> LongRun:
    """The ``long_run`` block: is harm still growing at the horizon?

    ``stacked[series]`` is the agencies' annual money (A, H), row i the agency
    ``names[i]`` (:func:`appraise_agencies`). Per agency and the place:
    ``knock_on_last_year`` (£, year H−1) against ``knock_on_long_run`` (£/yr at rest),
    the recurring net saving likewise (``net_saving_last_year`` = planned − knock-on of
    year H−1, one-off costs left out), and ``harm_still_growing`` (knock-on at rest above
    the last year's by more than 1 % and the materiality floor). ``outcomes_not_settled``:
    each outcome whose change at t = H is more than 1 % short of (or past) its change at
    rest. Magnitudes below the floor are exactly 0.
    """
    entities: dict[str, Any] = {}
    place = dict.fromkeys(("knock_on_last_year", "knock_on_long_run",
                           "net_saving_last_year", "net_saving_long_run"), 0.0)
    row_of = {agency: i for i, agency in enumerate(names)}
    knock_last_all = stacked["knock_on_cost"][:, -1].tolist()
    planned_last_all = stacked["planned_saving"][:, -1].tolist()
    knock_rest = np.asarray(levels.knock_on_cost, dtype=float).tolist()
    net_rest = np.asarray(levels.net_saving, dtype=float).tolist()
    for i, agency in enumerate(levels.agency_ids):
        at = row_of.get(agency)
        if at is None:
            continue
        knock_last = knock_last_all[at]
        net_last = planned_last_all[at] - knock_last
        row = {"knock_on_last_year": knock_last, "knock_on_long_run": knock_rest[i],
               "net_saving_last_year": net_last, "net_saving_long_run": net_rest[i]}
        for key in place:
            place[key] += row[key]
        entities[agency] = row
    entities[PLACE_ID] = place
    growing = []
    for key, row in entities.items():
        for name, value in row.items():  # plain numbers: clean()'s own test, inline
            row[name] = 0.0 if abs(value) < floor else value
        row["harm_still_growing"] = _moving(row["knock_on_last_year"],
                                            row["knock_on_long_run"], floor) > 0.0
        if row["harm_still_growing"] and key != PLACE_ID:
            growing.append(key)
    # _moving for every outcome at once (the same arithmetic), then the few that move
    now = np.asarray(levels.outcome_at_horizon, dtype=float)
    rest = np.asarray(levels.outcome_long_run, dtype=float)
    tiny = 1e-9 * np.maximum(1.0, np.abs(np.asarray(levels.outcome_baseline, dtype=float)))
    gap = rest - now
    moving = np.abs(gap) > np.maximum(tiny, SETTLED_FRACTION * np.maximum(np.abs(now),
                                                                         np.abs(rest)))
    outcomes = {levels.outcome_ids[j]: {"at_horizon": float(now[j]), "long_run": float(rest[j])}
                for j in np.flatnonzero(moving)}
    rows = {key: LongRunEntity(**row) for key, row in entities.items()}
    return LongRun(full_effect_year=levels.full_effect_year,
                   agencies={k: v for k, v in rows.items() if k != PLACE_ID},
                   place=rows[PLACE_ID], harm_still_growing=tuple(growing),
                   outcomes_not_settled={o: OutcomeNotSettled(**gap)
                                         for o, gap in outcomes.items()})


def terminal_value_block(levels: LongRunLevels, place: Place, horizon: int,
                         npv_block: Mapping[str, Any], floor: float) -> TerminalValue:
    """The optional terminal value (``place.terminal_years`` = T, off when unset).

    Each agency's long-run net saving (£/yr at rest) counted for the T years after the
    horizon, y = H … H+T−1, at the place's discount factors:
    ``TV_a = net∞_a · Σ_{y=H}^{H+T−1} DF_y`` (£ at the price year), reported beside the
    NPV with ``npv_with_terminal = NPV + TV``, never folded into ``npv``.
    """
    years = int(place.terminal_years or 0)
    factors = place_discount_factors(place, horizon + years)[horizon:]
    annuity = float(factors.sum())
    value = {a: float(clean(levels.net_saving[i] * annuity, floor))
             for i, a in enumerate(levels.agency_ids)}
    value[PLACE_ID] = float(clean(sum(value.values()), floor))
    return TerminalValue(years=years, first_year=horizon, annuity_factor=annuity, value=value,
                         npv_with_terminal={k: float(npv_block[k]) + v
                                            for k, v in value.items()
                                            if npv_block.get(k) is not None})


# --------------------------------------------------------------------- the result's block


def _plain(value: Any) -> Any:
    """Numpy scalars/arrays to JSON-ready floats/lists; NaN (undefined ratio) to None."""
    if isinstance(value, float):  # one number (a run's figure): no array
        return None if math.isnan(value) else float(value)
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return None if np.isnan(arr) else float(arr)
    return [None if np.isnan(x) else float(x) for x in arr.ravel()] if arr.ndim == 1 else [
        _plain(row) for row in arr
    ]


def _payback_plain(years: np.ndarray) -> Any:
    """Payback years (:func:`payback_years`) as the JSON has them: None for none."""
    if isinstance(years, int):  # one run's, read off as a plain number
        return None if years < 0 else years
    years = np.asarray(years)
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
    long_run: LongRunLevels | None = None,
    path_grades: dict | None = None,
) -> Appraisal:
    """The result's appraisal (docs/result-format.md) from annual money per agency.

    ``annual_agencies[agency][series]`` is £ per financial year (shape ``(H,)``, or
    ``(D, H)`` over Monte Carlo draws) for ``planned_saving``, ``knock_on_cost``,
    ``one_off_cost`` and ``net_saving``. A ``"place"`` entry, if present, is ignored: the
    place's figures are always the sums over agencies. ``social_value_annual["place"]``
    (£/year, Σ_o v_o ∫ΔY_o over each year) is optional. ``long_run`` (central run only:
    the long-run levels from :func:`cutsim.appraise.longrun.long_run_levels`) adds the
    long run and, when the place sets ``terminal_years``, the terminal value.
    ``path_grades``: see :func:`optimism_bias` (``known``).

    Returns an :class:`~cutsim.appraise.blocks.Appraisal` whose ``entities`` are the
    agencies, then ``"place"``: each with its NPV, adjusted NPV, payback year, BCRs,
    social value NPV and the present values of its benefits and costs (the place's are the
    agencies' sums). With a draws axis each figure is a list over draws.
    ``social_value_npv`` is ``None`` for agencies (outcomes belong to the place) and for
    the place when no social value is given. ``long_run`` and ``terminal_value`` are
    ``None`` when not computed or (terminal value) not asked for; the value split and the
    waterfall are the run's to add (:func:`value_split`, :func:`waterfall`).
    """
    agencies = {a: s for a, s in annual_agencies.items() if a != PLACE_ID}
    if not agencies:
        raise InputError("appraisal needs the annual money of at least one agency")
    shape = None
    for agency, series in agencies.items():
        this = _check_series(agency, series)
        if shape is not None and this != shape:
            raise InputError(f'annual agencies "{agency}": shape {this} differs from {shape}')
        shape = this
    names = list(agencies)
    stacked = {k: np.stack([np.asarray(agencies[a][k], dtype=float) for a in names])
               for k in MONEY_SERIES}
    return appraise_agencies(model, scenario, names, stacked, social_value_annual, long_run,
                             path_grades)


def appraise_agencies(
    model: Model,
    scenario: Scenario,
    names: list[str],
    stacked: Mapping[str, np.ndarray],
    social_value_annual: Mapping[str, np.ndarray] | None = None,
    long_run: LongRunLevels | None = None,
    path_grades: dict | None = None,
    floor: float | None = None,
) -> Appraisal:
    """:func:`appraise` of money already stacked by agency: ``stacked[series]`` is
    (A, …, H), row i the agency ``names[i]`` (at least one; no ``"place"`` row), as a run
    computes it. The same figures as :func:`appraise` of the same money, bit for bit.
    ``floor``: the model's materiality floor when the caller has it (£)."""
    place = model.place
    rate = float(place.discount_rate)
    schedule = place.effective_discount_schedule
    floor = materiality_floor(model) if floor is None else floor
    bias = optimism_bias(model, scenario, path_grades)
    shape = stacked["net_saving"].shape[1:]  # one agency's: (H,) or (D, H)

    factors = discount_factors(shape[-1], rate, schedule)  # once for every figure below
    entities: dict[str, EntityAppraisal] = {}
    nets = stacked["net_saving"]
    place_net = np.zeros(shape)
    for net in nets:  # the place's net saving: the agencies' added in order
        place_net = place_net + net
    place_b: np.ndarray | float = 0.0
    place_c: np.ndarray | float = 0.0
    place_ab: np.ndarray | float = 0.0
    place_ac: np.ndarray | float = 0.0
    no_bias = LineBias(None, 0.0, None, 0.0)
    # Every agency's figures at once, along a leading agency axis (the same arithmetic
    # row by row), then each agency's row; the NPV and payback of the place's net saving
    # come in the same call, as a last row.
    b_all, c_all = benefits_and_costs(stacked, rate, schedule, factors=factors)
    with_place = np.concatenate([nets, place_net[None]])
    npv_all = npv(with_place, rate, schedule, factors=factors)
    payback_all = payback_years(with_place, rate, schedule, floor, factors=factors)
    lines = [bias.lines.get(agency, no_bias) for agency in names]
    per_agency = (len(names),) + (1,) * len(shape)  # a fraction for each agency's rows
    ab_all, ac_all = adjusted_benefits_and_costs(
        stacked, np.reshape([line.delivery_fraction for line in lines], per_agency),
        np.reshape([line.knock_on_fraction for line in lines], per_agency), rate, schedule,
        factors=factors)
    b_rows, c_rows, ab_rows, ac_rows, npv_rows, payback_rows = (
        _rows(x) for x in (b_all, c_all, ab_all, ac_all, npv_all, payback_all))
    for i, agency in enumerate(names):
        b, c, ab, ac = b_rows[i], c_rows[i], ab_rows[i], ac_rows[i]
        entities[agency] = _entity((npv_rows[i], payback_rows[i]), (b, c), (ab, ac), floor,
                                   social=None)
        place_b, place_c = place_b + b, place_c + c
        place_ab, place_ac = place_ab + ab, place_ac + ac
    sv = (social_value_annual or {}).get(PLACE_ID)
    entities[PLACE_ID] = _entity((npv_rows[-1], payback_rows[-1]), (place_b, place_c),
                                 (place_ab, place_ac), floor,
                                 social=None if sv is None
                                 else _plain(npv(sv, rate, schedule, factors=factors)))

    block = Appraisal(
        discount_rate=rate,
        discount_schedule=schedule,
        discount_factors=tuple(_plain(factors)),
        price_year=place.effective_price_year,
        entities=entities,
        optimism_bias=bias,
    )
    if long_run is not None and len(shape) == 1:
        lr = long_run_block(long_run, names, stacked, floor)
        terminal = None
        if place.terminal_years:
            terminal = terminal_value_block(long_run, place, shape[-1],
                                            {e: row.npv for e, row in entities.items()}, floor)
        block = replace(block, long_run=lr, terminal_value=terminal)
    return block


def _rows(values: np.ndarray | float) -> list[Any]:
    """The rows of a figure computed for every agency at once: floats for one run (as
    :func:`npv` gives one), else each row's array. ``values`` is always an array here (it
    has the agency axis); the float in its type is what :func:`npv` gives a single row."""
    assert isinstance(values, np.ndarray)
    return values.tolist() if values.ndim == 1 else list(values)


def _entity(known: tuple[Any, Any], pv: tuple[Any, Any], adjusted: tuple[Any, Any],
            floor: float, social: Any) -> EntityAppraisal:
    """One entity's figures as the result has them: ``known`` its NPV and payback years
    (computed with every entity's, :func:`appraise_agencies`), ``pv`` the PV of its
    benefits and costs, ``adjusted`` the same after optimism bias (£); a PV of costs
    below ``floor`` (£) is nothing, and gives no BCR. Plain numbers for one run, lists
    over draws."""
    net_npv, years = known
    b, c = pv
    ab, ac = adjusted
    return EntityAppraisal(
        npv=_plain(net_npv),
        npv_adjusted=_plain(ab - ac),
        payback_year=_payback_plain(years),
        bcr=_bcr_plain(b, c, floor),
        bcr_adjusted=_bcr_plain(ab, ac, floor),
        social_value_npv=social,
        pv_benefits=_plain(b),
        pv_costs=_plain(c))


def _bcr_plain(b: Any, c: Any, floor: float) -> Any:
    """:func:`bcr` as the result has it: a number or None, or a list of them over draws."""
    ratio = bcr(b, c, floor)
    if isinstance(b, float) and isinstance(c, float):  # one run: the division's own answer
        return ratio
    return _plain(np.asarray(np.nan if ratio is None else ratio, dtype=float))
