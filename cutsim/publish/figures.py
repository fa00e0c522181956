"""The numbers a publication shows, computed only from the model and the engine's
result object (docs/result-format.md), with confidential items redacted here, once.

The output is the open-data document (a plain JSON-able dict, documented in
docs/open-data-schema.md): exact values, no rounding. The HTML page and the PDF render
this same document, rounding for residents through :mod:`cutsim.model.fmt`.

Units and signs (docs/mathematics.md): money in £ at the place's price year; ``planned_saving``
and ``net_saving`` positive is good for the budget, ``knock_on_cost`` and
``one_off_cost`` positive is a cost; annual figures are £ per financial year; spend
changes are £/yr at the reporting date; outcome changes are in the outcome's unit
(positive = the level rises; ``direction`` says whether that is better or worse).

Redaction: a confidential service, or an effect/demand link that is confidential or
touches a confidential service, is never named (id, name, source, notes); its money
stays only inside its agency's and the place's totals, and its links only inside
outcome changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cutsim.model.fmt import confidence_words, financial_year, round_sig
from cutsim.model.lever_kinds import of as kind_of
from cutsim.model.materiality import is_nothing, materiality_floor
from cutsim.model.schema import PLACE_ID, Model, Scenario, headline_year
from cutsim.model.wording import lever_kinds
from cutsim.publish.areas import build_areas
from cutsim.version import __version__

SCHEMA_NAME = "cutsim-open-data"
SCHEMA_VERSION = "1.1"  # 1.1: accountability (docs/open-data-schema.md)
SERIES = ("planned_saving", "knock_on_cost", "one_off_cost", "net_saving")
# A change smaller than this fraction of the baseline level is numerical noise, not news.
RELATIVE_TOLERANCE = 1e-9

# Public indicator sets an outcome's `indicator` code may name ("PHOF B05").
INDICATOR_SETS = {
    "PHOF": "Public Health Outcomes Framework (OHID, England)",
    "ASCOF": "Adult Social Care Outcomes Framework (DHSC, England)",
    "NHSOF": "NHS Outcomes Framework (England)",
    "CHIMAT": "Child and Maternal Health profiles (OHID, England)",
    "SDG": "UN Sustainable Development Goals indicators",
    "ONS": "Office for National Statistics series",
}

EQUALITY_CAVEAT = (
    "This is a first screen of who the change falls on, by the population groups the "
    "services mainly serve. It is not an equality impact assessment: it does not replace "
    "the analysis, engagement and consideration of the public sector equality duty "
    "(Equality Act 2010, section 149) that a decision requires."
)


@dataclass(frozen=True)
class Redaction:
    """Which services and links may be named in a publication."""

    services: frozenset[str]  # confidential service ids
    effects: frozenset[str]   # confidential effect link ids
    demands: frozenset[str]   # confidential demand link ids

    @classmethod
    def of(cls, model: Model) -> Redaction:
        hidden = frozenset(s.id for s in model.services if s.confidential)
        return cls(
            services=hidden,
            effects=frozenset(e.id for e in model.effects if e.confidential or e.service in hidden),
            demands=frozenset(d.id for d in model.demands if d.confidential or d.service in hidden),
        )


def parse_indicator(code: str | None) -> dict[str, Any] | None:
    """``"PHOF B05"`` → {code, set, set_name, local_code}; a code naming no known set is
    kept as given with ``set`` null, so it is still published but not claimed comparable."""
    if not code:
        return None
    match = re.match(r"\s*([A-Za-z]+)[\s:_-]+(\S.*?)\s*$", code)
    if match and match.group(1).upper() in INDICATOR_SETS:
        prefix = match.group(1).upper()
        return {"code": f"{prefix} {match.group(2)}", "set": prefix,
                "set_name": INDICATOR_SETS[prefix], "local_code": match.group(2)}
    return {"code": code.strip(), "set": None, "set_name": None, "local_code": code.strip()}


def _changed(values: list[float], base: list[float] | float) -> bool:
    bases = base if isinstance(base, list) else [base] * len(values)
    return any(abs(v - b) > RELATIVE_TOLERANCE * max(1.0, abs(b)) for v, b in zip(values, bases))


def _per(value: float | None, population: int | None, per: float = 1.0) -> float | None:
    if value is None or not population:
        return None
    return value / population * per


class _Context:
    """The inputs every section needs: model, scenario, result dict and reporting index."""

    def __init__(self, model: Model, scenario: Scenario, result: dict[str, Any],
                 report_years: int | None, year: int | None = None) -> None:
        self.model, self.scenario, self.result = model, scenario, result
        place = model.place
        horizon = place.horizon_years
        if year is None:  # the scenario's headline year unless years-from-start were given
            year = (min(report_years, horizon) - 1 if report_years
                    else headline_year(scenario, horizon))
        self.y = min(max(year, 0), horizon - 1)  # the financial year every summary shows
        self.report_years = self.y + 1  # that year ends at this many years from the start
        self.k = self.report_years * place.steps_per_year  # grid index of the reporting date
        self.floor = materiality_floor(model)  # £: below this a figure is nothing
        self.population = place.population
        self.redaction = Redaction.of(model)
        self.uncertainty = result.get("uncertainty")
        services = result["services"]
        self.changed_services = {
            s.id for s in model.services
            if _changed(services[s.id]["activity"], services[s.id]["baseline_activity"])
            or _changed(services[s.id]["spend"], services[s.id]["baseline_spend"])}
        self.lever_services = _lever_services(scenario)

    def public_service(self, service_id: str) -> bool:
        return service_id not in self.redaction.services


def _lever_services(scenario: Scenario) -> set[str]:
    """Services a lever changes directly (planned changes, as opposed to knock-on ones),
    as each lever's kind declares them (:meth:`LeverKind.services`)."""
    return {s for lever in scenario.levers for s in kind_of(lever).services(lever)}


