"""The materiality floor: when a figure counts as nothing (docs/mathematics.md "Exact zeros").

Every "is it nothing" decision (payback, shares, wording, which agencies a summary
names) uses this one floor, tied to the place's money rather than to an agency's own
noise: a magnitude below ``MATERIALITY_FRACTION`` × the place's total baseline spend
(£/yr) is nothing. For the example place (about £923m a year) the floor is about £0.92.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cutsim.model.schema import Model

MATERIALITY_FRACTION = 1e-9  # of the place's total baseline spend, £/yr


def materiality_floor(model: Model) -> float:
    """£: magnitudes below this are nothing (1e-9 × Σ services' baseline_spend, £/yr)."""
    return MATERIALITY_FRACTION * float(sum(s.baseline_spend for s in model.services))


def is_nothing(value: Any, floor: float) -> Any:
    """True where |value| < floor (elementwise for arrays)."""
    if isinstance(value, (int, float)):  # one number (the common case): no array
        return abs(float(value)) < floor
    result = np.abs(np.asarray(value, dtype=float)) < floor
    return bool(result) if result.ndim == 0 else result


def clean(value: Any, floor: float) -> Any:
    """``value`` with every magnitude below ``floor`` set to exactly 0.0 (same shape)."""
    if isinstance(value, (int, float)):  # one number (the common case): no array
        number = float(value)
        return 0.0 if abs(number) < floor else number
    array = np.asarray(value, dtype=float)
    cleaned = np.where(np.abs(array) < floor, 0.0, array)
    return float(cleaned) if cleaned.ndim == 0 else cleaned
