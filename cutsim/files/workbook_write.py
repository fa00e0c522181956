"""Writing a place model as a workbook a person can read and fill (``template``, ``export``).

The layout is :mod:`cutsim.files.workbook_layout`. Input cells are styled apart from the
notes (field names bold on pale blue, the units row grey italic, data cells plain),
header rows are frozen, choice columns carry drop-down lists (agency ids, modes, kinds,
lever kinds) and the first sheet, "How to fill this", says how. Fields this layout does
not name are kept in a column of JSON text of their own, so nothing is lost.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel

from cutsim.files import workbook_cells
from cutsim.files.workbook_cells import write_value
from cutsim.files.workbook_layout import (
    ACTUALS,
    AGENCIES,
    AREAS,
    BUDGET_SHEETS,
    DECISION,
    FIRST_DATA_ROW,
    HOW_TO,
    LEVERS,
    MODEL_SHEETS,
    OUTCOMES,
    PLACE,
    RED_LINES,
    SCENARIOS,
    SERVICES,
    SHEETS,
    TARGETS,
    Column,
    LeverSheet,
    Sheet,
)
from cutsim.files.xlsx_write import SafeWorkbook, new_workbook
from cutsim.model import lever_kinds
from cutsim.model.schema import (
    Actuals,
    Agency,
    Area,
    CouncilTax,
    CutsimFile,
    Decision,
    Demand,
    EarmarkedReserve,
    Effect,
    FundingLine,
    NamedPressure,
    Observation,
    Outcome,
    Place,
    Pressures,
    RedLine,
    Scenario,
    Service,
    Target,
)

#: The typed object each table sheet holds (levers: the fields of every lever kind).
SHEET_CLASSES: dict[str, tuple[type[BaseModel], ...]] = {
    "agencies": (Agency,), "services": (Service,), "outcomes": (Outcome,),
    "effects": (Effect,), "demands": (Demand,), "scenarios": (Scenario,),
    "red_lines": (RedLine,), "targets": (Target,), "place": (Place,),
    "funding_lines": (FundingLine,), "council_tax": (CouncilTax,), "pressures": (Pressures,),
    "named_pressures": (NamedPressure,), "earmarked_reserves": (EarmarkedReserve,),
    "areas": (Area,), "observations": (Observation,), "decision": (Decision,),
}
# Fields a sheet holds in another way (optimism_bias as five rows; a scenario's lists and
# an agency's budget on sheets of their own; gain_share and reinvest as text).
_HANDLED = {"place": {"optimism_bias"}, "scenarios": {"levers", "red_lines", "targets"},
            "agencies": {"funding_lines", "council_tax", "pressures", "earmarked_reserves"},
            "pressures": {"named"}, "decision": {"illustrative", "actuals_notes"}}
VALIDATION_ROWS = 1_000  # drop-down lists reach this far below the data
MONEY = {"baseline_spend", "amount", "one_off_cost", "savings_target", "value_per_unit",
         "funding", "reserves", "minimum_balance", "band_d", "limit_pounds", "collection_fund",
         "levies"}


def sheet_classes(path: str) -> tuple[type[BaseModel], ...]:
    """The typed objects a table sheet holds; the Levers sheet holds every registered kind."""
    if path == "levers":
        return tuple(kind.schema for kind in lever_kinds.all_kinds())
    return SHEET_CLASSES[path]


def columns_of(sheet: Sheet | LeverSheet) -> tuple[Column, ...]:
    """The sheet's columns, then a JSON column for each field the layout does not name."""
    columns = sheet.columns
    named = {c.field for c in columns} | _HANDLED.get(sheet.path, set())
    named |= {"as_"}  # RedLine's "as", spelled as_ in Python
    extra: list[Column] = []
    for cls in sheet_classes(sheet.path):
        for name in cls.model_fields:
            if name not in named and name != "kind" and all(c.field != name for c in extra):
                extra.append(Column(name, "json", "a newer field, as JSON text"))
    return columns + tuple(extra)


