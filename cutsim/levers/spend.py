"""``cut`` and ``invest`` levers: a change in spend as activity or efficiency; caps and floors.

The rules are in :mod:`cutsim.levers.build`. Signs: a cut lowers spend, an invest raises it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs, Lump
from cutsim.levers.common import TOL, LeverBuild, LeverError, ramp, service_index
from cutsim.model.schema import LeverBase, Scenario

if TYPE_CHECKING:  # the kinds' modules import these engine modules on use
    from cutsim.levers.kinds import CutLever, InvestLever


def is_spend_lever(lever: LeverBase) -> TypeGuard[CutLever | InvestLever]:
    """Whether ``lever`` is a cut or an invest, told by its kind (the kinds' classes are
    imported on use, so not tested with isinstance here)."""
    return lever.kind in ("cut", "invest")


def _full_amount(lever: CutLever | InvestLever, baseline_spend: float) -> float:
    """The lever's full change in spend, £/yr (positive magnitude)."""
    has_pct, has_amt = lever.percent is not None, lever.amount is not None
    if has_pct == has_amt:
        raise LeverError(f'lever "{lever.id}" {lever.kind} {lever.service}: give exactly one '
                         f"of percent or amount")
    if lever.percent is not None:
        value = lever.percent / 100.0 * baseline_spend
    else:
        assert lever.amount is not None  # exactly one of the two, checked above
        value = lever.amount
    if value < 0:
        raise LeverError(f'lever "{lever.id}" {lever.kind} {lever.service}: percent and amount '
                         f"must be >= 0 (use a cut or an invest for the direction)")
    return float(value)


def apply_spend_lever(build: LeverBuild, lever: CutLever | InvestLever) -> None:
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
        check_efficiency(cm, build, lever, s)
    else:
        inputs.activity_by_origin[agency, s] += sign * amount / cm.unit_cost[s] * profile
    if lever.one_off_cost:
        inputs.lumps.append(Lump(s, float(lever.start_year), float(lever.one_off_cost), agency))


def check_efficiency(cm: CompiledModel, build: LeverBuild, lever, s: int) -> None:
    """Refuse a total unit-cost reduction (cuts and pools) above a demand-led service's cap."""
    cap = cm.model.services[s].max_efficiency_percent
    worst = float(np.max(build.reduction[s]))
    if worst * 100.0 > cap + TOL:
        raise LeverError(
            f'lever "{lever.id}" {lever.kind} {cm.service_ids[s]}: an efficiency of '
            f"{worst * 100:.4g} % on a demand-led service is above its maximum of {cap:.4g} %")


def check_total_efficiency(cm: CompiledModel, inputs: LeverInputs, scenario: Scenario) -> None:
    """Unit cost must stay positive: the summed efficiency on any service below 100 %."""
    worst = inputs.efficiency.max(axis=1)
    for s in np.flatnonzero(worst >= 1.0 - TOL):
        names = ", ".join(f'"{lv.id}"' for lv in scenario.levers if cm.service_ids[s] in
                          _services_touched(lv))
        raise LeverError(f"levers {names} on {cm.service_ids[s]}: together they cut its unit "
                         f"cost by {worst[s] * 100:.4g} %, which leaves nothing to pay for")


def _services_touched(lever) -> list[str]:
    if lever.kind == "pool":
        return list(lever.services) + [r.service for r in lever.reinvest]
    return [lever.service]


def check_floors(cm: CompiledModel, inputs: LeverInputs, scenario: Scenario) -> None:
    """Refuse levers that leave a discretionary service below its statutory floor."""
    discretionary, floors = _statutory_floors(cm)
    # every discretionary service's lowest share of its baseline activity at once (its ΔA
    # summed over origins as LeverInputs.activity_delta sums it, for these rows only)
    delta = inputs.activity_by_origin[:, discretionary].sum(axis=0)
    lowest = (1.0 + delta / cm.baseline_activity[discretionary, None]).min(axis=1)
    # (not "<": a share that is not a number breaches too)
    for i in np.flatnonzero(~(lowest >= floors - TOL)):
        s, floor = discretionary[i], float(floors[i])
        remaining = 1.0 + delta[i] / cm.baseline_activity[s]
        culprit = _first_breaching_lever(cm, scenario, int(s), floor)
        assert culprit is not None  # only cuts and invests take activity from such a service
        raise LeverError(
            f'lever "{culprit.id}" {culprit.kind} {cm.service_ids[s]}: leaves '
            f"{remaining.min() * 100:.4g} % of baseline activity, below the statutory floor "
            f"of {floor * 100:.4g} %")


def _statutory_floors(cm: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """The discretionary services (indices) and their statutory floors (shares of
    baseline activity, read-only), found once per compiled model."""
    def read() -> tuple[np.ndarray, np.ndarray]:
        discretionary = np.flatnonzero(~cm.demand_led)
        return discretionary, np.array(
            [cm.model.services[s].statutory_floor for s in discretionary], dtype=float)

    return cm.once("statutory_floors", read)


def _first_breaching_lever(cm: CompiledModel, scenario: Scenario, s: int,
                           floor: float) -> CutLever | InvestLever | None:
    """The cut or invest (in scenario order) whose addition first takes service s below its
    floor (only cuts and invests remove activity from a discretionary service)."""
    running = np.zeros(cm.n_steps + 1)
    last = None
    for lever in scenario.levers:
        if not is_spend_lever(lever) or lever.service != cm.service_ids[s]:
            continue
        last = lever
        sign = -1.0 if lever.kind == "cut" else 1.0
        running += sign * _full_amount(lever, cm.baseline_spend[s]) / cm.unit_cost[s] * ramp(
            cm.t, lever.start_year + lever.notice_months / 12.0, lever.phase_years)
        if (1.0 + running / cm.baseline_activity[s]).min() < floor - TOL:
            return lever
    return last
