"""Table models over a result: appraisal (NPV, payback, BCR), cost shift, comparison.

Each is a thin read-only ``QAbstractTableModel`` over numbers the engine computed; cells
show formatted text, ``Qt.UserRole`` gives the raw number (for tests and CSV export).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from cutsim.files.safewrite import atomic_write_bytes
from cutsim.model.safetext import formula_safe
from cutsim.model.schema import PLACE_ID
from ui.palette import diverging, text_colour_on
from ui.results.fmt import money, number, year_label

RAW_ROLE = Qt.ItemDataRole.UserRole
_Index = QModelIndex | QPersistentModelIndex


class _Table(QAbstractTableModel):
    """Rows of raw values with a header row/column and a formatter per column."""

    columns: Sequence[str] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[str] = []  # row headers
        self._values: list[list[Any]] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section] if 0 <= section < len(self.columns) else None
        return self._rows[section] if 0 <= section < len(self._rows) else None

    def raw(self, row: int, column: int) -> Any:
        return self._values[row][column]

    def format(self, row: int, column: int, value: Any) -> str:
        return money(value)

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
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return self.style(r, c, value, role)

    def style(self, row: int, column: int, value: Any, role: int) -> Any:
        return None

    def set_rows(self, rows: list[str], values: list[list[Any]]) -> None:
        self.beginResetModel()
        self._rows, self._values = rows, values
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([], [])

    def to_csv(self, path: str | Path) -> None:
        """Write the raw numbers (not the formatted text) with both headers, atomically;
        names from the file are guarded against running as spreadsheet formulas."""
        stream = io.StringIO(newline="")
        writer = csv.writer(stream)
        writer.writerow(["", *self.columns])
        for name, values in zip(self._rows, self._values):
            writer.writerow([formula_safe(name), *("" if v is None else v for v in values)])
        atomic_write_bytes(path, stream.getvalue().encode("utf-8"))


def _agency_names(result: Any) -> dict[str, str]:
    names = {a.id: a.name for a in result.compiled.model.agencies}
    names[PLACE_ID] = "Whole place"
    return names


class AppraisalTableModel(_Table):
    """Per agency and the place: NPV, optimism-adjusted NPV, payback year, BCR (Green Book)."""

    columns = ("NPV (£)", "NPV after optimism bias (£)", "Payback year", "BCR")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._base_year = 0

    def set_result(self, result: Any) -> None:
        appraisal = result.appraisal
        self._base_year = result.compiled.model.place.base_year
        names = _agency_names(result)
        ids = [*result.compiled.agency_ids, PLACE_ID]
        rows, values = [], []
        for aid in ids:
            rows.append(names[aid])
            values.append([appraisal.get("npv", {}).get(aid),
                           appraisal.get("npv_adjusted", {}).get(aid),
                           appraisal.get("payback_year", {}).get(aid),
                           appraisal.get("bcr", {}).get(aid)])
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        if column == 2:
            # payback_year is the index of the financial year in which it pays back.
            return "not within horizon" if value is None else year_label(self._base_year, int(value))
        if column == 3:
            return "—" if value is None or (isinstance(value, float) and math.isnan(value)) \
                else number(value)
        return money(value)


class CostShiftTableModel(_Table):
    """cost_shift[i][j]: £ of knock-on cost borne by j (column) because of i's levers (row).

    Cells are coloured as a heatmap (orange = cost pushed onto the column agency).
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = ()
        self._limit = 0.0

    def set_result(self, result: Any) -> None:
        names = _agency_names(result)
        ids = result.compiled.agency_ids
        matrix = result.cost_shift_matrix
        self.columns = tuple(f"{names[a]} pays" for a in ids)
        self._limit = float(abs(matrix).max()) if matrix.size else 0.0
        self.set_rows([f"{names[a]} cuts" for a in ids],
                      [[float(v) for v in row] for row in matrix])

    def style(self, row: int, column: int, value: Any, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(diverging(value, self._limit))
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(text_colour_on(diverging(value, self._limit).name())))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"{self._rows[row].removesuffix(' cuts')}'s levers cause "
                    f"{money(value)} of knock-on cost to "
                    f"{self.columns[column].removesuffix(' pays')} over the horizon "
                    "(undiscounted)")
        return None

    def format(self, row: int, column: int, value: Any) -> str:
        return "" if abs(value) < 0.5 else money(value)


class CompareTableModel(_Table):
    """NPV per agency and place: current scenario, comparison scenario, difference."""

    columns = ("Current (£ NPV)", "Comparison (£ NPV)", "Difference (£)")

    def set_results(self, current: Any, other: Any | None) -> None:
        if other is not None:
            self.columns = ("Current: " + current.scenario.name,
                            "Comparison: " + other.scenario.name, "Difference (£)")
        names = _agency_names(current)
        rows, values = [], []
        for aid in [*current.compiled.agency_ids, PLACE_ID]:
            a = current.appraisal["npv"].get(aid)
            b = None if other is None else other.appraisal["npv"].get(aid)
            rows.append(names[aid])
            values.append([a, b, None if a is None or b is None else a - b])
        self.set_rows(rows, values)

    def format(self, row: int, column: int, value: Any) -> str:
        return money(value, signed=column == 2)
