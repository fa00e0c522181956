"""An existing budget book (.xlsx) mapped onto services by a ``mapping.toml``.

A finance team's budget sheet has its own columns (cost centre, service, organisation,
gross or net budget, activity). A mapping names them; each budget row becomes a service.
Nothing is guessed: a row that maps to no service is listed, the mapped total is
reconciled against the sheet's own total, and a service whose unit cost or activity
unit the book does not give is listed as a problem to complete.

The mapping (TOML; every key documented in docs/workbook-format.md)::

    [place]                     # used when a new model is written
    name = "Seaport"
    base_year = 2026

    [sheet]
    name = "Revenue budget"     # default: the first sheet
    header_row = 3              # the row holding the column names (default 1)
    total_cell = "F60"          # the sheet's own total, to reconcile against (optional)

    [columns]                   # the budget's column names, as written in header_row
    service = "Service"         # required: the service's name
    amount = "Net budget"       # required: £/yr
    cost_centre = "Cost centre" # optional: becomes the service id
    agency = "Organisation"     # optional: agency names, mapped by [agencies]
    activity = "Activity"       # optional: units a year (unit cost = amount / activity)
    activity_unit = "Unit"      # optional
    unit_cost = "Unit cost"     # optional: £ per unit

    [defaults]
    agency = "council"          # when there is no agency column
    mode = "discretionary"      # or demand_led
    basis = "net"               # net or gross: what the amount column is (goes into source)

    [agencies]                  # agency names in the book -> id and kind
    "Seaport Council" = { id = "council", kind = "council" }

    [skip]
    service_matches = ["^Total", "^Sub-total"]   # regexes: rows that are not services
"""

from __future__ import annotations

import io
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cutsim.files.workbook_cells import CellError, read_cell
from cutsim.files.workbook_layout import Column
from cutsim.files.workbook_read import column_letter
from cutsim.files.xlsx_parts import Parts
from cutsim.files.xlsx_safety import read_checked
from cutsim.model.errors import InputError
from cutsim.model.schema import AGENCY_KINDS, SERVICE_MODES, Agency, Service

_MAPPING_KEYS = {"place": {"name", "base_year", "price_year"},
                 "sheet": {"name", "header_row", "total_cell"},
                 "columns": {"service", "amount", "cost_centre", "agency", "activity",
                             "activity_unit", "unit_cost"},
                 "defaults": {"agency", "mode", "basis"}, "agencies": None,
                 "skip": {"service_matches"}}
_MONEY = Column("amount", "number", "")
_TEXT = Column("text", "text", "")


@dataclass
class BudgetMapping:
    """A parsed ``mapping.toml``."""

    columns: dict[str, str]
    sheet: str | None = None
    header_row: int = 1
    total_cell: str | None = None
    default_agency: str = "council"
    mode: str = "discretionary"
    basis: str = "net"
    agencies: dict[str, dict[str, str]] = field(default_factory=dict)
    skip: list[re.Pattern] = field(default_factory=list)
    place: dict[str, Any] = field(default_factory=dict)


@dataclass
class BudgetImport:
    """What a budget book gave: services, agencies, and what the user must see first."""

    agencies: list[Agency]
    services: list[Service]  # unit_cost / activity_unit may be None: see ``to_complete``
    not_mapped: list[str]  # "row 12: Sub-total (skipped by service_matches)"
    mapped_total: float
    sheet_total: float | None
    to_complete: list[str]  # "Vision Park (row 9): unit_cost missing"
    rows: dict[str, int] = field(default_factory=dict)  # service id -> budget row

    @property
    def difference(self) -> float | None:
        """Sheet total minus mapped total (£/yr); None when the mapping names no total."""
        return None if self.sheet_total is None else self.sheet_total - self.mapped_total

    @property
    def complete(self) -> bool:
        return not self.to_complete


