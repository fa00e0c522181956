"""A small budget book and its mapping, shared by the app's budget tests."""

from __future__ import annotations

from pathlib import Path

import openpyxl

MAPPING = """
[place]
name = "Seaport"
base_year = 2026

[sheet]
name = "Revenue 2026-27"
header_row = 2
total_cell = "D9"

[columns]
cost_centre = "Cost centre"
service = "Service"
agency = "Organisation"
amount = "Net budget £"
activity = "Activity a year"
activity_unit = "Unit"

[agencies]
"Seaport Council" = { id = "council", kind = "council" }
"Seaport NHS" = { id = "nhs", kind = "nhs" }

[skip]
service_matches = ["^Sub-total"]
"""


def make_book(path: Path, total: float, complete: bool = False) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Revenue 2026-27"
    rows = [
        ("Cost centre", "Service", "Organisation", "Net budget £", "Activity a year", "Unit"),
        ("C101", "Youth service b", "Seaport Council", 1_000_000, 1000, "young person-year"),
        ("C102", "Early help b", "Seaport Council", 2_000_000, 400 if complete else None,
         "family-year" if complete else None),
        ("N201", "A&E b", "Seaport NHS", 3_000_000, 25_000, "attendance"),
        ("C103", "Sub-total council", "Seaport Council", 3_000_000, None, None),
        ("X900", "Car parks", "Seaport Parking Co", 600_000, None, None),
    ]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    ws["D9"] = total
    book.save(path)
    return path
