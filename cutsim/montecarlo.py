"""Monte Carlo over the model's uncertain per_unit values (DESIGN §3 "Uncertainty").

Each effect and demand per_unit is drawn independently from a PERT distribution on
[low, per_unit, high] (a Beta with λ = 4; low == high gives the constant), from a seeded
numpy Generator, and all draws go through the engine at once (a leading draws axis).
The same seed gives the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cutsim.engine.compiled import CompiledModel, Params
from cutsim.engine.inputs import LeverInputs
from cutsim.engine.money import by_agency, service_money
from cutsim.engine.simulate import Trajectory, simulate

PERT_LAMBDA = 4.0
PERCENTILES = (10, 50, 90)


def pert(rng: np.random.Generator, low: np.ndarray, mode: np.ndarray, high: np.ndarray,
         draws: int) -> np.ndarray:
    """PERT draws, shape (draws, len(mode)): low + (high − low)·Beta(α, β) with
    α = 1 + λ(mode − low)/(high − low), β = 1 + λ(high − mode)/(high − low)."""
    low, mode, high = (np.asarray(x, dtype=float) for x in (low, mode, high))
    span = high - low
    degenerate = span <= 0
    safe = np.where(degenerate, 1.0, span)
    alpha = 1.0 + PERT_LAMBDA * np.clip((mode - low) / safe, 0.0, 1.0)
    beta = 1.0 + PERT_LAMBDA * np.clip((high - mode) / safe, 0.0, 1.0)
    x = rng.beta(alpha, beta, size=(draws, len(mode))) if len(mode) else np.zeros((draws, 0))
    return np.where(degenerate, mode, low + span * x)


def draw_params(cm: CompiledModel, draws: int, seed: int | None) -> Params:
    """Independent PERT draws of every effect k and demand d: Params with a draws axis."""
    rng = np.random.default_rng(seed)
    k = pert(rng, cm.k_low, cm.k_central, cm.k_high, draws)
    d = pert(rng, cm.d_low, cm.d_central, cm.d_high, draws)
    return Params(k, d)


def _bands(x: np.ndarray) -> dict[str, Any]:
    """P10/P50/P90 over the leading draws axis, as lists (or floats for scalars)."""
    p = np.percentile(x, PERCENTILES, axis=0)
    if p.ndim == 1:
        return {f"p{q}": float(v) for q, v in zip(PERCENTILES, p)}
    return {f"p{q}": [float(v) for v in row] for q, row in zip(PERCENTILES, p)}


def uncertainty(cm: CompiledModel, inputs: LeverInputs, draws: int, seed: int | None) -> dict:
    """The result's ``uncertainty`` block (DESIGN §7) from ``draws`` Monte Carlo runs.

    Outcome levels and net savings (£/yr) are arrays over t; place NPV (£) is a scalar.
    """
    if draws < 1:
        raise ValueError("draws must be >= 1")
    params = draw_params(cm, draws, seed)
    traj = simulate(cm, params, inputs.activity_delta, inputs.outcome_input)
    agency_net, npv = _net_and_npv(cm, inputs, traj)
    levels = cm.outcome_baseline[None, :, None] + traj.dY
    n_out, n_ag = cm.n_outcomes, len(cm.agency_ids)
    # One percentile call over every series: a single partition pass, not one per series.
    series = np.concatenate([levels, agency_net, agency_net.sum(axis=1, keepdims=True)], axis=1)
    bands = np.percentile(series, PERCENTILES, axis=0)  # (3, O + A + 1, N+1)
    return {
        "draws": int(draws),
        "seed": seed,
        "outcomes": {o: _band_rows(bands, i) for i, o in enumerate(cm.outcome_ids)},
        "agencies": {a: {"net_saving": _band_rows(bands, n_out + i)}
                     for i, a in enumerate(cm.agency_ids)},
        "place": {"net_saving": _band_rows(bands, n_out + n_ag), "npv": _bands(npv)},
    }


def _band_rows(bands: np.ndarray, row: int) -> dict[str, list[float]]:
    return {f"p{q}": bands[i, row].tolist() for i, q in enumerate(PERCENTILES)}


def _net_and_npv(cm: CompiledModel, inputs: LeverInputs, traj) -> tuple[np.ndarray, np.ndarray]:
    """Agency net saving (D, A, N+1) and place NPV (D,) for every draw.

    Money is affine in the trajectory, so the part that no draw changes (planned saving,
    one-off costs) is priced once by :func:`service_money` with no knock-on (ΔA equal to
    the levers' own change), and only knock_on_cost = u(1 − e)(ΔA − ΔA_lever) is evaluated
    per draw, on the demand-led services (a discretionary service's ΔA is its lever input,
    so its knock-on is exactly zero) with the NPV weights folded into one contraction.
    """
    n, h = cm.n_steps, cm.h
    lever = inputs.activity_delta
    fixed = service_money(cm, inputs, Trajectory(dY=traj.dY[:1] * 0.0, dA=lever[None],
                                                 dY_int=traj.dY_int[:1] * 0.0,
                                                 dA_int=lever[None, :, :n] * h))
    fixed_net = by_agency(cm, fixed.rates["net_saving"])  # (1, A, N+1)
    factors = (1.0 + cm.model.place.discount_rate) ** -np.arange(cm.horizon_years)
    fixed_npv = fixed.annual["net_saving"].sum(axis=-2)[0] @ factors
    dl = np.flatnonzero(cm.demand_led)
    price = cm.unit_cost[dl, None] * (1.0 - inputs.efficiency[dl])  # (S_dl, N+1)
    knock = price * (traj.dA[:, dl] - lever[dl])  # (D, S_dl, N+1)
    onehot = np.zeros((len(cm.agency_ids), len(dl)))
    onehot[cm.service_agency[dl], np.arange(len(dl))] = 1.0
    agency_net = fixed_net - np.matmul(onehot, knock)
    step_factor = np.repeat(factors, cm.steps_per_year)  # each step's year's factor
    weight = price[:, :n] * step_factor  # £ per unit of ∫ΔA, discounted
    knock_npv = np.einsum("dsk,sk->d", traj.dA_int[:, dl], weight) \
        - np.sum(weight * lever[dl, :n] * h)
    return agency_net, fixed_npv - knock_npv
