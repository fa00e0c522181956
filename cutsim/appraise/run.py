"""One scenario run: simulate, price the money, settle pools and appraise (docs/mathematics.md, docs/result-format.md).

This is where the engine's exact arrays become a :class:`~cutsim.appraise.result.Result`:
the engine simulates, the levers say what each scenario changes, and the appraisal (here,
and only here) decides how money over time is judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from cutsim.appraise import appraisal
from cutsim.appraise.areas import area_result, simulate_areas
from cutsim.appraise.blocks import Appraisal, Uncertainty
from cutsim.appraise.longrun import LongRunLevels, long_run_levels
from cutsim.appraise.result import Result
from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import SERIES, by_agency, cost_shift, service_money
from cutsim.engine.simulate import Trajectory, simulate
from cutsim.levers.areas import area_inputs
from cutsim.levers.build import build_inputs
from cutsim.levers.settlement import settle
from cutsim.model.schema import PLACE_ID, Scenario

if TYPE_CHECKING:
    from cutsim.appraise.executor import Executor


def simulate_by_origin(cm: CompiledModel, params: Params, inputs: LeverInputs):
    """One engine call with an origin-agency batch axis; the total is the sum (linearity).

    Returns ``(origins, by_origin, total)``: the agencies whose levers act, their
    trajectories (None when no lever acts) and the summed trajectory.
    """
    origins = inputs.active_origins()
    if len(origins) == 0:
        zero = np.zeros((cm.n_services, cm.n_steps + 1))
        return origins, None, simulate(cm, params, zero, np.zeros((cm.n_outcomes, cm.n_steps + 1)))
    by_origin = simulate(cm, params, inputs.activity_by_origin[origins],
                         inputs.outcome_by_origin[origins])
    if len(origins) == 1:  # one agency's levers: the sum over one entry is that entry
        return origins, by_origin, by_origin
    total = Trajectory(*(getattr(by_origin, f).sum(axis=0, keepdims=True)
                         for f in ("dY", "dA", "dY_int", "dA_int")))
    return origins, by_origin, total


def simulate_scenario(cm: CompiledModel, scenario: Scenario, params: Params):
    """The engine's part of one run: ``(inputs, origins, by_origin, total, by_area,
    area_run)``, the lever inputs, the trajectories by origin agency and summed (for a
    model whose effect multipliers make the areas the model, the areas' sum), and the
    areas' inputs and run (None without areas). :func:`run_scenario` and the disclosure
    gate both start here, so the gate's per-service money is the result's."""
    inputs = build_inputs(cm, scenario)
    origins, by_origin, total = simulate_by_origin(cm, params, inputs)
    by_area = area_inputs(cm, scenario, inputs)  # None without areas: today's run unchanged
    area_run = None
    if by_area is not None:
        area_run = simulate_areas(cm, params, inputs, by_area, origins, by_origin, total)
        if area_run.place is not None:  # effect multipliers: the place is the areas' sum
            origins, by_origin, total = area_run.place
    return inputs, origins, by_origin, total, by_area, area_run


def run_scenario(cm: CompiledModel, scenario: Scenario, draws: int | None = None,
                 seed: int | None = None, params: Params | None = None, *,
                 wide: bool | None = None, correlation: float | None = None,
                 executor=None) -> Result:
    """Simulate ``scenario`` on the compiled model and price it (central parameters unless
    ``params`` is given); with ``draws``, add P10/P50/P90 bands from Monte Carlo
    (:mod:`cutsim.appraise.montecarlo`, seeded as documented there) over every uncertain
    input (:mod:`cutsim.appraise.uncertain`; ``wide`` and ``correlation`` None follow the
    place's settings), its blocks run by ``executor`` (in this process by default)."""
    params = params or cm.central_params()
    inputs, origins, by_origin, total, by_area, area_run = simulate_scenario(cm, scenario, params)
    money = service_money(cm, inputs, total)
    rates = {s: by_agency(cm, money.rates[s])[0] for s in SERIES}
    annual = {s: by_agency(cm, money.annual[s])[0] for s in SERIES}
    shift = cost_shift(cm, inputs, origins, by_origin) if by_origin is not None \
        else np.zeros((len(cm.agency_ids),) * 2)
    outcome_annual = total.dY_int[0].reshape(cm.n_outcomes, cm.horizon_years,
                                             cm.steps_per_year).sum(axis=-1)
    result = Result(
        compiled=cm, scenario=scenario, outcome_delta=total.dY[0],
        activity_delta=total.dA[0], spend=money.spend[0], agency_rates=rates,
        agency_annual=annual, cost_shift_matrix=shift,
        appraisal=_appraise(cm, scenario, annual, outcome_annual,
                            long_run_levels(cm, scenario, params, inputs, total)),
        outcome_annual=outcome_annual, settlement=settle(cm, scenario, params, money),
        procurement=appraisal.price_procurement(cm, inputs),
        service_annual={s: money.annual[s][0] for s in SERIES},
        service_knock_on_rates=money.rates["knock_on_cost"][0])
    result.appraisal = replace(result.appraisal, value_split=appraisal.value_split(result),
                               waterfall=appraisal.waterfall(cm, annual))
    if area_run is not None:
        result.areas = area_result(cm, inputs, by_area, area_run)
    if draws:
        result.uncertainty = run_uncertainty(cm, scenario, int(draws), seed, wide=wide,
                                             correlation=correlation, executor=executor)
    return result


def run_uncertainty(cm: CompiledModel, scenario: Scenario, draws: int, seed: int | None, *,
                    wide: bool | None = None, correlation: float | None = None,
                    executor: Executor | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> Uncertainty | None:
    """The one way to run a scenario's Monte Carlo: P10/P50/P90 bands over ``draws``
    draws (seeded by ``seed``, fresh entropy if None) of every uncertain input
    (:mod:`cutsim.appraise.uncertain`; ``wide`` and ``correlation`` None follow the
    place's settings), run block by block (:func:`cutsim.appraise.montecarlo.run_draws`).

    ``progress(done, draws)`` is called as blocks finish (0 first); ``cancelled()`` is
    asked before each block and a True answer returns None. ``executor``
    (:mod:`cutsim.appraise.executor`) runs the blocks, in this process by default. The
    bands equal ``run_scenario(cm, scenario, draws, seed).uncertainty`` bit for bit,
    whichever caller (the command line, the app's worker thread, the publication).
    """
    from cutsim.appraise.montecarlo import run_draws
    from cutsim.appraise.uncertain import uncertainty_space

    space = uncertainty_space(cm.model, [scenario], wide=wide, correlation=correlation)
    return run_draws(cm, build_inputs(cm, scenario), int(draws), seed, space=space,
                     executor=executor, progress=progress, cancelled=cancelled)


def _appraise(cm: CompiledModel, scenario: Scenario, annual: dict[str, np.ndarray],
              outcome_annual: np.ndarray, long_run: LongRunLevels) -> Appraisal:
    """The appraisal, with the long run beside the NPV.

    Social value per year is exact: Σ_o v_o ∫ΔY_o over the year (v_o signed so a change
    in the good direction is positive), from the engine's exact step integrals of ΔY.
    """
    social = {PLACE_ID: appraisal.outcome_values(cm.model) @ outcome_annual}
    return appraisal.appraise_agencies(cm.model, scenario, list(cm.agency_ids), annual,
                                       social_value_annual=social, long_run=long_run,
                                       path_grades=cm.cache.setdefault("path_grades", {}),
                                       floor=appraisal.compiled_floor(cm))
