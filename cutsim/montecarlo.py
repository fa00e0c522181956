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
from cutsim.engine.simulate import simulate

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
    money = service_money(cm, inputs, traj)
    agency_net = by_agency(cm, money.rates["net_saving"])  # (D, A, N+1)
    annual_place = money.annual["net_saving"].sum(axis=-2)  # (D, H)
    rate = cm.model.place.discount_rate
    factors = (1.0 + rate) ** -np.arange(cm.horizon_years)
    levels = cm.outcome_baseline[None, :, None] + traj.dY
    return {
        "draws": int(draws),
        "seed": seed,
        "outcomes": {o: _bands(levels[:, i]) for i, o in enumerate(cm.outcome_ids)},
        "agencies": {a: {"net_saving": _bands(agency_net[:, i])}
                     for i, a in enumerate(cm.agency_ids)},
        "place": {"net_saving": _bands(agency_net.sum(axis=1)),
                  "npv": _bands(annual_place @ factors)},
    }
