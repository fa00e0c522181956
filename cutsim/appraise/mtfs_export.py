"""The medium-term plan as people read it: a text table, long-form CSV and a workbook."""

from __future__ import annotations

import csv
import io
import os
from typing import Any

from cutsim.appraise.mtfs import LABELS, LINES, OPTIONAL_LINES, Plan
from cutsim.appraise.programme import totals_by
from cutsim.model.fmt import TABLE_UNITS, excel_money_format, money_table, table_unit


def _shown(line: str, values) -> bool:
    """An optional line (a funding kind, a pressure, income, the reserve's details) is
    shown only when it is not all zero, so a plan without them reads as before."""
    return line not in OPTIONAL_LINES or any(float(v) != 0.0 for v in values)


def shown_lines(lines: dict[str, Any]) -> list[str]:
    """The names of one budget's general-fund lines as the text table and the app show
    them, in the plan's order: every line but the all-zero optional ones."""
    return [line for line in LINES if _shown(line, lines[line])]


def _rows(plan: Plan, every_line: bool = False):
    """(entity id, name, budget, line, values) for every line of every agency and the
    place (all-zero optional lines left out unless ``every_line``)."""
    for agency in plan.agencies:
        for line in LINES:
            if every_line or _shown(line, agency.lines[line]):
                yield agency.agency, agency.name, "general_fund", line, agency.lines[line]
        for grant, lines in agency.grants.items():
            for line, values in lines.items():
                yield agency.agency, agency.name, grant, line, values
    for line in LINES:
        if every_line or _shown(line, plan.place[line]):
            yield "place", "Whole place", "general_fund", line, plan.place[line]


def warnings_text(plan: Plan) -> list[str]:
    """The plan's warnings as lines of text (none: an empty list)."""
    if not plan.warnings:
        return []
    return ["Warnings:"] + [f"  ! {w.message}" for w in plan.warnings] + [""]


def programme_text(plan: Plan, agencies: list[str] | None = None, width: int = 11) -> list[str]:
    """Each agency's savings programme: proposals, then totals by directorate and status."""
    out: list[str] = []
    for agency in plan.agencies:
        if not agency.programme or (agencies and agency.agency not in agencies):
            continue
        out += ["", f"{agency.name}: savings programme (planned saving, £ a year)",
                f"{'proposal':<44}{'directorate':<18}{'owner':<28}{'status':<10}{'FTE':>7}"
                + "".join(f"{y:>{width}}" for y in plan.years)]
        # One unit for the whole programme table (docs/user-guide.md, money style).
        totals = [(key, name, values) for key in ("directorate", "status")
                  for name, values in totals_by(agency.programme, key).items()]
        unit = table_unit([v for row in agency.programme for v in row["saving"]]
                          + [v for _, _, values in totals for v in values])
        w = max(width, 2 + max((len(c) for values in [r["saving"] for r in agency.programme]
                                + [t[2] for t in totals]
                                for c in money_table(values, unit=unit)), default=0))
        out[-1] = out[-1][:107] + "".join(f"{y:>{w}}" for y in plan.years)
        for row in agency.programme:
            out.append(f"{row['name'][:43]:<44}{row['directorate'][:17]:<18}{row['owner'][:27]:<28}"
                       f"{row['status']:<10}{row['fte']:>7.1f}"
                       + "".join(f"{c:>{w}}" for c in money_table(row["saving"], unit=unit)))
        for key, name, values in totals:
            out.append(f"{'  total, ' + key + ' ' + name:<107}"
                       + "".join(f"{c:>{w}}" for c in money_table(list(values), unit=unit)))
    return out


def to_text(plan: Plan, agencies: list[str] | None = None) -> str:
    """One table per agency (and the place): lines down, financial years across."""
    terms = ("cash terms (each agency's pay, prices and inflation)" if plan.terms == "cash"
             else f"real terms, {plan.price_year} prices")
    out = [f"Medium-term financial plan, £ a year, {terms}. A positive gap is a shortfall.", ""]
    out += warnings_text(plan)
    width = 12
    blocks: list[tuple[str, list[tuple[str, list[float]]]]] = []
    current = None
    for ident, name, budget, line, values in _rows(plan):
        if agencies and ident not in agencies and ident != "place":
            continue
        key = (ident, budget)
        if key != current:
            current = key
            title = name if budget == "general_fund" else f"{name}: ring-fenced {budget.replace('_', ' ')}"
            blocks.append((title, []))
        blocks[-1][1].append((LABELS.get(line, line), list(values)))
    for title, lines in blocks:  # one table each, in one unit (docs/user-guide.md)
        unit = table_unit([v for _, values in lines for v in values])
        cells = [(label, money_table(values, unit=unit)) for label, values in lines]
        w = max(width, 2 + max(len(c) for _, row in cells for c in row))
        out += ["", title, f"{'':<44}" + "".join(f"{y:>{w}}" for y in plan.years)]
        for label, row in cells:
            out.append(f"{label:<44}" + "".join(f"{c:>{w}}" for c in row))
    out += programme_text(plan, agencies, width)
    return "\n".join(out) + "\n"


