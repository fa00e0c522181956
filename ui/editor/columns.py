"""Which fields of each model item the editor shows, how it shows them and how it reads them back.

This is presentation only: a column names a field of a core object, a header, a short
help text and how text typed into a cell becomes a value of the field's *type*. Whether
the value is sensible is the core validator's business, shown inline on the cell.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cutsim.model.schema import AGENCY_KINDS, SERVICE_MODES, CutsimFile

ChoiceSource = Callable[[CutsimFile], list[str]]


class ParseError(ValueError):
    """Typed text that cannot be a value of the column's type (the message says why)."""


@dataclass(frozen=True)
class Column:
    """One editable field shown as a table column.

    ``kind`` is how the value is shown and parsed: ``text``, ``optional_text``, ``money``,
    ``number``, ``optional_number``, ``integer``, ``bool``, ``choice``, ``list`` (comma
    separated slugs) or ``target`` (a number, or one per year separated by commas).
    """

    field: str
    header: str
    kind: str = "text"
    help: str = ""
    choices: ChoiceSource | None = None
    width: int = 110
    # (dataclasses.field: the name field is this class's own attribute)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def is_numeric(self) -> bool:
        return self.kind in {"money", "number", "optional_number", "integer", "target"}

    # --- showing -------------------------------------------------------------------

    def display(self, value: Any) -> str:
        """The value as shown in a cell."""
        if value is None:
            return ""
        if self.kind == "bool":
            return ""  # shown as a check box
        if self.kind == "money":
            return _money(value)
        if self.kind == "target":
            return "; ".join(_money(v) for v in value) if isinstance(value, list) else _money(value)
        if self.kind == "list":
            return ", ".join(value)
        if isinstance(value, float):
            return f"{value:.6g}"
        return str(value)

    def edit_text(self, value: Any) -> str:
        """The value as put in the cell editor: exact, so editing loses no precision."""
        if value is None:
            return ""
        if self.kind == "list":
            return ", ".join(value)
        if isinstance(value, list):
            return "; ".join(_exact(v) for v in value)
        if isinstance(value, float):
            return _exact(value)
        return str(value)

    # --- reading back --------------------------------------------------------------

    def parse(self, text: Any) -> Any:
        """The field value for text typed into a cell; ParseError naming the problem."""
        if self.kind == "bool":
            return bool(text)
        raw = str(text).strip()
        if self.kind in {"text", "choice"}:
            return raw
        if self.kind == "optional_text":
            return raw or None
        if self.kind == "list":
            return [part.strip() for part in raw.split(",") if part.strip()]
        if self.kind == "optional_number" and not raw:
            return None
        if self.kind == "target":
            if not raw:
                return None
            if ";" in raw:  # one value per year
                return [self._number(part) for part in raw.split(";") if part.strip()]
            return self._number(raw)
        if self.kind == "integer":
            value = self._number(raw)
            if not value.is_integer():
                raise ParseError(f"{self.field} must be a whole number (got {raw!r})")
            return int(value)
        return self._number(raw)

    def _number(self, raw: str) -> float:
        cleaned = re.sub(r"[£,\s_]", "", raw.strip())
        percent = cleaned.endswith("%")
        if percent:
            cleaned = cleaned[:-1]
        try:
            value = float(cleaned)
        except ValueError:
            raise ParseError(f"{self.field} must be a number (got {raw!r})") from None
        if not math.isfinite(value):
            raise ParseError(f"{self.field} must be a finite number (got {raw!r})")
        return value


def _exact(value: float) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() and abs(value) < 1e15 else repr(value)


