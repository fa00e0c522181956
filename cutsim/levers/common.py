"""What every lever shares: its error, the ramp of its effect and the inputs being built."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.engine.inputs import LeverInputs
from cutsim.model.errors import InputError

if TYPE_CHECKING:  # the kinds' modules import these engine modules on use
    from cutsim.levers.kinds import PoolLever

TOL = 1e-9  # slack on floors, caps and ramp starts (fractions and years)


class LeverError(InputError):
    """A lever that cannot be applied; the message names the lever and what is wrong."""


def ramp(t: np.ndarray, start: float, phase_years: float) -> np.ndarray:
    """Fraction (0-1) of a lever's full effect at each step start ``t`` (years).

    0 before ``start``; then a linear ramp over ``phase_years`` (a step at ``start`` when
    ``phase_years`` is 0). Sampled at step starts, so the first step of a ramp is 0.
    """
    elapsed = t - start
    if phase_years <= 0:
        return (elapsed >= -TOL).astype(float)
    # A phase of a denormal length overflows elapsed/phase to inf, which the clip takes
    # to a full effect: the right answer, so the overflow is not a problem to report.
    with np.errstate(over="ignore"):
        return np.clip(elapsed / phase_years, 0.0, 1.0) * (elapsed >= -TOL)


def yearly_ramp(cm: CompiledModel, start: float, phase_years: float) -> np.ndarray:
    """(H,): each financial year's average share of a lever's full effect, its ramp
    sampled at each step's start as the engine samples it (the plan's income levers and
    the savings programme's timing)."""
    return ramp(cm.t[:-1], start, phase_years).reshape(cm.horizon_years, -1).mean(axis=1)


class LeverBuild:
    """The inputs under construction plus the bookkeeping the composition rules need."""

    def __init__(self, cm: CompiledModel) -> None:
        self.cm = cm
        self.inputs = LeverInputs.zeros(len(cm.agency_ids), cm.n_services, cm.n_outcomes,
                                        cm.n_steps, cm.steps_per_year)
        # Unit-cost reductions from cuts and pools only (premiums excluded): the cap applies.
        self.reduction = np.zeros((cm.n_services, cm.n_steps + 1))
        # Pool reinvestments wait until every efficiency is known: (lever, service, £/yr).
        self.reinvest: list[tuple[PoolLever, int, np.ndarray]] = []


def service_index(cm: CompiledModel, lever, service_id: str) -> int:
    """Index of ``service_id`` or a :class:`LeverError` naming the lever."""
    if service_id not in cm.service_index:
        raise LeverError(f'lever "{lever.id}": no service "{service_id}" in the model')
    return cm.service_index[service_id]
