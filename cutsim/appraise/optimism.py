"""Optimism bias, line by line (docs/appraisal.md, after the GMCA/New Economy CBA model).

Each agency's knock-on lines rest on the weakest confidence grade (1-5) of the effect and
demand links on any path from the scenario's levers to its services
(:func:`knock_on_grades`); its own planned saving and one-off costs rest on the weakest
``delivery_confidence`` of the levers on its services (:func:`delivery_grades`). The
place's table turns a grade into a fraction (:func:`bias_fraction`); the appraisal
(:func:`cutsim.appraise.appraisal.adjusted_benefits_and_costs`) applies the fractions.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from cutsim.appraise.blocks import LineBias, OptimismBias
from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.schema import Model, Scenario

NO_PATH_GRADE = 5  # no knock-on path: only the levers' own cash, the best-evidenced figure


def _lever_services(lever: Any) -> set[str]:
    """The services a lever changes directly (its own planned saving falls on their
    agencies), as its kind declares them (:meth:`LeverKind.services`)."""
    return set(lever_kinds.of(lever).services(lever))


def _lever_start_services(scenario: Scenario) -> tuple[set[str], set[str]]:
    """Services and outcomes a scenario's levers act on directly (the path's sources)."""
    services: set[str] = set()
    outcomes: set[str] = set()
    for lever in scenario.levers:
        services |= _lever_services(lever)
        # A lever may move an outcome directly (a procurement lever, its local-economy
        # outcome); the demand that outcome drives is on the scenario's causal path too.
        outcomes.update(lever_kinds.of(lever).outcomes(lever))
    return services, outcomes


def _links_from(model: Model) -> tuple[dict[str, list], dict[str, list]]:
    """(effects by their service, demands by their outcome): the graph the path follows."""
    effects_by_service: dict[str, list] = {}
    for effect in model.effects:
        effects_by_service.setdefault(effect.service, []).append(effect)
    demands_by_outcome: dict[str, list] = {}
    for demand in model.demands:
        demands_by_outcome.setdefault(demand.outcome, []).append(demand)
    return effects_by_service, demands_by_outcome


def _path_sources(scenario: Scenario) -> deque[tuple[str, str]]:
    """The path's first nodes, ("service", id) and ("outcome", id), in a fixed order."""
    start_services, start_outcomes = _lever_start_services(scenario)
    return deque([("service", x) for x in sorted(start_services)]
                 + [("outcome", o) for o in sorted(start_outcomes)])


def path_confidences(model: Model, scenario: Scenario) -> list[int]:
    """Confidence grades (1–5) of every effect and demand link on the scenario's path.

    The path starts at the services the levers touch (fields ``service``, ``services``,
    ``reinvest[].service``; and a lever's ``outcome``) and follows service → effect →
    outcome → demand → demand-led service → its effects … until nothing new is reached.
    Each link is counted once, even in feedback loops.
    """
    effects_by_service, demands_by_outcome = _links_from(model)
    queue = _path_sources(scenario)
    seen: set[tuple[str, str]] = set(queue)
    grades: list[int] = []
    while queue:
        kind, node = queue.popleft()
        links: Iterable = (
            effects_by_service.get(node, ()) if kind == "service"
            else demands_by_outcome.get(node, ())
        )
        for link in links:
            grades.append(link.confidence)
            nxt = ("outcome", link.outcome) if kind == "service" else ("service", link.service)
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return grades


def weakest_confidence_on_path(model: Model, scenario: Scenario) -> int | None:
    """The lowest confidence grade (1 = weakest … 5) on the scenario's causal path.

    ``None`` when no effect or demand link is reachable from the levers (no knock-on
    path). Graph traversal on the model only; see :func:`path_confidences`.
    """
    grades = path_confidences(model, scenario)
    return min(grades) if grades else None


def bias_fraction(model: Model, grade: int) -> float:
    """The optimism-bias fraction (0 ≤ f < 1) of confidence ``grade`` (1-5) in the place's
    table (``place.effective_optimism_bias``); InputError naming the grade otherwise."""
    table = model.place.effective_optimism_bias
    try:
        fraction = float(table[str(grade)])
    except KeyError:
        raise InputError(f"place.optimism_bias: no fraction for confidence grade {grade}") from None
    if not 0.0 <= fraction < 1.0:
        raise InputError(
            f'place.optimism_bias["{grade}"]: fraction must be in [0, 1) (got {fraction})'
        )
    return fraction


def knock_on_grades(model: Model, scenario: Scenario) -> dict[str, int | None]:
    """Per agency, the weakest confidence grade (1-5) of the links on any path from the
    scenario's levers to that agency's services: the evidence its knock-on costs (and
    avoided costs) rest on. None for an agency no path reaches (it has no knock-on money).

    One pass over the links the levers reach (those of :func:`path_confidences`): each
    node keeps the weakest grade of any link on a path into it, lowered along each link
    until nothing changes (a grade can only fall, at most four times, so loops end); an
    agency's grade is the weakest over its services.
    """
    effects_by_service, demands_by_outcome = _links_from(model)
    queue = _path_sources(scenario)
    weakest: dict[tuple[str, str], int] = {}  # node → weakest grade on a path into it
    sentinel = NO_PATH_GRADE + 1
    while queue:
        node = queue.popleft()
        kind, name = node
        here = weakest.get(node, sentinel)
        links: Iterable = (effects_by_service.get(name, ()) if kind == "service"
                           else demands_by_outcome.get(name, ()))
        for link in links:
            nxt = ("outcome", link.outcome) if kind == "service" else ("service", link.service)
            grade = min(here, int(link.confidence))
            if grade < weakest.get(nxt, sentinel + 1):
                weakest[nxt] = grade
                queue.append(nxt)
    grades: dict[str, int | None] = {}
    for agency in model.agencies:
        found = [weakest[("service", x.id)] for x in model.services
                 if x.agency == agency.id and ("service", x.id) in weakest]
        grades[agency.id] = min(found) if found else None
    return grades


