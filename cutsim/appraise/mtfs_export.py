"""The medium-term plan as people read it: a text table, long-form CSV and a workbook."""

from __future__ import annotations

import csv
import io
import os
from typing import Any

from cutsim.appraise.mtfs import LABELS, LINES, Plan
from cutsim.model.fmt import money


def _rows(plan: Plan):
    """(entity id, name, budget, line, values) for every line of every agency and the place."""
    for agency in plan.agencies:
        for line in LINES:
            yield agency.agency, agency.name, "general_fund", line, agency.lines[line]
        for grant, lines in agency.grants.items():
            for line, values in lines.items():
                yield agency.agency, agency.name, grant, line, values
    for line in LINES:
        yield "place", "Whole place", "general_fund", line, plan.place[line]


def to_text(plan: Plan, agencies: list[str] | None = None) -> str:
    """One table per agency (and the place): lines down, financial years across."""
    terms = ("cash terms (each agency's inflation assumption)" if plan.terms == "cash"
             else f"real terms, {plan.price_year} prices")
    out = [f"Medium-term financial plan, £ a year, {terms}. A positive gap is a shortfall."]
    width = 11
    current = None
    for ident, name, budget, line, values in _rows(plan):
        if agencies and ident not in agencies and ident != "place":
            continue
        key = (ident, budget)
        if key != current:
            current = key
            title = name if budget == "general_fund" else f"{name}: ring-fenced {budget.replace('_', ' ')}"
            out += ["", title, f"{'':<44}" + "".join(f"{y:>{width}}" for y in plan.years)]
        out.append(f"{LABELS.get(line, line):<44}" + "".join(f"{money(v):>{width}}" for v in values))
    return "\n".join(out) + "\n"


def to_csv(plan: Plan) -> str:
    """Long form: entity, budget, line, year, value (£, full precision)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["entity", "budget", "line", "year", "value"])
    for ident, _name, budget, line, values in _rows(plan):
        for year, value in zip(plan.years, values):
            writer.writerow([ident, budget, line, year, repr(float(value) + 0.0)])
    return stream.getvalue()


def write_xlsx(plan: Plan, path: str | os.PathLike[str]) -> None:
    """A workbook with one sheet per agency and the place; £ formats, frozen headers,
    full-precision values (XlsxWriter, with text never read as a formula or a link)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(os.fspath(path), {"strings_to_formulas": False,
                                                    "strings_to_urls": False,
                                                    "strings_to_numbers": False})
    try:
        head = workbook.add_format({"bold": True, "bottom": 1})
        pounds = workbook.add_format({"num_format": "£#,##0;[Red]-£#,##0"})
        sheets: dict[tuple[str, str], Any] = {}
        rows: dict[Any, int] = {}
        for ident, name, budget, line, values in _rows(plan):
            key = (ident, budget)
            if key not in sheets:
                title = (name if budget == "general_fund" else f"{name} {budget}")
                sheet = workbook.add_worksheet(_sheet_name(title, sheets))
                sheet.write_row(0, 0, ["Line"] + list(plan.years), head)
                sheet.set_column(0, 0, 44)
                sheet.set_column(1, len(plan.years), 14)
                sheet.freeze_panes(1, 1)
                sheets[key] = sheet
                rows[sheet] = 1
            sheet = sheets[key]
            sheet.write_string(rows[sheet], 0, LABELS.get(line, line))
            for j, value in enumerate(values):
                sheet.write_number(rows[sheet], j + 1, float(value), pounds)
            rows[sheet] += 1
    finally:
        workbook.close()


def _sheet_name(title: str, taken: dict) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31]
    names = {s.get_name() for s in taken.values()}
    name, n = clean, 2
    while name in names:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return name