def _rows(cutsim_file: CutsimFile, sheet: Sheet | LeverSheet) -> list[dict[str, Any]]:
    """The field values of each row of a table sheet."""
    if sheet.path in ("agencies", "services", "outcomes", "effects", "demands"):
        return [_values(item) for item in getattr(cutsim_file.model, sheet.path)]
    if sheet.path == "scenarios":
        return [_values(s) for s in cutsim_file.scenarios]
    if sheet in BUDGET_SHEETS:
        return _budget_rows(cutsim_file, sheet)
    rows = []
    for scenario in cutsim_file.scenarios:
        for item in getattr(scenario, sheet.path):
            row = _values(item)
            row["scenario"] = scenario.id
            if sheet is LEVERS:
                row.update(_lever_text(item))
            rows.append(row)
    return rows


def _budget_rows(cutsim_file: CutsimFile, sheet: Sheet) -> list[dict[str, Any]]:
    """The rows of a budget sheet: each agency's items, in agency order, each naming its agency."""
    rows = []
    for agency in cutsim_file.model.agencies:
        pressures = agency.pressures
        by_path: dict[str, list[BaseModel]] = {
            "funding_lines": list(agency.funding_lines or []),
            "council_tax": [agency.council_tax] if agency.council_tax is not None else [],
            "pressures": [pressures] if pressures is not None else [],
            "named_pressures": list(pressures.named) if pressures is not None else [],
            "earmarked_reserves": list(agency.earmarked_reserves or []),
        }
        for item in by_path[sheet.path]:
            row = _values(item)
            row.pop("named", None)  # on the Named pressures sheet
            row["agency"] = agency.id
            rows.append(row)
    return rows


def _values(item: BaseModel) -> dict[str, Any]:
    values = {name: getattr(item, name) for name in type(item).model_fields}
    if "as_" in values:
        values["as"] = values.pop("as_")
    return values


def _lever_text(lever: Any) -> dict[str, Any]:
    """The fields a lever's kind writes as text of its own (a pool's reinvest, gain share)."""
    return lever_kinds.of(lever).workbook_text(lever, workbook_cells)


class _Styles:
    def __init__(self, book: SafeWorkbook) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1,
                                       "text_wrap": True, "valign": "top"})
        self.units = book.add_format({"italic": True, "font_color": "#595959",
                                      "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top"})
        # Cells to fill: a pale yellow, the usual mark of an input cell in a finance model.
        self.input = book.add_format({"bg_color": "#FFF8DC", "border": 1, "border_color": "#D9D9D9"})
        self.money = book.add_format({"num_format": "£#,##0.00", "bg_color": "#FFF8DC",
                                      "border": 1, "border_color": "#D9D9D9"})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.note = book.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                                     "valign": "top"})


