"""Results by area: each area's outcomes and agency money, adding up to the place's.

The system is linear, so area a's response is the engine's response to area a's part of
the lever inputs (:mod:`cutsim.levers.areas`) on the network with area a's effect
multipliers. The network is replicated only where areas differ:

- an area with no effect multipliers and no targeted lever, whose shares are the same for
  every service and outcome the levers touch (the usual case: population shares), gets the
  place's response scaled by that share: no run of its own;
- the other areas without multipliers are simulated together in one batched run;
- each distinct set of multipliers is one more run (by origin agency, as the place's).

Without multipliers the place's own run is kept (bit for bit) and the areas add up to it
to round-off. With multipliers the areas are the model, so the place is their sum (its
money, cost shift and appraisal are computed from that sum).

Units: outcome levels in each outcome's unit; money rates £/yr over t and annual £ per
financial year; positive ``planned_saving``/``net_saving`` is good for the budget, positive
``knock_on_cost``/``one_off_cost`` is a cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import SERIES, by_agency
from cutsim.engine.simulate import Trajectory, simulate
from cutsim.levers.areas import AreaInputs

SUM_TOLERANCE = 1e-9  # relative: Σ over areas equals the place's series to round-off (tests)


@dataclass(eq=False)
class AreaResult:
    """Per-area figures (R areas).

    ``outcome_delta[R, O, N+1]`` ΔY; ``outcome_baseline[R, O]`` levels;
    ``outcome_annual[R, O, H]`` ∫ΔY over each financial year (outcome units × years);
    ``rates[series][R, A, N+1]`` £/yr; ``annual[series][R, A, H]`` £;
    ``service_annual[series][R, S, H]`` £ per service (the disclosure gate's parts).
    """

    area_ids: list[str]
    outcome_delta: np.ndarray
    outcome_baseline: np.ndarray
    outcome_annual: np.ndarray
    rates: dict[str, np.ndarray]
    annual: dict[str, np.ndarray]
    service_annual: dict[str, np.ndarray] | None = None


@dataclass(eq=False)
class AreaRun:
    """The areas' trajectories (summed over origins) and, when multipliers make the areas
    the model, the place's run rebuilt as their sum: ``place = (origins, by_origin, total)``."""

    dY: np.ndarray  # (R, O, N+1)
    dA: np.ndarray  # (R, S, N+1)
    dY_int: np.ndarray  # (R, O, N)
    dA_int: np.ndarray  # (R, S, N)
    place: tuple[np.ndarray, Trajectory | None, Trajectory] | None = None


def _scalable(ai: AreaInputs, inputs: LeverInputs) -> np.ndarray:
    """(R,) share c_a when area a's inputs are exactly c_a × the place's, else NaN."""
    shares = ai.shares
    out = np.full(shares.n_areas, np.nan)
    if ai.targeted:
        return out
    act_rows = np.flatnonzero(inputs.activity_by_origin.any(axis=(0, 2)))
    out_rows = np.flatnonzero(inputs.outcome_by_origin.any(axis=(0, 2)))
    for r in range(shares.n_areas):
        if np.any(shares.multiplier[r] != 1.0):
            continue
        values = np.concatenate([shares.service[act_rows, r], shares.outcome[out_rows, r]])
        if len(values) == 0:
            out[r] = 0.0
        elif np.all(values == values[0]):
            out[r] = values[0]
    return out


def simulate_areas(cm: CompiledModel, params: Params, inputs: LeverInputs, ai: AreaInputs,
                   origins: np.ndarray, by_origin: Trajectory | None,
                   total: Trajectory) -> AreaRun:
    """Every area's response (see the module docstring for which areas get a run)."""
    shares = ai.shares
    n_r = shares.n_areas
    fields = ("dY", "dA", "dY_int", "dA_int")
    out = {f: np.zeros((n_r,) + getattr(total, f).shape[1:]) for f in fields}
    if not shares.has_multipliers:
        scale = _scalable(ai, inputs)
        fixed = np.flatnonzero(~np.isnan(scale))
        for f in fields:
            out[f][fixed] = scale[fixed, None, None] * getattr(total, f)[0]
        rest = np.flatnonzero(np.isnan(scale))
        if len(rest):
            run = simulate(cm, params, ai.activity[rest].sum(axis=1), ai.outcome[rest].sum(axis=1))
            for f in fields:
                out[f][rest] = getattr(run, f)
        return AreaRun(dY=out["dY"], dA=out["dA"], dY_int=out["dY_int"], dA_int=out["dA_int"])
    # Multipliers: the areas are the model. One run per distinct set of multipliers, by
    # origin agency (so cost shift stays exact), summed into the place's run.
    active = _active_origins(ai)
    place_by_origin = {f: np.zeros((len(active),) + getattr(total, f).shape[1:]) for f in fields}
    groups: dict[bytes, list[int]] = {}
    for r in range(n_r):
        groups.setdefault(shares.multiplier[r].tobytes(), []).append(r)
    k = np.asarray(params.k)
    for members in groups.values():
        if len(active) == 0:
            break
        area_params = Params(k * shares.multiplier[members[0]], np.asarray(params.d))
        act = ai.activity[members][:, active]  # (Rg, G, S, N+1)
        dir_ = ai.outcome[members][:, active]
        run = simulate(cm, area_params, act.reshape((-1,) + act.shape[2:]),
                       dir_.reshape((-1,) + dir_.shape[2:]))
        for f in fields:
            values = getattr(run, f).reshape((len(members), len(active)) + getattr(run, f).shape[1:])
            out[f][members] = values.sum(axis=1)
            place_by_origin[f] += values.sum(axis=0)
    if len(active) == 0:
        return AreaRun(**out, place=(active, None, total))
    by = Trajectory(**place_by_origin)
    summed = Trajectory(*(getattr(by, f).sum(axis=0, keepdims=True) for f in fields))
    return AreaRun(**out, place=(active, by, summed))


def _active_origins(ai: AreaInputs) -> np.ndarray:
    act = ai.activity.any(axis=(0, 2, 3))
    out = ai.outcome.any(axis=(0, 2, 3))
    return np.flatnonzero(act | out)


def area_result(cm: CompiledModel, inputs: LeverInputs, ai: AreaInputs, run: AreaRun) -> AreaResult:
    """Outcomes and agency money per area from the areas' trajectories (docs/mathematics.md money with
    area a's baseline spend B·w_a, its lever ΔA and the place's efficiency)."""
    shares = ai.shares
    n, h = cm.n_steps, cm.h
    e = inputs.efficiency  # (S, N+1), the same in every area
    price = cm.unit_cost[:, None] * (1.0 - e)
    lever = ai.activity.sum(axis=1)  # (R, S, N+1)
    base = cm.baseline_spend[None, :, None] * shares.service.T[:, :, None]  # (R, S, 1)
    planned = -price * lever + e * base
    knock = price * (run.dA - lever)
    one_off = ai.lump_rates
    per_service = {"planned_saving": planned, "knock_on_cost": knock, "one_off_cost": one_off,
                   "net_saving": planned - knock - one_off}
    rates = {s: by_agency(cm, v) for s, v in per_service.items()}
    annual_service = {
        "planned_saving": _per_year(cm, planned[..., :n] * h),
        "knock_on_cost": _per_year(cm, price[:, :n] * (run.dA_int - lever[..., :n] * h)),
        "one_off_cost": _per_year(cm, one_off[..., :n] * h)}
    annual_service["net_saving"] = (annual_service["planned_saving"]
                                    - annual_service["knock_on_cost"]
                                    - annual_service["one_off_cost"])
    annual = {s: by_agency(cm, v) for s, v in annual_service.items()}
    return AreaResult(
        area_ids=list(shares.area_ids), outcome_delta=run.dY,
        outcome_baseline=shares.outcome.T * cm.outcome_baseline[None, :],
        outcome_annual=_per_year(cm, run.dY_int), rates=rates, annual=annual,
        service_annual=annual_service)


def _per_year(cm: CompiledModel, step_values: np.ndarray) -> np.ndarray:
    shape = step_values.shape[:-1] + (cm.horizon_years, cm.steps_per_year)
    return step_values.reshape(shape).sum(axis=-1)


def areas_json(cm: CompiledModel, areas: AreaResult) -> tuple[dict[str, Any], dict[str, Any]]:
    """The result's ``areas`` block over ``t`` and the one under ``annual`` (docs/result-format.md).

    Over t: outcome levels ``{baseline, scenario}`` and agency money (£/yr). Under annual:
    each outcome's mean level over each financial year and agency money (£ per year).
    """
    over_t: dict[str, Any] = {}
    annual: dict[str, Any] = {}
    n_t = cm.n_steps + 1
    for r, area_id in enumerate(areas.area_ids):
        outcomes, outcomes_y = {}, {}
        for i, oid in enumerate(cm.outcome_ids):
            b = float(areas.outcome_baseline[r, i])
            outcomes[oid] = {"baseline": [b] * n_t,
                             "scenario": _floats(b + areas.outcome_delta[r, i])}
            outcomes_y[oid] = {"baseline": [b] * cm.horizon_years,
                               "scenario": _floats(b + areas.outcome_annual[r, i])}
        over_t[area_id] = {"outcomes": outcomes, "agencies": {
            a: {s: _floats(areas.rates[s][r, j]) for s in SERIES}
            for j, a in enumerate(cm.agency_ids)}}
        annual[area_id] = {"outcomes": outcomes_y, "agencies": {
            a: {s: _floats(areas.annual[s][r, j]) for s in SERIES}
            for j, a in enumerate(cm.agency_ids)}}
    return over_t, annual


def area_series(cm: CompiledModel, areas: AreaResult):
    """(entity, id, series, array over t) rows of the long-form CSV for every area: series
    ``outcome.<id>.baseline``, ``outcome.<id>.scenario`` (levels) and ``<agency>.<series>``
    (£/yr)."""
    n_t = cm.n_steps + 1
    for r, area_id in enumerate(areas.area_ids):
        for i, oid in enumerate(cm.outcome_ids):
            b = float(areas.outcome_baseline[r, i])
            yield "area", area_id, f"outcome.{oid}.baseline", np.full(n_t, b)
            yield "area", area_id, f"outcome.{oid}.scenario", b + areas.outcome_delta[r, i]
        for j, agency in enumerate(cm.agency_ids):
            for s in SERIES:
                yield "area", area_id, f"{agency}.{s}", areas.rates[s][r, j]


def _floats(values) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=float)]


