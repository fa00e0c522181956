"""From a validator problem's location (``services[3] "youth"``) to a table cell.

The core validator names places as people read them; this module reads that name back
so the editor can colour the cell and the problems list can jump to it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from cutsim.model.validation import Problem
from ui.editor.columns import COLUMNS

_ITEM = re.compile(r'^(agencies|services|outcomes|effects|demands)\[(\d+)\]')
_SCENARIO = re.compile(r'^scenarios\[(\d+)\](?: "([^"]*)")?')
_FIELD = re.compile(r"^([a-z_]+)")


@dataclass(frozen=True)
class Place:
    """Where a problem is: a model table cell, the place form, or a scenario."""

    section: str  # "agencies" … "demands", "place", "scenario" or "" (the whole file)
    row: int = -1  # item index (or scenario index)
    field: str | None = None  # the field the message is about, when it names one
    scenario_id: str | None = None


def locate(problem: Problem) -> Place:
    """Which section, row and field a problem is about."""
    location = problem.location
    field = _field_of(problem.message)
    match = _ITEM.match(location)
    if match:
        kind = match.group(1)
        known = {c.field for c in COLUMNS[kind]}
        return Place(kind, int(match.group(2)), field if field in known else None)
    if location == "place":
        return Place("place", -1, field)
    match = _SCENARIO.match(location)
    if match:
        return Place("scenario", int(match.group(1)), None, match.group(2))
    return Place("")


def _field_of(message: str) -> str | None:
    # Messages start with the field they are about ("unit_cost must be > 0 (got -5)").
    match = _FIELD.match(message)
    return match.group(1) if match else None


class ProblemIndex:
    """Problems by (section, row) and by (section, row, field), for quick lookup per cell."""

    def __init__(self, problems: list[Problem]) -> None:
        self.by_row: dict[tuple[str, int], list[Problem]] = defaultdict(list)
        self.by_cell: dict[tuple[str, int, str], list[Problem]] = defaultdict(list)
        self.place: dict[str, list[Problem]] = defaultdict(list)
        for problem in problems:
            where = locate(problem)
            if where.section == "place":
                self.place[where.field or "name"].append(problem)
            elif where.row >= 0 and where.section != "scenario":
                self.by_row[(where.section, where.row)].append(problem)
                # A problem that names no field of the table is shown on the id cell.
                self.by_cell[(where.section, where.row, where.field or "id")].append(problem)

    def cell(self, kind: str, row: int, field: str) -> list[Problem]:
        return self.by_cell.get((kind, row, field), [])

    def row(self, kind: str, row: int) -> list[Problem]:
        return self.by_row.get((kind, row), [])
