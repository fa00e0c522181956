"""Levers by area: where a scenario's inputs fall among the place's areas (docs/areas.md).

A model's ``areas`` split each service's baseline spend and activity, and each outcome's
baseline level, by shares (default: population shares). The system is linear, so area
a's response is the engine's response to area a's part of the lever inputs (with area
a's effect multipliers), and the areas' parts add up to the place's inputs:

- a lever that names no areas falls on every area by the service's shares (its outcome
  inputs by the outcome's shares);
- a ``cut`` or ``invest`` that names ``areas`` falls on those areas only: ``percent`` is of
  their share of the baseline spend, ``amount`` (£/yr) is split among them by their shares;
  its ``one_off_cost`` (£) falls on them the same way. Only a discretionary service's cut
  can be targeted (a demand-led service's cut is an efficiency that applies place-wide).

Efficiency (unit-cost change) is the same in every area, so money per area uses the
place's unit prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs
from cutsim.levers.common import TOL, LeverBuild, LeverError, service_index
from cutsim.levers.spend import apply_spend_lever, is_spend_lever
from cutsim.model.schema import LeverBase, Scenario

if TYPE_CHECKING:  # the kinds' modules import these engine modules on use
    from cutsim.levers.kinds import CutLever, InvestLever


@dataclass(eq=False)
class AreaShares:
    """Shares of the place in each area: ``service[S, R]``, ``outcome[O, R]`` (rows sum to 1)
    and ``multiplier[R, L]`` (each effect's per_unit scale in each area)."""

    area_ids: list[str]
    service: np.ndarray
    outcome: np.ndarray
    multiplier: np.ndarray

    @property
    def n_areas(self) -> int:
        return len(self.area_ids)

    @property
    def has_multipliers(self) -> bool:
        return bool(np.any(self.multiplier != 1.0))


@dataclass(eq=False)
class AreaInputs:
    """The lever inputs of each area (R areas, G origin agencies).

    - ``activity[R, G, S, N+1]``: ΔA from levers, activity units/yr;
    - ``outcome[R, G, O, N+1]``: direct outcome inputs (outcome units);
    - ``lump_rates[R, S, N+1]``: one-off cost rates, £/yr (positive = a cost);
    - ``targeted``: whether any lever names areas (then areas differ beyond their shares).
    Efficiency is the place's (``LeverInputs.efficiency``), the same in every area.
    """

    shares: AreaShares
    activity: np.ndarray
    outcome: np.ndarray
    lump_rates: np.ndarray
    targeted: bool


def area_shares(cm: CompiledModel) -> AreaShares | None:
    """The model's area shares, or None for a model without areas."""
    model = cm.model
    if not model.areas:
        return None
    population = np.array([a.population for a in model.areas], dtype=float)
    pop_share = population / population.sum()
    service = _shares(model.areas, "service_shares", cm.service_ids, pop_share)
    outcome = _shares(model.areas, "outcome_shares", cm.outcome_ids, pop_share)
    effect_ids = [e.id for e in model.effects]
    multiplier = np.ones((len(model.areas), len(effect_ids)))
    position = {e: i for i, e in enumerate(effect_ids)}
    for r, area in enumerate(model.areas):
        for eid, m in (area.effect_multipliers or {}).items():
            multiplier[r, position[eid]] = m
    return AreaShares([a.id for a in model.areas], service, outcome, multiplier)


def _shares(areas, field: str, ids: list[str], default: np.ndarray) -> np.ndarray:
    """(len(ids), R) shares: the named ones normalised to add up to 1, else ``default``."""
    out = np.tile(default, (len(ids), 1))
    index = {k: i for i, k in enumerate(ids)}
    for r, area in enumerate(areas):
        for key, share in (getattr(area, field) or {}).items():
            out[index[key], r] = share
    totals = out.sum(axis=1, keepdims=True)
    # Validation keeps each total within 1e-6 of 1; dividing makes the split add up exactly.
    return np.divide(out, totals, out=np.tile(default, (len(ids), 1)), where=totals > 0)


def place_equivalent(cm: CompiledModel, scenario: Scenario) -> Scenario:
    """``scenario`` with each area-targeted cut or invest as the place-level lever it adds up
    to (percent of the named areas' share of the spend → percent of the whole spend), so
    the place's inputs, floors and caps are built as for any lever."""
    shares = area_shares(cm)
    if shares is None or not any(getattr(lv, "areas", None) for lv in scenario.levers):
        return scenario
    area_index = {a: r for r, a in enumerate(shares.area_ids)}
    levers: list[LeverBase] = []
    for lever in scenario.levers:
        if is_spend_lever(lever) and lever.areas:
            s = service_index(cm, lever, lever.service)
            weight = _named_weight(lever, shares.service[s], area_index)
            levers.append(lever.model_copy(update={
                "areas": None,
                "percent": None if lever.percent is None else lever.percent * weight}))
        else:
            levers.append(lever)
    return scenario.model_copy(update={"levers": levers})


def _named_weight(lever: CutLever | InvestLever, row: np.ndarray, area_index: dict) -> float:
    """The named areas' share of the lever's service; refused when nothing is there."""
    missing = [a for a in lever.areas or [] if a not in area_index]
    if missing:
        raise LeverError(f'lever "{lever.id}": no area "{missing[0]}" in the model')
    weight = float(sum(row[area_index[a]] for a in lever.areas or []))
    if weight <= 0:
        raise LeverError(f'lever "{lever.id}" {lever.kind} {lever.service}: the areas it names '
                         f"have no share of the service")
    return weight


def area_inputs(cm: CompiledModel, scenario: Scenario, inputs: LeverInputs) -> AreaInputs | None:
    """Each area's lever inputs for ``scenario`` (``inputs`` being the place's, as built by
    :func:`cutsim.levers.build.build_inputs`); None for a model without areas.

    Raises :class:`LeverError` for a targeted cut that takes an area's activity below the
    service's statutory floor there.
    """
    shares = area_shares(cm)
    if shares is None:
        return None
    n_r, n_s, t = shares.n_areas, cm.n_services, cm.n_steps + 1
    area_index = {a: r for r, a in enumerate(shares.area_ids)}
    targeted_act = np.zeros((n_r,) + inputs.activity_by_origin.shape)
    targeted_lumps = np.zeros((n_r, n_s, t))
    # The targeted levers' place-level inputs, kept whole: the spread below is the place's
    # inputs less these, so where only targeted levers act it is exactly zero (subtracting
    # the sum of the areas' split parts would leave round-off, as −4e-12 £/yr of planned
    # saving in an area no lever names).
    targeted_whole_act = np.zeros(inputs.activity_by_origin.shape)
    targeted_whole_lumps = np.zeros((n_s, t))
    targeted = False
    for lever in scenario.levers:
        if not (is_spend_lever(lever) and lever.areas):
            continue
        targeted = True
        s = service_index(cm, lever, lever.service)
        weight = _named_weight(lever, shares.service[s], area_index)
        build = LeverBuild(cm)
        place_lever = lever.model_copy(update={
            "areas": None, "percent": None if lever.percent is None else lever.percent * weight})
        apply_spend_lever(build, place_lever)
        split = np.zeros(n_r)
        for a in lever.areas or []:
            split[area_index[a]] = shares.service[s, area_index[a]] / weight
        lever_act, lever_lumps = build.inputs.activity_by_origin, build.inputs.lump_rates(n_s)
        targeted_act += split[:, None, None, None] * lever_act[None]
        targeted_lumps += split[:, None, None] * lever_lumps[None]
        targeted_whole_act += lever_act
        targeted_whole_lumps += lever_lumps
    # What no lever targets falls on every area by its shares (linearity: the rest of the
    # place's inputs once the targeted levers' are taken out).
    spread_act = inputs.activity_by_origin - targeted_whole_act
    spread_lumps = inputs.lump_rates(n_s) - targeted_whole_lumps
    activity = shares.service.T[:, None, :, None] * spread_act[None] + targeted_act
    outcome = shares.outcome.T[:, None, :, None] * inputs.outcome_by_origin[None]
    lumps = shares.service.T[:, :, None] * spread_lumps[None] + targeted_lumps
    if targeted:
        _check_area_floors(cm, scenario, shares, activity)
    return AreaInputs(shares, activity, outcome, lumps, targeted)


def _check_area_floors(cm: CompiledModel, scenario: Scenario, shares: AreaShares,
                       activity: np.ndarray) -> None:
    """A targeted cut must leave each area at least the service's statutory floor."""
    total = activity.sum(axis=1)  # (R, S, N+1)
    for s in np.flatnonzero(~cm.demand_led):
        base = cm.baseline_activity[s] * shares.service[s]  # (R,)
        floor = cm.model.services[s].statutory_floor
        for r in np.flatnonzero(base > 0):
            remaining = 1.0 + total[r, s].min() / base[r]
            if remaining < floor - TOL:
                names = ", ".join(f'"{lv.id}"' for lv in scenario.levers
                                  if getattr(lv, "service", None) == cm.service_ids[s])
                raise LeverError(
                    f"levers {names} on {cm.service_ids[s]}: leave {remaining * 100:.4g} % of "
                    f'its baseline activity in area "{shares.area_ids[r]}", below the '
                    f"statutory floor of {floor * 100:.4g} %")
