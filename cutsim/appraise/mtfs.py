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

from cutsim.appraise.delivery import consultation_days, minimum_balance_of
from cutsim.appraise.funding import (
    PRINCIPLES_SOURCE,
    compound,
    council_tax_path,
    deflator,
    funding_lines,
    has_budget,
    legacy_funding,
    price_factor,
    referendum_breaches,
    yearly,
)
from cutsim.appraise.programme import programme_of
from cutsim.appraise.result import Result
from cutsim.engine.money import by_agency
from cutsim.levers.common import yearly_ramp
from cutsim.levers.kinds import CutLever, InvestLever
from cutsim.levers.kinds.income import IncomeLever
from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.fmt import money
from cutsim.model.materiality import materiality_floor
from cutsim.model.schema import GENERAL_FUND, PLACE_ID, Model

FUNDING_LINES = ("funding_council_tax", "funding_business_rates", "funding_settlement_grant",
                 "funding_specific_grant", "funding_fees_and_charges", "funding_other",
                 "collection_fund")
PRESSURE_LINES = ("base_budget", "pressure_demand", "pressure_pay", "pressure_prices", "levies",
                  "named_pressures")
INCOME_LINES = ("income_council_tax", "income_fees_and_charges")
LINES = ("funding", *FUNDING_LINES, "baseline_spend", *PRESSURE_LINES, "gap_before_savings",
         "planned_savings", "knock_on_cashable", "knock_on_non_cashable", "one_off_costs",
         *INCOME_LINES, "net_position", "cumulative_gap", "reserves_used", "surplus_to_reserves",
         "reserves_left", "unfunded_gap", "minimum_balance", "below_minimum_balance",
         "planned_savings_at_risk", "net_position_if_slipped")
#: Lines shown only when they are not all zero (a plan without them reads as before).
OPTIONAL_LINES = frozenset({*FUNDING_LINES, *PRESSURE_LINES, *INCOME_LINES, "surplus_to_reserves",
                            "unfunded_gap", "minimum_balance", "below_minimum_balance"})
GRANT_LINES = ("baseline_spend", "planned_savings", "knock_on_cashable",
               "knock_on_non_cashable", "one_off_costs")
LABELS = {
    "funding": "Funding", "funding_council_tax": "  Council tax",
    "funding_business_rates": "  Retained business rates",
    "funding_settlement_grant": "  Settlement grants",
    "funding_specific_grant": "  Specific grants", "funding_fees_and_charges": "  Fees and charges",
    "funding_other": "  Other funding", "collection_fund": "  Collection fund surplus (deficit)",
    "baseline_spend": "Baseline spend with pressures", "base_budget": "  Base budget",
    "pressure_demand": "  Demand growth", "pressure_pay": "  Pay awards",
    "pressure_prices": "  Prices and inflation", "levies": "  Levies",
    "named_pressures": "  Named pressures",
    "gap_before_savings": "Gap before savings", "planned_savings": "Planned savings",
    "knock_on_cashable": "Knock-on costs (cashable)",
    "knock_on_non_cashable": "Knock-on costs (non-cashable, not counted)",
    "one_off_costs": "One-off costs",
    "income_council_tax": "Extra council tax (paid by residents)",
    "income_fees_and_charges": "Extra fees and charges (paid by residents)",
    "net_position": "Gap after savings",
    "cumulative_gap": "Cumulative gap", "reserves_used": "Reserves used",
    "surplus_to_reserves": "Surplus added to reserves", "reserves_left": "Reserves left",
    "unfunded_gap": "Unfunded gap after reserves", "minimum_balance": "Minimum balance",
    "below_minimum_balance": "Reserves below the minimum balance",
    "planned_savings_at_risk": "Planned savings at risk",
    "net_position_if_slipped": "Gap if savings slip",
}
CONSULTATION_WINDOW_YEARS = 90 / 365.25
WARNING_KINDS = ("referendum_limit", "below_minimum_balance", "unfunded_gap")
DEFAULT_YEARS = 5  # an MTFS looks four or five years ahead