def build_open_data(model: Model, scenario: Scenario, result: dict[str, Any],
                    report_years: int | None = None, year: int | None = None) -> dict[str, Any]:
    """The whole publication as one open-data document (exact values, redacted).

    ``year`` is the 0-based financial year the summaries show (default the scenario's
    headline year, docs/result-format.md); ``report_years`` (years from the start) is the older way
    of saying year ``report_years − 1``.
    """
    ctx = _Context(model, scenario, result, report_years, year)
    sources = _sources(ctx)
    outcomes = _outcomes(ctx)
    services = _services(ctx)
    agencies = _agencies(ctx)
    doc: dict[str, Any] = {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "generator": {"name": "cutsim", "version": __version__},
        "place": _place(ctx),
        "scenario": {"id": scenario.id, "name": scenario.name,
                     "description": scenario.description,
                     "lever_kinds": lever_kinds(lever.kind for lever in scenario.levers)},
        "report": {
            "years_from_start": ctx.report_years,
            "year_index": ctx.y,
            "materiality_floor": ctx.floor,
            "date": f"{model.place.base_year + ctx.report_years}-04-01",
            "financial_year": financial_year(model.place.base_year, ctx.y),
        },
        "uncertainty": _uncertainty_meta(ctx),
        "years": list(result["annual"]["years"]),
        "place_money": _place_money(ctx, agencies),
        "agencies": agencies,
        "services": services,
        "cost_shift": _cost_shift(ctx),
        "outcomes": outcomes,
        "commitments": _commitments(ctx, outcomes),
        "equality": _equality(ctx, services, outcomes),
        "sources": sources,
        "redacted": {
            "services": len(ctx.redaction.services),
            "links": len(ctx.redaction.effects) + len(ctx.redaction.demands),
            "note": "Commercially confidential services and evidence links are not named; "
                    "their money is counted only in agency and place totals.",
        },
    }
    area_block = build_areas(model, result, ctx.y)  # only for a model with areas
    if area_block is not None:
        doc["areas"] = area_block
    doc["place"]["illustrative"] = _any_illustrative(doc)
    return doc


def _place(ctx: _Context) -> dict[str, Any]:
    p = ctx.model.place
    return {
        "name": p.name, "population": p.population, "base_year": p.base_year,
        "horizon_years": p.horizon_years, "steps_per_year": p.steps_per_year,
        "discount_rate": p.discount_rate, "price_year": p.effective_price_year,
        "price_basis": f"£ at {financial_year(p.effective_price_year, 0)} prices (real terms)",
    }


