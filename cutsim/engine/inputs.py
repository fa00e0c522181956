"""The engine's inputs for one scenario on the time grid (docs/mathematics.md, docs/levers.md).

Grid ``t_k = k/steps_per_year``, k = 0..N. Every input is held constant over the step
starting at t_k (zero-order hold); index N is the value at t_N, used for reporting only.

Inputs are kept per *origin* agency (the agency owning the service whose lever caused
them) on a leading axis, so cost shifting can be attributed exactly by superposition.
Cut/invest levers, pools (efficiency with activity kept, reinvestment as extra activity
elsewhere) and procurement (a negative efficiency premium plus a direct outcome input) all
fit these arrays without engine changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Lump:
    """A one-off cost of ``amount`` £ (positive = a cost) on ``service`` at ``time`` years.

    ``origin`` is the agency index it is attributed to (the owner of the lever's service).
    """

    service: int
    time: float
    amount: float
    origin: int


@dataclass(eq=False)
class LeverInputs:
    """Lever inputs for one scenario.

    - ``activity_by_origin[G, S, N+1]``: ΔA of each service caused by origin agency g,
      activity units/yr (negative for a cut). Used for discretionary services.
    - ``outcome_by_origin[G, O, N+1]``: direct change to an outcome level (outcome units),
      e.g. local spend retained by procurement.
    - ``efficiency[S, N+1]``: fraction e_s(t) by which unit cost falls (negative = a
      premium). Efficiency changes money only, never activity, so it needs no origin.
    - ``lumps``: one-off costs.
    - ``settlement``: extra result blocks from pools (reported beside money).
    - ``procurement``: per procure lever, its local-economy report (beside money).
    - ``procurement_rates``: per procure lever, the £/yr rates over the grid whose NPVs the
      appraisal adds to that report (keyed by the report field they fill; None for none).
    """

    activity_by_origin: np.ndarray
    outcome_by_origin: np.ndarray
    efficiency: np.ndarray
    steps_per_year: int
    lumps: list[Lump] = field(default_factory=list)
    settlement: dict = field(default_factory=dict)
    procurement: dict = field(default_factory=dict)
    procurement_rates: dict = field(default_factory=dict)

    @classmethod
    def zeros(cls, n_agencies: int, n_services: int, n_outcomes: int, n_steps: int,
              steps_per_year: int) -> LeverInputs:
        """No lever at all: every input zero."""
        return cls(
            activity_by_origin=np.zeros((n_agencies, n_services, n_steps + 1)),
            outcome_by_origin=np.zeros((n_agencies, n_outcomes, n_steps + 1)),
            efficiency=np.zeros((n_services, n_steps + 1)),
            steps_per_year=steps_per_year,
        )

    @property
    def activity_delta(self) -> np.ndarray:
        """ΔA from levers summed over origins, shape (S, N+1), activity units/yr."""
        return self.activity_by_origin.sum(axis=0)

    @property
    def outcome_input(self) -> np.ndarray:
        """Direct outcome change summed over origins, shape (O, N+1)."""
        return self.outcome_by_origin.sum(axis=0)

    @property
    def n_steps(self) -> int:
        return self.efficiency.shape[-1] - 1

    def active_origins(self) -> np.ndarray:
        """Indices of origin agencies with any nonzero activity or outcome input."""
        act = self.activity_by_origin.any(axis=(1, 2))
        out = self.outcome_by_origin.any(axis=(1, 2))
        return np.flatnonzero(act | out)

    def lump_rates(self, n_services: int) -> np.ndarray:
        """One-off cost rates per service, shape (S, N+1), £/yr.

        A lump X at t₀ is spread as X/h over the step that starts at (or contains) t₀;
        lumps at or after the horizon fall outside the modelled period and are dropped.
        """
        n, steps = self.n_steps, self.steps_per_year
        rates = np.zeros((n_services, n + 1))
        for lump in self.lumps:
            k = _step_of(lump.time, steps)
            if 0 <= k < n:
                rates[lump.service, k] += lump.amount * steps
        return rates


def _step_of(time: float, steps_per_year: float) -> int:
    """Index of the step containing ``time`` (tolerant of rounding just below a grid point)."""
    return int(np.floor(time * steps_per_year + 1e-9))
