"""The medium-term financial plan (MTFS) of each agency and the place (docs/mtfs.md).

A finance director's view of a scenario, financial year by financial year, in £ a year
at the place's price year (real terms) unless the cash view is asked for:

- ``funding``: the agency's general-fund funding — one base-year figure grown by
  ``funding_growth_percent`` a year, or one figure per year; when the agency gives none,
  its general-fund services' base-year baseline spend, held flat (a balanced start).
- ``baseline_spend``: its general-fund services' baseline spend with pressures,
  Σ B_s·(1 + g_s)^y, demand growth g_s compounding at each financial year's start.
- ``gap_before_savings`` = baseline_spend − funding (positive = a shortfall).
- ``planned_savings``, ``knock_on_cashable``, ``knock_on_non_cashable``,
  ``one_off_costs``: the scenario's annual money on those services (the engine's exact
  annual figures; knock-on split by each service's ``cashable_share``, default 1).
- ``net_position`` = gap_before_savings − planned_savings + knock_on_cashable +
  one_off_costs: the gap left after the package (positive = still short). Non-cashable
  knock-on moves no budget line, so it is shown but not counted.
- ``cumulative_gap``: the running total of net_position.
- ``reserves_used`` / ``reserves_left``: a shortfall is met from reserves while they
  last (a surplus is added to them); what reserves cannot meet stays in the gap.
- ``planned_savings_at_risk``: planned savings times (1 − delivery confidence), by the
  lowest ``delivery_confidence_percent`` of the levers on each service (none: 0 at risk);
  ``net_position_if_slipped``: the net position if ``slippage_percent`` of the planned
  savings slip (the larger of that and the at-risk share, per service).

Ring-fenced grants (a service's ``funding_source`` other than ``general_fund``) are
reported apart, line by line, and never close the general-fund gap: a cut to a
grant-funded service saves the grant. The place is the sum over agencies.

The cash view multiplies each agency's money by (1 + inflation)^y, its
``inflation_percent`` (pay and prices); the real view is the default and the engine's.
With no pressures, no inflation and every cashable share 1, the plan's planned
savings, knock-on and one-off lines are exactly the result's annual figures.

Workforce: with ``fte`` on a service, each cut or invest lever's posts affected at full
effect (FTE × the share of baseline spend it changes) and, per agency, whether the
proposed reductions reach the collective consultation thresholds (Trade Union and
Labour Relations (Consolidation) Act 1992 s.188: 20 or more redundancies at one
establishment within 90 days, at least 30 days' consultation; 100 or more, at least
45 days), counting reductions that start within 90 days of each other together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cutsim.appraise.result import Result
from cutsim.engine.money import by_agency
from cutsim.levers.kinds import CutLever, InvestLever
from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.schema import GENERAL_FUND, PLACE_ID, Model

LINES = ("funding", "baseline_spend", "gap_before_savings", "planned_savings",
         "knock_on_cashable", "knock_on_non_cashable", "one_off_costs", "net_position",
         "cumulative_gap", "reserves_used", "reserves_left", "planned_savings_at_risk",
         "net_position_if_slipped")
GRANT_LINES = ("baseline_spend", "planned_savings", "knock_on_cashable",
               "knock_on_non_cashable", "one_off_costs")
LABELS = {
    "funding": "Funding", "baseline_spend": "Baseline spend with pressures",
    "gap_before_savings": "Gap before savings", "planned_savings": "Planned savings",
    "knock_on_cashable": "Knock-on costs (cashable)",
    "knock_on_non_cashable": "Knock-on costs (non-cashable, not counted)",
    "one_off_costs": "One-off costs", "net_position": "Gap after savings",
    "cumulative_gap": "Cumulative gap", "reserves_used": "Reserves used",
    "reserves_left": "Reserves left", "planned_savings_at_risk": "Planned savings at risk",
    "net_position_if_slipped": "Gap if savings slip",
}
CONSULTATION_WINDOW_YEARS = 90 / 365.25
THRESHOLDS = ((100, 45), (20, 30))  # redundancies at one establishment → days' consultation


@dataclass
class AgencyPlan:
    """One agency's plan: general-fund lines and ring-fenced grants, £ per year (H,)."""

    agency: str
    name: str
    lines: dict[str, np.ndarray]
    grants: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