@dataclass(frozen=True)
class Warning:
    """Something a section 151 officer must act on, in words (``kind`` in WARNING_KINDS)."""

    agency: str
    year: str
    kind: str
    message: str

    def to_json_dict(self) -> dict[str, str]:
        return {"agency": self.agency, "year": self.year, "kind": self.kind, "message": self.message}


@dataclass
class AgencyPlan:
    """One agency's plan: general-fund lines and ring-fenced grants, £ per year (H,)."""

    agency: str
    name: str
    lines: dict[str, np.ndarray]
    grants: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    programme: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Plan:
    years: list[str]
    terms: str  # "real" or "cash"
    price_year: int
    agencies: list[AgencyPlan]
    place: dict[str, np.ndarray]
    slippage_percent: float
    workforce: dict[str, Any]
    warnings: list[Warning] = field(default_factory=list)

    def span(self, years: int) -> Plan:
        """The plan's first ``years`` financial years (warnings of those years only)."""
        n = max(1, min(years, len(self.years)))
        cut = lambda lines: {k: v[:n] for k, v in lines.items()}  # noqa: E731
        agencies = [AgencyPlan(a.agency, a.name, cut(a.lines),
                               {g: cut(v) for g, v in a.grants.items()},
                               [{**row, "saving": row["saving"][:n]} for row in a.programme])
                    for a in self.agencies]
        shown = set(self.years[:n])
        return Plan(self.years[:n], self.terms, self.price_year, agencies, cut(self.place),
                    self.slippage_percent, self.workforce,
                    [w for w in self.warnings if w.year in shown])

    def to_json_dict(self) -> dict[str, Any]:
        def plain(lines: dict[str, np.ndarray]) -> dict[str, list[float]]:
            return {k: [float(v) + 0.0 for v in lines[k]] for k in lines}

        return {
            "years": self.years, "terms": self.terms, "price_year": self.price_year,
            "slippage_percent": self.slippage_percent,
            "agencies": {a.agency: {"name": a.name, "general_fund": plain(a.lines),
                                    "ring_fenced": {g: plain(v) for g, v in a.grants.items()},
                                    "programme": [{**row, "saving": [float(v) + 0.0 for v in row["saving"]]}
                                                  for row in a.programme]}
                         for a in self.agencies},
            PLACE_ID: {"general_fund": plain(self.place)},
            "workforce": self.workforce,
            "warnings": [w.to_json_dict() for w in self.warnings],
        }


def funding_path(model: Model, agency_id: str, general_fund_base: float) -> np.ndarray:
    """£ a year of general-fund funding for each financial year (H,), real terms: the
    legacy single figure, or the funding lines and council tax deflated."""
    agency = model.agency(agency_id)
    h = model.place.horizon_years
    if not has_budget(agency):
        return legacy_funding(model, agency, general_fund_base)
    cash = _cash_funding(agency, h)
    return sum(cash.values(), np.zeros(h)) / deflator(agency, h)


def growth_factors(model: Model) -> np.ndarray:
    """(S, H): each service's baseline in year y over its base-year baseline."""
    h = model.place.horizon_years
    g = np.array([(s.demand_growth_percent or 0.0) / 100.0 for s in model.services])
    return (1.0 + g[:, None]) ** np.arange(h, dtype=float)[None, :]