def read_mapping(path: str | Path) -> BudgetMapping:
    """Parse and check a mapping file; InputError naming every wrong key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name}: not valid TOML ({exc})") from None
    problems = []
    for table, value in data.items():
        if table not in _MAPPING_KEYS:
            problems.append(f"[{table}]: unknown table (tables: {', '.join(_MAPPING_KEYS)})")
        elif not isinstance(value, dict):
            problems.append(f"{table}: must be a table")
        elif (allowed := _MAPPING_KEYS[table]) is not None:
            for key in value:
                if key not in allowed:
                    problems.append(f"[{table}] {key}: unknown key (keys: "
                                    f"{', '.join(sorted(allowed))})")
    columns = data.get("columns", {})
    for required in ("service", "amount"):
        if not isinstance(columns.get(required), str):
            problems.append(f"[columns] {required}: required (the budget's column name)")
    defaults = data.get("defaults", {})
    if defaults.get("mode", "discretionary") not in SERVICE_MODES:
        problems.append("[defaults] mode: must be discretionary or demand_led")
    if defaults.get("basis", "net") not in ("net", "gross"):
        problems.append("[defaults] basis: must be net or gross")
    agencies = data.get("agencies", {})
    for name, spec in agencies.items() if isinstance(agencies, dict) else ():
        if not isinstance(spec, dict) or not isinstance(spec.get("id"), str):
            problems.append(f'[agencies] "{name}": must be {{ id = "...", kind = "..." }}')
        elif spec.get("kind", "other") not in AGENCY_KINDS:
            problems.append(f'[agencies] "{name}": kind must be one of {", ".join(AGENCY_KINDS)}')
    skip = []
    for pattern in data.get("skip", {}).get("service_matches", []):
        try:
            skip.append(re.compile(pattern))
        except re.error as exc:
            problems.append(f"[skip] service_matches {pattern!r}: not a regular expression ({exc})")
    sheet = data.get("sheet", {})
    header_row = sheet.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        problems.append("[sheet] header_row: must be a whole number >= 1")
    total_cell = sheet.get("total_cell")
    if total_cell is not None and not re.fullmatch(r"[A-Z]{1,3}[1-9]\d*", str(total_cell)):
        problems.append('[sheet] total_cell: must be a cell like "F60"')
    if problems:
        raise InputError(f"{path.name}: {len(problems)} problem(s):\n  " + "\n  ".join(problems),
                         problems)
    return BudgetMapping(
        columns={k: v for k, v in columns.items()}, sheet=sheet.get("name"),
        header_row=header_row, total_cell=total_cell,
        default_agency=defaults.get("agency", "council"), mode=defaults.get("mode", "discretionary"),
        basis=defaults.get("basis", "net"), agencies=dict(agencies), skip=skip,
        place=dict(data.get("place", {})))


def slug(text: str) -> str:
    """A short id from a name: "Children's Services" -> "children-s-services"."""
    s = re.sub(r"[^a-z0-9_-]+", "-", text.casefold()).strip("-")
    return (s or "item")[:64]


def read_budget(book: str | Path, mapping: BudgetMapping) -> BudgetImport:
    """Map the budget book's rows onto services (nothing is written)."""
    import python_calamine

    checked = read_checked(book)
    parts = Parts(checked.data, checked.name)
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
        names = wb.sheet_names
        title = mapping.sheet if mapping.sheet is not None else (names[0] if names else None)
        if title not in names:
            raise InputError(f"{checked.name}: no sheet {mapping.sheet!r} (sheets: "
                             + ", ".join(names) + ")")
        if parts.sheet_parts().get(title) not in checked.sheets:  # every sheet read is bounded
            raise InputError(f"{checked.name}: sheet {title} has no part in the workbook")
        rows = [[None if v == "" else v for v in row]
                for row in wb.get_sheet_by_name(title).to_python(skip_empty_area=False)]
    except python_calamine.CalamineError as exc:
        raise InputError(f"{checked.name}: not a readable .xlsx workbook ({type(exc).__name__}: "
                         f"{str(exc)[:200]})") from None
    return _map_rows(rows, mapping, f"{checked.name} {title}")


