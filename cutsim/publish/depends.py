""""What this depends on": the assumptions the published place NPV rests on most.

A one-at-a-time tornado (:func:`cutsim.appraise.sensitivity.analyse`) of the scenario's
place NPV (£, before optimism bias), told in words for residents and cabinet members.
Confidential services and links are never named: an input on a confidential service or
a confidential link is left out of the list (its effect stays in every total).
"""

from __future__ import annotations

from typing import Any

from cutsim.model.schema import Model, Scenario

DEPENDS_TOP = 5


def _hidden(model: Model) -> set[str]:
    """Input name prefixes that must not be published."""
    secret_services = {s.id for s in model.services if s.confidential}
    hidden = {f"services[{s}]" for s in secret_services}
    hidden |= {f"effects[{e.id}]" for e in model.effects
               if e.confidential or e.service in secret_services}
    hidden |= {f"demands[{m.id}]" for m in model.demands
               if m.confidential or m.service in secret_services}
    return hidden


def describe(model: Model, name: str) -> tuple[str, int | None]:
    """Plain words for an input and the confidence grade (1-5) behind it, if any."""
    kind, _, rest = name.partition("[")
    item, _, field = rest.partition("].")
    if kind == "effects":
        e = next(x for x in model.effects if x.id == item)
        s, o = model.service(e.service).name, model.outcome(e.outcome).name
        if field == "delay_years":
            return f"how long the effect of {s} on {o.lower()} takes to show", e.confidence
        return f"how much {s} changes {o.lower()}", e.confidence
    if kind == "demands":
        m = next(x for x in model.demands if x.id == item)
        return (f"how much {model.outcome(m.outcome).name.lower()} adds to demand for "
                f"{model.service(m.service).name}", m.confidence)
    if kind == "services":
        service = model.service(item)
        what = "the cost of each unit of" if field == "unit_cost" else "the current spend on"
        return f"{what} {service.name}", service.confidence
    if field == "efficiency_percent":
        return "the saving the pooled budget achieves", None
    return "the price premium of buying locally", None


def depends_on(model: Model, scenario: Scenario, top: int = DEPENDS_TOP) -> dict[str, Any]:
    """``{"central", "rows": [{input, words, confidence, figure_low, figure_high, swing}]}``
    for the ``top`` publishable inputs with the largest swings of the place NPV (£)."""
    from cutsim.appraise.sensitivity import analyse

    report = analyse(model, scenario, "tornado", "npv")
    hidden = _hidden(model)
    rows = []
    for r in report["tornado"]:
        if any(r["input"].startswith(h) for h in hidden) or r["swing"] <= 0:
            continue
        words, grade = describe(model, r["input"])
        rows.append({**r, "words": words, "confidence": grade})
        if len(rows) == top:
            break
    return {"central": report["central"], "rows": rows}