def _uncertainty_meta(ctx: _Context) -> dict[str, Any] | None:
    u = ctx.uncertainty
    if not u:
        return None
    return {"draws": u["draws"], "seed": u["seed"], "interval": "P10-P90",
            "method": "Monte Carlo: every effect and demand per_unit drawn independently "
                      "from a PERT distribution on [low, central, high]"}


def _band(series: dict[str, list[float]] | None, k: int, minus: float = 0.0) -> dict | None:
    """P10/P50/P90 of an uncertainty series at grid index k, less ``minus``."""
    if not series:
        return None
    return {q: series[q][k] - minus for q in ("p10", "p50", "p90")}


def _illustrative_agency(ctx: _Context, agency_id: str) -> bool:
    """An agency's money rests on stand-in data when any of its changed services, or a
    link feeding a change in them, is illustrative."""
    m = ctx.model
    for s in m.services:
        if s.agency == agency_id and s.id in ctx.changed_services:
            if s.illustrative:
                return True
            if any(d.illustrative for d in m.demands if d.service == s.id):
                return True
    return False


def _agencies(ctx: _Context) -> list[dict[str, Any]]:
    r, pop = ctx.result, ctx.population
    out = []
    for agency in ctx.model.agencies:
        annual = r["annual"]["agencies"][agency.id]
        total = {s: float(sum(annual[s])) for s in SERIES}
        year = {s: annual[s][ctx.y] for s in SERIES}
        u = (ctx.uncertainty or {}).get("agencies", {}).get(agency.id)
        out.append({
            "id": agency.id, "name": agency.name, "kind": agency.kind,
            "baseline_spend": float(sum(s.baseline_spend for s in ctx.model.services
                                        if s.agency == agency.id)),
            "annual": {s: list(annual[s]) for s in SERIES},
            "report_year": year,
            "total": total,
            "per_resident": {"report_year_net_saving": _per(year["net_saving"], pop),
                             "total_net_saving": _per(total["net_saving"], pop)},
            "net_saving_rate_range": _band(u and u["net_saving"], ctx.k),
            "npv": r["appraisal"].get("npv", {}).get(agency.id),
            "illustrative": _illustrative_agency(ctx, agency.id),
            "moved": not all(is_nothing(v, ctx.floor) for s in SERIES for v in annual[s]),
        })
    return out


def _place_money(ctx: _Context, agencies: list[dict[str, Any]]) -> dict[str, Any]:
    r, pop = ctx.result, ctx.population
    annual = r["annual"]["place"]
    total = {s: float(sum(annual[s])) for s in SERIES}
    year = {s: annual[s][ctx.y] for s in SERIES}
    appraisal = r["appraisal"]
    u = (ctx.uncertainty or {}).get("place", {})
    return {
        "annual": {s: list(annual[s]) for s in SERIES},
        "report_year": year,
        "total": total,
        "per_resident": {"report_year_net_saving": _per(year["net_saving"], pop),
                         "total_net_saving": _per(total["net_saving"], pop)},
        "npv": appraisal.get("npv", {}).get(PLACE_ID),
        "npv_adjusted": (appraisal.get("npv_adjusted") or {}).get(PLACE_ID),
        "npv_range": dict(u["npv"]) if u.get("npv") else None,
        "social_value_npv": (appraisal.get("social_value_npv") or {}).get(PLACE_ID),
        "net_saving_rate": list(r["place"]["net_saving"]),
        "net_saving_rate_range": ({q: list(u["net_saving"][q]) for q in ("p10", "p50", "p90")}
                                  if u.get("net_saving") else None),
        "illustrative": any(a["illustrative"] for a in agencies),
        "knock_on_cashable_percent": _cashable_percent(annual),
    }


def _cashable_percent(annual: dict[str, Any]) -> float | None:
    """The share (%, two significant figures) of the place's extra demand costs over the
    horizon that is cashable, when the model says which is (``cashable_share``); None
    otherwise. A rounded share, not £: the cashable and non-cashable pounds beside a total
    the disclosure rule may round would let a reader work that rounding back out."""
    if "knock_on_cashable" not in annual:
        return None
    total = float(sum(annual["knock_on_cost"]))
    if total <= 0:
        return None
    return round_sig(100.0 * float(sum(annual["knock_on_cashable"])) / total, 2)