def _map_rows(rows: Sequence[Sequence[Any]], mapping: BudgetMapping, where: str) -> BudgetImport:
    if len(rows) < mapping.header_row:
        raise InputError(f"{where}: no row {mapping.header_row} (the header_row of the mapping)")
    header = [str(v).strip() if v is not None else "" for v in rows[mapping.header_row - 1]]
    index: dict[str, int] = {}
    problems = []
    for key, column_name in mapping.columns.items():
        if column_name not in header:
            problems.append(f"[columns] {key} = {column_name!r}: no such column in row "
                            f"{mapping.header_row} (columns: {', '.join(h for h in header if h)})")
        else:
            index[key] = header.index(column_name)
    sheet_total = None
    if mapping.total_cell:
        match = re.fullmatch(r"([A-Z]+)(\d+)", mapping.total_cell)
        assert match is not None  # the mapping's reader checked it is a cell like "F60"
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(match.group(1)))) - 1
        r = int(match.group(2)) - 1
        value = rows[r][col] if r < len(rows) and col < len(rows[r]) else None
        try:
            sheet_total = read_cell(value, _MONEY) if value is not None else None
        except CellError as exc:
            problems.append(f"{mapping.total_cell} (total_cell): {exc}")
        if sheet_total is None and not problems:
            problems.append(f"{mapping.total_cell} (total_cell): the cell is empty")
    if problems:
        raise InputError(f"{where}: {len(problems)} problem(s):\n  " + "\n  ".join(problems), problems)
    total_row = int(re.sub(r"[A-Z]+", "", mapping.total_cell)) if mapping.total_cell else None

    agencies: dict[str, Agency] = {}
    services: list[Service] = []
    not_mapped, to_complete, bad = [], [], []
    taken: set[str] = set()
    row_of: dict[str, int] = {}
    mapped_total = 0.0
    for r, row in enumerate(rows[mapping.header_row:], start=mapping.header_row + 1):
        if r == total_row or all(v is None or v == "" for v in row):
            continue

        def cell(key: str, row: Sequence[Any] = row) -> Any:
            i = index.get(key)
            return row[i] if i is not None and i < len(row) else None

        name = cell("service")
        name = None if name is None else str(name).strip()
        if not name:
            not_mapped.append(f"row {r}: no service name")
            continue
        if any(p.search(name) for p in mapping.skip):
            not_mapped.append(f"row {r}: {name} (skipped by service_matches)")
            continue
        try:
            amount = read_cell(cell("amount"), _MONEY) if cell("amount") is not None else None
        except CellError as exc:
            bad.append(f"{column_letter(index['amount'] + 1)}{r} (amount): {exc}")
            continue
        if amount is None:
            not_mapped.append(f"row {r}: {name} (no amount)")
            continue
        if not amount > 0:
            not_mapped.append(f"row {r}: {name} (amount {amount:,.2f} is not > 0: an income "
                              "line or a credit, not a service)")
            continue
        agency_name = cell("agency")
        if agency_name is not None and str(agency_name).strip():
            spec = mapping.agencies.get(str(agency_name).strip())
            if spec is None:
                not_mapped.append(f"row {r}: {name} (agency {str(agency_name).strip()!r} is not "
                                  "in [agencies])")
                continue
            agency_id, kind, agency_label = spec["id"], spec.get("kind", "other"), str(agency_name).strip()
        else:
            agency_id = mapping.default_agency
            spec = next((s for s in mapping.agencies.values() if s.get("id") == agency_id), {})
            kind, agency_label = spec.get("kind", "council" if agency_id == "council" else "other"), agency_id
        agencies.setdefault(agency_id, Agency(id=agency_id, name=agency_label, kind=kind))
        base = slug(str(cell("cost_centre")) if cell("cost_centre") is not None else name)
        ident, k = base, 2
        while ident in taken:
            ident, k = f"{base[:60]}-{k}", k + 1
        taken.add(ident)
        unit_cost = _number(cell("unit_cost"))
        activity = _number(cell("activity"))
        if unit_cost is None and activity:
            unit_cost = amount / activity
        unit_cell = cell("activity_unit")
        unit = str(unit_cell).strip() if unit_cell is not None and str(unit_cell).strip() else None
        if unit_cost is None:
            to_complete.append(f"{name} (budget row {r}): unit_cost missing (£ per unit of activity)")
        if unit is None:
            to_complete.append(f"{name} (budget row {r}): activity_unit missing")
        services.append(Service.model_construct(
            id=ident, agency=agency_id, name=name, baseline_spend=float(amount),
            # model_construct skips validation: an imported service may lack these two until
            # it is completed (the to-complete list above says which)
            unit_cost=unit_cost, activity_unit=unit,  # type: ignore[arg-type]
            mode=mapping.mode, statutory_floor=0.0,
            max_efficiency_percent=10.0, external_share=None, groups=[], confidential=False,
            illustrative=False, notes=None,
            source=f"{mapping.basis} budget, {where} row {r}"))
        row_of[ident] = r
        mapped_total += float(amount)
    if bad:
        raise InputError(f"{where}: {len(bad)} problem(s):\n  " + "\n  ".join(bad), bad)
    return BudgetImport(list(agencies.values()), services, not_mapped, mapped_total,
                        sheet_total, to_complete, row_of)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = read_cell(value, _MONEY)
    except CellError:
        return None
    return number if math.isfinite(number) and number > 0 else None
