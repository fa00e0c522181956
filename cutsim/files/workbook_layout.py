"""The model workbook's layout: its sheets, their columns, units and cell rules.

One definition serves the writer, the reader and the documentation
(docs/workbook-format.md follows it sheet by sheet). Every sheet but Place is a table:
row 1 holds the field names (what the reader matches), row 2 the unit and meaning of
each column (a note for people, never read), and data starts at row 3. Place is a
list of fields: column A the field, column B its value, column C the unit.

Cell kinds (how a cell is read):

- ``text``: any text; a whole number is read as its digits. ``id``/``choice``: text with
  spaces around it removed (a choice must be one of its list).
- ``number``: a number; text that reads as a number (``1,000``, ``£1,000``) is accepted.
- ``int``: a whole number. ``bool``: TRUE/FALSE (or yes/no, 1/0).
- ``percent``: 0-100. A cell formatted as a percentage (shown 20%, stored 0.2) and text
  ``20%`` both mean 20.
- ``fraction``: 0-1. A percentage cell (shown 20%) or text ``20%`` means 0.2.
- ``list``: comma-separated text (``older, disabled``). ``numbers``: one number, or
  several separated by ``;`` (one a year); a JSON list (``[1, 2]``), as workbooks held
  one before the field had a column of its own, is read too.
- ``date``: ISO 8601 text; a date cell is written as its ISO date.
- ``pairs``: ``id: number`` pairs separated by ``;`` (reinvest shares, fixed gain shares).
- ``json``: a field this layout does not name gets a column of JSON text.
"""

from __future__ import annotations

from dataclasses import dataclass

from cutsim.model import lever_kinds
from cutsim.model.schema import (
    ACTUAL_KINDS,
    AGENCY_KINDS,
    AUTHORITY_CLASSES,
    FUNDING_KINDS,
    LEVER_STATUSES,
    SERVICE_MODES,
)

HEADER_ROW = 1  # field names
UNITS_ROW = 2  # units and meaning, for people
FIRST_DATA_ROW = 3


