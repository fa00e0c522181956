"""Turn a scenario's levers into the engine's :class:`~cutsim.engine.inputs.LeverInputs` (DESIGN §4).

Signs: a cut lowers spend, an invest raises it; ΔA is in activity units/yr, efficiency
e(t) is the fraction by which unit cost falls (negative = a price premium).

``cut`` and ``invest``:

- exactly one of ``percent`` (of baseline spend, 0-100) or ``amount`` (£/yr);
- the change starts ``notice_months/12`` years after ``start_year`` and ramps linearly over
  ``phase_years`` (the ramp sampled at each step's start: 0 at the first step);
- ``one_off_cost`` (£) falls at ``start_year`` (notice does not move it), attributed to
  the agency owning the service;
- on a *discretionary* service the change is activity: ΔA = ∓amount/unit_cost; a cut that
  leaves less than ``statutory_floor`` of baseline activity is refused;
- on a *demand-led* service a cut is an efficiency e(t) = percent/100 (or
  amount/baseline_spend): unit cost falls, demand is still met; refused above
  ``max_efficiency_percent``. An invest on a demand-led service is a negative efficiency
  (more spent per unit of activity).

``pool`` (efficiency with activity kept, reinvestment, gain share): see
:func:`_apply_pool` and :mod:`cutsim.settlement`. ``procure`` (social-value procurement):
see :mod:`cutsim.procurement`.

Composition (docs/levers.md): levers are applied in scenario order and add up.
Activity changes add (ΔA of cuts, invests and reinvestments); efficiencies add (cut
efficiencies, pool efficiencies, minus procurement premiums). The *reduction* in unit cost
from cuts and pools on a demand-led service is capped, in total, at the service's
``max_efficiency_percent``; on any service the total efficiency must stay below 100 %.
Reinvestments are priced after every efficiency, so the £ reinvested is the £ spent.
"""

from __future__ import annotations

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs, Lump
from cutsim.errors import InputError
from cutsim.schema import CutLever, InvestLever, PoolLever, ProcureLever, Scenario

_TOL = 1e-9


class LeverError(InputError):
    """A lever that cannot be applied; the message names the lever and what is wrong."""


def ramp(t: np.ndarray, start: float, phase_years: float) -> np.ndarray:
    """Fraction (0-1) of a lever's full effect at each step start ``t`` (years).

    0 before ``start``; then a linear ramp over ``phase_years`` (a step at ``start`` when
    ``phase_years`` is 0). Sampled at step starts, so the first step of a ramp is 0.
    """
    elapsed = t - start
    if phase_years <= 0:
        return (elapsed >= -_TOL).astype(float)
    return np.clip(elapsed / phase_years, 0.0, 1.0) * (elapsed >= -_TOL)


class _Build:
    """The inputs under construction plus the bookkeeping the composition rules need."""

    def __init__(self, cm: CompiledModel) -> None:
        self.cm = cm
        self.inputs = LeverInputs.zeros(len(cm.agency_ids), cm.n_services, cm.n_outcomes,
                                        cm.n_steps, cm.steps_per_year)
        # Unit-cost reductions from cuts and pools only (premiums excluded): the cap applies.
        self.reduction = np.zeros((cm.n_services, cm.n_steps + 1))
        # Pool reinvestments wait until every efficiency is known: (lever, service, £/yr).
        self.reinvest: list[tuple[PoolLever, int, np.ndarray]] = []


def build_inputs(cm: CompiledModel, scenario: Scenario) -> LeverInputs:
    """The lever inputs for ``scenario`` on ``cm``'s grid. Raises :class:`LeverError`."""
    from cutsim.procurement import apply_procure

    build = _Build(cm)
    for lever in scenario.levers:
        if isinstance(lever, (CutLever, InvestLever)):
            _apply_spend_lever(build, lever)
        elif isinstance(lever, PoolLever):
            _apply_pool(build, lever)
        elif isinstance(lever, ProcureLever):
            apply_procure(cm, build.inputs, lever)
        else:  # pragma: no cover - the schema admits no other kind
            raise LeverError(f'lever "{lever.id}": unknown lever kind {lever.kind!r}')
    _check_total_efficiency(cm, build.inputs, scenario)
    _apply_reinvestments(build)
    _check_floors(cm, build.inputs, scenario)
    return build.inputs


