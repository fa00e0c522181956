"""The long run: where each agency's money and each outcome settle once the levers are in
full effect and every delay has played out (docs/appraisal.md "The long run").

The engine is linear and, once it has run, known to be stable (an unstable loop is
refused), and every delay chain has a gain of exactly 1 at rest. So the steady state
under constant lever inputs solves the algebraic system with every link at its full
per_unit, whatever its delay:

    ΔY∞ = Σ_l k_l · ΔA∞_src(l) + outcome input,   ΔA∞_d = lever input_d + Σ_m d_m · ΔY∞_src(m)

i.e. ``(I − G) v∞ = u∞`` with ``v = [ΔY; ΔA]``, ``G`` every effect and demand link and
``u∞`` the levers' final inputs (their ramps finished and notice served, which may be
after the horizon). Money at rest, per service, as in :mod:`cutsim.engine.money`:
``planned∞ = −u(1−e∞)·ΔA∞_lever + e∞·B``, ``knock_on∞ = u(1−e∞)·(ΔA∞ − ΔA∞_lever)``,
no one-off costs, all in £/yr. Computed for the central run only.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import by_agency
from cutsim.engine.simulate import DENSE_LIMIT, Trajectory
from cutsim.levers.build import build_inputs
from cutsim.levers.common import LeverError
from cutsim.model.schema import Scenario

log = logging.getLogger(__name__)


@dataclass(eq=False)
class LongRunLevels:
    """Long-run levels of one scenario (central parameters).

    ``knock_on_cost`` and ``net_saving``: (A,) £/yr per agency at rest, in
    ``agency_ids`` order (net = planned − knock-on; no one-off costs). ``outcome_at_horizon``
    and ``outcome_long_run``: (O,) ΔY at t = H and at rest, outcome units, in
    ``outcome_ids`` order. ``full_effect_year``: the time (years) by which every lever is
    in full effect (may be after the horizon).
    """

    agency_ids: list[str]
    outcome_ids: list[str]
    outcome_baseline: np.ndarray
    knock_on_cost: np.ndarray
    net_saving: np.ndarray
    outcome_at_horizon: np.ndarray
    outcome_long_run: np.ndarray
    full_effect_year: float


def full_effect_year(scenario: Scenario) -> float:
    """Years from the base year by which every lever of ``scenario`` is in full effect."""
    ends = [0.0]
    for lever in scenario.levers:
        notice = (getattr(lever, "notice_months", 0) or 0) / 12.0
        ends.append(float(lever.start_year) + notice + float(lever.phase_years or 0.0))
    return max(ends)


def final_inputs(cm: CompiledModel, scenario: Scenario, inputs: LeverInputs) -> LeverInputs:
    """Lever inputs whose last grid point holds every lever at full effect.

    ``inputs`` themselves when every ramp and notice ends by the horizon; otherwise the
    inputs built on a grid extended past the last ramp's end (the structure of the
    compiled model does not depend on its horizon). A lever that cannot be applied on
    the longer grid (e.g. a phased cut that would pass a statutory floor after the
    horizon) is logged, and the horizon's inputs are used.
    """
    end = full_effect_year(scenario)
    if end <= cm.horizon_years:
        return inputs
    longer = replace(cm, horizon_years=int(math.ceil(end)) + 1, cache={})
    try:
        return build_inputs(longer, scenario)
    except LeverError as error:
        log.warning("long run of scenario %s: inputs at the horizon used, since %s",
                    scenario.id, error)
        return inputs


def _rest_matrix(cm: CompiledModel, params: Params):
    """I − G over the nodes v = [ΔY (O); ΔA (S)], every link at its per_unit."""
    n_out = cm.n_outcomes
    rows = np.concatenate([cm.eff_dst, n_out + cm.dem_dst])
    cols = np.concatenate([n_out + cm.eff_src, cm.dem_src])
    vals = np.concatenate([np.asarray(params.k, dtype=float),
                           np.asarray(params.d, dtype=float)])
    g = sp.csc_matrix((vals, (rows, cols)), shape=(cm.n_nodes, cm.n_nodes))
    return sp.identity(cm.n_nodes, format="csc") - g


def steady_state(cm: CompiledModel, params: Params, activity: np.ndarray,
                 outcome_input: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ΔY∞ (O,), ΔA∞ (S,)) at rest under constant lever inputs ``activity`` (S,) and
    ``outcome_input`` (O,)."""
    u = np.concatenate([outcome_input, activity]).astype(float)
    if not np.any(u):
        return np.zeros(cm.n_outcomes), np.zeros(cm.n_services)
    matrix = _rest_matrix(cm, params)
    if cm.n_nodes <= DENSE_LIMIT:
        v = np.linalg.solve(matrix.toarray(), u)
    else:
        v = spla.spsolve(matrix, u)
    return v[:cm.n_outcomes], v[cm.n_outcomes:]


def long_run_levels(cm: CompiledModel, scenario: Scenario, params: Params,
                    inputs: LeverInputs, total: Trajectory) -> LongRunLevels:
    """The long-run levels of ``scenario`` whose central run gave ``inputs`` and ``total``."""
    final = final_inputs(cm, scenario, inputs)
    lever = final.activity_delta[:, -1]
    e = final.efficiency[:, -1]
    d_y, d_a = steady_state(cm, params, lever, final.outcome_input[:, -1])
    price = cm.unit_cost * (1.0 - e)
    knock = price * (d_a - lever)
    planned = -price * lever + e * cm.baseline_spend
    knock_a = by_agency(cm, knock[:, None])[:, 0]
    net_a = by_agency(cm, (planned - knock)[:, None])[:, 0]
    return LongRunLevels(
        agency_ids=list(cm.agency_ids), outcome_ids=list(cm.outcome_ids),
        outcome_baseline=np.asarray(cm.outcome_baseline, dtype=float),
        knock_on_cost=knock_a, net_saving=net_a,
        outcome_at_horizon=np.asarray(total.dY[0][:, -1], dtype=float),
        outcome_long_run=d_y, full_effect_year=full_effect_year(scenario))