@dataclass(frozen=True)
class Column:
    """One column: the field it fills, how its cells are read, its unit and meaning."""

    field: str
    kind: str
    unit: str
    required: bool = False
    choices: tuple[str, ...] = ()
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: its name, the list in the file it fills, its columns."""

    name: str
    path: str  # "agencies", "services", ... or "place"; "levers" etc. belong to scenarios
    columns: tuple[Column, ...]
    what: str

    def column(self, field: str) -> Column | None:
        for col in self.columns:
            if col.field == field:
                return col
        return None


def _c(field, kind, unit, required=False, choices=(), width=14) -> Column:
    return Column(field, kind, unit, required, tuple(choices), width)


PLACE = Sheet("Place", "place", (
    _c("name", "text", "the place's name", True, width=30),
    _c("base_year", "int", "year of the first financial year's 1 April (2026 = 2026-27)", True),
    _c("horizon_years", "int", "years modelled, 1-100 (default 10)"),
    _c("steps_per_year", "int", "time steps a year, 1-365 (default 12)"),
    _c("discount_rate", "fraction", "a rate, 0-1 (default 0.035, the Green Book's 3.5%)"),
    _c("price_year", "int", "the year whose prices all money is in (default base_year)"),
    _c("population", "int", "residents (optional)"),
    _c("local_multiplier", "number", "£ retained locally per £ spent locally (optional)"),
    _c("optimism_bias_1", "fraction", "optimism bias for confidence grade 1 (default 0.6)"),
    _c("optimism_bias_2", "fraction", "optimism bias for confidence grade 2 (default 0.4)"),
    _c("optimism_bias_3", "fraction", "optimism bias for confidence grade 3 (default 0.25)"),
    _c("optimism_bias_4", "fraction", "optimism bias for confidence grade 4 (default 0.1)"),
    _c("optimism_bias_5", "fraction", "optimism bias for confidence grade 5 (default 0)"),
    _c("notes", "text", "free text"),
), "the place: one field a row")

AGENCIES = Sheet("Agencies", "agencies", (
    _c("id", "id", "short id: a-z, 0-9, _ or -", True),
    _c("name", "text", "the agency's name", True, width=30),
    _c("kind", "choice", "council, nhs, police, dwp, probation, education, vcs, other", True,
       AGENCY_KINDS),
    _c("savings_target", "numbers", "£/yr to save: one number, or one per year separated by ;"),
    _c("notes", "text", "free text", width=30),
    # The medium-term financial plan (docs/mtfs.md); funding by line, council tax,
    # pressures and earmarked reserves have sheets of their own, one row per item.
    _c("inflation_percent", "percent", "pay and price inflation, % a year (cash view only)"),
    _c("funding", "numbers", "general-fund funding, £ a year: the base year's figure, or one "
       "per year separated by ; (a one-line plan; the Funding sheet gives it by line)"),
    _c("funding_growth_percent", "percent", "real growth of a single funding figure, % a year"),
    _c("reserves", "number", "general reserve at the start, £"),
    _c("minimum_balance", "number", "the general reserve's minimum prudent balance, £"),
    _c("minimum_balance_percent", "percent", "or the minimum balance as % of the base-year "
       "net budget (give one of the two)"),
    # What a savings package costs to deliver (docs/levers.md, "The optimiser").
    _c("notice_months", "number", "months of notice before a cut saves, for services that "
       "give none (default 3)"),
    _c("cost_per_redundancy", "number", "£ per post removed, once: redundancy and pension "
       "strain (default £22,000)"),
), "the agencies of the place, one a row, with their financial plan")

SERVICES = Sheet("Services", "services", (
    _c("id", "id", "short id: a-z, 0-9, _ or -", True),
    _c("agency", "choice", "id of the agency that runs it (Agencies sheet)", True),
    _c("name", "text", "the service's name", True, width=30),
    _c("baseline_spend", "number", "£/yr, > 0", True),
    _c("unit_cost", "number", "£ per unit of activity, > 0", True),
    _c("activity_unit", "text", "what one unit of activity is (e.g. placement-year)", True,
       width=20),
    _c("mode", "choice", "discretionary (spend sets activity) or demand_led (demand sets it)",
       True, SERVICE_MODES),
    _c("statutory_floor", "fraction", "fraction of baseline activity that must stay, 0-1 "
       "(default 0)"),
    _c("max_efficiency_percent", "percent", "largest efficiency on a demand-led service, "
       "0-100 (default 10)"),
    _c("external_share", "fraction", "fraction of spend bought from suppliers, 0-1"),
    _c("groups", "list", "population groups it mainly serves, comma-separated"),
    _c("confidential", "bool", "TRUE: never published, redacted from sent files"),
    _c("illustrative", "bool", "TRUE: a stand-in for unknown local data"),
    _c("source", "text", "where the figures come from", width=30),
    _c("notes", "text", "free text", width=30),
    # For cutsim optimise (docs/levers.md), after the older columns so they keep their letters.
    _c("directorate", "text", "the directorate that runs it (the savings programme)", width=20),
    _c("notice_months", "number", "months of notice before a cut saves (else the agency's)"),
    _c("max_cut_percent", "percent", "the most the optimiser may cut it, % of baseline spend"),
), "the services, one a row; baseline activity = baseline_spend / unit_cost")

OUTCOMES = Sheet("Outcomes", "outcomes", (
    _c("id", "id", "short id", True),
    _c("name", "text", "the outcome's name", True, width=30),
    _c("unit", "text", "unit of the level (e.g. offences a year)", True, width=20),
    _c("baseline", "number", "level at the start, in its unit", True),
    _c("higher_is_better", "bool", "TRUE if more is better", True),
    _c("value_per_unit", "number", "£ of economic and social value per unit (not fiscal)"),
    _c("indicator", "text", "code in a public indicator set (e.g. PHOF)"),
    _c("illustrative", "bool", "TRUE: a stand-in for unknown local data"),
    _c("source", "text", "where the figures come from", width=30),
    _c("notes", "text", "free text", width=30),
), "the outcomes, one a row")

_LINK_RANGE = "outcome units per unit of activity"
EFFECTS = Sheet("Effects", "effects", (
    _c("id", "id", "short id", True),
    _c("service", "choice", "service id (Services sheet)", True),
    _c("outcome", "choice", "outcome id (Outcomes sheet)", True),
    _c("per_unit", "number", f"central value, {_LINK_RANGE}", True),
    _c("low", "number", f"low end, {_LINK_RANGE}", True),
    _c("high", "number", f"high end, {_LINK_RANGE}", True),
    _c("delay_years", "number", "mean delay, years, >= 0", True),
    _c("delay_order", "int", "stages of the delay, 1-50 (default 1)"),
    _c("confidence", "int", "1-5, 5 the strongest evidence", True),
    _c("source", "text", "citation, or assumption", True, width=30),
    _c("confidential", "bool", "TRUE: never published"),
    _c("illustrative", "bool", "TRUE: a stand-in"),
    _c("notes", "text", "free text", width=30),
), "service → outcome links, one a row")

DEMANDS = Sheet("Demands", "demands", (
    _c("id", "id", "short id", True),
    _c("outcome", "choice", "outcome id (Outcomes sheet)", True),
    _c("service", "choice", "demand-led service id (Services sheet)", True),
    _c("per_unit", "number", "units of activity per unit of outcome change (central)", True),
    _c("low", "number", "low end, same unit", True),
    _c("high", "number", "high end, same unit", True),
    _c("confidence", "int", "1-5, 5 the strongest evidence", True),
    _c("source", "text", "citation, or assumption", True, width=30),
    _c("confidential", "bool", "TRUE: never published"),
    _c("illustrative", "bool", "TRUE: a stand-in"),
    _c("notes", "text", "free text", width=30),
), "outcome → demand-led service links, one a row")

_YEARLY = "one figure, or one per year separated by ; (year 0's not used)"
FUNDING = Sheet("Funding", "funding_lines", (
    _c("agency", "choice", "agency id (Agencies sheet)", True),
    _c("id", "id", "short id, unique within its agency", True),
    _c("name", "text", "the funding line's name", True, width=30),
    _c("kind", "choice", ", ".join(FUNDING_KINDS), True, FUNDING_KINDS, width=18),
    _c("amount", "numbers", "£ a year in cash: the base year's figure, or one per year "
       "separated by ;", True),
    _c("growth_percent", "percent", "growth of a single base-year amount, % a year in cash"),
    _c("grant", "text", "a ring-fenced grant: the id its services' funding_source names"),
    _c("source", "text", "where the figures come from", width=30),
), "each agency's funding by line (council tax, business rates, grants, fees), one a row")

COUNCIL_TAX = Sheet("Council tax", "council_tax", (
    _c("agency", "choice", "agency id (Agencies sheet): a council, one row each", True),
    _c("tax_base", "number", "Band D equivalent dwellings in the base year, > 0", True),
    _c("band_d", "number", "the base year's Band D charge, £", True),
    _c("tax_base_growth_percent", "percent", "growth of the tax base, % a year (default 0)"),
    _c("increase_percent", "numbers", f"core increase, % a year: {_YEARLY}"),
    _c("asc_precept_percent", "numbers", f"adult social care precept, % a year: {_YEARLY}"),
    _c("authority_class", "choice", "whose referendum principles apply: "
       + ", ".join(AUTHORITY_CLASSES) + " (default social_care)", choices=AUTHORITY_CLASSES),
    _c("limit_percent", "percent", "core referendum limit, % (default: the principles')"),
    _c("total_limit_percent", "percent", "core plus precept limit, % (default: the principles')"),
    _c("limit_pounds", "number", "limit on the Band D rise, £ (default: the principles')"),
    _c("collection_fund", "numbers", "collection fund surplus (+) or deficit (−), £ a year: "
       "one figure, or one per year separated by ;"),
    _c("source", "text", "where the figures come from", width=30),
), "each council's council tax, one row per agency")

PRESSURES = Sheet("Pressures", "pressures", (
    _c("agency", "choice", "agency id (Agencies sheet), one row each", True),
    _c("pay_share", "fraction", "fraction of general-fund spend that is pay, 0-1 (default 0)"),
    _c("pay_award_percent", "numbers", f"pay award, % a year: {_YEARLY}"),
    _c("contract_inflation_percent", "numbers", f"inflation on the rest, % a year: {_YEARLY}"),
    _c("levies", "numbers", "levies paid, £ a year in cash: one figure, or one per year "
       "separated by ;"),
), "each agency's cost pressures by kind (pay, prices, levies), one row per agency")

NAMED_PRESSURES = Sheet("Named pressures", "named_pressures", (
    _c("agency", "choice", "agency id (Agencies sheet)", True),
    _c("name", "text", "the pressure (e.g. national living wage)", True, width=30),
    _c("amount", "numbers", "£ a year in cash: one figure, or one per year separated by ;",
       True),
), "pressures by name, £ by year, one a row")

EARMARKED_RESERVES = Sheet("Earmarked reserves", "earmarked_reserves", (
    _c("agency", "choice", "agency id (Agencies sheet)", True),
    _c("name", "text", "the reserve's name", True, width=30),
    _c("amount", "number", "£ held at the start", True),
    _c("purpose", "text", "what it is held for (shown, never drawn on)", True, width=40),
), "reserves held for a purpose, one a row")

#: The sheets of each agency's budget: each row names its agency.
BUDGET_SHEETS = (FUNDING, COUNCIL_TAX, PRESSURES, NAMED_PRESSURES, EARMARKED_RESERVES)

SCENARIOS = Sheet("Scenarios", "scenarios", (
    _c("id", "id", "short id", True),
    _c("name", "text", "the scenario's name", True, width=30),
    _c("description", "text", "what it does", width=30),
    _c("author", "text", "who wrote it"),
    _c("organisation", "text", "their organisation"),
    _c("created", "date", "ISO 8601 date or time"),
    _c("parent", "text", "id of the scenario it was derived from"),
    _c("headline_year", "int", "0-based financial year its summaries show (default min(4, H-1))"),
), "the scenarios, one a row; their levers, red lines and targets are on the next sheets")

class LeverSheet:
    """The Levers sheet: the columns every lever has, then each registered kind's own
    (:mod:`cutsim.model.lever_kinds`), read from the registry whenever asked, so that a
    new kind's columns appear with no change here. A column several kinds use is one
    column; its meaning names the kinds that use it, unless every kind does."""

    name = "Levers"
    path = "levers"
    what = "every scenario's levers, in order, one a row"

    @property
    def columns(self) -> tuple[Column, ...]:
        kinds = lever_kinds.all_kinds()
        names = [k.name for k in kinds]
        head = (
            _c("scenario", "choice", "scenario id (Scenarios sheet)", True),
            _c("id", "id", "short id, unique within its scenario", True),
            _c("kind", "choice", _either(names), True, names),
        )
        users: dict[str, list[str]] = {}
        declared: dict[str, lever_kinds.WorkbookColumn] = {}
        meanings: dict[str, dict[str, list[str]]] = {}  # field -> meaning -> kinds
        for kind in kinds:
            for col in kind.workbook_columns:
                declared.setdefault(col.field, col)
                users.setdefault(col.field, []).append(kind.name)
                meanings.setdefault(col.field, {}).setdefault(col.meaning, []).append(kind.name)
        # What a lever acts on comes first, as people fill a row from the left.
        order = sorted(declared, key=lambda f: f not in ("service", "services"))
        own = tuple(
            _c(f, declared[f].cell, declared[f].meaning if len(users[f]) == len(kinds)
               else "; ".join(f"{', '.join(who)}: {meaning}"  # kinds that mean different things
                              for meaning, who in meanings[f].items()),
               width=declared[f].width)
            for f in order)
        tail = (
            _c("start_year", "number", "years from the base year when it starts (default 0)"),
            _c("phase_years", "number", "years of linear ramp (default 0)"),
            _c("note", "text", "free text", width=30),
            # The savings programme (docs/mtfs.md): how sure, who delivers it, how it stands.
            _c("delivery_confidence_percent", "percent", "how sure the agency is of "
               "delivering its saving, 0-100 (default 100)"),
            _c("directorate", "text", "the directorate that delivers it", width=20),
            _c("owner", "text", "who answers for it", width=20),
            _c("status", "choice", "delivery status: " + _either(list(LEVER_STATUSES)),
               choices=LEVER_STATUSES),
            _c("delivery_confidence", "int", "how well evidenced its own saving is, "
               "confidence grade 1-5 (5 strongest; blank: no optimism bias on it)"),
        )
        return head + own + tail

    def column(self, field: str) -> Column | None:
        for col in self.columns:
            if col.field == field:
                return col
        return None


def _either(names: list[str]) -> str:
    """'cut, invest, pool or procure'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