# --------------------------------------------------------------------------- cut / invest


def _full_amount(lever: CutLever | InvestLever, baseline_spend: float) -> float:
    """The lever's full change in spend, £/yr (positive magnitude)."""
    has_pct, has_amt = lever.percent is not None, lever.amount is not None
    if has_pct == has_amt:
        raise LeverError(f'lever "{lever.id}" {lever.kind} {lever.service}: give exactly one '
                         f"of percent or amount")
    value = lever.percent / 100.0 * baseline_spend if has_pct else lever.amount
    if value < 0:
        raise LeverError(f'lever "{lever.id}" {lever.kind} {lever.service}: percent and amount '
                         f"must be >= 0 (use a cut or an invest for the direction)")
    return float(value)


def service_index(cm: CompiledModel, lever, service_id: str) -> int:
    """Index of ``service_id`` or a :class:`LeverError` naming the lever."""
    if service_id not in cm.service_index:
        raise LeverError(f'lever "{lever.id}": no service "{service_id}" in the model')
    return cm.service_index[service_id]


def _apply_spend_lever(build: _Build, lever: CutLever | InvestLever) -> None:
    cm, inputs = build.cm, build.inputs
    s = service_index(cm, lever, lever.service)
    agency = int(cm.service_agency[s])
    sign = -1.0 if lever.kind == "cut" else 1.0
    amount = _full_amount(lever, cm.baseline_spend[s])
    profile = ramp(cm.t, lever.start_year + lever.notice_months / 12.0, lever.phase_years)
    if cm.demand_led[s]:
        # A cut on a demand-led service is an efficiency: unit cost falls by e.
        change = -sign * amount / cm.baseline_spend[s] * profile
        inputs.efficiency[s] += change
        build.reduction[s] += change
        _check_efficiency(cm, build, lever, s)
    else:
        inputs.activity_by_origin[agency, s] += sign * amount / cm.unit_cost[s] * profile
    if lever.one_off_cost:
        inputs.lumps.append(Lump(s, float(lever.start_year), float(lever.one_off_cost), agency))


def _check_efficiency(cm: CompiledModel, build: _Build, lever, s: int) -> None:
    """Refuse a total unit-cost reduction (cuts and pools) above a demand-led service's cap."""
    cap = cm.model.services[s].max_efficiency_percent
    worst = float(np.max(build.reduction[s]))
    if worst * 100.0 > cap + _TOL:
        raise LeverError(
            f'lever "{lever.id}" {lever.kind} {cm.service_ids[s]}: an efficiency of '
            f"{worst * 100:.4g} % on a demand-led service is above its maximum of {cap:.4g} %")


def _check_total_efficiency(cm: CompiledModel, inputs: LeverInputs, scenario: Scenario) -> None:
    """Unit cost must stay positive: the summed efficiency on any service below 100 %."""
    worst = inputs.efficiency.max(axis=1)
    for s in np.flatnonzero(worst >= 1.0 - _TOL):
        names = ", ".join(f'"{lv.id}"' for lv in scenario.levers if cm.service_ids[s] in
                          _services_touched(lv))
        raise LeverError(f"levers {names} on {cm.service_ids[s]}: together they cut its unit "
                         f"cost by {worst[s] * 100:.4g} %, which leaves nothing to pay for")


def _services_touched(lever) -> list[str]:
    if isinstance(lever, PoolLever):
        return list(lever.services) + [r.service for r in lever.reinvest]
    return [lever.service]


# --------------------------------------------------------------------------- pool


