"""Table models over a result: appraisal, cost shift, annual money, comparison.

Each is a thin read-only ``QAbstractTableModel`` over numbers the engine computed; cells
show text from the core's formatter (``cutsim.model.fmt``), ``Qt.UserRole`` gives the raw
number (for tests and CSV export) and the tooltip the exact value to the penny. Every
table's caption or headers say which year or period it shows. Headers are wrapped onto
short lines (never elided), and magnitudes below the place's materiality floor show as
exact zeros.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from cutsim.engine.money import SERIES
from cutsim.files.safewrite import atomic_write_bytes
from cutsim.model.fmt import (
    DASH,
    money_exact,
    money_in_unit,
    number,
    pounds_pence,
    table_unit,
    year_label,
)
from cutsim.model.materiality import clean, is_nothing, materiality_floor
from cutsim.model.safecsv import Figure, SafeCsvWriter
from cutsim.model.schema import PLACE_ID, headline_year
from ui.palette import diverging, text_colour_on

if TYPE_CHECKING:
    from cutsim.appraise.result import Result

RAW_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex
HEADER_WIDTH = 14  # characters per header line: eight agencies fit 1280 px
SERIES_NAMES = {"planned_saving": "Planned saving", "knock_on_cost": "Knock-on cost",
                "one_off_cost": "One-off cost", "net_saving": "Net saving"}


def wrap(text: str, width: int = HEADER_WIDTH) -> str:
    """Header text on lines of at most ``width`` characters, words kept whole."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) \
        or text