LEVERS = LeverSheet()

RED_LINES = Sheet("Red lines", "red_lines", (
    _c("scenario", "choice", "scenario id", True),
    _c("outcome", "choice", "outcome id", True),
    _c("max_change", "number", "largest adverse change allowed", True),
    _c("as", "choice", "level (outcome units) or percent (of baseline)", True,
       ("level", "percent")),
    _c("by_year", "number", "up to this year (default: the whole horizon)"),
), "limits on adverse outcome changes, one a row")

TARGETS = Sheet("Targets", "targets", (
    _c("scenario", "choice", "scenario id", True),
    _c("agency", "choice", "agency id, or place", True),
    _c("amount", "number", "£/yr to be saved", True),
    _c("from_year", "int", "from this year (default 0)"),
), "savings targets of scenarios, one a row")

# Written only for a model with areas (docs/areas.md); the shares, multipliers and shape
# of each area are JSON text columns (the fields this layout does not name), so a model's
# areas come back exactly.
AREAS = Sheet("Areas", "areas", (
    _c("id", "id", "short id: a-z, 0-9, _ or -", True),
    _c("name", "text", "the area's name", True, width=30),
    _c("population", "int", "residents", True),
    _c("deprivation_decile", "int", "1 = most deprived tenth of areas in England, 10 = least"),
    _c("illustrative", "bool", "TRUE if the figures are made up for illustration"),
    _c("source", "text", "where the figures come from", width=30),
    _c("notes", "text", "free text", width=30),
), "neighbourhoods of the place, one a row (only for a model with areas)")