def _services(ctx: _Context) -> list[dict[str, Any]]:
    """Published services (never confidential ones), each with its change at the report date."""
    r, k = ctx.result["services"], ctx.k
    out = []
    for s in ctx.model.services:
        if not ctx.public_service(s.id):
            continue
        series = r[s.id]
        spend_change = series["spend"][k] - series["baseline_spend"][k]
        out.append({
            "id": s.id, "agency": s.agency, "name": s.name, "mode": s.mode,
            "groups": list(s.groups), "activity_unit": s.activity_unit,
            "baseline_spend": s.baseline_spend,
            "spend_change": spend_change,
            "spend_change_percent": spend_change / s.baseline_spend * 100.0,
            "activity_change": series["activity"][k] - series["baseline_activity"][k],
            "changed": s.id in ctx.changed_services,
            "planned": s.id in ctx.lever_services,
            "illustrative": s.illustrative,
        })
    return out


def _cost_shift(ctx: _Context) -> list[dict[str, Any]]:
    """Every non-zero cost_shift entry (£ over the horizon, undiscounted)."""
    out = []
    for src, row in ctx.result["cost_shift"].items():
        for dst, amount in row.items():
            if not is_nothing(amount, ctx.floor):
                out.append({"from": src, "to": dst, "amount": amount,
                            "between_agencies": src != dst,
                            "per_resident": _per(amount, ctx.population),
                            "illustrative": _illustrative_agency(ctx, dst)})
    return out


def _links_into(ctx: _Context, outcome_id: str) -> tuple[list, int]:
    """Effect links behind an outcome's change: (published links, count unpublished)."""
    behind = [e for e in ctx.model.effects
              if e.outcome == outcome_id and e.service in ctx.changed_services]
    public = [e for e in behind if e.id not in ctx.redaction.effects]
    return public, len(behind) - len(public)


def _outcomes(ctx: _Context) -> list[dict[str, Any]]:
    r, k, pop = ctx.result["outcomes"], ctx.k, ctx.population
    bands = (ctx.uncertainty or {}).get("outcomes", {})
    out = []
    for o in ctx.model.outcomes:
        base = o.baseline
        change = r[o.id]["scenario"][k] - base
        links, hidden = _links_into(ctx, o.id)
        services = {e.service: ctx.model.service(e.service) for e in links}
        worse = change > 0 if not o.higher_is_better else change < 0
        changed = _changed(r[o.id]["scenario"], base)
        out.append({
            "id": o.id, "name": o.name, "unit": o.unit, "higher_is_better": o.higher_is_better,
            "indicator": parse_indicator(o.indicator),
            "baseline": base, "level": base + change, "change": change,
            "change_percent": change / base * 100.0 if base else None,
            "change_per_1000_residents": _per(change, pop, 1000.0),
            "change_range": _band(bands.get(o.id), k, base),
            "direction": "none" if not changed else ("worse" if worse else "better"),
            "changed": changed,
            "confidence": min((e.confidence for e in links), default=None),
            "sources": [e.id for e in links],
            "unpublished_sources": hidden,
            "illustrative": o.illustrative or any(e.illustrative for e in links)
            or any(s.illustrative for s in services.values()),
        })
    return out


def _limit_level(base: float, max_change: float, as_: str, higher_is_better: bool) -> float:
    """The outcome level a red line allows (adverse side of the baseline)."""
    step = abs(base) * max_change / 100.0 if as_ == "percent" else max_change
    return base - step if higher_is_better else base + step


