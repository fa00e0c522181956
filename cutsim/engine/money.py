"""Money per service and agency from a simulated trajectory (docs/mathematics.md).

Rates are £/yr at each grid time; positive is good for the agency's budget except the
two cost series (positive = a cost). With u the unit cost, e(t) the efficiency, B the
baseline spend, ΔA_lever the levers' activity change and ΔA_demand = ΔA − ΔA_lever:

- ``planned_saving = −u(1−e)·ΔA_lever + e·B``
- ``knock_on_cost = u(1−e)·ΔA_demand``
- ``one_off_cost`` = each lump X at t₀ spread as X/h over the step starting at t₀
- ``net_saving = planned_saving − knock_on_cost − one_off_cost``
- ``spend = u(1−e)(A⁰ + ΔA)``, so ``spend − B = knock_on_cost − planned_saving``.

Annual figures are exact integrals over each financial year: lever inputs and efficiency
are constant over each step, and the step integrals of ΔA come exactly from the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.simulate import Trajectory, as_batch

SERIES = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")


@dataclass(eq=False)
class ServiceMoney:
    """Per-service money with a leading batch axis B.

    ``rates[series]`` (B, S, N+1) in £/yr; ``annual[series]`` (B, S, H) in £ per year;
    ``spend`` (B, S, N+1) in £/yr.
    """

    rates: dict[str, np.ndarray]
    annual: dict[str, np.ndarray]
    spend: np.ndarray


def _per_year(step_values: np.ndarray, cm: CompiledModel) -> np.ndarray:
    """Sum step integrals (…, N) into financial years (…, H)."""
    shape = step_values.shape[:-1] + (cm.horizon_years, cm.steps_per_year)
    return step_values.reshape(shape).sum(axis=-1)


def service_money(cm: CompiledModel, inputs: LeverInputs, traj: Trajectory,
                  activity_lever: np.ndarray | None = None) -> ServiceMoney:
    """Money rates and exact annual figures per service for ``traj`` (batch B).

    ``activity_lever`` (…, S, N+1) is the lever part of ΔA in ``traj`` (default: the
    inputs' total); pass one origin's inputs when ``traj`` is that origin's response.
    """
    n, h = cm.n_steps, cm.h
    u, base = cm.unit_cost[:, None], cm.baseline_spend[:, None]
    e = inputs.efficiency
    lever = inputs.activity_delta if activity_lever is None else activity_lever
    price = u * (1.0 - e)  # £ per unit after efficiency, (S, N+1)
    demand = traj.dA - lever
    planned = -price * lever + e * base
    knock = price * demand
    one_off = as_batch(inputs.lump_rates(cm.n_services), traj.dA.shape)
    rates = {"planned_saving": as_batch(planned, traj.dA.shape),
             "knock_on_cost": knock, "one_off_cost": one_off,
             "net_saving": planned - knock - one_off}
    # Exact annual integrals: everything but ΔA is constant over each step.
    demand_int = traj.dA_int - lever[..., :n] * h
    annual_shape = traj.dA_int.shape[:-1] + (cm.horizon_years,)
    annual = {"planned_saving": as_batch(_per_year(planned[..., :n] * h, cm), annual_shape),
              "knock_on_cost": _per_year(price[:, :n] * demand_int, cm),
              "one_off_cost": as_batch(_per_year(one_off[..., :n] * h, cm), annual_shape)}
    annual["net_saving"] = annual["planned_saving"] - annual["knock_on_cost"] - annual["one_off_cost"]
    spend = price * (cm.baseline_activity[:, None] + traj.dA)
    return ServiceMoney(rates, annual, spend)


def agency_onehot(cm: CompiledModel) -> np.ndarray:
    """(A, S): 1 where a service belongs to an agency (made once per compiled model,
    read-only)."""
    def make() -> np.ndarray:
        onehot = np.zeros((len(cm.agency_ids), cm.n_services))
        onehot[cm.service_agency, np.arange(cm.n_services)] = 1.0
        return onehot

    return cm.once("agency_onehot", make)


def by_agency(cm: CompiledModel, per_service: np.ndarray) -> np.ndarray:
    """Sum a (…, S, T) array over each agency's services → (…, A, T)."""
    return np.matmul(agency_onehot(cm), per_service)


def cost_shift(cm: CompiledModel, inputs: LeverInputs, origins: np.ndarray,
               traj_by_origin: Trajectory) -> np.ndarray:
    """cost_shift[i, j]: knock-on cost (£, over the horizon, undiscounted) borne by agency j
    caused by levers on agency i's services. Exact by superposition: ``traj_by_origin`` has
    one batch entry per origin in ``origins``; the paying service's (1 − e) is applied.
    """
    n_ag = len(cm.agency_ids)
    shift = np.zeros((n_ag, n_ag))
    if len(origins) == 0:
        return shift
    total = knock_on_by_origin(cm, inputs, origins, traj_by_origin)  # (G, S)
    shift[origins] = by_agency(cm, total[..., None])[..., 0]
    # Knock-on cost falls only on demand-led services (demand links may point nowhere
    # else). An agency with none bears exactly £0: its services' two integrals above
    # cancel only up to round-off (nanopounds), and docs/appraisal.md promises zero.
    shift[:, _bears_no_knock_on(cm)] = 0.0
    return shift


def _bears_no_knock_on(cm: CompiledModel) -> np.ndarray:
    """(A,): True for an agency with no demand-led service (made once per compiled
    model, read-only)."""
    def make() -> np.ndarray:
        bears = np.zeros(len(cm.agency_ids), dtype=bool)
        bears[cm.service_agency[cm.demand_led]] = True
        return ~bears

    return cm.once("bears_no_knock_on", make)


def knock_on_by_origin(cm: CompiledModel, inputs: LeverInputs, origins: np.ndarray,
                       traj_by_origin: Trajectory) -> np.ndarray:
    """(G, S): knock-on cost (£, over the horizon, undiscounted; + = a cost) on each service
    caused by the levers of each origin agency in ``origins`` (one batch entry each in
    ``traj_by_origin``), the paying service's (1 − e) applied; :func:`cost_shift` sums it
    by paying agency."""
    # Only the horizon total of knock_on_cost is needed per origin, not every series:
    # Σ_k u(1 − e_k)·(∫ΔA − ΔA_lever·h) over the steps, as in service_money.
    n, h = cm.n_steps, cm.h
    lever = inputs.activity_by_origin[origins, :, :n]  # (G, S, N)
    price = cm.unit_cost[:, None] * (1.0 - inputs.efficiency[:, :n])  # (S, N)
    return np.einsum("gsk,sk->gs", traj_by_origin.dA_int, price) \
        - h * np.einsum("gsk,sk->gs", lever, price)