# ---------------------------------------------------------------- one figure per area

MEASURES = ("net_saving", "knock_on_cost", "planned_saving")  # besides "outcome:<id>"


@dataclass(frozen=True)
class AreaFigure:
    """One area's figure for a measure in one financial year.

    ``value``: for ``outcome:<id>`` the change in the outcome's mean level over the year
    (outcome units); for a money measure the £ in that year summed over agencies (+ =
    saving for ``net_saving``/``planned_saving``, + = a cost for ``knock_on_cost``).
    ``effect``: +1 when the change is good for the area (or its budgets), −1 when it is
    harm, 0 when it is nothing (below the place's materiality floor).
    """

    area_id: str
    name: str
    population: int
    deprivation_decile: int | None
    value: float
    effect: int


def measure_label(cm: CompiledModel, measure: str) -> str:
    """A measure in words with its unit, e.g. ``Youth offending (offences)``."""
    if measure.startswith("outcome:"):
        outcome = cm.model.outcome(measure.split(":", 1)[1])
        return f"{outcome.name} ({outcome.unit})"
    return {"net_saving": "Net saving (£, all agencies)",
            "knock_on_cost": "Knock-on cost (£, all agencies)",
            "planned_saving": "Planned saving (£, all agencies)"}[measure]


def area_figures(cm: CompiledModel, areas: AreaResult, measure: str,
                 year: int) -> list[AreaFigure]:
    """Every area's figure for ``measure`` (``outcome:<id>`` or one of MEASURES) in the
    0-based financial ``year``, in the model's order of areas."""
    from cutsim.model.materiality import is_nothing, materiality_floor

    floor = materiality_floor(cm.model)
    if measure.startswith("outcome:"):
        i = cm.outcome_index[measure.split(":", 1)[1]]
        values = areas.outcome_annual[:, i, year]  # ∫ΔY over a one-year span = mean change
        good = -1.0 if not cm.model.outcomes[i].higher_is_better else 1.0
        # outcome units are not £: round-off relative to the outcome's own level is nothing
        floor = 1e-9 * max(abs(float(cm.outcome_baseline[i])), 1.0)
    else:
        values = areas.annual[measure][:, :, year].sum(axis=1)
        good = -1.0 if measure == "knock_on_cost" else 1.0
    out = []
    for r, area in enumerate(cm.model.areas or []):
        value = float(values[r])
        effect = 0 if is_nothing(value, floor) else (1 if value * good > 0 else -1)
        out.append(AreaFigure(area.id, area.name, area.population, area.deprivation_decile,
                              0.0 if effect == 0 else value, effect))
    return out
