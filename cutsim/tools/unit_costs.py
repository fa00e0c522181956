"""The GMCA Unit Cost Database v1.4, bundled whole, searchable and uprated to a price year.

Costs are fiscal £ at 2015/16 prices (see cutsim/data/REFERENCE.md for the CC BY 4.0
attribution every output carries). Uprating uses the GDP deflator at market prices,
ONS series YBGB (index 2024 = 100), at the index points models/README.md documents; for
any other price year the user gives that year's index on the same base. No other series
is bundled or invented.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from cutsim.model.errors import InputError

ATTRIBUTION = ("Contains data from the Unit Cost Database v1.4 (March 2015), New Economy / "
               "GMCA Research, licensed under CC BY 4.0. Changes: reformatted to CSV; cost "
               "level, parent, agency group and agency split columns derived; source text "
               "shortened.")
#: GDP deflator at market prices, ONS YBGB, index 2024 = 100 (models/README.md).
DEFLATOR_INDEX: dict[int, float] = {2015: 75.15, 2016: 76.46, 2019: 81.11, 2024: 100.0}
DEFLATOR_SOURCE = ("GDP deflator at market prices, ONS series YBGB (index 2024 = 100), "
                   "calendar years 2015, 2016, 2019 and 2024")
DEFLATOR_LAST_YEAR = max(DEFLATOR_INDEX)
UCD_PRICE_YEAR = 2015  # the database's 2015/16 prices, on the calendar-year series point
_TIME_UNITS = {"year", "week", "day", "month", "hour", "night", "bed day"}


@dataclass(frozen=True)
class UnitCost:
    """One row of the database; ``cost_gbp`` is fiscal £ at 2015/16 prices (None: no cost)."""

    id: str
    outcome_area: str
    outcome_detail: str
    cost_level: str
    parent_id: str
    description: str
    unit: str
    cost_gbp: float | None
    price_year: str
    bearing_agency: str
    agency_group: str
    confidence_grade: str
    source: str
    notes: str

    @property
    def activity_unit(self) -> str:
        """The unit as a service's activity unit: "Per incident" -> "incident",
        "Per week" -> "person-week" (a cost per unit of time is per person)."""
        text = re.sub(r"^(per|each)\s*", "", self.unit.strip(), flags=re.IGNORECASE).strip()
        if not text:
            return "item"
        text = text[0].lower() + text[1:]
        return f"person-{text}" if text in _TIME_UNITS else text

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["activity_unit"] = self.activity_unit
        return data


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@lru_cache(maxsize=1)
def load_unit_costs() -> tuple[UnitCost, ...]:
    """Every row of the bundled database (684)."""
    text = resources.files("cutsim").joinpath("data/unit_costs_gmca.csv").read_text(encoding="utf-8")
    rows = []
    for row in csv.DictReader(io.StringIO(text)):
        rows.append(UnitCost(
            id=row["id"], outcome_area=row["outcome_area"], outcome_detail=row["outcome_detail"],
            cost_level=row["cost_level"], parent_id=row["parent_id"],
            description=row["description"], unit=row["unit"], cost_gbp=_float(row["cost_gbp"]),
            price_year=row["price_year"], bearing_agency=row["bearing_agency"],
            agency_group=row["agency_group"], confidence_grade=row["confidence_grade"],
            source=row["source"], notes=row["notes"]))
    return tuple(rows)


def uprating_factor(price_year: int | None, index: float | None = None) -> float:
    """The factor taking 2015/16 prices to ``price_year`` prices (1.0 for None).

    ``index`` is the GDP deflator index of ``price_year`` on the ONS YBGB base (2024 = 100),
    needed when the year is not one of :data:`DEFLATOR_INDEX`'s points.
    """
    if price_year is None and index is None:
        return 1.0
    if index is not None:
        if not index > 0:
            raise InputError(f"deflator index must be > 0 (got {index:g})")
        return index / DEFLATOR_INDEX[UCD_PRICE_YEAR]
    if price_year in DEFLATOR_INDEX:
        return DEFLATOR_INDEX[price_year] / DEFLATOR_INDEX[UCD_PRICE_YEAR]
    raise InputError(no_deflator(price_year))


def no_deflator(price_year: int | None) -> str:
    """Why ``price_year`` cannot be uprated to with the bundled series, and what to do."""
    past = (f"; it covers no year after {DEFLATOR_LAST_YEAR}" if price_year is not None
            and price_year > DEFLATOR_LAST_YEAR else "")
    return (f"no deflator index for {price_year} is bundled (the bundled series is the "
            f"{DEFLATOR_SOURCE}{past}); give that year's GDP deflator index on the ONS YBGB "
            "base (2024 = 100) with --index")


#: Words people search with that the database spells otherwise (each maps to stems any of
#: which may match): "rough sleeping" finds "rough sleepers", "A&E" the accident and
#: emergency rows.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "a&e": ("a&e", "accident"), "ae": ("a&e", "accident"), "homeless": ("homeless",),
    "child": ("child",), "kids": ("child",), "elderly": ("older", "elder"),
    "jobless": ("unemploy", "jsa", "jobseeker"), "gp": ("gp", "general practi"),
    "asb": ("anti-social", "antisocial"), "nhs": ("nhs", "health"),
}
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A word cut to its stem for searching ("sleeping", "sleepers" → "sleep"); short
    words are kept whole."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _matches(word: str, tokens: list[str], haystack: str) -> bool:
    """The query word (or one of its synonyms' stems) begins a word of the row, or, for
    a word with punctuation in it (A&E, an id), stands anywhere in the row's text."""
    stems = SYNONYMS.get(word, (stem(word),))
    return any(haystack.find(s) >= 0 if not s.isalnum() else
               any(t.startswith(s) for t in tokens) for s in stems)


def search(text: str, limit: int | None = 20) -> list[UnitCost]:
    """Rows matching every word of ``text`` by its stem or a synonym (case-insensitive;
    id, description, area, detail, unit and agency searched), headline rows and
    description matches first; the first ``limit`` of them (all for None)."""
    words = [w for w in re.split(r"\s+", text.casefold().strip()) if w]
    scored = []
    for order, row in enumerate(load_unit_costs()):
        haystack = " ".join((row.id, row.description, row.outcome_area, row.outcome_detail,
                             row.unit, row.bearing_agency, row.agency_group)).casefold()
        tokens = re.findall(r"[\w&.-]+", haystack)
        if not all(_matches(w, tokens, haystack) for w in words):
            continue
        description = row.description.casefold()
        score = sum(stem(w) in description for w in words) * 2
        score += {"headline": 2, "subsidiary": 1}.get(row.cost_level, 0)
        score += 5 if row.id.casefold() == text.casefold().strip() else 0
        scored.append((-score, order, row))
    scored.sort(key=lambda item: item[:2])
    found = [row for _, _, row in scored]
    return found if limit is None else found[:limit]


def source_text(row: UnitCost, price_year: int | None, factor: float) -> str:
    """A service's ``source`` for a cost taken from the database."""
    base = f"GMCA Unit Cost Database v1.4, {row.id} ({row.description[:120]}), £{row.cost_gbp:,.2f} at 2015/16 prices"
    if price_year is not None and factor != 1.0:
        base += (f", uprated to {price_year} prices by ×{factor:.4f} (GDP deflator, ONS YBGB)")
    return base + "; CC BY 4.0"
