"""Every rule of docs/file-format.md and docs/levers.md about values and references, in one place.

The CLI, the exchange-file reader, the workspace and the app all call this validator,
so a problem reads the same wherever it is found. It never stops at the first problem:
it returns all of them, each naming where it is, e.g.
``services[3] "youth": unit_cost must be > 0 (got -5)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from cutsim.model import lever_kinds
from cutsim.model.actuals_rules import actuals_problems
from cutsim.model.area_rules import area_problems
from cutsim.model.schema import (
    AGENCY_KINDS,
    AUTHORITY_CLASSES,
    DISCOUNT_SCHEDULES,
    FUNDING_KINDS,
    GENERAL_FUND,
    LEVER_STATUSES,
    MAX_TERMINAL_YEARS,
    PLACE_ID,
    SERVICE_MODES,
    CutsimFile,
    Model,
    Scenario,
)

SLUG = re.compile(r"[a-z0-9_-]{1,64}")
SHORT_NAME_MAX = 20  # characters in an agency's short_name (it must fit a table header)
MAX_DELAY_ORDER = 50  # an Erlang cascade of more stages is indistinguishable from a pure delay
# Bounds that keep a run finite and every saved model readable again (docs/file-format.md,
# "Limits"). A lever phased or delayed over more years than the longest horizon changes
# nothing a run can show, and a figure larger than the exchange reader accepts would be
# saved (a workspace) and then refused on the way back in (an export).
MAX_TIMING_YEARS = 100.0  # phase_years, delay_years: the longest horizon (horizon_years)
MAX_NOTICE_MONTHS = 12 * MAX_TIMING_YEARS
MAX_NUMBER = 1e15  # any number, in magnitude: cutsim.files.exchange.MAX_MAGNITUDE


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: ``location`` like ``services[3] "youth"``."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


def fmt(value: object) -> str:
    """A value as a person would write it in a message (no float noise)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value) if isinstance(value, (list, dict)) else str(value)