def gap_before_savings(model: Model, agency_id: str) -> np.ndarray:
    """An agency's general-fund gap before any savings, £ a year (H,), real terms, from
    the model alone (no run): baseline spend with pressures less funding; positive =
    shortfall."""
    agency = model.agency(agency_id)
    h = model.place.horizon_years
    mine = [s for s in model.services
            if s.agency == agency_id and (s.funding_source or GENERAL_FUND) == GENERAL_FUND]
    growth = growth_factors(model)
    index = {s.id: i for i, s in enumerate(model.services)}
    baseline = sum((s.baseline_spend * growth[index[s.id]] for s in mine), np.zeros(h))
    baseline = baseline + sum(_cash_pressures(agency, h)) / deflator(agency, h)
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
    """The plan of every agency and the place for a run's result, over the horizon
    (:meth:`Plan.span` shows the first years)."""
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
    agencies, warnings = [], []
    staff = workforce(result)
    posts = {entry["lever"]: entry["posts"] for entry in staff["levers"]}
    for a, aid in enumerate(cm.agency_ids):
        agency = model.agency(aid)
        mine = cm.service_agency == a
        lines = _general_fund_lines(cm, a, per_service, at_risk, slipped, mine & gf, result, cash)
        grants = {}
        for grant in sorted({src for src, m in zip(sources, mine) if m and src != GENERAL_FUND}):
            on = mine & np.array([src == grant for src in sources])
            grants[grant] = {k: per_service[k][on].sum(axis=0) for k in GRANT_LINES}
        if cash:
            factor = price_factor(agency, h)
            grants = {g: {k: v * factor for k, v in lines_g.items()} for g, lines_g in grants.items()}
        # A ring-fenced grant's own funding line (cash as given; real, deflated), beside it.
        for grant, values in funding_lines(agency, h).grants.items():
            grants.setdefault(grant, {k: np.zeros(h) for k in GRANT_LINES})
            grants[grant]["funding"] = values if cash else values / deflator(agency, h)
        agencies.append(AgencyPlan(aid, agency.name, lines, grants,
                                   programme_of(result, aid, posts, cash)))
        warnings += _warnings(agency, lines, result, cash)
    place = {k: np.sum([p.lines[k] for p in agencies], axis=0) for k in LINES}
    place["cumulative_gap"] = np.cumsum(place["net_position"])  # the running total of its own gap
    return Plan(result.years, "cash" if cash else "real", model.place.effective_price_year,
                agencies, place, slippage_percent, staff, warnings)


def _cash_funding(agency, h: int) -> dict[str, np.ndarray]:
    """The agency's general-fund funding by line of the plan, cash (funding lines by kind,
    council tax at the plan's own increases, the collection fund)."""
    out = {k: np.zeros(h) for k in FUNDING_LINES}
    lines = funding_lines(agency, h)
    for ident, values in lines.general.items():
        out[f"funding_{lines.kinds[ident]}"] = out[f"funding_{lines.kinds[ident]}"] + values
    if agency.council_tax is not None:
        path = council_tax_path(agency.council_tax, h)
        out["funding_council_tax"] = out["funding_council_tax"] + path.income
        out["collection_fund"] = path.collection_fund
    return out


def _cash_pressures(agency, h: int) -> tuple[np.ndarray, np.ndarray]:
    """(levies, named pressures), cash £ a year (pay and prices are factors on spend)."""
    pressures = agency.pressures
    if pressures is None:
        return np.zeros(h), np.zeros(h)
    named = sum((yearly(p.amount, h) for p in pressures.named), np.zeros(h))
    return yearly(pressures.levies, h), named


