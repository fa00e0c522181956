"""How far a scenario's outcomes go past its red lines (docs/file-format.md "Scenarios").

A red line caps the *adverse* change of an outcome (an increase when lower is better) at
``max_change``, in level units or percent of the baseline, up to ``by_year`` (the whole
horizon when absent). One definition serves the run's breach report
(:meth:`cutsim.appraise.result.Result.red_lines`) and the per-draw margins that the value
of information uses (:func:`worst_excess`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from cutsim.engine.compiled import CompiledModel
from cutsim.model.schema import RedLine

TOLERANCE = 1e-9  # an excess this small (in the line's units) is round-off, not a breach


def adverse_excess(cm: CompiledModel, line: RedLine, delta: np.ndarray) -> np.ndarray:
    """The adverse change of the line's outcome beyond ``max_change`` at each grid time,
    ``delta`` (..., N+1) being the outcome's change from baseline in outcome units:
    positive where the line is breached, −inf after ``by_year``. Units: the line's
    (outcome units, or percent of the baseline)."""
    i = cm.outcome_index[line.outcome]
    adverse = -delta if cm.model.outcomes[i].higher_is_better else delta
    if line.as_ == "percent":
        base = abs(cm.outcome_baseline[i]) or 1.0
        adverse = adverse / base * 100.0
    excess = adverse - line.max_change
    if line.by_year is not None:
        excess = np.where(cm.t <= line.by_year + 1e-9, excess, -np.inf)
    return excess


def worst_excess(cm: CompiledModel, lines: Iterable[RedLine], dY: np.ndarray) -> np.ndarray | None:
    """Per draw, the largest excess over any of ``lines`` at any time (dY (D, O, N+1) the
    outcome changes): > 0 when a line is breached. None when no line applies."""
    worst = None
    for line in lines:
        if line.outcome not in cm.outcome_index:
            continue
        excess = adverse_excess(cm, line, dY[:, cm.outcome_index[line.outcome]]).max(axis=-1)
        worst = excess if worst is None else np.maximum(worst, excess)
    return worst