@dataclass
class Plan:
    years: list[str]
    terms: str  # "real" or "cash"
    price_year: int
    agencies: list[AgencyPlan]
    place: dict[str, np.ndarray]
    slippage_percent: float
    workforce: dict[str, Any]

    def to_json_dict(self) -> dict[str, Any]:
        def plain(lines: dict[str, np.ndarray]) -> dict[str, list[float]]:
            return {k: [float(v) + 0.0 for v in lines[k]] for k in lines}

        return {
            "years": self.years, "terms": self.terms, "price_year": self.price_year,
            "slippage_percent": self.slippage_percent,
            "agencies": {a.agency: {"name": a.name, "general_fund": plain(a.lines),
                                    "ring_fenced": {g: plain(v) for g, v in a.grants.items()}}
                         for a in self.agencies},
            PLACE_ID: {"general_fund": plain(self.place)},
            "workforce": self.workforce,
        }


def funding_path(model: Model, agency_id: str, general_fund_base: float) -> np.ndarray:
    """£ a year of general-fund funding for each financial year (H,)."""
    agency = model.agency(agency_id)
    h = model.place.horizon_years
    if isinstance(agency.funding, list):
        return np.array(agency.funding, dtype=float)
    base = general_fund_base if agency.funding is None else float(agency.funding)
    growth = (agency.funding_growth_percent or 0.0) / 100.0
    return base * (1.0 + growth) ** np.arange(h, dtype=float)


def growth_factors(model: Model) -> np.ndarray:
    """(S, H): each service's baseline in year y over its base-year baseline."""
    h = model.place.horizon_years
    g = np.array([(s.demand_growth_percent or 0.0) / 100.0 for s in model.services])
    return (1.0 + g[:, None]) ** np.arange(h, dtype=float)[None, :]


def gap_before_savings(model: Model, agency_id: str) -> np.ndarray:
    """An agency's general-fund gap before any savings, £ a year (H,), from the model
    alone (no run): baseline spend with pressures less funding; positive = shortfall."""
    mine = [s for s in model.services
            if s.agency == agency_id and (s.funding_source or GENERAL_FUND) == GENERAL_FUND]
    growth = growth_factors(model)
    index = {s.id: i for i, s in enumerate(model.services)}
    baseline = sum((s.baseline_spend * growth[index[s.id]] for s in mine),
                   np.zeros(model.place.horizon_years))
    base = float(sum(s.baseline_spend for s in mine))
    return baseline - funding_path(model, agency_id, base)


def delivery_confidence(result: Result) -> np.ndarray:
    """(S,): the lowest delivery confidence (fraction) of the levers on each service; 1
    where no lever says."""
    cm = result.compiled
    conf = np.ones(cm.n_services)
    for lever in result.scenario.levers:
        if lever.delivery_confidence_percent is None:
            continue
        for sid in lever_kinds.of(lever).services(lever):
            if sid in cm.service_index:
                i = cm.service_index[sid]
                conf[i] = min(conf[i], lever.delivery_confidence_percent / 100.0)
    return conf


def build_plan(result: Result, *, cash: bool = False, slippage_percent: float = 0.0) -> Plan:
    """The plan of every agency and the place for a run's result."""
    if result.service_annual is None:
        raise InputError("this result carries no per-service money (run it with cutsim.run)")
    if not 0.0 <= slippage_percent <= 100.0:
        raise InputError(f"slippage must be between 0 and 100 % (got {slippage_percent:g})")
    cm = result.compiled
    model = cm.model
    h = cm.horizon_years
    sources = [s.funding_source or GENERAL_FUND for s in model.services]
    gf = np.array([src == GENERAL_FUND for src in sources])
    base = cm.baseline_spend[:, None] * growth_factors(model)  # (S, H)
    share = result.cashable_shares[:, None]
    annual = result.service_annual
    per_service = {
        "baseline_spend": base,
        "planned_savings": annual["planned_saving"],
        "knock_on_cashable": annual["knock_on_cost"] * share,
        "knock_on_non_cashable": annual["knock_on_cost"] * (1.0 - share),
        "one_off_costs": annual["one_off_cost"],
    }
    at_risk = annual["planned_saving"] * (1.0 - delivery_confidence(result))[:, None]
    slipped = np.maximum(annual["planned_saving"] * slippage_percent / 100.0, at_risk)
    agencies = []
    for a, aid in enumerate(cm.agency_ids):
        mine = cm.service_agency == a
        lines = _general_fund_lines(cm, a, per_service, at_risk, slipped, mine & gf,
                                    model.agency(aid).reserves or 0.0)
        grants = {}
        for grant in sorted({src for src, m in zip(sources, mine) if m and src != GENERAL_FUND}):
            on = mine & np.array([src == grant for src in sources])
            grants[grant] = {k: per_service[k][on].sum(axis=0) for k in GRANT_LINES}
        if cash:
            factor = (1.0 + (model.agency(aid).inflation_percent or 0.0) / 100.0) ** np.arange(h)
            lines = {k: v * factor for k, v in lines.items()}
            grants = {g: {k: v * factor for k, v in lines_g.items()} for g, lines_g in grants.items()}
        agencies.append(AgencyPlan(aid, model.agency(aid).name, lines, grants))
    place = {k: np.sum([p.lines[k] for p in agencies], axis=0) for k in LINES}
    return Plan(result.years, "cash" if cash else "real", model.place.effective_price_year,
                agencies, place, slippage_percent, workforce(result))