def _general_fund_lines(cm, a: int, per_service, at_risk, slipped, on: np.ndarray,
                        result: Result, cash: bool) -> dict[str, np.ndarray]:
    """One agency's general-fund lines in the view's terms; summed with the engine's own
    agency sum so that, with every service on the general fund, the real lines are the
    result's annual figures bit for bit. Default funding is the base-year baseline line
    itself (the same sum), so a place with no pressures has a gap of exactly 0."""
    mask = on.astype(float)[:, None]
    h = cm.horizon_years
    agency = cm.model.agency(cm.agency_ids[a])
    deflate = deflator(agency, h)
    spend_factor = price_factor(agency, h) if cash else np.ones(h)

    def total(values: np.ndarray) -> np.ndarray:
        # by_agency's own sum, over this agency's general-fund services only, in view terms
        return by_agency(cm, values * mask)[a] * spend_factor

    lines = {k: total(v) for k, v in per_service.items()}
    real_baseline = by_agency(cm, per_service["baseline_spend"] * mask)[a]
    base_budget = np.full(h, real_baseline[0])
    # Cash-native money (funding lines, council tax, levies, named pressures): cash as given,
    # real divided by the deflator. Legacy funding and the engine's money are real.
    view = (lambda values: values) if cash else (lambda values: values / deflate)
    funding_by_kind = {k: np.zeros(h) for k in FUNDING_LINES}
    lines["income_council_tax"] = np.zeros(h)
    if has_budget(agency):
        funding_by_kind = {k: view(v) for k, v in _cash_funding(agency, h).items()}
        if agency.council_tax is not None:  # the scenario's levers on the plan's increases
            extra = _council_tax_levers(result.scenario, agency.id, h)
            raised = council_tax_path(agency.council_tax, h, extra).income
            lines["income_council_tax"] = view(raised - council_tax_path(agency.council_tax, h).income)
    else:
        # One line of funding, in real terms (docs/mtfs.md): no lines by kind.
        lines["funding"] = legacy_funding(cm.model, agency, float(real_baseline[0])) * (
            deflate if cash else 1.0)
    lines.update(funding_by_kind)
    if has_budget(agency):
        lines["funding"] = sum((funding_by_kind[k] for k in FUNDING_LINES), np.zeros(h))
    lines["income_fees_and_charges"] = view(_cash_fees(result, agency, h))
    levies, named = _cash_pressures(agency, h)
    lines["levies"], lines["named_pressures"] = view(levies), view(named)
    lines["baseline_spend"] = lines["baseline_spend"] + view(levies + named)
    lines["base_budget"] = base_budget
    lines["pressure_demand"] = (real_baseline - base_budget) * spend_factor
    pay, prices = _pay_and_prices(agency, h, cash)
    lines["pressure_pay"] = base_budget * pay
    lines["pressure_prices"] = base_budget * prices
    lines["gap_before_savings"] = lines["baseline_spend"] - lines["funding"]
    lines["net_position"] = (lines["gap_before_savings"] - lines["planned_savings"]
                             + lines["knock_on_cashable"] + lines["one_off_costs"]
                             - lines["income_council_tax"] - lines["income_fees_and_charges"])
    lines["cumulative_gap"] = np.cumsum(lines["net_position"])
    lines.update(_reserves(agency, lines["net_position"], float(real_baseline[0])))
    lines["planned_savings_at_risk"] = total(at_risk)
    lines["net_position_if_slipped"] = lines["net_position"] + total(slipped)
    return {k: lines[k] for k in LINES}


def _pay_and_prices(agency, h: int, cash: bool) -> tuple[np.ndarray, np.ndarray]:
    """The pay and price pressures as fractions of the base budget (0 in the real view:
    they are inflation). Without ``pressures``, inflation is all prices."""
    if not cash:
        return np.zeros(h), np.zeros(h)
    pressures = agency.pressures
    if pressures is None:
        return np.zeros(h), deflator(agency, h) - 1.0
    pay = compound(yearly(pressures.pay_award_percent, h)) - 1.0
    prices = compound(yearly(pressures.contract_inflation_percent, h)) - 1.0
    return pressures.pay_share * pay, (1.0 - pressures.pay_share) * prices