class _Checker:
    """Collects problems for one object at one location."""

    def __init__(self, problems: list[Problem], location: str, item: object) -> None:
        self.problems, self.location, self.item = problems, location, item

    def add(self, message: str) -> None:
        self.problems.append(Problem(self.location, message))

    def value(self, field: str) -> Any:
        return getattr(self.item, field)

    def _judged(self, field: str) -> Any:
        """The field's value to judge, or None: when it is not given (which passes), or
        when it is a NaN or infinite number, which no comparison would catch (noted)."""
        v = getattr(self.item, field)
        if isinstance(v, float) and not math.isfinite(v):
            self.add(f"{field} must be a finite number (got {v})")
            return None
        return v

    def rule(self, field: str, ok: Callable[[Any], bool], what: str) -> None:
        """``field must be <what> (got v)`` unless ok(v); None means 'not given' and passes."""
        v = self._judged(field)
        if v is not None and not ok(v):
            self.add(f"{field} must be {what} (got {fmt(v)})")

    # The common rules below are written out rather than passed to rule() as functions:
    # validating a place of 10,000 services runs them half a million times.
    def finite(self, field: str) -> None:
        self._judged(field)

    def positive(self, field: str) -> None:
        v = self._judged(field)
        if v is not None and not v > 0:
            self.add(f"{field} must be > 0 (got {fmt(v)})")

    def non_negative(self, field: str) -> None:
        v = self._judged(field)
        if v is not None and not v >= 0:
            self.add(f"{field} must be >= 0 (got {fmt(v)})")

    def between(self, field: str, lo: float, hi: float) -> None:
        v = self._judged(field)
        if v is not None and not lo <= v <= hi:
            self.add(f"{field} must be between {fmt(float(lo))} and {fmt(float(hi))} (got {fmt(v)})")

    def at_most(self, field: str, hi: float) -> None:
        """``field`` (when given) is at most ``hi`` in magnitude."""
        v = self._judged(field)
        if isinstance(v, (int, float)) and not abs(v) <= hi:
            self.add(f"{field} must be at most {fmt(float(hi))} in size (got {fmt(v)})")

    def numbers_within(self, item: object | None = None, where: str = "") -> None:
        """Every number in ``item`` (the checked object by default), nested objects and
        lists included, is at most :data:`MAX_NUMBER` in size: the general bound that keeps
        what is saved readable. For the few objects of a model (place, agencies, levers);
        the many (services, links) have their fields bounded one by one, for speed."""
        node = self.item if item is None else item
        values = getattr(node, "__dict__", None)
        if values is None:
            return
        for name, v in values.items():
            label = f"{where}{name}"
            if isinstance(v, bool) or v is None or isinstance(v, str):
                continue
            if isinstance(v, (int, float)):
                if math.isfinite(v) and abs(v) > MAX_NUMBER:
                    self.add(f"{label} must be at most {fmt(MAX_NUMBER)} in size (got {fmt(v)})")
            elif isinstance(v, (list, tuple)):
                for i, x in enumerate(v):
                    if isinstance(x, (int, float)) and not isinstance(x, bool):
                        if math.isfinite(x) and abs(x) > MAX_NUMBER:
                            self.add(f"{label}[{i}] must be at most {fmt(MAX_NUMBER)} in size "
                                     f"(got {fmt(x)})")
                    elif hasattr(x, "__dict__"):
                        self.numbers_within(x, f"{label}[{i}].")
            elif isinstance(v, dict):
                for k, x in v.items():
                    if isinstance(x, (int, float)) and not isinstance(x, bool) \
                            and math.isfinite(x) and abs(x) > MAX_NUMBER:
                        self.add(f"{label}[{fmt(k)}] must be at most {fmt(MAX_NUMBER)} in size "
                                 f"(got {fmt(x)})")
            elif hasattr(v, "__dict__"):
                self.numbers_within(v, f"{label}.")

    def text(self, field: str) -> None:
        v = self.value(field)
        if v is not None and not v.strip():
            self.add(f"{field} must not be empty")

    def slug(self, field: str = "id") -> None:
        v = self.value(field)
        if v is not None and not SLUG.fullmatch(v):
            self.add(f"{field} must be 1-64 characters of a-z, 0-9, _ or - (got {fmt(v)})")

    def reference(self, field: str, known: Iterable[str], kind: str) -> None:
        v = self.value(field)
        if v is not None and v not in known:
            self.add(f'{field} refers to {kind} "{v}", which does not exist')

    def field_range(self, field: str, lo: float, hi: float) -> None:
        """``<field>_low`` ≤ field ≤ ``<field>_high`` (either may be left out), within [lo, hi]."""
        _check_field_range(self, field, lo, hi)


_Item = TypeVar("_Item")


def _located(kind: str, items: Sequence[_Item]) -> Iterable[tuple[str, _Item]]:
    for i, item in enumerate(items):
        ident = getattr(item, "id", None)
        yield (f'{kind}[{i}] "{ident}"' if ident is not None else f"{kind}[{i}]"), item


def _unique_ids(problems: list[Problem], kind: str, items: Sequence[object]) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        ident = item.id  # type: ignore[attr-defined]
        if ident in seen:
            problems.append(
                Problem(f'{kind}[{i}] "{ident}"', f"id duplicates {kind}[{seen[ident]}]")
            )
        else:
            seen[ident] = i


def _check_place(problems: list[Problem], model: Model) -> None:
    place = model.place
    c = _Checker(problems, "place", place)
    c.text("name")
    c.between("base_year", 1900, 2200)
    c.between("horizon_years", 1, 100)
    c.between("steps_per_year", 1, 365)
    c.rule("discount_rate", lambda v: 0 <= v < 1, "between 0 and 1 (a rate, not a percent)")
    c.between("price_year", 1900, 2200)
    c.positive("population")
    c.rule("local_multiplier", lambda v: 0 <= v <= 10, "between 0 and 10")
    c.rule("discount_schedule", lambda v: v in DISCOUNT_SCHEDULES, '"green_book" or "flat"')
    c.between("terminal_years", 1, MAX_TERMINAL_YEARS)
    c.rule("source_correlation", lambda v: 0 <= v < 1, "between 0 and 1 (below 1)")
    c.numbers_within()
    for grade, fraction in (place.optimism_bias or {}).items():
        if grade not in {"1", "2", "3", "4", "5"}:
            c.add(f'optimism_bias key must be a confidence grade "1"-"5" (got {fmt(grade)})')
        elif not 0 <= fraction <= 2:
            c.add(f'optimism_bias["{grade}"] must be a fraction between 0 and 2 (got {fmt(fraction)})')


