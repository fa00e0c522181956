"""Reading a model workbook: strict, safe, and every problem located by sheet and cell.

Order of work: the zip-level checks (:mod:`cutsim.files.xlsx_safety`), with every sheet
read as a stream for its extent, styles and formulas (:mod:`cutsim.files.xlsx_parts`), then the
values with python-calamine, then each sheet's header and cells (:mod:`cutsim.files.workbook_cells`),
then the typed objects and every rule of :mod:`cutsim.model.validation`. All problems are
collected and reported together as ``Services!D7 (unit_cost): must be > 0, got -5``;
nothing is returned unless the whole workbook reads cleanly.

Why python-calamine: it is a well-kept reader (the Rust calamine crate, also pandas'
engine for .xlsx) that only reads cell values: it evaluates nothing, never follows
external links, expands no XML entities, and reads a formula's saved result. openpyxl in
read-only mode, the other candidate, took about 10 s for a 5,000-service workbook (its
pure-Python XML parsing through defusedxml); python-calamine reads the same in about 1 s,
inside the 3 s target of docs/performance.md for reading and validating.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import pydantic

from cutsim.files import workbook_cells
from cutsim.files.exchange import FORMAT_VERSION, MAX_PROBLEMS_SHOWN, is_union_tag
from cutsim.files.workbook_cells import CellError, read_cell, shown
from cutsim.files.workbook_layout import (
    ACTUALS,
    AREAS,
    BUDGET_SHEETS,
    COUNCIL_TAX,
    DECISION,
    FIRST_DATA_ROW,
    HOW_TO,
    LEVERS,
    MODEL_SHEETS,
    NAMED_PRESSURES,
    PLACE,
    PRESSURES,
    SCENARIO_PARTS,
    SCENARIOS,
    SHEETS,
    Column,
    LeverSheet,
    Sheet,
)
from cutsim.files.workbook_write import columns_of
from cutsim.files.xlsx_parts import Parts
from cutsim.files.xlsx_safety import CheckedWorkbook, check_bytes, read_checked
from cutsim.model import lever_kinds
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import validate_file

log = logging.getLogger(__name__)

# an agency's budget fields that are one object, and the file's actuals and their decision
_OBJECT_FIELDS = {"council_tax", "pressures", "actuals", "decision"}
REQUIRED_SHEETS = ("Place", "Agencies", "Services", "Outcomes")
_PLACEHOLDER = {"number": 1.0, "int": 1, "percent": 0.0, "fraction": 0.0, "bool": False,
                "list": [], "numbers": 0.0, "pairs": [], "json": None}


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class _Where:
    """Where one object of the file came from: its sheet and row, and each field's column."""

    sheet: str
    row: int
    columns: dict[str, str] = field(default_factory=dict)  # field -> column letter

    def cell(self, name: str) -> str | None:
        letter = self.columns.get(name)
        return f"{_quoted(self.sheet)}!{letter}{self.row}" if letter else None


@dataclass
class _Grid:
    """One sheet's values (row 1 first, column A first; "" for an empty cell), the cells
    shown as percentages and the formula cells with no saved result, as (row, column)."""

    name: str
    rows: list[list[Any]]
    percent: set[tuple[int, int]]
    formulas: set[tuple[int, int]]

    def rows_from(self, first: int):
        for r in range(first, len(self.rows) + 1):
            yield r, self.rows[r - 1]

    def filled(self, r: int, row: list[Any]) -> bool:
        if any(v is not None and v != "" for v in row):
            return True
        return any(at[0] == r for at in self.formulas)


def _quoted(sheet: str) -> str:
    return f"'{sheet}'" if " " in sheet else sheet