def _reserves(agency, net_position: np.ndarray, net_budget: float) -> dict[str, np.ndarray]:
    """The general reserve, year by year in the view's terms: a shortfall is met from it
    while it lasts (what it cannot meet is the unfunded gap), a surplus is added to it, so
    that reserves_left[y] = reserves_left[y−1] − reserves_used[y] + surplus_to_reserves[y]
    exactly (reserves_left[−1] being the opening ``reserves``)."""
    h = len(net_position)
    used, added, left, unfunded = (np.zeros(h) for _ in range(4))
    pot = float(agency.reserves or 0.0)
    for y, gap in enumerate(net_position):
        if gap > 0:
            used[y] = min(gap, max(pot, 0.0))
            unfunded[y] = gap - used[y]
        else:
            added[y] = -gap
        pot = pot - used[y] + added[y]
        left[y] = pot
    floor = np.full(h, minimum_balance_of(agency, net_budget))
    return {"reserves_used": used, "surplus_to_reserves": added, "reserves_left": left,
            "unfunded_gap": unfunded, "minimum_balance": floor,
            "below_minimum_balance": np.maximum(floor - left, 0.0)}


def _council_tax_levers(scenario, agency_id: str, h: int) -> np.ndarray:
    """(H,): the extra core increase (%) the scenario's council tax levers add each year."""
    extra = np.zeros(h)
    for lever in scenario.levers:
        if lever.kind == "council_tax" and lever.agency == agency_id:
            years = np.arange(h, dtype=float)
            extra = extra + np.where(years >= lever.start_year - 1e-9, lever.percent, 0.0)
    return extra


def _cash_fees(result: Result, agency, h: int) -> np.ndarray:
    """(H,): extra fees and charges from the scenario's income levers, cash £ a year
    (an ``amount`` is at the price year, inflated by the deflator; a ``percent`` is of
    the named cash funding line)."""
    cm = result.compiled
    total = np.zeros(h)
    lines = funding_lines(agency, h).general
    for lever in result.scenario.levers:
        if not isinstance(lever, IncomeLever) or lever.agency != agency.id:
            continue
        fraction = yearly_ramp(cm, lever.start_year, lever.phase_years)
        if lever.amount is not None:
            total = total + lever.amount * fraction * deflator(agency, h)
        else:
            # the kind's checks: one of percent or amount, and a percent names its line
            assert lever.percent is not None and lever.line is not None
            total = total + lever.percent / 100.0 * lines.get(lever.line, np.zeros(h)) * fraction
    return total


def _warnings(agency, lines: dict[str, np.ndarray], result: Result, cash: bool) -> list[Warning]:
    """The referendum limit, reserves below their minimum and an unfunded gap, in words."""
    years = result.years
    found: list[Warning] = []
    found += _referendum_warnings(agency, result.scenario, years)
    terms = "cash" if cash else "real terms"
    if not _states_a_plan(agency):
        return found  # its plan is the default balanced start: no reserves to speak of
    floor = materiality_floor(result.compiled.model)
    below = np.flatnonzero(lines["below_minimum_balance"] > 0)
    if below.size and lines["minimum_balance"][0] > 0:
        y = int(below[0])
        found.append(Warning(agency.id, years[y], "below_minimum_balance",
                             f"{agency.name}: reserves fall below the minimum balance of "
                             f"{money(lines['minimum_balance'][y])} in {years[y]} "
                             f"({money(lines['reserves_left'][y])} left, {terms}); the chief "
                             "finance officer must report on the adequacy of reserves (Local "
                             "Government Act 2003, s.25)"))
    unfunded = np.flatnonzero(lines["unfunded_gap"] > floor)
    for y in (int(i) for i in unfunded):
        duty = (" A council must set a balanced budget; without one the chief finance officer "
                "must report under section 114 of the Local Government Finance Act 1988."
                if agency.kind == "council" else "")
        found.append(Warning(agency.id, years[y], "unfunded_gap",
                             f"{agency.name}: the plan does not balance in {years[y]}: "
                             f"{money(lines['unfunded_gap'][y])} unfunded after reserves "
                             f"({terms}).{duty}"))
    return found


def referendum_warnings(model: Model, scenario, years: list[str]) -> list[Warning]:
    """The council tax increases, the plan's with the scenario's ``council_tax`` levers, at
    or above the referendum limit (every agency with council tax), for any output to show."""
    return [w for agency in model.agencies for w in _referendum_warnings(agency, scenario, years)]


