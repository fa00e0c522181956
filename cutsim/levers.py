"""Turn a scenario's levers into the engine's :class:`~cutsim.engine.inputs.LeverInputs` (DESIGN §4).

Rules for ``cut`` and ``invest`` (signs: a cut lowers spend, an invest raises it):

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

Several levers on one service add up. ``pool`` and ``procure`` are not supported yet.
"""

from __future__ import annotations

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs, Lump
from cutsim.errors import InputError
from cutsim.schema import CutLever, InvestLever, Scenario

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


def build_inputs(cm: CompiledModel, scenario: Scenario) -> LeverInputs:
    """The lever inputs for ``scenario`` on ``cm``'s grid. Raises :class:`LeverError`."""
    inputs = LeverInputs.zeros(len(cm.agency_ids), cm.n_services, cm.n_outcomes, cm.n_steps,
                               cm.steps_per_year)
    t = cm.t
    for lever in scenario.levers:
        if isinstance(lever, (CutLever, InvestLever)):
            _apply_spend_lever(cm, inputs, lever, t)
        else:
            raise LeverError(f'lever "{lever.id}": {lever.kind} levers are not supported yet')
    _check_floors(cm, inputs, scenario)
    return inputs


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


def _apply_spend_lever(cm: CompiledModel, inputs: LeverInputs, lever, t: np.ndarray) -> None:
    if lever.service not in cm.service_index:
        raise LeverError(f'lever "{lever.id}": no service "{lever.service}" in the model')
    s = cm.service_index[lever.service]
    agency = int(cm.service_agency[s])
    sign = -1.0 if lever.kind == "cut" else 1.0
    amount = _full_amount(lever, cm.baseline_spend[s])
    profile = ramp(t, lever.start_year + lever.notice_months / 12.0, lever.phase_years)
    if cm.demand_led[s]:
        # A cut on a demand-led service is an efficiency: unit cost falls by e.
        inputs.efficiency[s] += -sign * amount / cm.baseline_spend[s] * profile
        _check_efficiency(cm, inputs, lever, s)
    else:
        inputs.activity_by_origin[agency, s] += sign * amount / cm.unit_cost[s] * profile
    if lever.one_off_cost:
        inputs.lumps.append(Lump(s, float(lever.start_year), float(lever.one_off_cost), agency))


def _check_efficiency(cm: CompiledModel, inputs: LeverInputs, lever, s: int) -> None:
    cap = cm.model.services[s].max_efficiency_percent
    worst = float(np.max(inputs.efficiency[s]))
    if worst * 100.0 > cap + _TOL:
        raise LeverError(
            f'lever "{lever.id}" {lever.kind} {lever.service}: an efficiency of '
            f"{worst * 100:.4g} % on a demand-led service is above its maximum of {cap:.4g} %")


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
    """The lever (in scenario order) whose addition first takes service s below its floor."""
    running = np.zeros(cm.n_steps + 1)
    last = None
    for lever in scenario.levers:
        if getattr(lever, "service", None) != cm.service_ids[s]:
            continue
        last = lever
        sign = -1.0 if lever.kind == "cut" else 1.0
        running += sign * _full_amount(lever, cm.baseline_spend[s]) / cm.unit_cost[s] * ramp(
            cm.t, lever.start_year + lever.notice_months / 12.0, lever.phase_years)
        if (1.0 + running / cm.baseline_activity[s]).min() < floor - _TOL:
            return lever
    return last