def possessive(name: str) -> str:
    """"Council's", "Schools'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


class _Table(QAbstractTableModel):
    """Rows of raw values with a header row/column and a formatter per column."""

    columns: Sequence[str] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[str] = []  # row headers
        self._values: list[list[Any]] = []
        self.floor = 0.0
        self.unit = table_unit([])  # the one money unit of the table (docs/user-guide.md)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        names = self.columns if horizontal else self._rows
        if not 0 <= section < len(names):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return wrap(names[section]) if horizontal else names[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tip(section, horizontal)
        return None

    def header_tip(self, section: int, horizontal: bool) -> str:
        return (self.columns if horizontal else self._rows)[section]

    def raw(self, row: int, column: int) -> Any:
        return self._values[row][column]

    def shown(self, value: Any) -> Any:
        """The value as shown: magnitudes below the materiality floor are exactly 0."""
        if isinstance(value, float) and math.isfinite(value) and self.floor > 0:
            return clean(value, self.floor)
        return value

    def is_money_column(self, column: int) -> bool:
        """Whether the column holds £ (its figures choose the table's one unit)."""
        return True

    def money_cell(self, value: Any, signed: bool = False) -> str:
        """A £ figure in the table's one unit (docs/user-guide.md "Money in tables")."""
        return money_in_unit(self.shown(value), self.unit, signed=signed)

    def format(self, row: int, column: int, value: Any) -> str:
        return self.money_cell(value)

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        if isinstance(value, float):
            return f"{self._rows[row]}, {self.columns[column]}: {money_exact(self.shown(value))}"
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if not (0 <= r < len(self._rows) and 0 <= c < len(self.columns)):
            return None
        value = self._values[r][c]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.format(r, c, value)
        if role == RAW_ROLE:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(r, c, value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return self.style(r, c, value, role)

    def style(self, row: int, column: int, value: Any, role: int) -> Any:
        return None

    def set_rows(self, rows: list[str], values: list[list[Any]]) -> None:
        self.beginResetModel()
        self._rows, self._values = rows, values
        self.unit = table_unit([self.shown(v) for row in values for c, v in enumerate(row)
                                if self.is_money_column(c) and isinstance(v, (int, float))
                                and not isinstance(v, bool) and math.isfinite(v)],
                               floor=self.floor)
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([], [])

    def has_rows(self) -> bool:
        return bool(self._rows)

    def to_csv(self, path: str | Path) -> None:
        """Write the raw numbers (not the formatted text) with both headers, atomically;
        names from the file are guarded against running as spreadsheet formulas."""
        stream = io.StringIO(newline="")
        writer = SafeCsvWriter(stream, lineterminator="\r\n")
        writer.writerow(["", *self.columns])
        for name, values in zip(self._rows, self._values):
            writer.writerow([name, *values])
        atomic_write_bytes(path, stream.getvalue().encode("utf-8"))


def _agency_names(result: Result) -> dict[str, str]:
    names = {a.id: a.name for a in result.compiled.model.agencies}
    names[PLACE_ID] = "Whole place"
    return names


def _short_names(result: Result) -> dict[str, str]:
    names = {a.id: a.label for a in result.compiled.model.agencies}
    names[PLACE_ID] = "Whole place"
    return names


class AppraisalTableModel(_Table):
    """Per agency and the place: NPV, optimism-adjusted NPV, payback year, BCR (Green Book).

    "—" where a figure has no meaning: a BCR needs benefits and costs, a payback year a
    net saving in some year (an agency that only bears costs never pays back anything).
    """

    columns = ("NPV (£)", "NPV after optimism bias (£)", "Payback year", "Benefit-cost ratio")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._base_year = 0
        self._meaning: list[tuple[bool, bool]] = []  # (payback, BCR) per row

    def set_result(self, result: Result) -> None:
        appraisal = result.appraisal
        cm = result.compiled
        self._base_year = cm.model.place.base_year
        self.floor = materiality_floor(cm.model)
        horizon = cm.horizon_years
        # Optimism bias is applied line by line (docs/appraisal.md): no one percentage.
        self.columns = (f"NPV over {horizon} years (£)", "NPV after optimism bias, line by line (£)",
                        "Payback year", "Benefit-cost ratio")
        names = _agency_names(result)
        net = {**{a: result.agency_annual["net_saving"][i] for i, a in enumerate(cm.agency_ids)},
               PLACE_ID: result.place_annual["net_saving"]}
        rows, values, meaning = [], [], []
        for aid in [*cm.agency_ids, PLACE_ID]:
            figures = appraisal.entities[aid]
            rows.append(names[aid])
            values.append([figures.npv, figures.npv_adjusted, figures.payback_year, figures.bcr])
            # The present values are the appraisal's own (the place's discount schedule).
            saves = bool(np.any(np.asarray(net[aid]) >= self.floor))
            meaning.append((saves, not is_nothing(figures.pv_benefits, self.floor)
                            and not is_nothing(figures.pv_costs, self.floor)))
        self._meaning = meaning
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        if column == 2:
            # payback_year is the index of the financial year in which it pays back.
            if not self._meaning[row][0]:
                return DASH
            return "not within horizon" if value is None else year_label(self._base_year, int(value))
        if column == 3:
            if not self._meaning[row][1] or value is None or \
                    (isinstance(value, float) and math.isnan(value)):
                return DASH
            return number(value)
        return self.money_cell(value)

    def is_money_column(self, column: int) -> bool:
        return column not in (2, 3)  # payback year and benefit-cost ratio

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        if column == 2 and not self._meaning[row][0]:
            return "No payback: there is no net saving in any year to pay back with."
        if column == 3 and self.format(row, column, value) == DASH:
            return "No ratio: it needs both benefits and costs."
        if column == 3:
            return f"PV(benefits) / PV(costs) = {number(value, 6)}"
        return super().tooltip(row, column, value)


class CostShiftTableModel(_Table):
    """cost_shift[i][j]: £ of knock-on cost borne by j (column) because of i's levers (row).

    Headers use the agencies' short names; cells are coloured as a heatmap (orange =
    cost pushed onto the column agency) and their tooltip names both agencies in full.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ()
        self._limit = 0.0
        self._full: list[str] = []

    def set_result(self, result: Result) -> None:
        short, full = _short_names(result), _agency_names(result)
        ids = result.compiled.agency_ids
        self.floor = materiality_floor(result.compiled.model)
        matrix = result.cost_shift_matrix
        self.columns = tuple(f"{short[a]} pays" for a in ids)
        self._full = [full[a] for a in ids]
        self._limit = float(abs(matrix).max()) if matrix.size else 0.0
        self.set_rows([f"{possessive(short[a])} cuts" for a in ids],
                      [[float(v) for v in row] for row in matrix])

    def header_tip(self, section: int, horizontal: bool) -> str:
        who = self._full[section]
        return f"Knock-on cost borne by {who}" if horizontal else f"Caused by {who}'s levers"

    def style(self, row: int, column: int, value: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(diverging(value, self._limit))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(text_colour_on(diverging(value, self._limit).name())))
        return None

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        return (f"{self._full[row]}'s levers cause {money_exact(self.shown(value))} of knock-on "
                f"cost to {self._full[column]} over the horizon (undiscounted)")

    def format(self, row: int, column: int, value: Any) -> str:
        return "" if is_nothing(value, self.floor) else self.money_cell(value)


class AnnualMoneyTableModel(_Table):
    """Agency × financial year: planned saving, knock-on cost, one-off cost and net saving
    (£ in each year; costs as costs, net = planned − knock-on − one-off), then the place.

    Columns: agency, money, one per financial year, and the total over the horizon. The
    CSV export writes every value in pounds and pence.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ()
        self._keys: list[tuple[str, str, str]] = []  # (agency id, full name, series)
        self._years: list[str] = []

    def set_result(self, result: Result) -> None:
        cm = result.compiled
        self.floor = materiality_floor(cm.model)
        short, full = _short_names(result), _agency_names(result)
        self._years = list(result.years)
        headline = headline_year(result.scenario, cm.horizon_years)
        shown_years = [f"{y} (headline year)" if i == headline else y
                       for i, y in enumerate(self._years)]
        self.columns = ("Agency", "Money", *shown_years, f"Total over {cm.horizon_years} years")
        rows, values, keys = [], [], []
        blocks = [(a, {s: result.agency_annual[s][i] for s in SERIES})
                  for i, a in enumerate(cm.agency_ids)] + [(PLACE_ID, result.place_annual)]
        for aid, annual in blocks:
            for series in SERIES:
                figures = [float(v) for v in annual[series]]
                rows.append(f"{short[aid]}: {SERIES_NAMES[series].lower()}")
                values.append([short[aid], SERIES_NAMES[series], *figures, float(sum(figures))])
                keys.append((aid, full[aid], series))
        self._keys = keys
        self.set_rows(rows, values)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Vertical:
            return None  # the agency and money columns name each row
        return super().headerData(section, orientation, role)

    def is_money_column(self, column: int) -> bool:
        return column >= 2  # the agency and the money's name come first

    def format(self, row: int, column: int, value: Any) -> str:
        if column < 2:
            return value
        return self.money_cell(value)

    def tooltip(self, row: int, column: int, value: Any) -> str | None:
        _aid, name, series = self._keys[row]
        if column < 2:
            return name
        return f"{name}, {SERIES_NAMES[series].lower()}, {self.columns[column]}: " \
               f"{money_exact(self.shown(value))}"

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole and index.isValid() and index.column() < 2:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and index.isValid() \
                and self._keys[index.row()][2] == "net_saving":
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)

    def to_csv(self, path: str | Path) -> None:
        """agency_id, agency, series, one column per financial year, total: £ to the penny."""
        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = SafeCsvWriter(stream, lineterminator="\r\n")
            writer.writerow(["agency_id", "agency", "series", *self._years, "total"])
            for (aid, name, series), values in zip(self._keys, self._values):
                writer.writerow([aid, name, series,
                                 *(Figure(pounds_pence(self.shown(v))) for v in values[2:])])


class CompareTableModel(_Table):
    """NPV per agency and place: the current scenario, up to three others, and differences."""

    columns: tuple[str, ...] = ("Current (£ NPV)", "Comparison (£ NPV)", "Difference (£)")

    def set_results(self, current: Result, others: Result | list[Result] | None) -> None:
        """``others``: a result, a list of up to three, or None."""
        others = [] if others is None else (
            list(others) if isinstance(others, (list, tuple)) else [others])
        horizon = current.compiled.horizon_years
        self.floor = materiality_floor(current.compiled.model)
        if not others:
            self.columns = (f"Current: NPV over {horizon} years (£)",
                            f"Comparison: NPV over {horizon} years (£)", "Difference (£)")
        elif len(others) == 1:
            self.columns = (f"Current: {current.scenario.name}",
                            f"Comparison: {others[0].scenario.name}", "Difference (£)")
        else:
            self.columns = (f"Current: {current.scenario.name}",
                            *(o.scenario.name for o in others),
                            *(f"Current − {o.scenario.name} (£)" for o in others))
        self.n_scenarios = 1 + max(1, len(others))
        names = _agency_names(current)
        rows, values = [], []
        for aid in [*current.compiled.agency_ids, PLACE_ID]:
            a = current.appraisal.npv_of(aid)
            bs = [o.appraisal.npv_of(aid) for o in others] or [None]
            if len(others) <= 1:
                b = bs[0]
                diffs = [None if a is None or b is None else a - b]
            else:
                diffs = [None if a is None or b is None else a - b for b in bs]
            rows.append(names[aid])
            values.append([a, *bs, *diffs])
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        return self.money_cell(value, signed=column >= getattr(self, "n_scenarios", 2))