def _referendum_warnings(agency, scenario, years: list[str]) -> list[Warning]:
    if agency.council_tax is None:
        return []
    h = len(years)
    path = council_tax_path(agency.council_tax, h, _council_tax_levers(scenario, agency.id, h))
    return [Warning(agency.id, years[y], "referendum_limit",
                    f"{agency.name}: council tax in {years[y]} rises by {what} of the referendum "
                    f"principles ({PRINCIPLES_SOURCE}): the increase would need a local referendum")
            for y, what in referendum_breaches(agency.council_tax, path)]


def _states_a_plan(agency) -> bool:
    """True when the agency gives its own funding or reserves (not the default start)."""
    return (agency.funding is not None or has_budget(agency) or agency.reserves is not None
            or agency.minimum_balance is not None or agency.minimum_balance_percent is not None)


def workforce(result: Result) -> dict[str, Any]:
    """Posts affected by each cut or invest lever on a service with ``fte``, and per agency
    the collective-consultation threshold the reductions reach (None below 20)."""
    model = result.compiled.model
    levers: list[dict[str, Any]] = []
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
        days = consultation_days(worst) or None  # the optimiser's thresholds (delivery)
        agencies[aid] = {"most_posts_within_90_days": worst, "consultation_days": days}
    return {"levers": levers, "agencies": agencies}


# What raises the cost of today's services year on year (levies are a standing line of
# spend, in the base year too, so not a rise).
DO_NOTHING_PRESSURES = ("pressure_demand", "pressure_pay", "pressure_prices", "named_pressures")


def do_nothing(result: Result, years: int = DEFAULT_YEARS, cash: bool = True) -> dict[str, Any] | None:
    """What the plan says happens if nothing changes (the publication's baseline page):
    the first ``years`` financial years of the MTFS in its default terms (cash, as
    ``cutsim mtfs`` shows it), before any saving. £ per year, plain floats:
    ``years``, ``terms``, ``pressures`` {line: [..]} (the rise in the cost of today's
    services, by kind: demand, pay, prices, named pressures; lines that are nothing left
    out), ``funding``, ``baseline_spend``,
    ``gap_before_savings`` and ``cumulative_gap_before_savings`` for the place, and
    ``agencies`` [{id, name, gap_before_savings}] for each agency with a gap. None when
    the model has no pressures and no gap (its plan is flat: nothing to state).
    """
    from cutsim.model.materiality import materiality_floor

    plan = build_plan(result, cash=cash).span(years)
    floor = materiality_floor(result.compiled.model)
    place = plan.place
    gap = np.asarray(place["gap_before_savings"], dtype=float)
    pressures = {k: np.asarray(place[k], dtype=float) for k in DO_NOTHING_PRESSURES if k in place}
    pressures = {k: v for k, v in pressures.items() if np.any(np.abs(v) >= max(floor, 1e-9))}
    agencies = [{"id": a.agency, "name": a.name,
                 "gap_before_savings": [float(v) + 0.0 for v in a.lines["gap_before_savings"]]}
                for a in plan.agencies
                if np.any(np.abs(a.lines["gap_before_savings"]) >= max(floor, 1e-9))]
    if not pressures and not agencies:
        return None
    plain = lambda values: [float(v) + 0.0 for v in values]  # noqa: E731
    return {
        "years": list(plan.years), "terms": plan.terms, "price_year": plan.price_year,
        "pressures": {k: plain(v) for k, v in pressures.items()},
        "pressure_labels": {k: LABELS[k].strip() for k in pressures},
        "funding": plain(place["funding"]), "baseline_spend": plain(place["baseline_spend"]),
        "gap_before_savings": plain(gap),
        "cumulative_gap_before_savings": float(gap.sum()) + 0.0,
        "agencies": agencies,
    }