def _check_agencies(problems: list[Problem], model: Model) -> None:
    horizon = model.place.horizon_years
    for loc, agency in _located("agencies", model.agencies):
        c = _Checker(problems, loc, agency)
        c.slug()
        if agency.id == PLACE_ID:
            c.add('id "place" is reserved for the whole place; choose another agency id')
        c.text("name")
        c.text("short_name")
        c.rule("short_name", lambda v: len(v) <= SHORT_NAME_MAX, f"at most {SHORT_NAME_MAX} characters")
        if agency.kind not in AGENCY_KINDS:
            c.add(f"kind must be one of {', '.join(AGENCY_KINDS)} (got {fmt(agency.kind)})")
        target = agency.savings_target
        if isinstance(target, list):
            if len(target) != horizon:
                c.add(f"savings_target must give one value per year of the horizon "
                      f"({horizon}), got {len(target)}")
            if any(v < 0 for v in target):
                c.add("savings_target values must be >= 0 (£/yr to be saved)")
        else:
            c.non_negative("savings_target")
        _check_plan_of_agency(c, agency, horizon)
        c.numbers_within()


MAX_GROWTH_PERCENT = 100.0  # a year; beyond this a figure is a typing slip, not a pressure


def _check_plan_of_agency(c: _Checker, agency, horizon: int) -> None:
    """The medium-term financial plan's agency fields (docs/mtfs.md)."""
    c.between("inflation_percent", -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
    c.between("funding_growth_percent", -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
    c.non_negative("reserves")
    c.between("notice_months", 0, MAX_NOTICE_MONTHS)
    c.between("cost_per_redundancy", 0, MAX_MONEY)
    funding = agency.funding
    if isinstance(funding, list):
        if len(funding) != horizon:
            c.add(f"funding must give one value per year of the horizon ({horizon}), "
                  f"got {len(funding)}")
        if any(v < 0 for v in funding):
            c.add("funding values must be >= 0 (£ a year)")
        if agency.funding_growth_percent is not None:
            c.add("funding_growth_percent applies to one base-year funding figure, not to a "
                  "list year by year")
    else:
        c.non_negative("funding")
    c.non_negative("minimum_balance")
    c.between("minimum_balance_percent", 0, 100)
    if agency.minimum_balance is not None and agency.minimum_balance_percent is not None:
        c.add("give minimum_balance (£) or minimum_balance_percent (of the net budget), not both")
    for i, reserve in enumerate(agency.earmarked_reserves or []):
        rc = _Checker(c.problems, f"{c.location} earmarked_reserves[{i}]", reserve)
        rc.text("name")
        rc.text("purpose")
        rc.non_negative("amount")
    _check_funding_lines(c, agency, horizon)
    if agency.council_tax is not None:
        _check_council_tax(_Checker(c.problems, f"{c.location} council_tax", agency.council_tax),
                           agency.council_tax, horizon)
    if agency.pressures is not None:
        _check_pressures(_Checker(c.problems, f"{c.location} pressures", agency.pressures),
                         agency.pressures, horizon)


def _yearly(c: _Checker, field: str, value: float | list[float] | None, horizon: int,
            lo: float, hi: float) -> None:
    """One figure, or one per financial year of the horizon, each within [lo, hi]."""
    if value is None:
        return
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and len(value) != horizon:
        c.add(f"{field} must give one value per year of the horizon ({horizon}), got {len(value)}")
    bad = [v for v in values if not lo <= v <= hi]
    if bad:
        c.add(f"{field} must be between {fmt(float(lo))} and {fmt(float(hi))} (got {fmt(bad[0])})")


def _check_funding_lines(c: _Checker, agency, horizon: int) -> None:
    seen: set[str] = set()
    for i, line in enumerate(agency.funding_lines or []):
        lc = _Checker(c.problems, f'{c.location} funding_lines[{i}] "{line.id}"', line)
        lc.slug()
        lc.text("name")
        if line.id in seen:
            lc.add("id duplicates another funding line of this agency")
        seen.add(line.id)
        if line.kind not in FUNDING_KINDS:
            lc.add(f"kind must be one of {', '.join(FUNDING_KINDS)} (got {fmt(line.kind)})")
        _yearly(lc, "amount", line.amount, horizon, 0, MAX_MONEY)
        lc.between("growth_percent", -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
        if isinstance(line.amount, list) and line.growth_percent is not None:
            lc.add("growth_percent applies to one base-year amount, not to a list year by year")
        if line.grant is not None and not SLUG.fullmatch(line.grant):
            lc.add(f"grant must be a grant id like public_health_grant (got {fmt(line.grant)})")
        if line.grant == GENERAL_FUND:
            lc.add("grant names a ring-fenced grant; leave it out for general-fund funding")


def _check_council_tax(c: _Checker, tax, horizon: int) -> None:
    c.positive("tax_base")
    c.positive("band_d")
    c.between("tax_base_growth_percent", -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
    _yearly(c, "increase_percent", tax.increase_percent, horizon, -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
    _yearly(c, "asc_precept_percent", tax.asc_precept_percent, horizon, 0, MAX_GROWTH_PERCENT)
    if tax.authority_class not in AUTHORITY_CLASSES:
        c.add(f"authority_class must be one of {', '.join(AUTHORITY_CLASSES)} "
              f"(got {fmt(tax.authority_class)})")
    c.between("limit_percent", 0, MAX_GROWTH_PERCENT)
    c.between("total_limit_percent", 0, MAX_GROWTH_PERCENT)
    c.non_negative("limit_pounds")
    _yearly(c, "collection_fund", tax.collection_fund, horizon, -MAX_MONEY, MAX_MONEY)


def _check_pressures(c: _Checker, pressures, horizon: int) -> None:
    c.between("pay_share", 0, 1)
    _yearly(c, "pay_award_percent", pressures.pay_award_percent, horizon,
            -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
    _yearly(c, "contract_inflation_percent", pressures.contract_inflation_percent, horizon,
            -MAX_GROWTH_PERCENT, MAX_GROWTH_PERCENT)
    _yearly(c, "levies", pressures.levies, horizon, 0, MAX_MONEY)
    for i, named in enumerate(pressures.named):
        nc = _Checker(c.problems, f"{c.location} named[{i}]", named)
        nc.text("name")
        _yearly(nc, "amount", named.amount, horizon, -MAX_MONEY, MAX_MONEY)


MAX_MONEY = 1e13  # £: above any public body's budget; a bigger figure is a slip


def _check_services(problems: list[Problem], model: Model) -> None:
    agencies = {a.id for a in model.agencies}
    for loc, service in _located("services", model.services):
        c = _Checker(problems, loc, service)
        c.slug()
        c.text("name")
        c.reference("agency", agencies, "agency")
        c.positive("baseline_spend")
        c.positive("unit_cost")
        c.text("activity_unit")
        if service.mode not in SERVICE_MODES:
            c.add(f"mode must be discretionary or demand_led (got {fmt(service.mode)})")
        c.between("statutory_floor", 0, 1)
        c.between("max_efficiency_percent", 0, 100)
        c.between("external_share", 0, 1)
        c.positive("baseline_spend_low")
        c.positive("unit_cost_low")
        _check_field_range(c, "baseline_spend", 0, MAX_MONEY)
        _check_field_range(c, "unit_cost", 0, MAX_MONEY)
        c.at_most("baseline_spend", MAX_MONEY)
        c.at_most("unit_cost", MAX_MONEY)
        c.at_most("fte", MAX_NUMBER)
        c.between("confidence", 1, 5)
        for group in service.groups:
            if not SLUG.fullmatch(group):
                c.add(f"groups entries must be slugs like older or children (got {fmt(group)})")
        c.between("demand_growth_percent", -MAX_GROWTH_PERCENT + 1e-9, MAX_GROWTH_PERCENT)
        if service.funding_source is not None and not SLUG.fullmatch(service.funding_source):
            c.add(f"funding_source must be general_fund or a grant id like public_health_grant "
                  f"(got {fmt(service.funding_source)})")
        c.non_negative("fte")
        c.between("cashable_share", 0, 1)
        c.between("notice_months", 0, MAX_NOTICE_MONTHS)
        c.between("max_cut_percent", 0, 100)
        c.text("directorate")


def _check_outcomes(problems: list[Problem], model: Model) -> None:
    for loc, outcome in _located("outcomes", model.outcomes):
        c = _Checker(problems, loc, outcome)
        c.slug()
        c.text("name")
        c.text("unit")
        c.at_most("baseline", MAX_NUMBER)
        c.non_negative("value_per_unit")
        c.at_most("value_per_unit", MAX_MONEY)
        c.positive("observation_sd")
        c.at_most("observation_sd", MAX_NUMBER)


def _check_field_range(c: _Checker, field: str, lo: float, hi: float) -> None:
    """``<field>_low`` ≤ field ≤ ``<field>_high`` (either may be left out), within [lo, hi]."""
    central = c.value(field)
    low, high = c.value(f"{field}_low"), c.value(f"{field}_high")
    if low is None and high is None:  # the usual case: no range given, nothing to check
        return
    what = f">= {fmt(float(lo))}" if math.isinf(hi) else \
        f"between {fmt(float(lo))} and {fmt(float(hi))}"
    for side in ("low", "high"):
        c.rule(f"{field}_{side}", lambda v: lo <= v <= hi, what)
    if central is None:
        return
    if (low is not None and low > central) or (high is not None and high < central):
        c.add(f"{field}_low <= {field} <= {field}_high must hold (got "
              f"{fmt(low)}, {fmt(central)}, {fmt(high)})")


def _check_range(c: _Checker, item: object) -> None:
    low, central, high = item.low, item.per_unit, item.high  # type: ignore[attr-defined]
    if not low <= central <= high:
        c.add(f"low <= per_unit <= high must hold (got {fmt(low)}, {fmt(central)}, {fmt(high)})")


def _check_links(problems: list[Problem], model: Model) -> None:
    services = {s.id: s for s in model.services}
    outcomes = {o.id for o in model.outcomes}
    for loc, effect in _located("effects", model.effects):
        c = _Checker(problems, loc, effect)
        c.slug()
        c.reference("service", services, "service")
        c.reference("outcome", outcomes, "outcome")
        for field in ("per_unit", "low", "high"):
            c.at_most(field, MAX_NUMBER)
        _check_range(c, effect)
        c.non_negative("delay_years")
        c.at_most("delay_years", MAX_TIMING_YEARS)
        _check_field_range(c, "delay_years", 0, MAX_TIMING_YEARS)
        c.between("delay_order", 1, MAX_DELAY_ORDER)
        c.between("confidence", 1, 5)
        c.text("source")
    for loc, demand in _located("demands", model.demands):
        c = _Checker(problems, loc, demand)
        c.slug()
        c.reference("outcome", outcomes, "outcome")
        c.reference("service", services, "service")
        target = services.get(demand.service)
        if target is not None and target.mode != "demand_led":
            c.add(f'service "{demand.service}" is {target.mode}: demand links must point '
                  "at a demand_led service")
        for field in ("per_unit", "low", "high"):
            c.at_most(field, MAX_NUMBER)
        _check_range(c, demand)
        c.between("confidence", 1, 5)
        c.text("source")


def validate_model(model: Model) -> list[Problem]:
    """All problems with a place model's values and references (empty list: valid)."""
    problems: list[Problem] = []
    _check_place(problems, model)
    for kind in ("agencies", "services", "outcomes", "effects", "demands"):
        _unique_ids(problems, kind, getattr(model, kind))
    _check_agencies(problems, model)
    _check_services(problems, model)
    _check_outcomes(problems, model)
    _check_links(problems, model)
    problems.extend(Problem(loc, msg) for loc, msg in area_problems(model, SLUG, fmt))
    return problems


def _index(model: Model) -> tuple[dict, set, set]:
    """Services by id, outcome ids, agency ids (with "place"): built once per file, so that
    checking many scenarios or levers stays linear in the size of the file."""
    return ({s.id: s for s in model.services}, {o.id for o in model.outcomes},
            {a.id for a in model.agencies} | {PLACE_ID})


def _check_starts_inside(c: _Checker, lever: object, horizon: int) -> None:
    """A lever must start before the horizon ends: one starting at the horizon would
    change nothing inside it, and its one-off cost (falling at start_year) would be
    counted nowhere (docs/levers.md)."""
    start = getattr(lever, "start_year", None)
    if start is not None and start == horizon:
        c.add(f"start_year must be before the end of the horizon ({horizon} years): a lever "
              f"starting at year {fmt(float(start))} would change nothing inside it and its "
              "one-off cost would be counted nowhere")


def validate_scenario(model: Model, scenario: Scenario, location: str,
                      index: tuple[dict, set, set] | None = None) -> list[Problem]:
    """All problems with one scenario's levers, red lines and targets against ``model``."""
    problems: list[Problem] = []
    horizon = model.place.horizon_years
    services, outcomes, agencies = index or _index(model)
    _Checker(problems, location, scenario).slug()
    _Checker(problems, location, scenario).text("name")
    _Checker(problems, location, scenario).between("headline_year", 0, horizon - 1)
    _unique_ids(problems, f"{location} levers", scenario.levers)
    context = lever_kinds.LeverContext(model, services, outcomes, agencies)
    for loc, lever in _located(f"{location} levers", scenario.levers):
        c = _Checker(problems, loc, lever)
        c.slug()
        c.between("start_year", 0, horizon)
        _check_starts_inside(c, lever, horizon)
        c.between("phase_years", 0, MAX_TIMING_YEARS)
        # Fields several lever kinds share, bounded alike whatever the kind.
        if hasattr(lever, "notice_months"):
            c.at_most("notice_months", MAX_NOTICE_MONTHS)
        for money in ("amount", "one_off_cost"):
            if hasattr(lever, money):
                c.at_most(money, MAX_MONEY)
        c.numbers_within()
        c.between("delivery_confidence_percent", 0, 100)
        if lever.delivery_confidence is not None and lever.delivery_confidence not in range(1, 6):
            c.add(f"delivery_confidence must be a confidence grade from 1 to 5 "
                  f"(got {fmt(lever.delivery_confidence)})")
        c.text("directorate")
        c.text("owner")
        if lever.status is not None and lever.status not in LEVER_STATUSES:
            c.add(f"status must be one of {', '.join(LEVER_STATUSES)} (got {fmt(lever.status)})")
        try:
            kind = lever_kinds.of(lever)
        except lever_kinds.UnknownLeverKind as exc:
            c.add(str(exc))
            continue
        kind.check(c, lever, context)
    for i, red_line in enumerate(scenario.red_lines):
        c = _Checker(problems, f"{location} red_lines[{i}]", red_line)
        c.reference("outcome", outcomes, "outcome")
        c.between("by_year", 0, horizon)
    for i, target in enumerate(scenario.targets):
        c = _Checker(problems, f"{location} targets[{i}]", target)
        c.reference("agency", agencies, "agency")
        c.between("from_year", 0, horizon)
        c.numbers_within()
    if scenario.consultation is not None:
        _check_consultation(problems, f"{location} consultation", model, scenario, services)
    return problems


class _SizedLever(Protocol):
    """What a sized lever kind (a cut or an invest) has: a size in percent or £/yr, and the
    service it acts on. The model layer does not import the kinds' classes."""

    id: str
    kind: str
    percent: float | None
    amount: float | None
    service: str


MAX_OFFERED_LEVERS = 20  # a page residents can take in


def _check_consultation(problems: list[Problem], location: str, model: Model,
                        scenario: Scenario, services: dict) -> None:
    """The consultation block: offered levers exist, are cut/invest, ranges are sensible
    and stay within the service's floor and efficiency cap (the page enforces them)."""
    block = scenario.consultation
    assert block is not None  # called only for a scenario with a consultation
    c = _Checker(problems, location, block)
    c.text("title")
    if not block.levers:
        c.add("levers must offer at least one lever")
    if len(block.levers) > MAX_OFFERED_LEVERS:
        c.add(f"levers: at most {MAX_OFFERED_LEVERS} may be offered (got {len(block.levers)})")
    if block.post_url is not None and not (
            re.fullmatch(r"https://[^\s\"'<>]{1,2000}", block.post_url)
            or re.fullmatch(r"mailto:[^\s\"'<>?&#@]{1,200}@[^\s\"'<>?&#@]{1,200}", block.post_url)):
        c.add(f"post_url must be an https:// address or mailto:name@example.org (got "
              f"{fmt(block.post_url)})")
    levers = {lv.id: lv for lv in scenario.levers}
    seen: set[str] = set()
    for i, offered in enumerate(block.levers):
        oc = _Checker(problems, f"{location} levers[{i}]", offered)
        oc.text("explanation")
        oc.non_negative("min")
        oc.positive("step")
        if offered.lever in seen:
            oc.add(f'lever "{offered.lever}" is offered twice')
        seen.add(offered.lever)
        found = levers.get(offered.lever)
        if found is None or not lever_kinds.of(found).sized:
            oc.add(f'lever must name a cut or invest lever of this scenario (got {fmt(offered.lever)})')
            continue
        lever = cast(_SizedLever, found)
        if offered.max < offered.min:
            oc.add(f"max must be >= min (got {fmt(offered.max)} < {fmt(offered.min)})")
        size = lever.percent if lever.percent is not None else lever.amount
        if size is not None and not offered.min <= size <= offered.max:
            oc.add(f"the lever's own size ({fmt(size)}) must lie between min and max")
        elif size is not None and offered.step > 0:
            steps = (size - offered.min) / offered.step
            if abs(steps - round(steps)) > 1e-6:
                oc.add(f"the lever's own size ({fmt(size)}) must be a whole number of steps "
                       f"({fmt(offered.step)}) from min, so residents can choose it")
        service = services.get(lever.service)
        if service is not None and lever.kind == "cut":
            _check_offered_cut(oc, offered, lever, service)
    for i, question in enumerate(block.equality_questions):
        qc = _Checker(problems, f"{location} equality_questions[{i}]", question)
        qc.slug()
        qc.text("question")
        if not question.options or any(not o.strip() for o in question.options):
            qc.add("options must be a list of non-empty answers")


def _check_offered_cut(c: _Checker, offered, lever, service) -> None:
    """The largest cut offered may not take the service past its floor or efficiency cap."""
    pct = offered.max if lever.percent is not None else offered.max / service.baseline_spend * 100.0
    if service.mode == "demand_led" and pct > service.max_efficiency_percent + 1e-9:
        c.add(f"max is a {fmt(pct)} % efficiency on demand-led {service.id}, above its "
              f"max_efficiency_percent of {fmt(service.max_efficiency_percent)}")
    elif service.mode == "discretionary" and pct > (1.0 - service.statutory_floor) * 100.0 + 1e-9:
        c.add(f"max would leave {service.id} below its statutory floor of "
              f"{fmt(service.statutory_floor * 100.0)} % of baseline activity")


def validate_file(cutsim_file: CutsimFile) -> list[Problem]:
    """All problems with a whole exchange file: its model and every scenario."""
    problems = validate_model(cutsim_file.model)
    _unique_ids(problems, "scenarios", cutsim_file.scenarios)
    index = _index(cutsim_file.model)
    for loc, scenario in _located("scenarios", cutsim_file.scenarios):
        problems.extend(validate_scenario(cutsim_file.model, scenario, loc, index))
    problems.extend(Problem(loc, msg) for loc, msg in actuals_problems(cutsim_file))
    return problems
