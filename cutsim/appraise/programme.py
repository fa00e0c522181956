"""The savings programme: each proposal of a scenario as a finance director's programme
lists it (docs/mtfs.md, "The savings programme").

A row per lever that saves on the agency's general fund: its name (the lever in words),
directorate, owner and status (green, amber, red, delivered), its planned saving year by
year, the posts it removes and its delivery confidence. A service's planned saving (the
engine's exact annual figure) is shared among the levers acting on it in proportion to
each one's own size and timing (its kind's ``saving_weight``, ramped; evenly where no
lever says), so the rows add up to the plan's planned-savings line (to round-off). Income
levers are not savings and are not in the programme.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from cutsim.appraise.funding import price_factor
from cutsim.levers.common import yearly_ramp
from cutsim.model import lever_kinds
from cutsim.model.schema import GENERAL_FUND

if TYPE_CHECKING:  # pragma: no cover
    from cutsim.appraise.result import Result

NO_DIRECTORATE = "(no directorate)"
NO_STATUS = "(no status)"


def _weights(result: Result, lever: Any, service: int) -> np.ndarray:
    """(H,): what the lever saves on the service each year by its own size and timing
    (its kind's saving weight, ramped as the engine ramps it)."""
    cm = result.compiled
    s = cm.model.services[service]
    full, start = lever_kinds.of(lever).saving_weight(lever, s.id, s.baseline_spend)
    return full * yearly_ramp(cm, start, lever.phase_years)


def programme_of(result: Result, agency_id: str, posts: dict[str, float],
                 cash: bool = False) -> list[dict[str, Any]]:
    """The programme rows of ``agency_id`` (``saving``: £ a year over the horizon, in the
    view's terms; cash by the agency's price factor when ``cash``); ``posts`` are the
    posts each lever removes (the plan's workforce view)."""
    cm = result.compiled
    model = cm.model
    if result.service_annual is None:
        return []
    mine = [i for i, s in enumerate(model.services)
            if s.agency == agency_id and (s.funding_source or GENERAL_FUND) == GENERAL_FUND]
    savers = [lv for lv in result.scenario.levers
              if any(cm.service_index.get(sid) in mine for sid in lever_kinds.of(lv).services(lv))]
    if not savers:
        return []
    h = cm.horizon_years
    total = result.service_annual["planned_saving"]
    shares = {lv.id: np.zeros(h) for lv in savers}
    for s in mine:
        on = [lv for lv in savers if model.services[s].id in lever_kinds.of(lv).services(lv)]
        if not on:
            continue
        weights = np.array([_weights(result, lv, s) for lv in on])  # (L, H)
        summed = weights.sum(axis=0)
        even = np.full_like(weights, 1.0 / len(on))
        fraction = np.divide(weights, summed, out=even, where=summed != 0)
        for lv, part in zip(on, fraction):
            shares[lv.id] = shares[lv.id] + total[s] * part
    factor = price_factor(model.agency(agency_id), h) if cash else np.ones(h)
    names = {s.id: s.name for s in model.services}

    def name(service_id: str) -> str:
        return names.get(service_id, service_id)

    return [{"lever": lv.id, "name": lever_kinds.of(lv).describe(lv, name),
             "directorate": lv.directorate or NO_DIRECTORATE, "owner": lv.owner or "",
             "status": lv.status or NO_STATUS, "saving": shares[lv.id] * factor,
             "fte": posts.get(lv.id, 0.0),
             "delivery_confidence_percent": lv.delivery_confidence_percent}
            for lv in savers]


def totals_by(rows: list[dict[str, Any]], key: str) -> dict[str, np.ndarray]:
    """The rows' savings summed by ``directorate`` or ``status``, in order of first appearance."""
    out: dict[str, np.ndarray] = {}
    for row in rows:
        out[row[key]] = out.get(row[key], 0.0) + row["saving"]
    return out
