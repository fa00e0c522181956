"""What a workshop shows for a package: the savings target and gauge, red lines, outcome
changes and the package summary, all taken from the engine's result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from cutsim.appraise.result import Result
from cutsim.model.errors import InputError
from cutsim.model.schema import (
    PLACE_ID,
    Model,
    RedLine,
    Scenario,
)

MINUS = "\u2212"


# ------------------------------------------------------------------ targets


def lead_agency(model: Model) -> str:
    """The agency whose budget the meeting is about: the council (else the first with a
    savings target, else the first agency)."""
    for agency in model.agencies:
        if agency.kind == "council":
            return agency.id
    for agency in model.agencies:
        if agency.savings_target is not None:
            return agency.id
    if not model.agencies:
        raise InputError("the model has no agencies: there is no budget to hold a workshop on")
    return model.agencies[0].id


def agency_target(model: Model, agency_id: str, year: int) -> float | None:
    """The agency's ``savings_target`` for financial year ``year``: one figure for every
    year, or a list year by year (the medium-term gap); None when it has none for it."""
    try:
        target = model.agency(agency_id).savings_target
    except KeyError:
        return None
    if target is None:
        return None
    if isinstance(target, list):
        return float(target[year]) if 0 <= year < len(target) else None
    return float(target)


def _scenario_target(scenario: Scenario | None, who: str, year: int) -> float | None:
    """The scenario's target for ``who`` in force in ``year`` (the latest that has started)."""
    found = [t for t in (scenario.targets if scenario else []) if t.agency == who and t.from_year <= year]
    return float(max(found, key=lambda t: t.from_year).amount) if found else None


@dataclass(frozen=True)
class TargetInfo:
    """The savings target for one year and where it comes from (said on screen)."""

    year: int
    amount: float | None
    source: str


def resolve_target(model: Model, scenario: Scenario | None, agency_id: str, year: int,
                   meeting: dict[int, float] | None = None) -> TargetInfo:
    """The savings target for ``year``: meeting > scenario's agency target > the agency's
    savings_target > closing the agency's medium-term gap (when it gives funding) >
    scenario's place target."""
    if meeting and year in meeting:
        return TargetInfo(year, float(meeting[year]), "set in the meeting")
    amount = _scenario_target(scenario, agency_id, year)
    if amount is not None:
        return TargetInfo(year, amount, "the package's target")
    amount = agency_target(model, agency_id, year)
    if amount is not None:
        name = model.agency(agency_id).name.split(" (")[0]  # "Seaport Council", not its detail
        return TargetInfo(year, amount, f"{name} savings target")
    gap = _plan_gap(model, agency_id, year)
    if gap is not None:
        return TargetInfo(year, gap, "closing the medium-term gap")
    amount = _scenario_target(scenario, PLACE_ID, year)
    if amount is not None:
        return TargetInfo(year, amount, "the package's whole-place target")
    return TargetInfo(year, None, "no target set")


def _plan_gap(model: Model, agency_id: str, year: int) -> float | None:
    """The agency's gap before savings in ``year`` when it states its funding (else None)."""
    from cutsim.appraise.mtfs import gap_before_savings

    try:
        agency = model.agency(agency_id)
    except KeyError:
        return None
    if agency.funding is None or not 0 <= year < model.place.horizon_years:
        return None
    return max(0.0, float(gap_before_savings(model, agency_id)[year]))


@dataclass(frozen=True)
class Gauge:
    """Achieved against target in one financial year, £ (net saving, positive is good).

    ``agency_net``: the lead agency's own net saving (its planned saving less its own
    knock-on and one-off costs). ``place_net``: the whole place's net saving, after every
    agency's knock-on costs. ``partners_net`` = place − lead agency: negative when the
    package pushes cost onto partners.
    """

    year: int
    year_label: str
    agency: str
    agency_name: str
    target: float | None
    target_source: str
    agency_net: float
    place_net: float

    @property
    def partners_net(self) -> float:
        return self.place_net - self.agency_net

    def shortfall(self, achieved: float) -> float | None:
        """How far ``achieved`` is below target (negative: above it); None without target."""
        return None if self.target is None else self.target - achieved

    @property
    def agency_met(self) -> bool | None:
        return None if self.target is None else self.agency_net >= self.target - 0.5

    @property
    def place_met(self) -> bool | None:
        return None if self.target is None else self.place_net >= self.target - 0.5


def gauge(result: Result, agency_id: str, target: TargetInfo) -> Gauge:
    """The gauge for ``target.year`` from the engine's annual figures."""
    cm = result.compiled
    y = target.year
    i = cm.agency_ids.index(agency_id)
    return Gauge(year=y, year_label=result.years[y], agency=agency_id,
                 agency_name=cm.model.agency(agency_id).name, target=target.amount,
                 target_source=target.source,
                 agency_net=float(result.agency_annual["net_saving"][i, y]),
                 place_net=float(result.place_annual["net_saving"][y]))


# ------------------------------------------------------------------ red lines