def _general_fund_lines(cm, a: int, per_service, at_risk, slipped, on: np.ndarray,
                        reserves: float) -> dict[str, np.ndarray]:
    """One agency's general-fund lines; summed with the engine's own agency sum so that,
    with every service on the general fund, they are the result's annual figures bit
    for bit. Default funding is the base-year baseline line itself (the same sum), so
    a place with no pressures has a gap of exactly 0, not round-off."""
    mask = on.astype(float)[:, None]

    def total(values: np.ndarray) -> np.ndarray:
        # by_agency's own sum, over this agency's general-fund services only
        return by_agency(cm, values * mask)[a]

    lines = {k: total(v) for k, v in per_service.items()}
    funding = funding_path(cm.model, cm.agency_ids[a], float(lines["baseline_spend"][0]))
    lines["funding"] = funding
    lines["gap_before_savings"] = lines["baseline_spend"] - funding
    lines["net_position"] = (lines["gap_before_savings"] - lines["planned_savings"]
                             + lines["knock_on_cashable"] + lines["one_off_costs"])
    lines["cumulative_gap"] = np.cumsum(lines["net_position"])
    used, left = np.zeros(cm.horizon_years), np.zeros(cm.horizon_years)
    pot = float(reserves)
    for y, gap in enumerate(lines["net_position"]):
        if gap > 0:
            used[y] = min(gap, pot)
            pot -= used[y]
        else:
            pot -= gap  # a surplus goes to reserves
        left[y] = pot
    lines["reserves_used"], lines["reserves_left"] = used, left
    lines["planned_savings_at_risk"] = total(at_risk)
    lines["net_position_if_slipped"] = lines["net_position"] + total(slipped)
    return {k: lines[k] for k in LINES}


def workforce(result: Result) -> dict[str, Any]:
    """Posts affected by each cut or invest lever on a service with ``fte``, and per agency
    the collective-consultation threshold the reductions reach (None below 20)."""
    model = result.compiled.model
    levers = []
    for lever in result.scenario.levers:
        if not isinstance(lever, (CutLever, InvestLever)):
            continue
        service = model.service(lever.service)
        if service.fte is None:
            continue
        fraction = (lever.percent / 100.0 if lever.percent is not None
                    else (lever.amount or 0.0) / service.baseline_spend)
        posts = service.fte * fraction * (1 if lever.kind == "cut" else -1)
        levers.append({"lever": lever.id, "service": service.id, "agency": service.agency,
                       "posts": float(posts), "starts": lever.start_year + lever.notice_months / 12.0})
    agencies: dict[str, Any] = {}
    for aid in sorted({entry["agency"] for entry in levers}):
        cuts = sorted((e["starts"], e["posts"]) for e in levers if e["agency"] == aid and e["posts"] > 0)
        worst = max((sum(p for s, p in cuts if start <= s < start + CONSULTATION_WINDOW_YEARS)
                     for start, _ in cuts), default=0.0)
        days = next((d for n, d in THRESHOLDS if worst >= n), None)
        agencies[aid] = {"most_posts_within_90_days": worst, "consultation_days": days}
    return {"levers": levers, "agencies": agencies}
