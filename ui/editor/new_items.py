"""Blank items for the Add button: a fresh id, linked to the first sensible partner.

Figures start at zero and sources empty, so the validator marks them until someone fills
them in: a made-up default could slip into a published model unnoticed.
"""

from __future__ import annotations

from cutsim.model.commands import ItemKind
from cutsim.model.schema import (
    Agency,
    CutsimFile,
    Demand,
    Effect,
    Outcome,
    Service,
)


def fresh_id(stem: str, taken: set[str]) -> str:
    """``stem-1``, ``stem-2``, … : the first one not in ``taken``."""
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def new_item(kind: ItemKind, doc: CutsimFile,
             agency: str | None = None) -> Agency | Service | Outcome | Effect | Demand:
    """A new item of ``kind`` for ``doc`` (in ``agency``, for a service, if given)."""
    model = doc.model
    taken = {item.id for item in getattr(model, kind)}
    services = [s.id for s in model.services]
    outcomes = [o.id for o in model.outcomes]
    demand_led = [s.id for s in model.services if s.mode == "demand_led"]
    if kind == "agencies":
        return Agency(id=fresh_id("agency", taken), name="New agency", kind="other")
    if kind == "services":
        owner = agency or (model.agencies[0].id if model.agencies else "")
        return Service(id=fresh_id("service", taken), agency=owner, name="New service", baseline_spend=0.0,
                       unit_cost=0.0, activity_unit="unit", mode="discretionary")
    if kind == "outcomes":
        return Outcome(id=fresh_id("outcome", taken), name="New outcome", unit="people", baseline=0.0,
                       higher_is_better=True)
    if kind == "effects":
        return Effect(id=fresh_id("effect", taken), service=services[0] if services else "",
                      outcome=outcomes[0] if outcomes else "", per_unit=0.0, low=0.0, high=0.0,
                      delay_years=0.0, delay_order=1, confidence=1, source="")
    if kind == "demands":
        target = demand_led[0] if demand_led else (services[0] if services else "")
        return Demand(id=fresh_id("demand", taken), outcome=outcomes[0] if outcomes else "",
                      service=target, per_unit=0.0, low=0.0, high=0.0, confidence=1, source="")
    raise ValueError(f"unknown kind {kind!r}")
