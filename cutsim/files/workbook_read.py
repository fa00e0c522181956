"""Reading a model workbook: strict, safe, and every problem located by sheet and cell.

Order of work: the zip-level checks (:mod:`cutsim.files.xlsx_safety`), then openpyxl in
read-only mode, then each sheet's header and cells (:mod:`cutsim.files.workbook_cells`),
then the typed objects and every rule of :mod:`cutsim.model.validation`. All problems are
collected and reported together as ``Services!D7 (unit_cost): must be > 0, got -5``;
nothing is returned unless the whole workbook reads cleanly.

Why openpyxl: it is the well-kept, pure-Python reader of .xlsx; its read-only mode
streams rows without building the whole workbook in memory, it reads a formula's cached
result (``data_only``) without evaluating anything, it never follows external links
(``keep_links=False``) and it parses XML through defusedxml when that is installed.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pydantic

from cutsim.files.exchange import FORMAT_VERSION, MAX_PROBLEMS_SHOWN
from cutsim.files.workbook_cells import CellError, read_cell, shown
from cutsim.files.workbook_layout import (
    FIRST_DATA_ROW,
    HOW_TO,
    LEVERS,
    MODEL_SHEETS,
    PLACE,
    SCENARIO_PARTS,
    SCENARIOS,
    SHEETS,
    Column,
    Sheet,
)
from cutsim.files.workbook_write import SHEET_CLASSES, columns_of
from cutsim.files.xlsx_safety import CheckedWorkbook, check_bytes, read_checked
from cutsim.model.errors import InputError
from cutsim.model.schema import CutsimFile
from cutsim.model.validation import validate_file

log = logging.getLogger(__name__)

REQUIRED_SHEETS = ("Place", "Agencies", "Services", "Outcomes")
# What openpyxl raises on a damaged part met while rows are read: broken XML (SyntaxError
# is ParseError's base; defusedxml's refusals are ValueErrors), a shared-string index
# out of range, a bad cell type, a part missing from the zip.
_PARSE_ERRORS = (SyntaxError, ValueError, KeyError, IndexError, TypeError, AttributeError,
                 EOFError, OSError, zipfile.BadZipFile)
_PLACEHOLDER = {"number": 1.0, "int": 1, "percent": 0.0, "fraction": 0.0, "bool": False,
                "list": [], "numbers": 0.0, "pairs": [], "json": None}
_LEVER_FIELDS = {kind: set(cls.model_fields) for kind, cls in
                 (("cut", SHEET_CLASSES["levers"][0]), ("invest", SHEET_CLASSES["levers"][0]),
                  ("pool", SHEET_CLASSES["levers"][1]), ("procure", SHEET_CLASSES["levers"][2]))}
_UNION_TAGS = {"cut", "invest", "pool", "procure", "FixedShares", "float", "list[float]", "str",
               "literal['contribution','benefit']"}


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
        import openpyxl

        name = self.checked.name
        try:
            book = openpyxl.load_workbook(io.BytesIO(self.checked.data), read_only=True,
                                          data_only=True, keep_links=False, keep_vba=False)
        except Exception as exc:  # noqa: BLE001 - any parse failure is a bad file, said so
            log.debug("openpyxl could not read %s", name, exc_info=True)
            raise InputError(f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: "
                             f"{str(exc)[:200]})") from None
        try:
            # Read-only mode parses each sheet's XML while its rows are read.
            formulas = self._formula_cells() if self.checked.has_formulas else {}
            return self._read_book(book, formulas)
        except _PARSE_ERRORS as exc:
            log.debug("openpyxl could not read %s", name, exc_info=True)
            raise InputError(f"{name}: not a readable .xlsx workbook (a damaged part: "
                             f"{type(exc).__name__}: {str(exc)[:200]})") from None
        finally:
            book.close()

    def _formula_cells(self) -> dict[str, set[tuple[int, int]]]:
        """Per sheet, the (row, column) of every formula cell (to tell 'no cached value')."""
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(self.checked.data), read_only=True,
                                      data_only=False, keep_links=False, keep_vba=False)
        try:
            found: dict[str, set[tuple[int, int]]] = {}
            for ws in book.worksheets:
                cells = found.setdefault(ws.title, set())
                ws.reset_dimensions()
                for r, row in enumerate(ws.iter_rows(), start=1):
                    for c, cell in enumerate(row, start=1):
                        if getattr(cell, "data_type", None) == "f":
                            cells.add((r, c))
            return found
        finally:
            book.close()

    def _read_book(self, book, formulas) -> CutsimFile:
        known = {s.name: s for s in SHEETS}
        sheets = {}
        for ws in book.worksheets:
            state = getattr(ws, "sheet_state", "visible")
            if state != "visible":
                self.add(_quoted(ws.title), f"the sheet is {state}; unhide it (or delete it) "
                         "so that everything read is in view")
                continue
            if ws.title == HOW_TO:
                continue
            if ws.title not in known:
                self.add(_quoted(ws.title), "not a sheet of the cutsim workbook layout (its sheets: "
                         + ", ".join(s.name for s in SHEETS) + "); remove or rename it")
                continue
            ws.reset_dimensions()  # a wrong <dimension> tag must not hide cells
            sheets[ws.title] = ws
        for other in getattr(book, "chartsheets", []):
            self.add(_quoted(other.title), "a chart sheet is not part of the layout; remove it")
        for required in REQUIRED_SHEETS:
            if required not in sheets and not any(p.startswith(f"{required}:") for p in self.problems):
                self.add(required, "required sheet is missing")
        self.formulas = formulas
        place = self._place(sheets.get(PLACE.name))
        model: dict[str, Any] = {"place": place}
        for sheet in MODEL_SHEETS:
            model[sheet.path] = self._table(sheets.get(sheet.name), sheet, (sheet.path,))
        scenarios = self._table(sheets.get(SCENARIOS.name), SCENARIOS, ("scenarios",))
        self._scenario_parts(sheets, scenarios)
        document = {"format": "cutsim", "format_version": FORMAT_VERSION,
                    "model": model, "scenarios": scenarios}
        return self._typed(document)

    # --- cells -----------------------------------------------------------------------
    def _cell(self, ws_title: str, cell, column: Column, key: tuple, at: tuple[int, int]) -> Any:
        """The value of one cell (None when empty); a broken rule is a located problem.

        ``at`` is the cell's (row, column): an empty cell in read-only mode knows neither.
        """
        value = cell.value
        coordinate = f"{_quoted(ws_title)}!{column_letter(at[1])}{at[0]}"
        if value is None:
            if at in self.formulas.get(ws_title, ()):
                self.add(f"{coordinate} ({column.field})", "a formula with no saved result; "
                         "open the workbook in a spreadsheet, let it calculate and save it "
                         "(or type the value)", key)
                return _PLACEHOLDER.get(column.kind, "x")
            return None
        if isinstance(value, str) and value == "":
            return None
        try:
            return read_cell(value, column, getattr(cell, "number_format", "General"))
        except CellError as exc:
            self.add(f"{coordinate} ({column.field})", str(exc), key)
            return _PLACEHOLDER.get(column.kind, "x")

    def _place(self, ws) -> dict[str, Any]:
        if ws is None:
            return {"name": "x", "base_year": 2000}
        columns = {c.field: c for c in columns_of(PLACE)}
        values: dict[str, Any] = {}
        where = _Where(PLACE.name, 0)
        self.where[("place",)] = where
        seen: dict[str, int] = {}
        for r, row in enumerate(ws.iter_rows(min_row=2), start=2):
            if all(c.value is None or c.value == "" for c in row):
                continue
            label = row[0].value if row else None
            if label is None or not isinstance(label, str):
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
                if extra.value is not None and extra.value != "":
                    self.add(f"Place!{column_letter(c)}{r}",
                             "extra cell outside columns A-C; remove it")
            where.columns[label] = f"B{r}"
            value = self._cell(PLACE.name, row[1], column, ("place", label), (r, 2)) \
                if len(row) > 1 else None
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
        self._place_rows = where
        return values

    def _header(self, ws, sheet: Sheet) -> dict[int, Column]:
        """Column index (1-based) -> Column, from row 1; unknown and missing columns reported."""
        columns = {c.field: c for c in columns_of(sheet)}
        self.unknown_columns: set[int] = set()
        by_index: dict[int, Column] = {}
        seen: dict[str, int] = {}
        header = next(ws.iter_rows(min_row=1, max_row=1), ())
        for c, cell in enumerate(header, start=1):
            value = cell.value
            if value is None or value == "":
                continue
            ref = f"{_quoted(sheet.name)}!{column_letter(c)}1"
            label = str(value).strip()
            column = columns.get(label)
            if column is None:
                self.unknown_columns.add(c)  # its values are not read (and not re-reported)
                self.add(ref, f"unknown column {shown(label)}; the {sheet.name} sheet's columns "
                         "are " + ", ".join(c.field for c in sheet.columns)
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

    def _table(self, ws, sheet: Sheet, path: tuple) -> list[dict[str, Any]]:
        if ws is None:
            return []
        by_index = self._header(ws, sheet)
        letters = {col.field: column_letter(i) for i, col in by_index.items()}
        required = [c for c in sheet.columns if c.required]
        rows: list[dict[str, Any]] = []
        reported_extra: set[int] = set(self.unknown_columns)
        formulas = self.formulas.get(sheet.name, ())
        for r, row in enumerate(ws.iter_rows(min_row=FIRST_DATA_ROW), start=FIRST_DATA_ROW):
            values: dict[str, Any] = {}
            empty = True
            index = len(rows)
            for c, cell in enumerate(row, start=1):
                value = cell.value
                if (value is None or value == "") and (r, c) not in formulas:
                    continue
                empty = False
                column = by_index.get(c)
                if column is None:
                    if c not in reported_extra:
                        reported_extra.add(c)
                        self.add(f"{_quoted(sheet.name)}!{column_letter(c)}{r}",
                                 "a value in a column with no field name in row 1; remove it "
                                 "or name the column")
                    continue
                value = self._cell(sheet.name, cell, column, path + (index, column.field), (r, c))
                if value is not None:
                    values[column.field] = value
            if empty:
                continue
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

    # --- scenarios ---------------------------------------------------------------------
    def _scenario_parts(self, sheets, scenarios: list[dict[str, Any]]) -> None:
        by_id = {}
        for i, scenario in enumerate(scenarios):
            by_id.setdefault(scenario.get("id"), i)
            for part in SCENARIO_PARTS:
                scenario[part.path] = []
        for part in SCENARIO_PARTS:
            rows = self._table(sheets.get(part.name), part, ("_" + part.path,))
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
        kind = values.get("kind")
        allowed = _LEVER_FIELDS.get(kind, set())
        for name in list(values):
            if name not in allowed and kind in _LEVER_FIELDS:
                self.add(f"{where.cell(name)} ({name})", f"not used by a {kind} lever; leave it empty",
                         key + (name,))
                values.pop(name)
        if "reinvest" in values:
            values["reinvest"] = [{"service": s, "percent_of_saving": p} for s, p in values["reinvest"]]
        share = values.get("gain_share")
        if isinstance(share, str):
            words = share.strip()
            if words.lower().startswith("fixed"):
                from cutsim.files.workbook_cells import _pairs

                try:
                    values["gain_share"] = {"fixed": dict(_pairs(words[5:]))}
                except CellError as exc:
                    self.add(f"{where.cell('gain_share')} (gain_share)", str(exc), key + ("gain_share",))
                    values["gain_share"] = "contribution"
            elif words not in ("contribution", "benefit"):
                self.add(f"{where.cell('gain_share')} (gain_share)", "must be contribution, benefit "
                         f"or fixed agency: share; …, got {shown(share)}", key + ("gain_share",))
                values["gain_share"] = "contribution"
            else:
                values["gain_share"] = words
        return values

    # --- typed objects and rules --------------------------------------------------------
    def _typed(self, document: dict[str, Any]) -> CutsimFile:
        try:
            cutsim_file = CutsimFile.model_validate(document)
        except pydantic.ValidationError as exc:
            for error in exc.errors():
                path = tuple(s for s in error["loc"] if s != "model" and s not in _UNION_TAGS)
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
            for kind, index in re.findall(r"(\w+)\[(\d+)\]", location):
                path += (kind, int(index))
        token = message.split(" ", 1)[0]
        name = re.split(r"[\[.]", token, maxsplit=1)[0]
        bias = re.match(r'optimism_bias\["([1-5])"\]', token)
        if bias:
            name = f"optimism_bias_{bias.group(1)}"
        if path + (name,) in self.reported:
            return None
        where = self.where.get(path)
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
