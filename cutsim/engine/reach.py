"""What a lever can reach: the exact zeros of docs/mathematics.md.

A series that no lever can reach (no path of effect and demand links from any service or
outcome a lever changes) is exactly 0, not the round-off of a matrix exponential over a
block it happens to share with reached nodes. The reach is structural (it follows the
model's links, whatever their per_unit values), so it is the same for every Monte Carlo
draw.
"""

from __future__ import annotations

import numpy as np

from cutsim.engine.compiled import CompiledModel


def reach(cm: CompiledModel, services: np.ndarray, outcomes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(outcome_mask (O,), service_mask (S,))``: the nodes reachable from the lever-changed
    ``services`` (bool, S) and ``outcomes`` (bool, O), the sources included.

    Effects carry a change from a service to an outcome, demands from an outcome to a
    demand-led service; the closure is taken to a fixed point (loops included).
    """
    srv = np.array(services, dtype=bool, copy=True)
    out = np.array(outcomes, dtype=bool, copy=True)
    while True:
        new_out = out.copy()
        new_out[cm.eff_dst[srv[cm.eff_src]]] = True
        new_srv = srv.copy()
        new_srv[cm.dem_dst[new_out[cm.dem_src]]] = True
        if np.array_equal(new_out, out) and np.array_equal(new_srv, srv):
            return out, srv
        out, srv = new_out, new_srv