def delivery_grades(model: Model, scenario: Scenario) -> dict[str, int | None]:
    """Per agency, the weakest ``delivery_confidence`` (1-5) of the scenario's levers on
    its services; None when no lever on its services gives one."""
    agency_of = {x.id: x.agency for x in model.services}
    grades: dict[str, int | None] = {a.id: None for a in model.agencies}
    for lever in scenario.levers:
        grade = lever.delivery_confidence
        if grade is None:
            continue
        for service in _lever_services(lever):
            agency = agency_of.get(service)
            if agency is not None:
                old = grades.get(agency)
                grades[agency] = int(grade) if old is None else min(old, int(grade))
    return grades


def _optimism_bias(model: Model, scenario: Scenario) -> OptimismBias:
    """The optimism bias applied to a scenario, line by line (docs/appraisal.md): per
    agency the grade and fraction for its knock-on lines and for its own planned saving
    and one-off costs (:class:`~cutsim.appraise.blocks.LineBias`). ``grade``/``fraction``
    summarise the weakest confidence grade on the whole path (grade 5's fraction when there
    is no knock-on path, ``on_path`` false); they no longer scale every line.
    """
    weakest = weakest_confidence_on_path(model, scenario)
    grade = NO_PATH_GRADE if weakest is None else int(weakest)
    knock, deliver = knock_on_grades(model, scenario), delivery_grades(model, scenario)
    lines = {a.id: LineBias(
        knock_on_grade=knock[a.id],
        knock_on_fraction=_fraction_or_zero(model, knock[a.id]),
        delivery_grade=deliver[a.id],
        delivery_fraction=_fraction_or_zero(model, deliver[a.id]))
        for a in model.agencies}
    return OptimismBias(grade=grade, fraction=bias_fraction(model, grade),
                        on_path=weakest is not None, lines=lines)


def _fraction_or_zero(model: Model, grade: int | None) -> float:
    """The optimism bias fraction of a confidence grade (0-1); 0 when there is no grade."""
    return 0.0 if grade is None else bias_fraction(model, grade)


def optimism_bias(model: Model, scenario: Scenario,
                  known: dict | None = None) -> OptimismBias:
    """The optimism bias applied to a scenario, line by line (:func:`_optimism_bias`).

    ``known`` (a dict kept with a compiled model of ``model``) holds the bias of each set
    of path sources and delivery confidences already traced, so a rerun of the same levers
    on the same model does not walk the graph again.
    """
    if known is None:
        return _optimism_bias(model, scenario)
    services, outcomes = _lever_start_services(scenario)
    deliveries = tuple(sorted(
        (tuple(sorted(_lever_services(lever))), int(grade))
        for lever in scenario.levers
        if (grade := lever.delivery_confidence) is not None))
    key = (frozenset(services), frozenset(outcomes), deliveries)
    if key not in known:
        known[key] = _optimism_bias(model, scenario)
    return known[key]


def describe_optimism_bias(model: Model, bias: OptimismBias, npv_value: float | None,
                           npv_adjusted: float | None) -> list[str]:
    """In words, what optimism bias adjusted in a run and why (sentences for people):
    the place's NPV before and after, then each agency's adjusted lines with the evidence
    grade behind them; planned savings said to be unadjusted unless a lever gives its
    delivery confidence."""
    from cutsim.model import fmt, wording

    names = {a.id: a.name for a in model.agencies}
    out = []
    if npv_value is not None and npv_adjusted is not None:
        unit = fmt.table_unit([npv_value, npv_adjusted])

        def in_unit(value: float) -> str:
            return fmt.money_in_unit(value, unit)

        before, after = wording.net(npv_value, 0.0, in_unit), wording.net(npv_adjusted, 0.0, in_unit)
        change = ("is the same" if before == after else f"becomes {after}")
        out.append(f"Optimism bias, line by line: the place's net present value, {before}, "
                   f"{change} after adjusting each line by the evidence it rests on.")
    for agency, line in bias.lines.items():
        if line.knock_on_grade is not None and line.knock_on_fraction > 0:
            out.append(f"  {names.get(agency, agency)}: knock-on costs raised (and avoided costs "
                       f"lowered) by {fmt.percent(100 * line.knock_on_fraction, signed=False)}, "
                       f"the weakest evidence on their path being grade {line.knock_on_grade} "
                       f"({fmt.confidence_words(line.knock_on_grade)}).")
        if line.delivery_grade is not None and line.delivery_fraction > 0:
            out.append(f"  {names.get(agency, agency)}: planned saving lowered and one-off costs "
                       f"raised by {fmt.percent(100 * line.delivery_fraction, signed=False)}, "
                       f"for delivery confidence grade {line.delivery_grade} "
                       f"({fmt.confidence_words(line.delivery_grade)}).")
    if not any(line.delivery_grade is not None for line in bias.lines.values()):
        out.append("  Planned savings and one-off costs are not adjusted: no lever gives a "
                   "delivery confidence, and a decision to stop spending rests on no knock-on link.")
    return out
