"""What it takes to deliver a cut: notice, collective consultation, redundancy costs and
the reserves that pay for them (docs/levers.md, "The optimiser").

A cut of a service saves only after its **lead time**: the service's ``notice_months``,
else its agency's, else :data:`DEFAULT_NOTICE_MONTHS`; plus, when the posts a package
removes at one agency within 90 days reach a statutory threshold, the collective
consultation that must come first (Trade Union and Labour Relations (Consolidation) Act
1992, s.188: 20 to 99 redundancies at least 30 days, 100 or more at least 45 days). FTE
removed stands in for people: a service's ``fte`` times the share of its baseline spend
cut (part-time posts make the head count higher, so the proxy errs on the side of a
shorter consultation only where posts are shared; documented, not hidden).

Each post removed costs ``cost_per_redundancy`` (£ per FTE, once, at the cut's start:
redundancy pay and pension strain), else :data:`DEFAULT_COST_PER_REDUNDANCY`.

An agency's reserves above its minimum balance (docs/mtfs.md) are what it can spend once
without breaching that balance: the default cap on a package's one-off costs.
"""

from __future__ import annotations

from dataclasses import dataclass

from cutsim.model.schema import GENERAL_FUND, Agency, Model, Service

#: Months of notice before a cut saves when neither the service nor its agency says:
#: the statutory maximum notice for an employee (Employment Rights Act 1996 s.86: one week
#: a year of service, at most 12 weeks), rounded to the quarter in which budgets move.
DEFAULT_NOTICE_MONTHS = 3.0
#: £ per FTE removed when the agency gives no ``cost_per_redundancy``: the average exit
#: package of English councils, about £22,000 in 2021-22 (9,744 packages costing £214m,
#: redundancy pay and pension strain together; DLUHC, Local authority exit packages,
#: England, 2021-22). Illustrative: an agency should give its own.
DEFAULT_COST_PER_REDUNDANCY = 22_000.0
#: (redundancies at one agency within 90 days, days of consultation), largest first.
CONSULTATION_THRESHOLDS = ((100, 45), (20, 30))
CONSULTATION_SOURCE = ("Trade Union and Labour Relations (Consolidation) Act 1992, s.188: "
                       "20-99 redundancies at one establishment within 90 days, at least 30 "
                       "days' consultation; 100 or more, at least 45 days")
#: The consultation levels a package can reach at one agency, days (0: below 20 posts).
CONSULTATION_LEVELS = (0, 30, 45)
DAYS_A_YEAR = 365.25


@dataclass(frozen=True)
class LeadTime:
    """A cut's lead time: ``notice_months`` plus ``consultation_days`` of collective
    consultation; ``months`` is what the package's lever carries as its notice."""

    notice_months: float
    consultation_days: int

    @property
    def months(self) -> float:
        return self.notice_months + self.consultation_days * 12.0 / DAYS_A_YEAR

    @property
    def years(self) -> float:
        """Years after the cut's start that it begins to save (how the engine reads a
        lever's ``notice_months``: months / 12)."""
        return self.months / 12.0

    def words(self) -> str:
        notice = f"{self.notice_months:g} months' notice"
        if not self.consultation_days:
            return notice
        return f"{notice} after {self.consultation_days} days' collective consultation"


def notice_months(model: Model, service: Service) -> float:
    """The service's notice before a cut saves (months): its own, its agency's or the default."""
    if service.notice_months is not None:
        return float(service.notice_months)
    agency = model.agency(service.agency)
    if agency.notice_months is not None:
        return float(agency.notice_months)
    return DEFAULT_NOTICE_MONTHS


def consultation_days(posts: float) -> int:
    """Days of collective consultation ``posts`` redundancies within 90 days require."""
    return next((days for n, days in CONSULTATION_THRESHOLDS if posts >= n), 0)


def cost_per_redundancy(model: Model, agency_id: str) -> float:
    """£ per FTE removed at the agency (its own figure or the documented default)."""
    given = model.agency(agency_id).cost_per_redundancy
    return DEFAULT_COST_PER_REDUNDANCY if given is None else float(given)


def posts_per_pound(service: Service) -> float:
    """FTE removed per £1 a year cut from the service (0 when it gives no ``fte``)."""
    return float(service.fte or 0.0) / service.baseline_spend


def general_fund_base(model: Model, agency_id: str) -> float:
    """The agency's base-year general-fund net budget (£ a year): its general-fund
    services' baseline spend, on which a minimum balance in percent is taken."""
    return float(sum(s.baseline_spend for s in model.services
                     if s.agency == agency_id and (s.funding_source or GENERAL_FUND) == GENERAL_FUND))


def minimum_balance(model: Model, agency_id: str) -> float:
    """The agency's minimum prudent general reserve (£): its own figure, or its percent of
    the base-year general-fund net budget, or 0."""
    return minimum_balance_of(model.agency(agency_id), general_fund_base(model, agency_id))


def minimum_balance_of(agency: Agency, net_budget: float) -> float:
    """The minimum balance (£) given the agency's base-year net budget ``net_budget`` (£)."""
    if agency.minimum_balance is not None:
        return float(agency.minimum_balance)
    return (agency.minimum_balance_percent or 0.0) / 100.0 * net_budget


def reserves_headroom(model: Model, agency_id: str) -> float | None:
    """£ of the agency's general reserve above its minimum balance (never below 0): what it
    can spend once. None when the agency states no reserves (nothing to cap by)."""
    agency = model.agency(agency_id)
    if agency.reserves is None:
        return None
    return max(float(agency.reserves) - minimum_balance(model, agency_id), 0.0)
