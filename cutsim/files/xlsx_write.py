"""Writing .xlsx workbooks safely and exactly, with XlsxWriter.

XlsxWriter is the usual, well-kept writer of native Excel files (charts, data
validation, number formats) and never reads anything back. Two of its conveniences
are turned off here because a workbook often carries text received from someone
else: ``strings_to_formulas`` (text starting with ``=`` would become a live formula)
and ``strings_to_urls`` (text that looks like a link would become a hyperlink);
``strings_to_numbers`` stays off so text stays text.

Numbers are written with Python's shortest round-trip representation (17 significant
digits when needed) instead of XlsxWriter's 16, so a cell holds exactly the float the
engine computed. A formula carries its computed value (XlsxWriter's formula value,
written exactly like a number cell), so a reader that does not recalculate (a phone or
mail preview, pandas, openpyxl ``data_only=True``) sees the engine's figure, and a
spreadsheet that recalculates computes the same figure from the cells.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Iterator
from contextlib import contextmanager

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from cutsim.files.exchange import atomic_write_bytes
from cutsim.model.errors import InputError

SAFE_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
    "in_memory": True,
}


def _number_text(number: float) -> str:
    """A float as a cell value: whole numbers as integers (3000000, as spreadsheets write
    them), others by Python's shortest round-trip representation; never "-0"."""
    number = number + 0.0
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


class ExactWorksheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no type hints
    """A worksheet whose numbers keep every bit and whose formulas carry no cached value."""

    def _xml_number_element(self, number, attributes=()) -> None:  # noqa: D401 (XlsxWriter hook)
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        text = _number_text(number) if isinstance(number, float) else str(number)
        self.fh.write(f"<c{attr}><v>{text}</v></c>")

    def _xml_formula_element(self, formula, result, attributes=()) -> None:
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        formula = self._escape_data(formula)
        if isinstance(result, (int, float)) and not isinstance(result, bool):
            result = _number_text(float(result))
        if result in (None, ""):
            self.fh.write(f"<c{attr}><f>{formula}</f></c>")
        else:
            self.fh.write(f"<c{attr}><f>{formula}</f><v>{self._escape_data(result)}</v></c>")


class SafeWorkbook(xlsxwriter.Workbook):  # type: ignore[misc]  # XlsxWriter has no type hints
    """An in-memory XlsxWriter workbook with the safe options and exact worksheets."""

    def __init__(self, buffer: io.BytesIO) -> None:
        super().__init__(buffer, SAFE_OPTIONS)

    def add_worksheet(self, name: str | None = None, worksheet_class=None) -> ExactWorksheet:
        return super().add_worksheet(name, worksheet_class or ExactWorksheet)


def write_formula(sheet: Worksheet, row: int, col: int, formula: str, value: float | str,
                  cell_format=None) -> None:
    """A formula cell carrying ``value``, the figure it computes (the engine's own, £ for
    money), so that readers that never recalculate show it; spreadsheet software that
    recalculates gets the same figure from the cells the formula reads."""
    if not isinstance(value, str) and not math.isfinite(value):
        raise ValueError(f"formula {formula}: its value must be a finite number (got {value})")
    sheet.write_formula(row, col, formula, cell_format, value if isinstance(value, str) else float(value))


@contextmanager
def new_workbook(path: str | os.PathLike[str]) -> Iterator[SafeWorkbook]:
    """Build a workbook in memory; on leaving the block it is written atomically to ``path``.

    If the block raises, nothing is written.
    """
    buffer = io.BytesIO()
    book = SafeWorkbook(buffer)
    yield book
    book.close()
    try:
        atomic_write_bytes(path, buffer.getvalue())
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