def _commitments(ctx: _Context, outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The accountability contract: the scenario's red lines; without any, proposed
    limits at the adverse end of the likely range (P90, or P10 when higher is better)."""
    by_id = {o["id"]: o for o in outcomes}
    checked = {x["outcome"]: x for x in ctx.result.get("red_lines", [])}
    out = []
    for line in ctx.scenario.red_lines:
        o = by_id[line.outcome]
        by_year = line.by_year if line.by_year is not None else ctx.model.place.horizon_years
        status = checked.get(line.outcome, {})
        first = status.get("first_breach_year")
        out.append({
            "outcome": o["id"], "outcome_name": o["name"], "unit": o["unit"],
            "indicator": o["indicator"], "kind": "red_line",
            "max_change": line.max_change, "as": line.as_, "by_year": by_year,
            "limit_level": _limit_level(o["baseline"], line.max_change, line.as_,
                                        o["higher_is_better"]),
            "expected_level": o["level"],
            "expected_to_hold": not status.get("breached", False),
            "first_breach_year": None if first is None else
            financial_year(ctx.model.place.base_year, first),
            "illustrative": o["illustrative"],
        })
    if out:
        return out
    for o in outcomes:
        if not o["changed"] or o["direction"] != "worse":
            continue
        band = o["change_range"]
        adverse = (band["p10"] if o["higher_is_better"] else band["p90"]) if band else o["change"]
        out.append({
            "outcome": o["id"], "outcome_name": o["name"], "unit": o["unit"],
            "indicator": o["indicator"], "kind": "proposed",
            "max_change": abs(adverse), "as": "level", "by_year": ctx.report_years,
            "limit_level": o["baseline"] + adverse, "expected_level": o["level"],
            "expected_to_hold": True, "first_breach_year": None,
            "basis": "P90 of the likely range" if band else "central estimate (no range run)",
            "illustrative": o["illustrative"],
        })
    return out


def _equality(ctx: _Context, services: list[dict[str, Any]],
              outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """Spend change and outcome change by the population groups services mainly serve.

    A service serving several groups counts in each, so groups do not add up to a total.
    Only published services count here; confidential ones stay in agency totals only.
    """
    outcome_by_id = {o["id"]: o for o in outcomes}
    groups: dict[str, dict[str, Any]] = {}
    for s in services:
        for g in s["groups"] or ["not_assigned"]:
            row = groups.setdefault(g, {"group": g, "services": [], "baseline_spend": 0.0,
                                        "spend_change": 0.0, "outcomes": [],
                                        "illustrative": False})
            row["services"].append(s["id"])
            row["baseline_spend"] += s["baseline_spend"]
            row["spend_change"] += s["spend_change"]
            row["illustrative"] = row["illustrative"] or (s["changed"] and s["illustrative"])
    for row in groups.values():
        ids = set(row["services"])
        reached = []
        for e in ctx.model.effects:
            if e.service in ids and e.service in ctx.changed_services \
                    and e.id not in ctx.redaction.effects and e.outcome not in reached:
                reached.append(e.outcome)
        row["outcomes"] = [{"id": o, "change": outcome_by_id[o]["change"],
                            "direction": outcome_by_id[o]["direction"]}
                           for o in reached if outcome_by_id[o]["changed"]]
        row["spend_change_percent"] = (row["spend_change"] / row["baseline_spend"] * 100.0
                                       if row["baseline_spend"] else None)
        row["affected"] = any(s in ctx.changed_services for s in ids) or bool(row["outcomes"])
    ordered = sorted(groups.values(), key=lambda g: (g["group"] == "not_assigned", g["group"]))
    return {"caveat": EQUALITY_CAVEAT, "groups": ordered}


def _sources(ctx: _Context) -> list[dict[str, Any]]:
    """Every published effect and demand link on a path the scenario changes."""
    m = ctx.model
    changed_outcomes = {o.id for o in m.outcomes
                        if _changed(ctx.result["outcomes"][o.id]["scenario"], o.baseline)}
    out = []
    for e in m.effects:
        if e.id in ctx.redaction.effects or e.service not in ctx.changed_services:
            continue
        out.append({"id": e.id, "kind": "effect", "from": e.service, "to": e.outcome,
                    "citation": e.source, "confidence": e.confidence,
                    "confidence_words": confidence_words(e.confidence),
                    "delay_years": e.delay_years, "illustrative": e.illustrative})
    for d in m.demands:
        if d.id in ctx.redaction.demands or d.outcome not in changed_outcomes:
            continue
        out.append({"id": d.id, "kind": "demand", "from": d.outcome, "to": d.service,
                    "citation": d.source, "confidence": d.confidence,
                    "confidence_words": confidence_words(d.confidence),
                    "delay_years": None, "illustrative": d.illustrative})
    return out


def _any_illustrative(doc: dict[str, Any]) -> bool:
    return (doc["place_money"]["illustrative"]
            or any(o["illustrative"] for o in doc["outcomes"] if o["changed"])
            or any(s["illustrative"] for s in doc["services"] if s["changed"]))
