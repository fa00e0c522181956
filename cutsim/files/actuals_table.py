"""Reading actuals from a CSV or a workbook into a file's ``actuals`` (docs/actuals.md).

The table has the columns ``kind`` (``outcome`` | ``spend``), ``id`` (an outcome's or a
service's id, or an outcome's ``indicator`` code), ``year`` (a financial-year label such as
``2026-27``), ``value``, ``source``, and optional ``area``, ``date`` and ``notes``. Every
problem is named by its row (``actuals.csv row 5 (value): …``); one problem anywhere and
nothing is imported: :func:`import_actuals` returns a new file only when every row is good,
and the caller writes it whole.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cutsim.files.exchange import MAX_BYTES, MAX_LIST_ITEMS, MAX_STRING, file_bytes
from cutsim.model.actuals_rules import observation_key, observation_problems
from cutsim.model.errors import InputError
from cutsim.model.safetext import terminal_safe
from cutsim.model.schema import Actuals, CutsimFile, Observation
from cutsim.model.validation import validate_file

COLUMNS = ("kind", "id", "year", "value", "source", "area", "date", "notes")
REQUIRED = ("kind", "id", "year", "value", "source")
MAX_PROBLEMS_SHOWN = 30
WORKBOOK_SHEET = "Actuals"  # the sheet read from a workbook that has one (else its first)


@dataclass(frozen=True)
class Row:
    """One row of the table: where it is (``actuals.csv row 5``) and its cells as text or
    numbers (empty cells left out)."""

    where: str
    cells: dict[str, Any]


@dataclass(frozen=True)
class ImportResult:
    """What an import would do: the new file, and how many observations it adds and replaces."""

    file: CutsimFile
    added: int
    replaced: int
    unchanged: int


def read_table(path: str | os.PathLike[str]) -> list[Row]:
    """The rows of an actuals CSV or workbook at ``path`` (InputError for a table that
    cannot be read: not UTF-8, no header, unknown or repeated columns)."""
    from cutsim.files.xlsx_safety import looks_like_workbook

    path = Path(path)
    if looks_like_workbook(path):
        return _workbook_rows(path)
    return _csv_rows(path)


def _header(names: list[Any], where: str) -> list[str | None]:
    problems: list[str] = []
    seen: set[str] = set()
    fields: list[str | None] = []
    for i, name in enumerate(names, start=1):
        text = str(name).strip().lower() if name is not None else ""
        if not text:
            fields.append(None)
            continue
        if text not in COLUMNS:
            problems.append(f"{where} column {i}: unknown column {terminal_safe(text)[:40]!r} "
                            f"(columns: {', '.join(COLUMNS)})")
        elif text in seen:
            problems.append(f"{where} column {i}: column {text} appears twice")
        seen.add(text)
        fields.append(text if text in COLUMNS else None)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        problems.append(f"{where}: required column(s) missing: {', '.join(missing)}")
    if problems:
        raise InputError("\n  ".join(problems), problems)
    return fields


def _csv_rows(path: Path) -> list[Row]:
    data = file_bytes(path)  # at most 20 MiB, a regular file
    if len(data) > MAX_BYTES:
        raise InputError(f"{path.name}: the file is larger than {MAX_BYTES:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path.name}: not UTF-8 text (byte {exc.start}); save the CSV as "
                         "UTF-8") from None
    if "\x00" in text:
        raise InputError(f"{path.name}: holds a NUL character; not a CSV file")
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InputError(f"{path.name}: not a readable CSV ({exc})") from None
    if not lines:
        raise InputError(f"{path.name}: empty; the first row names the columns "
                         f"({', '.join(COLUMNS)})")
    if len(lines) - 1 > MAX_LIST_ITEMS:
        raise InputError(f"{path.name}: {len(lines) - 1:,} rows; the limit is {MAX_LIST_ITEMS:,}")
    fields = _header(lines[0], f"{path.name} row 1")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        rows.append(_row(f"{path.name} row {number}", fields, line))
    return [r for r in rows if r.cells]


def _row(where: str, fields: list[str | None], values: list[Any]) -> Row:
    cells: dict[str, Any] = {}
    for i, value in enumerate(values):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        name = fields[i] if i < len(fields) else None
        cells[name if name is not None else f"#{i + 1}"] = value
    return Row(where, cells)


def _workbook_rows(path: Path) -> list[Row]:
    import python_calamine

    from cutsim.files.xlsx_safety import read_checked

    checked = read_checked(path)
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
        names = book.sheet_names
        title = WORKBOOK_SHEET if WORKBOOK_SHEET in names else (names[0] if names else None)
        if title is None:
            raise InputError(f"{path.name}: the workbook has no sheet")
        grid = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    except python_calamine.CalamineError as exc:
        raise InputError(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    if not grid:
        raise InputError(f"{path.name} sheet {title}: empty; row 1 names the columns")
    if len(grid) > MAX_LIST_ITEMS + 2:
        raise InputError(f"{path.name}: {len(grid):,} rows; the limit is {MAX_LIST_ITEMS:,}")
    fields = _header(list(grid[0]), f"{path.name} sheet {title} row 1")
    # A model workbook's Actuals sheet has the unit of each column in row 2 (docs/workbook-format.md).
    first = 3 if title == WORKBOOK_SHEET and len(grid) > 1 and _is_units_row(grid[1], fields) else 2
    return [row for number in range(first, len(grid) + 1)
            if (row := _row(f"{path.name} sheet {title} row {number}", fields,
                            list(grid[number - 1]))).cells]


def _is_units_row(values: list[Any], fields: list[str | None]) -> bool:
    kind = next((v for v, f in zip(values, fields) if f == "kind"), None)
    return isinstance(kind, str) and kind.strip() not in ("outcome", "spend")


def _text(row: Row, name: str, problems: list[str]) -> str | None:
    value = row.cells.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):  # a date cell
        value = value.isoformat()[:10]
    text = str(value).strip()
    if len(text) > MAX_STRING:
        problems.append(f"{row.where} ({name}): longer than {MAX_STRING:,} characters")
        return None
    return text


def _number(row: Row, problems: list[str]) -> float | None:
    value = row.cells.get("value")
    if isinstance(value, bool):
        problems.append(f"{row.where} (value): must be a number (got {value})")
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").removeprefix("£")
        try:
            number = float(text)
        except ValueError:
            problems.append(f"{row.where} (value): must be a number "
                            f"(got {terminal_safe(str(value))[:40]!r})")
            return None
    if not math.isfinite(number):
        problems.append(f"{row.where} (value): must be a finite number (got {value})")
        return None
    return number


def observations_from(rows: list[Row], cutsim_file: CutsimFile) -> list[Observation]:
    """Every row as an observation of ``cutsim_file``'s model, an outcome's ``indicator``
    code read as its id. InputError listing every problem by its row (nothing returned
    unless every row is good, duplicates within the table included)."""
    model = cutsim_file.model
    outcome_ids = {o.id for o in model.outcomes}
    by_indicator = {o.indicator.strip().lower(): o.id for o in model.outcomes if o.indicator}
    problems: list[str] = []
    found: list[Observation] = []
    first_at: dict[tuple, str] = {}
    for row in rows:
        before = len(problems)
        for name in row.cells:
            if name.startswith("#"):
                problems.append(f"{row.where} column {name[1:]}: a value in a column with no name")
        for name in REQUIRED:
            if name not in row.cells:
                problems.append(f"{row.where} ({name}): required, the cell is empty")
        if len(problems) > before:
            continue
        kind = _text(row, "kind", problems)
        if kind not in ("outcome", "spend"):
            problems.append(f"{row.where} (kind): must be outcome or spend "
                            f"(got {terminal_safe(str(kind))[:40]!r})")
            continue
        ident = _text(row, "id", problems) or ""
        if kind == "outcome" and ident not in outcome_ids and ident.lower() in by_indicator:
            ident = by_indicator[ident.lower()]
        value = _number(row, problems)
        texts = {name: _text(row, name, problems) for name in ("year", "source", "area", "date", "notes")}
        if len(problems) > before or value is None:
            continue
        obs = Observation(kind="outcome" if kind == "outcome" else "spend", id=ident,
                          year=texts["year"] or "", value=value, source=texts["source"] or "",
                          area=texts["area"], date=texts["date"], notes=texts["notes"])
        for message in observation_problems(model, obs):
            field, rest = message.split(" ", 1)
            if field == "id":  # 'refers to service "x"…' reads better after '(id):'
                message = rest
            problems.append(f"{row.where} ({field}): {terminal_safe(message)}")
        key = observation_key(obs)
        if key in first_at:
            problems.append(f"{row.where}: the same {kind} {ident} in {obs.year}"
                            + (f" (area {obs.area})" if obs.area else "")
                            + f" as {first_at[key]}")
        else:
            first_at[key] = row.where
        if len(problems) == before:
            found.append(obs)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise InputError(f"{len(problems)} problem(s); nothing was imported:\n  "
                         + "\n  ".join(shown) + (f"\n  … and {more} more" if more > 0 else ""),
                         problems)
    return found


def import_actuals(cutsim_file: CutsimFile, rows: list[Row], *, replace: bool = False,
                   illustrative: bool | None = None) -> ImportResult:
    """``cutsim_file`` with the table's observations added to its actuals.

    An observation already held (same kind, id, year and area) with the same value and
    source is left as it is; with a different one it is refused, naming both, unless
    ``replace`` (then the table's replaces it in its place). ``illustrative`` sets the
    actuals' flag when given. The result is validated in full (InputError: nothing changes).
    """
    incoming = observations_from(rows, cutsim_file)
    current = cutsim_file.actuals or Actuals()
    held = {observation_key(o): i for i, o in enumerate(current.observations)}
    observations = list(current.observations)
    added = replaced = unchanged = 0
    clashes: list[str] = []
    for row, obs in zip(_rows_of(rows, incoming), incoming):
        i = held.get(observation_key(obs))
        if i is None:
            observations.append(obs)
            added += 1
            continue
        old = observations[i]
        if old == obs:
            unchanged += 1
            continue
        if not replace:
            clashes.append(f"{row}: {obs.kind} {obs.id} in {obs.year} is held already as "
                           f"{old.value!r} ({terminal_safe(old.source)[:60]}); the table says "
                           f"{obs.value!r}. Run again with --replace to replace it")
            continue
        observations[i] = obs
        replaced += 1
    if clashes:
        raise InputError(f"{len(clashes)} observation(s) differ from those held; nothing was "
                         "imported:\n  " + "\n  ".join(clashes[:MAX_PROBLEMS_SHOWN]), clashes)
    update: dict[str, Any] = {"observations": observations}
    if illustrative is not None:
        update["illustrative"] = illustrative
    new_file = cutsim_file.model_copy(update={"actuals": current.model_copy(update=update)})
    problems = [str(p) for p in validate_file(new_file)]
    if problems:
        raise InputError(f"{len(problems)} problem(s); nothing was imported:\n  "
                         + "\n  ".join(problems[:MAX_PROBLEMS_SHOWN]), problems)
    return ImportResult(new_file, added, replaced, unchanged)


def _rows_of(rows: list[Row], incoming: list[Observation]) -> list[str]:
    """The row each observation came from (every row gave one when there is no problem)."""
    return [row.where for row in rows][:len(incoming)]