def _money(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _ids(kind: str) -> ChoiceSource:
    return lambda doc: [item.id for item in getattr(doc.model, kind)]


def _demand_led(doc: CutsimFile) -> list[str]:
    return [s.id for s in doc.model.services if s.mode == "demand_led"]


CONFIDENCE_HELP = "Strength of evidence, 1 (weakest, an assumption) to 5 (strongest, e.g. a trial)"

COLUMNS: dict[str, list[Column]] = {
    "agencies": [
        Column("id", "Id", help="Short identifier (a-z, 0-9, _ or -); renaming it updates every reference", width=90),
        Column("name", "Name", width=260),
        Column("short_name", "Short name", "optional_text",
               "At most 20 characters, shown where space is tight (table headers, legends)", width=130),
        Column("kind", "Kind", "choice", "What kind of agency", choices=lambda _doc: list(AGENCY_KINDS), width=90),
        Column("savings_target", "Savings target £/yr", "target",
               "The gap the agency must close, £/yr; one value, or one per year separated by ;", width=140),
        Column("notes", "Notes", "optional_text", width=300),
    ],
    "services": [
        Column("id", "Id", help="Short identifier; renaming it updates every link and lever", width=110),
        Column("agency", "Agency", "choice", "The agency that runs and pays for it", choices=_ids("agencies"),
               width=90),
        Column("name", "Name", width=220),
        Column("baseline_spend", "Baseline £/yr", "money", "Spend per year before any lever (> 0)", width=115),
        Column("unit_cost", "Unit cost £", "money", "£ per unit of activity (> 0)", width=90),
        Column("activity_unit", "Activity unit", help="What one unit of activity is", width=130),
        Column("mode", "Mode", "choice",
               "discretionary: spend sets activity; demand_led: activity follows demand",
               choices=lambda _doc: list(SERVICE_MODES), width=105),
        Column("statutory_floor", "Statutory floor", "number",
               "Fraction of baseline activity that must be kept (0-1)", width=95),
        Column("max_efficiency_percent", "Max efficiency %", "number",
               "Demand-led only: the most unit cost can fall (0-100)", width=105),
        Column("external_share", "External share", "optional_number",
               "Fraction of spend bought from suppliers (0-1), for procurement levers", width=95),
        Column("groups", "Groups", "list", "Population groups it mainly serves, comma separated", width=120),
        Column("confidential", "Confidential", "bool", "Never published; left out of redacted exports", width=85),
        Column("illustrative", "Illustrative", "bool", "Stands in for unknown local data", width=80),
        Column("source", "Source", "optional_text", "Where the figures come from", width=260),
    ],
    "outcomes": [
        Column("id", "Id", help="Short identifier; renaming it updates every link", width=120),
        Column("name", "Name", width=240),
        Column("unit", "Unit", width=150),
        Column("baseline", "Baseline", "number", "Level before any lever, in the outcome's unit", width=100),
        Column("higher_is_better", "Higher is better", "bool", width=100),
        Column("value_per_unit", "Value £/unit", "optional_number",
               "Economic and social value per unit, excluding fiscal costs already counted", width=100),
        Column("indicator", "Indicator", "optional_text", "Code in a public indicator set (e.g. PHOF)", width=100),
        Column("illustrative", "Illustrative", "bool", "Stands in for unknown local data", width=80),
        Column("source", "Source", "optional_text", width=260),
    ],
    "effects": [
        Column("id", "Id", width=110),
        Column("service", "Service", "choice", "The service whose activity changes the outcome",
               choices=_ids("services"), width=130),
        Column("outcome", "Outcome", "choice", choices=_ids("outcomes"), width=130),
        Column("per_unit", "Per unit", "number", "Change in outcome level per unit of activity (central)", width=90),
        Column("low", "Low", "number", "Low end of the range (low <= per unit <= high)", width=80),
        Column("high", "High", "number", "High end of the range", width=80),
        Column("delay_years", "Delay (years)", "number", "Mean delay before the effect is felt (>= 0)", width=90),
        Column("delay_order", "Delay order", "integer", "1 = exponential; n = n-stage cascade", width=80),
        Column("confidence", "Confidence", "integer", CONFIDENCE_HELP, width=80),
        Column("illustrative", "Illustrative", "bool", width=80),
        Column("source", "Source", help="Citation for the link, or 'assumption'", width=300),
    ],
    "demands": [
        Column("id", "Id", width=110),
        Column("outcome", "Outcome", "choice", "The outcome whose change creates demand",
               choices=_ids("outcomes"), width=130),
        Column("service", "Service", "choice", "A demand-led service that must meet the demand",
               choices=_demand_led, width=130),
        Column("per_unit", "Per unit", "number", "Units of activity demanded per unit of outcome change", width=90),
        Column("low", "Low", "number", width=80),
        Column("high", "High", "number", width=80),
        Column("confidence", "Confidence", "integer", CONFIDENCE_HELP, width=80),
        Column("illustrative", "Illustrative", "bool", width=80),
        Column("source", "Source", help="Citation for the link, or 'assumption'", width=300),
    ],
}

TITLES = {"agencies": "Agencies", "services": "Services", "outcomes": "Outcomes",
          "effects": "Effects (service → outcome)", "demands": "Demand (outcome → service)"}

CONFIDENCE_WORDS = {1: "assumption", 2: "weak", 3: "moderate", 4: "good", 5: "strong"}


def column_index(kind: str, field_name: str) -> int | None:
    for i, column in enumerate(COLUMNS[kind]):
        if column.field == field_name:
            return i
    return None
