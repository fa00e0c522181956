"""The Python API, in the style of PySD's ``run()``::

    import cutsim
    project = cutsim.load("place.cutsim")
    result = project.run("s1")            # or a Scenario object; draws=1000, seed=1
    result.annual, result.cost_shift, result.to_json_dict()
"""

from __future__ import annotations

import inspect
import logging
import os
from functools import cached_property
from typing import Any

import numpy as np

from cutsim.engine.compiled import CompiledModel, Params, compile_model
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import SERIES, by_agency, cost_shift, service_money
from cutsim.engine.simulate import Trajectory, simulate
from cutsim.errors import InputError
from cutsim.levers import build_inputs
from cutsim.result import Result
from cutsim.schema import PLACE_ID, CutsimFile, Model, Scenario

log = logging.getLogger(__name__)


class Project:
    """A model and its scenarios, compiled once for any number of runs."""

    def __init__(self, file: CutsimFile) -> None:
        self.file = file

    @property
    def model(self) -> Model:
        return self.file.model

    @cached_property
    def compiled(self) -> CompiledModel:
        return compile_model(self.model)

    def scenario(self, scenario_id: str) -> Scenario:
        for s in self.file.scenarios:
            if s.id == scenario_id:
                return s
        known = ", ".join(s.id for s in self.file.scenarios) or "none"
        raise InputError(f'no scenario "{scenario_id}" in the file (scenarios: {known})')

    def run(self, scenario: str | Scenario, draws: int | None = None,
            seed: int | None = None, params: Params | None = None) -> Result:
        """Run a scenario (by id or object); ``draws`` adds the Monte Carlo block."""
        if isinstance(scenario, str):
            scenario = self.scenario(scenario)
        return run_scenario(self.compiled, scenario, draws=draws, seed=seed, params=params)


def load(path: str | os.PathLike[str]) -> Project:
    """Read a ``.cutsim`` file (validated in full) into a :class:`Project`."""
    from cutsim.exchange import read_file

    return Project(read_file(path))


def _simulate_by_origin(cm: CompiledModel, params: Params, inputs: LeverInputs):
    """One engine call with an origin-agency batch axis; the total is the sum (linearity)."""
    origins = inputs.active_origins()
    if len(origins) == 0:
        zero = np.zeros((cm.n_services, cm.n_steps + 1))
        return origins, None, simulate(cm, params, zero, np.zeros((cm.n_outcomes, cm.n_steps + 1)))
    by_origin = simulate(cm, params, inputs.activity_by_origin[origins],
                         inputs.outcome_by_origin[origins])
    total = Trajectory(*(getattr(by_origin, f).sum(axis=0, keepdims=True)
                         for f in ("dY", "dA", "dY_int", "dA_int")))
    return origins, by_origin, total


def run_scenario(cm: CompiledModel, scenario: Scenario, draws: int | None = None,
                 seed: int | None = None, params: Params | None = None) -> Result:
    """Simulate ``scenario`` on the compiled model and price it (central parameters unless
    ``params`` is given); with ``draws``, add P10/P50/P90 bands from Monte Carlo."""
    params = params or cm.central_params()
    inputs = build_inputs(cm, scenario)
    origins, by_origin, total = _simulate_by_origin(cm, params, inputs)
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
        appraisal=_appraisal(cm, scenario, annual, outcome_annual),
        outcome_annual=outcome_annual, settlement=_settlement(cm, scenario, params, money),
        procurement=dict(inputs.procurement))
    if draws:
        from cutsim.montecarlo import uncertainty

        result.uncertainty = uncertainty(cm, inputs, int(draws), seed)
    return result


def _settlement(cm: CompiledModel, scenario: Scenario, params: Params, money) -> dict:
    """Pool settlements (DESIGN §4), reported beside agency money."""
    from cutsim.settlement import settle

    return settle(cm, scenario, params, money)


def _appraisal(cm: CompiledModel, scenario: Scenario, annual: dict[str, np.ndarray],
               outcome_annual: np.ndarray) -> dict[str, Any]:
    """The appraisal block: cutsim.appraisal when available, else a minimal NPV block.

    Social value per year is exact: Σ_o v_o ∫ΔY_o over the year (v_o signed so a change
    in the good direction is positive).
    """
    per_agency = {a: {s: annual[s][i] for s in SERIES} for i, a in enumerate(cm.agency_ids)}
    try:
        from cutsim import appraisal
    except ImportError:  # pragma: no cover - the appraisal module ships with cutsim
        return _minimal_appraisal(cm, per_agency)
    values = appraisal.outcome_values(cm.model)
    social = {PLACE_ID: values @ outcome_annual}
    kwargs = {"social_value_annual": social} if "social_value_annual" in inspect.signature(
        appraisal.appraise).parameters else {}
    return appraisal.appraise(cm.model, scenario, per_agency, **kwargs)


def _minimal_appraisal(cm: CompiledModel, per_agency: dict) -> dict[str, Any]:
    """NPV per agency and place with factor 1/(1+r)^y on annual net saving."""
    rate = cm.model.place.discount_rate
    factors = (1.0 + rate) ** -np.arange(cm.horizon_years)
    npv = {a: float(s["net_saving"] @ factors) for a, s in per_agency.items()}
    npv[PLACE_ID] = float(sum(npv.values()))
    return {"discount_rate": rate, "price_year": cm.model.place.effective_price_year, "npv": npv}