@dataclass(frozen=True)
class RedLineStatus:
    """One red line on one package: breached or not, from when, and the worst change."""

    line: RedLine
    outcome_name: str
    breached: bool
    first_breach_year: int | None
    first_breach_label: str | None
    worst: float  # the largest adverse change in the line's units (level or percent)

    @property
    def limit_text(self) -> str:
        return red_line_text(self.line, self.outcome_name)

    @property
    def worst_text(self) -> str:
        unit = " %" if self.line.as_ == "percent" else ""
        sign = "+" if self.worst > 0 else (MINUS if self.worst < 0 else "")
        return f"{sign}{abs(self.worst):.3g}{unit}"


def red_line_text(line: RedLine, outcome_name: str | None = None) -> str:
    """``Children under 16 entering care must not worsen by more than 5 %``."""
    unit = " %" if line.as_ == "percent" else ""
    by = "" if line.by_year is None else f" within {line.by_year:g} years"
    return f"{outcome_name or line.outcome} must not worsen by more than {line.max_change:g}{unit}{by}"


def red_line_statuses(result: Result) -> list[RedLineStatus]:
    """Each of the result scenario's red lines, judged by the engine (``Result.red_lines``)."""
    cm = result.compiled
    judged = result.red_lines()
    lines = [line for line in result.scenario.red_lines if line.outcome in cm.outcome_index]
    out = []
    for line, verdict in zip(lines, judged):
        i = cm.outcome_index[line.outcome]
        outcome = cm.model.outcomes[i]
        adverse = -result.outcome_delta[i] if outcome.higher_is_better else result.outcome_delta[i]
        if line.as_ == "percent":
            adverse = adverse / (abs(cm.outcome_baseline[i]) or 1.0) * 100.0
        window = adverse if line.by_year is None else adverse[result.t <= line.by_year + 1e-9]
        first = verdict["first_breach_year"]
        out.append(RedLineStatus(line=line, outcome_name=outcome.name, breached=verdict["breached"],
                                 first_breach_year=first,
                                 first_breach_label=None if first is None else result.years[first],
                                 worst=float(window.max()) if len(window) else 0.0))
    return out


def merge_red_lines(scenarios: Iterable[Scenario]) -> list[RedLine]:
    """The packages' red lines as one list (the tightest per outcome and unit)."""
    best: dict[tuple[str, str, float | None], RedLine] = {}
    for scenario in scenarios:
        for line in scenario.red_lines:
            key = (line.outcome, line.as_, line.by_year)
            if key not in best or line.max_change < best[key].max_change:
                best[key] = line
    return list(best.values())


# ------------------------------------------------------------------ outcomes


@dataclass(frozen=True)
class OutcomeChange:
    """An outcome's change by the end of the year shown (level and percent of baseline)."""

    outcome: str
    name: str
    unit: str
    change: float
    percent: float
    worse: bool


def _year_index(result: Result, year: int | None) -> int:
    """Grid index of the end of financial year ``year`` (the horizon's end when None)."""
    cm = result.compiled
    return -1 if year is None else min((year + 1) * cm.steps_per_year, cm.n_steps)


def outcome_changes(result: Result, outcome_ids: Sequence[str],
                    year: int | None = None) -> list[OutcomeChange]:
    """Each outcome's change by the end of financial year ``year`` (0-based; the horizon's
    end when None): the year the comparison's header names."""
    cm = result.compiled
    k = _year_index(result, year)
    out = []
    for oid in outcome_ids:
        i = cm.outcome_index[oid]
        outcome = cm.model.outcomes[i]
        change = float(result.outcome_delta[i, k])
        base = abs(cm.outcome_baseline[i]) or 1.0
        worse = (change < 0) if outcome.higher_is_better else (change > 0)
        out.append(OutcomeChange(oid, outcome.name, outcome.unit, change, change / base * 100.0,
                                 worse and change != 0.0))
    return out


def key_outcomes(results: Iterable[Result], red_lines: Sequence[RedLine], n: int = 5,
                 year: int | None = None) -> list[str]:
    """Outcomes to show: red-line outcomes first, then the largest percent changes across
    the packages by the end of ``year`` (so every package is shown on the same rows)."""
    chosen = list(dict.fromkeys(line.outcome for line in red_lines))
    scores: dict[str, float] = {}
    for result in results:
        cm = result.compiled
        k = _year_index(result, year)
        pct = np.abs(result.outcome_delta[:, k]) / np.maximum(np.abs(cm.outcome_baseline), 1e-9)
        for i, oid in enumerate(cm.outcome_ids):
            scores[oid] = max(scores.get(oid, 0.0), float(pct[i]))
    for oid in sorted(scores, key=lambda o: -scores[o]):
        if len(chosen) >= max(n, len(red_lines)):
            break
        if oid not in chosen and scores[oid] > 0.0:
            chosen.append(oid)
    return chosen


# ------------------------------------------------------------------ package summary


@dataclass(frozen=True)
class PackageSummary:
    """What the side-by-side comparison shows of one package (year ``gauge.year``)."""

    label: str
    scenario_id: str
    name: str
    gauge: Gauge
    agency_net: dict[str, float]  # agency id -> net saving in the gauge's year, £
    outcomes: list[OutcomeChange]
    red_lines: list[RedLineStatus]
    levers_on: int
    levers_out: int

    @property
    def breaches(self) -> list[RedLineStatus]:
        return [s for s in self.red_lines if s.breached]
