"""A copy of a file fit to send outside: confidential services and links left out.

What ``redact`` does (and docs/file-format.md promises partners):

- every service marked ``confidential`` is left out, with every effect and demand link
  to or from it; links marked ``confidential`` themselves are left out too;
- levers acting on a left-out service (a cut, invest or procure on it, a pool that
  includes it or reinvests in it) are left out, and the scenario's description says
  which, so that the receiver knows the scenario is incomplete;
- with ``keep_totals`` (the default) each agency's confidential spend is kept as one
  figure, a placeholder service ``redacted-<agency>`` with no links and a statutory
  floor of 1 (it cannot be cut), so that agency and place budget totals still add up
  for the receiver; that total is published under the disclosure rule
  (:mod:`cutsim.model.disclosure`): it is the agency's published anchor, its confidential
  spend scaled by the same factor as every other published figure of that agency (the
  publication's, the consultation page's, the workshop's), and the note says so; with
  ``keep_totals=False`` the spend is left out entirely;
- the file is marked ``"redacted": true`` and the place's notes say what was left out.

The result is validated: a redacted file is a valid file.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from cutsim.model import lever_kinds
from cutsim.model.disclosure import agency_scales
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile, Model, Scenario, Service
from cutsim.model.validation import validate_file

log = logging.getLogger(__name__)
PLACEHOLDER_PREFIX = "redacted-"
MAX_ID = 64


def _hidden(lever, hidden_ids: set[str]) -> bool:
    """True if the lever acts on or pays into a hidden service (its kind says which)."""
    return lever_kinds.of(lever).hidden_by(lever, hidden_ids)


def _placeholder_id(agency: str, taken: set[str]) -> str:
    base = (PLACEHOLDER_PREFIX + agency)[:MAX_ID]
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate, n = base[:MAX_ID - len(suffix)] + suffix, n + 1
    taken.add(candidate)
    return candidate


def _placeholders(model: Model, hidden: list[Service]) -> list[Service]:
    """One service per agency holding the total spend of its confidential services."""
    spend: dict[str, list[float]] = defaultdict(list)
    for service in hidden:
        spend[service.agency].append(service.baseline_spend)
    taken = {s.id for s in model.services}
    scales = agency_scales(model)
    result = []
    for agency in (a.id for a in model.agencies if a.id in spend):
        # The placeholder is the residual itself (total minus the named services), as
        # the disclosure gate publishes it: no confidential spend can be worked out from it.
        total = scales[agency].published_anchor
        if total <= 0.0:
            continue  # nothing material to keep: the spend is left out, as the note says
        rounding = (" Scaled down by the factor every published figure of this agency's "
                    "confidential money uses (between 10 % and 28 % below the true total), so "
                    "that no confidential service's spend can be worked out from it.")
        result.append(Service(
            id=_placeholder_id(agency, taken), agency=agency,
            name="Confidential services (redacted)",
            baseline_spend=total, unit_cost=total, activity_unit="redacted total",
            mode="discretionary",
            statutory_floor=1.0,  # a figure without detail: it cannot be cut
            notes=f"Total baseline spend of {len(spend[agency])} confidential service(s) of this "
                  "agency, kept so that budget totals add up; no detail and no links." + rounding,
        ))
    return result


def _redact_scenario(scenario: Scenario, hidden_ids: set[str]) -> Scenario:
    kept = [lever for lever in scenario.levers if not _hidden(lever, hidden_ids)]
    dropped = [lever.id for lever in scenario.levers if lever not in kept]
    if not dropped:
        return scenario
    note = (f"Redacted: {len(dropped)} lever(s) acting on confidential services were left out "
            f"({', '.join(dropped)}); results from this copy do not include them.")
    description = f"{scenario.description}\n\n{note}" if scenario.description else note
    return scenario.model_copy(update={"levers": kept, "description": description})


def _redact_areas(model: Model, hidden_ids: set[str], kept_effects: set[str]):
    """The areas without shares of left-out services or multipliers of left-out links
    (a placeholder total splits by population)."""
    if not model.areas:
        return model.areas
    out = []
    for area in model.areas:
        shares = {k: v for k, v in (area.service_shares or {}).items() if k not in hidden_ids}
        mults = {k: v for k, v in (area.effect_multipliers or {}).items() if k in kept_effects}
        out.append(area.model_copy(update={"service_shares": shares or None,
                                           "effect_multipliers": mults or None}))
    return out


def redact(cutsim_file: CutsimFile, *, keep_totals: bool = True) -> CutsimFile:
    """A copy without confidential services and links (see the module docstring)."""
    model = cutsim_file.model
    hidden = [s for s in model.services if s.confidential]
    hidden_ids = {s.id for s in hidden}
    effects = [e for e in model.effects if not e.confidential and e.service not in hidden_ids]
    demands = [d for d in model.demands if not d.confidential and d.service not in hidden_ids]
    links_dropped = len(model.effects) + len(model.demands) - len(effects) - len(demands)
    services = [s for s in model.services if not s.confidential]
    placeholders = _placeholders(model, hidden) if keep_totals and hidden else []
    if hidden or links_dropped:
        what = (f"Redacted copy: {len(hidden)} confidential service(s) and {links_dropped} "
                "link(s) were left out")
        what += ("; each agency's confidential spend is kept as one total in a service named "
                 "redacted-<agency>." if placeholders else "; their spend is not in this file.")
    else:
        what = "Redacted copy: the model held no confidential services or links."
    place = model.place
    place = place.model_copy(update={"notes": f"{place.notes}\n\n{what}" if place.notes else what})
    redacted_model = model.model_copy(update={
        "place": place, "services": services + placeholders, "effects": effects, "demands": demands,
        "areas": _redact_areas(model, hidden_ids, {e.id for e in effects}),
    })
    actuals = cutsim_file.actuals
    if actuals is not None:  # a confidential service's outturn goes with the service
        actuals = actuals.model_copy(update={"observations": [
            o for o in actuals.observations if not (o.kind == "spend" and o.id in hidden_ids)]})
    result = cutsim_file.model_copy(update={
        "actuals": actuals,
        "model": redacted_model,
        "scenarios": [_redact_scenario(s, hidden_ids) for s in cutsim_file.scenarios],
        "redacted": True,
        "signatures": None,  # a redacted copy is a new document: its sender signs it afresh
        "sha256": None,
    })
    # Round-trip through validation of the plain data: model_copy does not re-validate.
    result = CutsimFile.model_validate(result.model_dump(by_alias=True))
    problems = validate_file(result)
    if problems:  # should not happen; never send a file that would be refused
        raise InputError("the redacted copy would not be valid:\n  " + "\n  ".join(map(str, problems[:20])),
                         [str(p) for p in problems])
    log.info("redacted %d services and %d links", len(hidden), links_dropped)
    return result
