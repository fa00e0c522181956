"""Where an agency's money comes from, and what its costs rise by (docs/mtfs.md).

Funding by line (council tax, business rates, the settlement's grants, specific and
ring-fenced grants, fees and charges), council tax as tax base × Band D with the
referendum principles, pressures by kind (pay, prices, levies, named), and the price
factors that turn the engine's real-terms money into cash. Everything here is £ a year
per financial year, arrays of length H (the horizon); year 0 is the base year, whose
budget is already set (increases and awards apply from year 1).

Terms: funding lines, council tax, levies and named pressures are given in **cash**, as
a council's budget papers give them; the engine's money and the legacy single
``funding`` figure are **real** (the place's price year). The real view divides cash by
the agency's deflator D(y) = (1 + ``inflation_percent``/100)^y; the cash view multiplies
real spending by the agency's price factor F(y): pay and prices where ``pressures``
gives them, else D(y).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cutsim.model.schema import Agency, CouncilTax, Model

#: The referendum principles by class of authority (the percentages and £ on Band D at
#: or above which an increase is "excessive" and needs a local referendum): The
#: Referendums Relating to Council Tax Increases (Principles) (England) Report 2025/26
#: (MHCLG, February 2025), as summarised by the House of Commons Library, briefing
#: SN05682 "Council tax: local referendums". Social care authorities (county, unitary,
#: metropolitan and London borough councils): 3 % core and 5 % in all with the adult
#: social care precept; districts: 3 % and £5 on Band D (an increase is excessive only
#: above both); police and crime commissioners £14; fire authorities £5.
REFERENDUM_PRINCIPLES: dict[str, dict[str, float | None]] = {
    "social_care": {"core_percent": 3.0, "total_percent": 5.0, "pounds": None},
    "district": {"core_percent": 3.0, "total_percent": None, "pounds": 5.0},
    "police": {"core_percent": None, "total_percent": None, "pounds": 14.0},
    "fire": {"core_percent": None, "total_percent": None, "pounds": 5.0},
    "none": {"core_percent": None, "total_percent": None, "pounds": None},
}
PRINCIPLES_SOURCE = ("Referendums Relating to Council Tax Increases (Principles) (England) "
                     "Report 2025/26, MHCLG")


def yearly(value: float | list[float] | None, h: int) -> np.ndarray:
    """One figure for every year, or the list year by year, as an array of length ``h``."""
    if value is None:
        return np.zeros(h)
    if isinstance(value, list):
        return np.array(value, dtype=float)
    return np.full(h, float(value))


def compound(percent_by_year: np.ndarray) -> np.ndarray:
    """Π over years 1..y of (1 + p/100): 1 in year 0, where the base year's level is set."""
    steps = 1.0 + percent_by_year / 100.0
    steps[0] = 1.0
    return np.cumprod(steps)


def deflator(agency: Agency, h: int) -> np.ndarray:
    """D(y) = (1 + inflation_percent/100)^y: cash over real."""
    return (1.0 + (agency.inflation_percent or 0.0) / 100.0) ** np.arange(h, dtype=float)


def price_factor(agency: Agency, h: int) -> np.ndarray:
    """F(y): what a real-terms £ of the agency's spending costs in cash, by pay and prices
    (pay_share on the pay awards, the rest on contract inflation), else D(y)."""
    pressures = agency.pressures
    if pressures is None:
        return deflator(agency, h)
    pay = compound(yearly(pressures.pay_award_percent, h))
    prices = compound(yearly(pressures.contract_inflation_percent, h))
    return pressures.pay_share * pay + (1.0 - pressures.pay_share) * prices


@dataclass
class CouncilTaxPath:
    """A council's council tax year by year, cash."""

    tax_base: np.ndarray  # Band D equivalents
    band_d: np.ndarray  # £ on a Band D bill
    core_percent: np.ndarray  # the core increase in each year, plan and levers (0 in year 0)
    asc_percent: np.ndarray  # the adult social care precept's increase
    income: np.ndarray  # tax base × Band D, £
    collection_fund: np.ndarray  # surplus (+) or deficit (−), £