def to_csv(plan: Plan) -> str:
    """Long form: entity, budget, line, year, value (£, full precision)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["entity", "budget", "line", "year", "value"])
    for ident, _name, budget, line, values in _rows(plan, every_line=True):
        for year, value in zip(plan.years, values):
            writer.writerow([ident, budget, line, year, repr(float(value) + 0.0)])
    return stream.getvalue()


#: £m to two decimals by number format (the cell keeps the exact £), minus as "−".
MILLIONS = excel_money_format(TABLE_UNITS[0])  # £m to two decimals, "−" for negatives


def write_xlsx(plan: Plan, path: str | os.PathLike[str]) -> None:
    """A cabinet MTFS appendix: a sheet per agency (and the place), lines down and years
    across, £m to two decimals by number format with the exact £ kept in each cell, the
    plan's warnings above the table; a sheet for each savings programme. XlsxWriter, with
    text never read as a formula or a link."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(os.fspath(path), {"strings_to_formulas": False,
                                                    "strings_to_urls": False,
                                                    "strings_to_numbers": False})
    try:
        head = workbook.add_format({"bold": True, "bottom": 1})
        title_format = workbook.add_format({"bold": True, "font_size": 13})
        warn = workbook.add_format({"bold": True, "font_color": "#9C0006", "text_wrap": True})
        millions = workbook.add_format({"num_format": MILLIONS})
        terms = ("cash" if plan.terms == "cash" else f"real terms, {plan.price_year} prices")
        sheets: dict[tuple[str, str], Any] = {}
        rows: dict[Any, int] = {}
        for ident, name, budget, line, values in _rows(plan):
            key = (ident, budget)
            if key not in sheets:
                title = (name if budget == "general_fund" else f"{name} {budget}")
                sheet = workbook.add_worksheet(_sheet_name(title, sheets))
                sheet.write_string(0, 0, f"{title}: medium-term financial plan, £m ({terms})",
                                   title_format)
                row = 1
                width = 46 + 12 * len(plan.years)  # characters across the table
                for w in plan.warnings:
                    if ident in (w.agency, "place"):
                        text = f"Warning: {w.message}"
                        # across the table, tall enough for its wrapped lines
                        sheet.merge_range(row, 0, row, len(plan.years), text, warn)
                        sheet.set_row(row, 15 * (1 + len(text) // width))
                        row += 1
                row += 1
                sheet.write_row(row, 0, ["Line"] + list(plan.years), head)
                sheet.set_column(0, 0, 46)
                sheet.set_column(1, len(plan.years), 12)
                sheet.freeze_panes(row + 1, 1)
                sheet.set_landscape()
                sheet.fit_to_pages(1, 0)
                sheet.repeat_rows(row)
                sheet.set_header(f"&L{title.replace('&', '&&')[:200]}: medium-term financial plan&R&D")
                sheets[key] = sheet
                rows[sheet] = row + 1
            sheet = sheets[key]
            sheet.write_string(rows[sheet], 0, LABELS.get(line, line).strip())
            for j, value in enumerate(values):
                sheet.write_number(rows[sheet], j + 1, float(value) + 0.0, millions)
            rows[sheet] += 1
        for agency in plan.agencies:
            if agency.programme:
                _programme_sheet(workbook, plan, agency, sheets, head, millions)
    finally:
        workbook.close()


def _programme_sheet(workbook, plan: Plan, agency, sheets: dict, head, millions) -> None:
    sheet = workbook.add_worksheet(_sheet_name(f"{agency.name} programme", sheets))
    sheets[(agency.agency, "programme")] = sheet
    columns = ["Proposal", "Directorate", "Owner", "Status", "FTE"] + list(plan.years)
    sheet.write_row(0, 0, columns, head)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 3, 16)
    sheet.set_column(5, 4 + len(plan.years), 12)
    for r, row in enumerate(agency.programme, start=1):
        sheet.write_row(r, 0, [row["name"], row["directorate"], row["owner"], row["status"]])
        sheet.write_number(r, 4, float(row["fte"]))
        for j, value in enumerate(row["saving"]):
            sheet.write_number(r, 5 + j, float(value) + 0.0, millions)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _sheet_name(title: str, taken: dict) -> str:
    """An Excel sheet name: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31]
    names = {s.get_name() for s in taken.values()}
    name, n = clean, 2
    while name in names:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return name