# Written only for a file with actuals (docs/actuals.md): the observations, one a row,
# with the same columns as an actuals CSV, and the decision taken (one row).
ACTUALS = Sheet("Actuals", "observations", (
    _c("kind", "choice", "outcome (an observed level) or spend (a service's outturn)", True,
       ACTUAL_KINDS),
    _c("id", "id", "the outcome's or service's id", True),
    _c("year", "text", "financial year, e.g. 2026-27", True),
    _c("value", "number", "outcome: the year's mean level in its unit; spend: outturn, £ at "
       "the place's price year", True),
    _c("source", "text", "where the figure comes from", True, width=30),
    _c("area", "choice", "an area's id when the figure is for one area only"),
    _c("date", "text", "when it was published, YYYY-MM-DD"),
    _c("notes", "text", "free text", width=30),
), "what happened: observed outcomes and spend outturn, one a row (only with actuals)")

DECISION = Sheet("Decision", "decision", (
    _c("scenario", "choice", "id of the scenario adopted (Scenarios sheet)"),
    _c("date", "text", "when it was adopted, YYYY-MM-DD"),
    _c("by", "text", "who decided", width=30),
    _c("notes", "text", "free text about the decision", width=30),
    _c("illustrative", "bool", "TRUE: the actuals are made up for illustration"),
    _c("actuals_notes", "text", "free text about the actuals", width=30),
), "the decision taken and the actuals' own fields, one row (only with actuals)")

#: The sheets in workbook order (after the "How to fill this" sheet).
SHEETS: tuple[Sheet | LeverSheet, ...] = (PLACE, AGENCIES, SERVICES, OUTCOMES, EFFECTS, DEMANDS,
                                          *BUDGET_SHEETS, SCENARIOS, LEVERS, RED_LINES, TARGETS, AREAS,
                                          ACTUALS, DECISION)
MODEL_SHEETS = (AGENCIES, SERVICES, OUTCOMES, EFFECTS, DEMANDS)
SCENARIO_PARTS: tuple[Sheet | LeverSheet, ...] = (LEVERS, RED_LINES, TARGETS)  # rows carry a scenario column
HOW_TO = "How to fill this"