def council_tax_path(tax: CouncilTax, h: int, extra_percent: np.ndarray | None = None) -> CouncilTaxPath:
    """Tax base × Band D, with the plan's increases plus ``extra_percent`` (a scenario's
    council tax levers, on the core) in each year from year 1."""
    core = yearly(tax.increase_percent, h)
    if extra_percent is not None:
        core = core + extra_percent
    asc = yearly(tax.asc_precept_percent, h)
    core[0] = asc[0] = 0.0  # the base year's charge is set
    band_d = tax.band_d * np.cumprod(1.0 + (core + asc) / 100.0)
    base = tax.tax_base * (1.0 + tax.tax_base_growth_percent / 100.0) ** np.arange(h, dtype=float)
    return CouncilTaxPath(base, band_d, core, asc, base * band_d, yearly(tax.collection_fund, h))


def referendum_limits(tax: CouncilTax) -> dict[str, float | None]:
    """The limits that apply: the class's principles, overridden by the model's own."""
    limits = dict(REFERENDUM_PRINCIPLES.get(tax.authority_class, REFERENDUM_PRINCIPLES["none"]))
    if tax.limit_percent is not None:
        limits["core_percent"] = tax.limit_percent
    if tax.total_limit_percent is not None:
        limits["total_percent"] = tax.total_limit_percent
    if tax.limit_pounds is not None:
        limits["pounds"] = tax.limit_pounds
    return limits


def referendum_breaches(tax: CouncilTax, path: CouncilTaxPath) -> list[tuple[int, str]]:
    """(year, what is at or above which limit) for each year from year 1 whose increase
    reaches the referendum limit. A £ limit beside a % one (districts) is reached only
    when both are: the principles call an increase excessive only above both."""
    limits = referendum_limits(tax)
    core_pct, total_pct, pounds = limits["core_percent"], limits["total_percent"], limits["pounds"]
    found = []
    for y in range(1, len(path.band_d)):
        core, total = path.core_percent[y], path.core_percent[y] + path.asc_percent[y]
        rise = path.band_d[y] - path.band_d[y - 1]
        tol = 1e-9
        if core_pct is not None and core >= core_pct - tol and (pounds is None or rise >= pounds - tol):
            found.append((y, f"a core increase of {core:.2f} %, at or above the {core_pct:g} % limit"
                          + (f" and £{pounds:g} on Band D" if pounds is not None else "")))
        elif total_pct is not None and total >= total_pct - tol:
            found.append((y, f"an increase of {total:.2f} % with the adult social care precept, "
                             f"at or above the {total_pct:g} % limit"))
        elif core_pct is None and pounds is not None and rise >= pounds - tol:
            found.append((y, f"an increase of £{rise:.2f} on Band D, at or above the £{pounds:g} limit"))
    return found


@dataclass
class FundingLines:
    """An agency's funding by line, cash, £ a year: the general fund's lines by kind, and
    each ring-fenced grant's funding by grant id."""

    general: dict[str, np.ndarray] = field(default_factory=dict)  # line id → £
    kinds: dict[str, str] = field(default_factory=dict)  # line id → kind
    names: dict[str, str] = field(default_factory=dict)  # line id → name
    grants: dict[str, np.ndarray] = field(default_factory=dict)  # grant id → £


def funding_lines(agency: Agency, h: int) -> FundingLines:
    """The agency's ``funding_lines`` year by year, cash (empty when it gives none)."""
    out = FundingLines()
    for line in agency.funding_lines or []:
        if isinstance(line.amount, list):
            values = np.array(line.amount, dtype=float)
        else:
            values = line.amount * (1.0 + (line.growth_percent or 0.0) / 100.0) ** np.arange(h, dtype=float)
        if line.grant is not None:
            out.grants[line.grant] = out.grants.get(line.grant, np.zeros(h)) + values
        else:
            out.general[line.id] = values
            out.kinds[line.id] = line.kind
            out.names[line.id] = line.name
    return out


def has_budget(agency: Agency) -> bool:
    """True when the agency's funding is given by line or council tax (format version 3)."""
    return bool(agency.funding_lines) or agency.council_tax is not None


def legacy_funding(model: Model, agency: Agency, general_fund_base: float) -> np.ndarray:
    """The single ``funding`` figure (real terms) year by year; without one, the
    general-fund services' base-year spend held flat (a balanced start)."""
    h = model.place.horizon_years
    if isinstance(agency.funding, list):
        return np.array(agency.funding, dtype=float)
    base = general_fund_base if agency.funding is None else float(agency.funding)
    growth = (agency.funding_growth_percent or 0.0) / 100.0
    return base * (1.0 + growth) ** np.arange(h, dtype=float)