def _printable(ws, header_rows: int) -> None:
    """A4 landscape, one page wide, header rows on every page: a sheet prints as it reads."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if header_rows:
        ws.repeat_rows(0, header_rows - 1)


def _write(sheet, row: int, col: int, value: Any, fmt=None) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, str(value), fmt)


_LIST_SOURCES = {  # drop-down lists that come from another sheet's id column
    "agency": AGENCIES, "service": SERVICES, "outcome": OUTCOMES, "scenario": SCENARIOS,
}


def _validation(ws, col: int, column: Column, sheet: Sheet | LeverSheet, last_row: int) -> None:
    first = FIRST_DATA_ROW - 1
    if column.choices:
        ws.data_validation(first, col, last_row, col, {
            "validate": "list", "source": list(column.choices),
            "error_title": column.field, "error_message": "choose one of: " + ", ".join(column.choices)})
    elif column.kind == "choice" and column.field in _LIST_SOURCES and sheet is not _LIST_SOURCES[column.field]:
        source = _LIST_SOURCES[column.field]
        ws.data_validation(first, col, last_row, col, {
            "validate": "list",
            "source": f"='{source.name}'!$A${FIRST_DATA_ROW}:$A${FIRST_DATA_ROW + VALIDATION_ROWS + 5000}",
            "error_type": "warning", "error_title": column.field,
            "error_message": f"not an id on the {source.name} sheet (yet)"})
    elif column.kind == "bool":
        ws.data_validation(first, col, last_row, col, {"validate": "list", "source": ["TRUE", "FALSE"]})


def _table_sheet(book: SafeWorkbook, styles: _Styles, sheet: Sheet | LeverSheet,
                 rows: list[dict[str, Any]]) -> None:
    ws = book.add_worksheet(sheet.name)
    columns = columns_of(sheet)
    for col, column in enumerate(columns):
        ws.write_string(0, col, column.field, styles.header)
        unit = column.unit + (" (required)" if column.required else "")
        ws.write_string(1, col, unit, styles.units)
        ws.set_column(col, col, max(column.width, len(column.field) + 2),
                      styles.money if column.field in MONEY else styles.input)
        _validation(ws, col, column, sheet, FIRST_DATA_ROW - 1 + len(rows) + VALIDATION_ROWS)
    ws.set_row(1, 60)
    ws.freeze_panes(FIRST_DATA_ROW - 1, 1 if sheet is not LEVERS else 2)
    _printable(ws, FIRST_DATA_ROW - 1)
    for r, values in enumerate(rows, start=FIRST_DATA_ROW - 1):
        for col, column in enumerate(columns):
            field = column.field
            _write(ws, r, col, write_value(values.get(field), column),
                   styles.money if field in MONEY else styles.input)


def _place_sheet(book: SafeWorkbook, styles: _Styles, place: Place | None) -> None:
    ws = book.add_worksheet(PLACE.name)
    for col, text in enumerate(("field", "value", "unit and meaning")):
        ws.write_string(0, col, text, styles.header)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 34, styles.input)
    ws.set_column(2, 2, 70, styles.note)
    ws.freeze_panes(1, 0)
    _printable(ws, 1)
    values: dict[str, Any] = {}
    if place is not None:
        values = _values(place)
        for grade, fraction in (place.optimism_bias or {}).items():
            values[f"optimism_bias_{grade}"] = fraction
    else:  # a template starts from the documented defaults
        values = {"horizon_years": 10, "steps_per_year": 12, "discount_rate": 0.035}
    for r, column in enumerate(columns_of(PLACE), start=1):
        ws.write_string(r, 0, column.field, styles.bold)
        _write(ws, r, 1, write_value(values.get(column.field), column), styles.input)
        ws.write_string(r, 2, column.unit + (" (required)" if column.required else ""), styles.note)


HOW_TO_TEXT = [
    "This workbook is a cutsim place model. Fill the sheets from left to right; cutsim reads "
    "them with `cutsim validate place.xlsx`, `cutsim init ws.sqlite --from place.xlsx`, "
    "`cutsim import ws.sqlite place.xlsx`, or File > Open in the app.",
    "Place: one field a row; type each value in column B. Every other sheet is a table: row 1 "
    "holds the field names (do not rename them), row 2 says each column's unit and meaning "
    "(never read), and your rows start at row 3. Empty rows are skipped.",
    "Money is £ at the place's price year (real terms); spend is £ a year. Percent columns "
    "are 0-100 (a cell shown as 20% counts as 20); fraction columns are 0-1 (a cell shown as "
    "20% counts as 0.2). Text like 1,000 or £1,000 in a number column is read as the number.",
    "Ids are short: a-z, 0-9, _ or -. The agency, service, outcome and scenario columns offer "
    "the ids typed on their own sheets. TRUE/FALSE columns take TRUE or FALSE.",
    "Funding, Council tax, Pressures, Named pressures and Earmarked reserves hold each "
    "agency's budget (docs/mtfs.md): each row names its agency in column A; Council tax and "
    "Pressures take one row per agency. Money there is £ in cash; a column of numbers takes "
    "one figure, or one a year separated by ; (2.99; 2.99; 1.99).",
    "A formula is read from its saved result; save the workbook in your spreadsheet before "
    "reading it. Links to other workbooks are never followed. Macro workbooks (.xlsm), "
    "password-protected workbooks, hidden sheets, extra sheets and extra columns are refused, "
    "each with a message naming the sheet and cell.",
    "Every problem is listed at once as Sheet!Cell (field): what is wrong; nothing is changed "
    "until the whole workbook reads cleanly. Each sheet and column is described in "
    "docs/workbook-format.md.",
]


def _how_to_sheet(book: SafeWorkbook, styles: _Styles, cutsim_file: CutsimFile | None) -> None:
    ws = book.add_worksheet(HOW_TO)
    _printable(ws, 0)
    ws.fit_to_pages(1, 1)  # the instructions and the list of sheets print as one page
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 100, styles.wrap)
    ws.write_string(0, 0, "How to fill this workbook", styles.title)
    row = 2
    for paragraph in HOW_TO_TEXT:
        ws.write_string(row, 1, paragraph, styles.wrap)
        ws.set_row(row, 48)
        row += 1
    row += 1
    ws.write_string(row, 0, "sheet", styles.header)
    ws.write_string(row, 1, "what it holds", styles.header)
    for sheet in SHEETS:
        row += 1
        ws.write_string(row, 0, sheet.name, styles.bold)
        ws.write_string(row, 1, sheet.what)
    if cutsim_file is not None and cutsim_file.provenance is not None:
        row += 2
        prov = cutsim_file.provenance
        ws.write_string(row, 0, "exported from", styles.bold)
        ws.write_string(row, 1, ", ".join(v for v in (prov.author, prov.organisation, prov.created,
                                                      prov.tool_version) if v) or "a cutsim file")


def write_workbook(path: str | os.PathLike[str], cutsim_file: CutsimFile | None) -> None:
    """Write ``cutsim_file`` as a model workbook at ``path`` (atomically); None: a blank template."""
    with new_workbook(path) as book:
        styles = _Styles(book)
        _how_to_sheet(book, styles, cutsim_file)
        _place_sheet(book, styles, cutsim_file.model.place if cutsim_file else None)
        for sheet in MODEL_SHEETS + BUDGET_SHEETS + (SCENARIOS, LEVERS, RED_LINES, TARGETS):
            rows = _rows(cutsim_file, sheet) if cutsim_file is not None else []
            _table_sheet(book, styles, sheet, rows)
        _areas_sheet(book, styles, cutsim_file)
        if cutsim_file is not None and cutsim_file.actuals is not None:
            _actuals_sheets(book, styles, cutsim_file.actuals)
        book.worksheets()[0].activate()


def _actuals_sheets(book: SafeWorkbook, styles: _Styles, actuals: Actuals) -> None:
    """The Actuals and Decision sheets, for a file with actuals only (docs/actuals.md)."""
    _table_sheet(book, styles, ACTUALS, [_values(obs) for obs in actuals.observations])
    row: dict[str, Any] = _values(actuals.decision) if actuals.decision is not None else {}
    row.update(illustrative=actuals.illustrative, actuals_notes=actuals.notes)
    _table_sheet(book, styles, DECISION, [row])


def _areas_sheet(book: SafeWorkbook, styles: _Styles, cutsim_file: CutsimFile | None) -> None:
    """The Areas sheet, for a model with areas only (a model without them, or a blank
    template, has none: reading a workbook without it gives a model without areas)."""
    if cutsim_file is None or not cutsim_file.model.areas:
        return
    _table_sheet(book, styles, AREAS, [_values(area) for area in cutsim_file.model.areas])