class _Reader:
    def __init__(self, checked: CheckedWorkbook) -> None:
        self.checked = checked
        self.problems: list[str] = []
        self.reported: set[tuple] = set()  # (path..., field) already reported at cell level
        self.where: dict[tuple, _Where] = {}

    # --- problems ------------------------------------------------------------------
    def add(self, where: str, message: str, key: tuple | None = None) -> None:
        self.problems.append(f"{where}: {message}")
        if key is not None:
            self.reported.add(key)

    # --- the workbook ----------------------------------------------------------------
    def read(self) -> CutsimFile:
        import python_calamine

        name = self.checked.name
        parts = Parts(self.checked.data, name)
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.checked.data))
            grids = self._grids(book, parts)
        except python_calamine.CalamineError as exc:
            log.debug("python-calamine could not read %s", name, exc_info=True)
            raise InputError(f"{name}: not a readable .xlsx workbook (a damaged part: "
                             f"{type(exc).__name__}: {str(exc)[:200]})") from None
        return self._read_book(grids)

    def _grids(self, book, parts: Parts) -> dict[str, _Grid]:
        """The visible layout sheets as grids of values; other sheets reported."""
        known = {s.name for s in SHEETS}
        part_of = parts.sheet_parts()
        grids: dict[str, _Grid] = {}
        for meta in book.sheets_metadata:
            title = meta.name
            state = str(meta.visible).rsplit(".", 1)[-1]
            if state != "Visible":
                self.add(_quoted(title), f"the sheet is {state[0].lower() + state[1:]}; unhide "
                         "it (or delete it) so that everything read is in view")
                continue
            if str(meta.typ).rsplit(".", 1)[-1] != "WorkSheet":
                self.add(_quoted(title), "not a worksheet (a chart or dialog sheet); remove it")
                continue
            if title == HOW_TO:
                continue
            if title not in known:
                self.add(_quoted(title), "not a sheet of the cutsim workbook layout (its sheets: "
                         + ", ".join(s.name for s in SHEETS) + "); remove or rename it")
                continue
            part = part_of.get(title)
            if part is None:
                raise InputError(f"{self.checked.name}: sheet {title} has no part in the workbook")
            facts = self.checked.sheets.get(part)
            if facts is None:  # every named sheet was read and bounded by xlsx_safety
                raise InputError(f"{self.checked.name}: sheet {title} has no part in the workbook")
            rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
            grids[title] = _Grid(title, rows, facts.percent, facts.formulas)
        return grids

    def _read_book(self, grids: dict[str, _Grid]) -> CutsimFile:
        for required in REQUIRED_SHEETS:
            if required not in grids and not any(p.startswith(f"{required}:") for p in self.problems):
                self.add(required, "required sheet is missing")
        place = self._place(grids.get(PLACE.name))
        model: dict[str, Any] = {"place": place}
        for sheet in MODEL_SHEETS:
            model[sheet.path] = self._table(grids.get(sheet.name), sheet, (sheet.path,))
        self._budget_parts(grids, model["agencies"])
        areas = self._areas(grids)
        if areas:
            model["areas"] = areas
        scenarios = self._table(grids.get(SCENARIOS.name), SCENARIOS, ("scenarios",))
        self._scenario_parts(grids, scenarios)
        document = {"format": "cutsim", "format_version": FORMAT_VERSION,
                    "model": model, "scenarios": scenarios}
        actuals = self._actuals(grids)
        if actuals is not None:
            document["actuals"] = actuals
        return self._typed(document)

    def _actuals(self, grids: dict[str, _Grid]) -> dict[str, Any] | None:
        """The Actuals and Decision sheets as the file's ``actuals`` (None without either
        sheet: a file without actuals). The Decision sheet holds one row: the decision (when
        its scenario is given) and the actuals' own ``illustrative`` and notes."""
        if ACTUALS.name not in grids and DECISION.name not in grids:
            return None
        actuals: dict[str, Any] = {
            "observations": self._table(grids.get(ACTUALS.name), ACTUALS, ("actuals", "observations"))}
        rows = self._table(grids.get(DECISION.name), DECISION, ("_decision",))
        for extra in range(1, len(rows)):
            self.add(f"{_quoted(DECISION.name)} row {self.where[('_decision', extra)].row}",
                     "the Decision sheet holds one row; remove this one")
        if rows:
            row, where = rows[0], self.where.pop(("_decision", 0))
            if row.get("illustrative") is not None:
                actuals["illustrative"] = row.pop("illustrative")
            if row.get("actuals_notes") is not None:
                actuals["notes"] = row.pop("actuals_notes")
            row.pop("illustrative", None)
            row.pop("actuals_notes", None)
            self.where[("actuals",)] = where
            if row:
                actuals["decision"] = row
                self.where[("actuals", "decision")] = where
                self.reported |= {("actuals", "decision", f) for (p, k, f) in
                                  (t for t in self.reported if len(t) == 3)
                                  if p == "_decision" and k == 0}
        return actuals

    def _areas(self, grids: dict[str, _Grid]) -> list[dict[str, Any]]:
        """The Areas sheet's rows (none without the sheet: a model without areas)."""
        return self._table(grids.get(AREAS.name), AREAS, ("areas",))

    # --- cells -----------------------------------------------------------------------
    def _cell(self, grid: _Grid, value: Any, column: Column, key: tuple, at: tuple[int, int]) -> Any:
        """The value of one cell (None when empty); a broken rule is a located problem."""
        if at in grid.formulas:
            self.add(f"{_quoted(grid.name)}!{column_letter(at[1])}{at[0]} ({column.field})",
                     "a formula with no saved result; open the workbook in a spreadsheet, let "
                     "it calculate and save it (or type the value)", key)
            return _PLACEHOLDER.get(column.kind, "x")
        if value is None or value == "":
            return None
        try:
            return read_cell(value, column, "0%" if at in grid.percent else "General")
        except CellError as exc:
            self.add(f"{_quoted(grid.name)}!{column_letter(at[1])}{at[0]} ({column.field})",
                     str(exc), key)
            return _PLACEHOLDER.get(column.kind, "x")

    def _place(self, grid: _Grid | None) -> dict[str, Any]:
        if grid is None:
            return {"name": "x", "base_year": 2000}
        columns = {c.field: c for c in columns_of(PLACE)}
        values: dict[str, Any] = {}
        where = _Where(PLACE.name, 0)
        self.where[("place",)] = where
        seen: dict[str, int] = {}
        for r, row in grid.rows_from(2):
            if not grid.filled(r, row):
                continue
            label = row[0] if row else None
            if not isinstance(label, str) or not label.strip():
                self.add(f"Place!A{r}", "each row names a field in column A")
                continue
            label = label.strip()
            column = columns.get(label)
            if column is None:
                self.add(f"Place!A{r}", f"unknown field {shown(label)} (fields: "
                         + ", ".join(columns) + ")")
                continue
            if label in seen:
                self.add(f"Place!A{r}", f"field {label} is given twice (first in row {seen[label]})")
                continue
            seen[label] = r
            for c, extra in enumerate(row[3:], start=4):
                if extra is not None and extra != "":
                    self.add(f"Place!{column_letter(c)}{r}", "extra cell outside columns A-C; remove it")
            where.columns[label] = f"B{r}"
            value = self._cell(grid, row[1] if len(row) > 1 else None, column, ("place", label), (r, 2))
            if value is not None:
                values[label] = value
        for name, column in columns.items():
            if column.required and name not in values and ("place", name) not in self.reported:
                at = f"Place!B{seen[name]}" if name in seen else "Place"
                self.add(f"{at} ({name})", "required, the cell is empty" if name in seen
                         else f"required field {name} is missing (add a row for it)", ("place", name))
                values[name] = _PLACEHOLDER.get(column.kind, "x")
        bias = {name[-1]: values.pop(name) for name in list(values) if name.startswith("optimism_bias_")}
        if bias:
            values["optimism_bias"] = bias
        return values

    def _header(self, grid: _Grid, sheet: Sheet | LeverSheet) -> dict[int, Column]:
        """Column index (1-based) -> Column, from row 1; unknown and missing columns reported."""
        columns = {c.field: c for c in columns_of(sheet)}
        self.unknown_columns: set[int] = set()
        by_index: dict[int, Column] = {}
        seen: dict[str, int] = {}
        header = grid.rows[0] if grid.rows else []
        for c, value in enumerate(header, start=1):
            if value is None or value == "":
                continue
            ref = f"{_quoted(sheet.name)}!{column_letter(c)}1"
            label = str(value).strip()
            column = columns.get(label)
            if column is None:
                self.unknown_columns.add(c)  # its values are not read (and not re-reported)
                self.add(ref, f"unknown column {shown(label)}; the {sheet.name} sheet's columns "
                         "are " + ", ".join(col.field for col in sheet.columns)
                         + " (remove it, or rename it to one of them)")
            elif label in seen:
                self.add(ref, f"column {label} appears twice (first in column "
                         f"{column_letter(seen[label])})")
            else:
                seen[label] = c
                by_index[c] = column
        for column in sheet.columns:
            if column.required and column.field not in seen:
                self.add(f"{_quoted(sheet.name)}!1", f"required column {column.field} is missing")
        return by_index

    def _table(self, grid: _Grid | None, sheet: Sheet | LeverSheet, path: tuple) -> list[dict[str, Any]]:
        if grid is None:
            return []
        by_index = self._header(grid, sheet)
        letters = {col.field: column_letter(i) for i, col in by_index.items()}
        required = [c for c in sheet.columns if c.required]
        rows: list[dict[str, Any]] = []
        reported_extra: set[int] = set(self.unknown_columns)
        for r, row in grid.rows_from(FIRST_DATA_ROW):
            if not grid.filled(r, row):
                continue
            values: dict[str, Any] = {}
            index = len(rows)
            for c, value in enumerate(row, start=1):
                if (value == "" or value is None) and (not grid.formulas or (r, c) not in grid.formulas):
                    continue
                column = by_index.get(c)
                if column is None:
                    if c not in reported_extra:
                        reported_extra.add(c)
                        self.add(f"{_quoted(sheet.name)}!{column_letter(c)}{r}",
                                 "a value in a column with no field name in row 1; remove it "
                                 "or name the column")
                    continue
                value = self._cell(grid, value, column, path + (index, column.field), (r, c))
                if value is not None:
                    values[column.field] = value
            self.where[path + (index,)] = _Where(sheet.name, r, dict(letters))
            for column in required:
                if column.field not in values and path + (index, column.field) not in self.reported:
                    cell = f"{_quoted(sheet.name)}!{letters.get(column.field, '?')}{r}"
                    if column.field in letters:
                        self.add(f"{cell} ({column.field})", "required, the cell is empty",
                                 path + (index, column.field))
                    else:
                        self.reported.add(path + (index, column.field))
                    values[column.field] = _PLACEHOLDER.get(column.kind, f"x{index}")
            rows.append(values)
        return rows

    # --- each agency's budget ----------------------------------------------------------
    def _budget_parts(self, grids, agencies: list[dict[str, Any]]) -> None:
        """Put the rows of the budget sheets on their agencies. An agency with no rows on a
        sheet has no such field (a list with no items is the same plan as none)."""
        by_id: dict[Any, int] = {}
        for i, agency in enumerate(agencies):
            by_id.setdefault(agency.get("id"), i)
        for part in BUDGET_SHEETS:
            one_each = part in (COUNCIL_TAX, PRESSURES)  # one row per agency
            first_row: dict[int, int] = {}
            rows = self._table(grids.get(part.name), part, ("_" + part.path,))
            # the cells already reported, by row, to be found again under the agency's path
            reported_in: dict[int, list[str]] = {}
            for t in self.reported:
                if len(t) == 3 and t[0] == "_" + part.path:
                    reported_in.setdefault(t[1], []).append(t[2])
            for k, values in enumerate(rows):
                where = self.where.pop(("_" + part.path, k))
                owner = values.pop("agency", None)
                if owner not in by_id:
                    if ("_" + part.path, k, "agency") not in self.reported:
                        self.add(f"{where.cell('agency')} (agency)",
                                 f"no agency {shown(owner)} on the Agencies sheet")
                    continue
                index = by_id[owner]
                agency = agencies[index]
                if one_each:
                    if index in first_row:
                        self.add(f"{where.cell('agency')} (agency)", f"agency {owner} has a "
                                 f"row already (row {first_row[index]}); give one row per agency")
                        continue
                    first_row[index] = where.row
                    key: tuple = ("agencies", index, part.path)
                    agency[part.path] = values  # Pressures come before their named rows
                elif part is NAMED_PRESSURES:
                    named = agency.setdefault("pressures", {}).setdefault("named", [])
                    key = ("agencies", index, "pressures", "named", len(named))
                    named.append(values)
                else:
                    items = agency.setdefault(part.path, [])
                    key = ("agencies", index, part.path, len(items))
                    items.append(values)
                self.reported |= {key + (name,) for name in reported_in.get(k, [])}
                self.where[key] = where

    # --- scenarios ---------------------------------------------------------------------
    def _scenario_parts(self, grids, scenarios: list[dict[str, Any]]) -> None:
        by_id: dict[Any, int] = {}
        for i, scenario in enumerate(scenarios):
            by_id.setdefault(scenario.get("id"), i)
            for part in SCENARIO_PARTS:
                scenario[part.path] = []
        for part in SCENARIO_PARTS:
            rows = self._table(grids.get(part.name), part, ("_" + part.path,))
            for k, values in enumerate(rows):
                where = self.where.pop(("_" + part.path, k))
                owner = values.pop("scenario", None)
                if owner not in by_id:
                    if ("_" + part.path, k, "scenario") not in self.reported:
                        self.add(f"{where.cell('scenario')} (scenario)",
                                 f"no scenario {shown(owner)} on the Scenarios sheet")
                    continue
                index = by_id[owner]
                items = scenarios[index][part.path]
                key = ("scenarios", index, part.path, len(items))
                self.reported |= {key + (f,) for (p, kk, f) in
                                  (t for t in self.reported if len(t) == 3)
                                  if p == "_" + part.path and kk == k}
                if part is LEVERS:
                    values = self._lever(values, where, key)
                items.append(values)
                self.where[key] = where

    def _lever(self, values: dict[str, Any], where: _Where, key: tuple) -> dict[str, Any]:
        try:
            kind = lever_kinds.get(values.get("kind"))  # type: ignore[arg-type]
        except lever_kinds.UnknownLeverKind:
            return values  # the kind column's own check names it
        allowed = set(kind.schema.model_fields)
        for name in list(values):
            if name not in allowed:
                self.add(f"{where.cell(name)} ({name})", f"not used by a {kind.name} lever; leave it empty",
                         key + (name,))
                values.pop(name)
        for name, problem in kind.from_workbook_text(values, workbook_cells):
            self.add(f"{where.cell(name)} ({name})", problem, key + (name,))
        return values

    # --- typed objects and rules --------------------------------------------------------
    def _typed(self, document: dict[str, Any]) -> CutsimFile:
        try:
            cutsim_file = CutsimFile.model_validate(document)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                path = tuple(s for s in error["loc"] if s != "model" and not is_union_tag(s))
                if path in self.reported or path[:-1] in self.reported:
                    continue
                self.problems.append(self._locate(path, error["msg"].lower()))
            self._raise()
            raise  # unreachable: _raise always raises when pydantic found a problem
        for problem in validate_file(cutsim_file):
            located = self._from_problem(problem.location, problem.message)
            if located is not None:
                self.problems.append(located)
        self._raise()
        return cutsim_file

    def _locate(self, path: tuple, message: str) -> str:
        """A message for ``path`` (('services', 3, 'unit_cost')) placed at its cell."""
        for cut in range(len(path), 0, -1):
            where = self.where.get(path[:cut])
            if where is None:
                continue
            rest = path[cut:]
            name = str(rest[0]) if rest else None
            if path == ("place",) or path[:1] == ("place",):
                cell = where.columns.get(name or "")
                return (f"Place!{cell} ({name}): {message}" if cell else f"Place ({name}): {message}")
            cell = where.cell(name) if name else None
            if cell:
                return f"{cell} ({name}): {message}"
            return f"{_quoted(where.sheet)} row {where.row}: " + (f"{name}: " if name else "") + message
        return f"{' '.join(str(p) for p in path)}: {message}"

    def _from_problem(self, location: str, message: str) -> str | None:
        path: tuple = ()
        if location == "place":
            path = ("place",)
        else:
            # 'agencies[0] "council" pressures named[1]': ids in quotes are not part of the
            # path; of the bare words, only an agency's one-object budget fields are.
            bare = re.sub(r'"(?:[^"\\]|\\.)*"', " ", location)
            for kind, index in re.findall(r"(\w+)(?:\[(\d+)\])?", bare):
                if index:
                    path += (kind, int(index))
                elif kind in _OBJECT_FIELDS:
                    path += (kind,)
        token = message.split(" ", 1)[0]
        name = re.split(r"[\[.]", token, maxsplit=1)[0]
        bias = re.match(r'optimism_bias\["([1-5])"\]', token)
        if bias:
            name = f"optimism_bias_{bias.group(1)}"
        if path + (name,) in self.reported:
            return None
        where = self.where.get(path)
        for cut in range(len(path) - 1, 0, -1):  # e.g. pressures given only by named rows
            if where is not None:
                break
            where = self.where.get(path[:cut])
        field_cell = where.columns.get(name) if where is not None and path != ("place",) else None
        if path == ("place",) and where is not None and name in where.columns:
            rest = message[len(token):].strip()
            return f"Place!{where.columns[name]} ({name}): {_comma_got(rest)}"
        if where is not None and field_cell and message.startswith(token + " ") and token == name:
            rest = message[len(token):].strip()
            return f"{where.cell(name)} ({name}): {_comma_got(rest)}"
        if where is not None and field_cell:
            return f"{where.cell(name)} ({name}): {message}"
        if where is not None:
            return f"{_quoted(where.sheet)} row {where.row}: {message}"
        return f"{location}: {message}" if location else message

    def _raise(self) -> None:
        if not self.problems:
            return
        problems = self.problems
        shown_ = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown_)
        lines = "\n  ".join(shown_) + (f"\n  … and {more} more" if more > 0 else "")
        noun = "problem" if len(problems) == 1 else "problems"
        raise InputError(f"{self.checked.name}: {len(problems)} {noun}:\n  {lines}", problems)


def _comma_got(text: str) -> str:
    """'must be > 0 (got -5)' as 'must be > 0, got -5' (how a cell message reads)."""
    match = re.fullmatch(r"(.*) \(got (.*)\)", text, re.DOTALL)
    return f"{match.group(1)}, got {match.group(2)}" if match else text


def read_workbook(path) -> CutsimFile:
    """Read and fully validate a model workbook (.xlsx); InputError lists every problem."""
    return _Reader(read_checked(path)).read()


def read_workbook_bytes(data: bytes, name: str = "workbook") -> CutsimFile:
    """As :func:`read_workbook`, from the workbook's bytes."""
    return _Reader(check_bytes(data, name)).read()