def _apply_pool(build: _Build, lever: PoolLever) -> None:
    """A pooled budget: duplication removed, part of the saving reinvested in prevention.

    - efficiency e(t) = efficiency_percent/100 × ramp on every pooled service (unit cost
      falls, activity kept), so each pooled service's planned saving is e(t)·baseline_spend,
      attributed to its owner;
    - reinvestment r: percent_of_saving/100 × the pool's planned saving Σ e(t)·B (£/yr,
      same ramp) buys extra activity on a *discretionary* service, attributed to its owner;
    - one_off_cost (£, set-up) falls at start_year, split over the pooled services in
      proportion to baseline spend (each partner pays for its share of the pool).
    """
    cm = build.cm
    pooled = [service_index(cm, lever, sid) for sid in lever.services]
    if len(set(pooled)) != len(pooled):
        raise LeverError(f'lever "{lever.id}" pool: a service is listed twice in services')
    if len({int(cm.service_agency[s]) for s in pooled}) < 2:
        raise LeverError(f'lever "{lever.id}" pool: the pooled services belong to one agency; '
                         "a pool needs services of two or more agencies")
    if not 0 <= lever.efficiency_percent <= 100:
        raise LeverError(f'lever "{lever.id}" pool: efficiency_percent must be between 0 and 100')
    profile = ramp(cm.t, lever.start_year, lever.phase_years)
    e = lever.efficiency_percent / 100.0 * profile
    for s in pooled:
        build.inputs.efficiency[s] += e
        build.reduction[s] += e
        if cm.demand_led[s]:
            _check_efficiency(cm, build, lever, s)
    saving = e * float(cm.baseline_spend[pooled].sum())  # the pool's planned saving, £/yr
    total_pct = 0.0
    for r in lever.reinvest:
        s = service_index(cm, lever, r.service)
        if cm.demand_led[s]:
            raise LeverError(
                f'lever "{lever.id}" pool: reinvest names {r.service}, a demand-led service '
                "whose activity follows demand; reinvest in a discretionary (prevention) service")
        total_pct += r.percent_of_saving
        build.reinvest.append((lever, s, r.percent_of_saving / 100.0 * saving))
    if total_pct > 100 + _TOL:
        raise LeverError(f'lever "{lever.id}" pool: reinvest shares add up to {total_pct:.4g} % '
                         "of the saving, more than 100 %")
    if lever.one_off_cost:
        weights = cm.baseline_spend[pooled] / cm.baseline_spend[pooled].sum()
        for s, w in zip(pooled, weights):
            build.inputs.lumps.append(Lump(s, float(lever.start_year),
                                           float(lever.one_off_cost * w),
                                           int(cm.service_agency[s])))


def _apply_reinvestments(build: _Build) -> None:
    """ΔA = £ reinvested / (unit cost after efficiency), so the £ spent is the £ reinvested."""
    cm, inputs = build.cm, build.inputs
    for _lever, s, pounds in build.reinvest:
        price = cm.unit_cost[s] * (1.0 - inputs.efficiency[s])
        inputs.activity_by_origin[int(cm.service_agency[s]), s] += pounds / price


# --------------------------------------------------------------------------- floors


def _check_floors(cm: CompiledModel, inputs: LeverInputs, scenario: Scenario) -> None:
    """Refuse levers that leave a discretionary service below its statutory floor."""
    total = inputs.activity_delta
    for s in np.flatnonzero(~cm.demand_led):
        floor = cm.model.services[s].statutory_floor
        remaining = 1.0 + total[s] / cm.baseline_activity[s]
        if remaining.min() >= floor - _TOL:
            continue
        culprit = _first_breaching_lever(cm, scenario, s, floor)
        raise LeverError(
            f'lever "{culprit.id}" {culprit.kind} {cm.service_ids[s]}: leaves '
            f"{remaining.min() * 100:.4g} % of baseline activity, below the statutory floor "
            f"of {floor * 100:.4g} %")


def _first_breaching_lever(cm: CompiledModel, scenario: Scenario, s: int, floor: float):
    """The cut or invest (in scenario order) whose addition first takes service s below its
    floor (only cuts and invests remove activity from a discretionary service)."""
    running = np.zeros(cm.n_steps + 1)
    last = None
    for lever in scenario.levers:
        if not isinstance(lever, (CutLever, InvestLever)) or lever.service != cm.service_ids[s]:
            continue
        last = lever
        sign = -1.0 if lever.kind == "cut" else 1.0
        running += sign * _full_amount(lever, cm.baseline_spend[s]) / cm.unit_cost[s] * ramp(
            cm.t, lever.start_year + lever.notice_months / 12.0, lever.phase_years)
        if (1.0 + running / cm.baseline_activity[s]).min() < floor - _TOL:
            return lever
    return last
