"""``pool`` levers: a pooled budget's efficiency, reinvestment and set-up cost (docs/levers.md).

Who pays whom afterwards is :mod:`cutsim.levers.settlement`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import Lump
from cutsim.levers.common import TOL, LeverBuild, LeverError, ramp, service_index
from cutsim.levers.spend import check_efficiency

if TYPE_CHECKING:  # the kinds' modules import these engine modules on use
    from cutsim.levers.kinds import PoolLever


def apply_pool(build: LeverBuild, lever: PoolLever) -> None:
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
    e = pool_efficiency(cm, lever)
    for s in pooled:
        build.inputs.efficiency[s] += e
        build.reduction[s] += e
        if cm.demand_led[s]:
            check_efficiency(cm, build, lever, s)
    total_pct = 0.0
    for r, (s, pounds) in zip(lever.reinvest, reinvestments(cm, lever)):
        if cm.demand_led[s]:
            raise LeverError(
                f'lever "{lever.id}" pool: reinvest names {r.service}, a demand-led service '
                "whose activity follows demand; reinvest in a discretionary (prevention) service")
        total_pct += r.percent_of_saving
        build.reinvest.append((lever, s, pounds))
    if total_pct > 100 + TOL:
        raise LeverError(f'lever "{lever.id}" pool: reinvest shares add up to {total_pct:.4g} % '
                         "of the saving, more than 100 %")
    if lever.one_off_cost:
        weights = cm.baseline_spend[pooled] / cm.baseline_spend[pooled].sum()
        for s, w in zip(pooled, weights):
            build.inputs.lumps.append(Lump(s, float(lever.start_year),
                                           float(lever.one_off_cost * w),
                                           int(cm.service_agency[s])))


def pool_efficiency(cm: CompiledModel, lever: PoolLever) -> np.ndarray:
    """E(t) = efficiency_percent/100 × ramp on the grid (fraction, (N+1,))."""
    return lever.efficiency_percent / 100.0 * ramp(cm.t, lever.start_year, lever.phase_years)


def reinvestments(cm: CompiledModel, lever: PoolLever) -> list[tuple[int, np.ndarray]]:
    """(service index, £/yr reinvested on the grid) for each ``reinvest`` entry in order:
    percent_of_saving/100 × the pool's planned saving Σ_s E(t)·B_s."""
    pooled = [service_index(cm, lever, sid) for sid in lever.services]
    saving = pool_efficiency(cm, lever) * float(cm.baseline_spend[pooled].sum())
    return [(service_index(cm, lever, r.service), r.percent_of_saving / 100.0 * saving)
            for r in lever.reinvest]


def apply_reinvestments(build: LeverBuild) -> None:
    """ΔA = £ reinvested / (unit cost after efficiency), so the £ spent is the £ reinvested."""
    cm, inputs = build.cm, build.inputs
    for _lever, s, pounds in build.reinvest:
        price = cm.unit_cost[s] * (1.0 - inputs.efficiency[s])
        inputs.activity_by_origin[int(cm.service_agency[s]), s] += pounds / price
