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
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from cutsim.appraise.blocks import Appraisal
from cutsim.engine.algebraic import DENSE_LIMIT
from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.memo import CACHE_SIZE, cached, digest
from cutsim.engine.money import by_agency
from cutsim.engine.simulate import Trajectory
from cutsim.levers.build import build_inputs
from cutsim.levers.common import LeverError
from cutsim.model import fmt
from cutsim.model.schema import PLACE_ID, Scenario

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
    longer = replace(cm, horizon_years=math.ceil(end) + 1, cache={})
    try:
        return build_inputs(longer, scenario)
    except LeverError as error:
        log.warning("long run of scenario %s: inputs at the horizon used, since %s",
                    scenario.id, error)
        return inputs


def _rest_solver(cm: CompiledModel, params: Params) -> Callable[[np.ndarray], np.ndarray]:
    """A solver of ``(I − G) v = u`` over the nodes v = [ΔY (O); ΔA (S)], every link at
    its per_unit: LU-factorised once per parameter set and kept on the compiled model
    (dense when small, sparse at scale), so a slider move pays only for the solve."""
    k = np.ascontiguousarray(params.k, dtype=float)
    d = np.ascontiguousarray(params.d, dtype=float)
    return cached(cm, "rest", digest(k, d), CACHE_SIZE, lambda: _factorise(cm, k, d))


def _factorise(cm: CompiledModel, k: np.ndarray, d: np.ndarray
               ) -> Callable[[np.ndarray], np.ndarray]:
    """:func:`_rest_solver`'s solver, made afresh."""
    n_out, n = cm.n_outcomes, cm.n_nodes
    rows = np.concatenate([cm.eff_dst, n_out + cm.dem_dst])
    cols = np.concatenate([n_out + cm.eff_src, cm.dem_src])
    vals = np.concatenate([k, d])
    if n > DENSE_LIMIT:
        g = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
        return spla.splu((sp.identity(n, format="csc") - g).tocsc()).solve
    matrix = np.eye(n)
    np.add.at(matrix, (rows, cols), -vals)
    lu, pivots = scipy.linalg.lu_factor(matrix, check_finite=False)

    def solver(u: np.ndarray) -> np.ndarray:
        # LAPACK's getrs, which scipy's lu_solve calls, without its checks' overhead
        # (about 10 µs a call): the same solve, the same bits
        x, info = scipy.linalg.lapack.dgetrs(lu, pivots, np.asarray(u, dtype=float))
        if info != 0:
            raise ValueError(f"the long-run solve failed (LAPACK getrs info {info})")
        return x

    return solver


def steady_state(cm: CompiledModel, params: Params, activity: np.ndarray,
                 outcome_input: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ΔY∞ (O,), ΔA∞ (S,)) at rest under constant lever inputs ``activity`` (S,) and
    ``outcome_input`` (O,)."""
    u = np.concatenate([outcome_input, activity]).astype(float, copy=False)
    if not u.any():
        return np.zeros(cm.n_outcomes), np.zeros(cm.n_services)
    v = _rest_solver(cm, params)(u)
    return v[:cm.n_outcomes], v[cm.n_outcomes:]


def long_run_levels(cm: CompiledModel, scenario: Scenario, params: Params,
                    inputs: LeverInputs, total: Trajectory) -> LongRunLevels:
    """The long-run levels of ``scenario`` whose central run gave ``inputs`` and ``total``."""
    final = final_inputs(cm, scenario, inputs)
    # the inputs at the last grid point, summed over origins as LeverInputs sums them
    lever = final.activity_by_origin[:, :, -1].sum(axis=0)
    e = final.efficiency[:, -1]
    d_y, d_a = steady_state(cm, params, lever, final.outcome_by_origin[:, :, -1].sum(axis=0))
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


def _knock_words(value: float) -> str:
    """Knock-on £ in words, never a negative cost (docs/result-format.md)."""
    if value > 0:
        return f"extra costs of {fmt.money(value)}"
    if value < 0:
        return f"costs avoided of {fmt.money(-value)}"
    return "no knock-on cost"


def long_run_note(appraisal: Appraisal, base_year: int, horizon: int,
                  names: dict[str, str] | None = None) -> list[str]:
    """Sentences to show beside the NPV when harm is still growing at the horizon, when
    outcomes have not settled, and the terminal value when the place asks for one.

    ``appraisal`` is a result's appraisal; ``names`` maps agency and outcome ids to
    the names people read (ids when absent). Empty when there is nothing to say.
    """
    names = names or {}
    long_run = appraisal.long_run
    if long_run is None:
        return []
    last = fmt.year_label(base_year, horizon - 1)
    lines = []
    growing = long_run.harm_still_growing
    if growing:
        parts = [f"{names.get(a, a)}: {_knock_words(row.knock_on_last_year)} in {last}, "
                 f"{_knock_words(row.knock_on_long_run)} a year in the long run"
                 for a in growing for row in [long_run.agencies[a]]]
        lines.append("Harm is still growing at the horizon, beyond what the NPV counts. "
                     + "; ".join(parts) + ".")
    unsettled = long_run.outcomes_not_settled
    if unsettled:
        parts = [f"{names.get(o, o)} {_signed(gap.at_horizon)} by the end of {last}, "
                 f"{_signed(gap.long_run)} in the long run" for o, gap in unsettled.items()]
        lines.append("Outcomes not yet settled at the horizon: " + "; ".join(parts) + ".")
    terminal = appraisal.terminal_value
    if terminal is not None:
        place = terminal.npv_with_terminal.get(PLACE_ID)
        lines.append(f"With a terminal value ({terminal.years} years at the long-run "
                     f"level after the horizon): place NPV {fmt.money(place)}, of which "
                     f"{fmt.money(terminal.value[PLACE_ID])} after the horizon.")
    elif growing:
        lines.append("Set the place's terminal_years to count the long-run money after "
                     "the horizon.")
    return lines


def describe_long_run(result: Any) -> list[str]:
    """:func:`long_run_note` for a run's :class:`~cutsim.appraise.result.Result`, with the
    model's agency and outcome names (the CLI and the app show these beside the NPV)."""
    model = result.compiled.model
    names = {a.id: a.name for a in model.agencies} | {o.id: o.name for o in model.outcomes}
    return long_run_note(result.appraisal, model.place.base_year, model.place.horizon_years,
                         names)


def _signed(value: float) -> str:
    text = fmt.number(value, 1 if abs(value) < 100 else 0)
    return text if value < 0 else "+" + text
