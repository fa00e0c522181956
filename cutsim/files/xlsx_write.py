"""Writing .xlsx workbooks safely and exactly, with XlsxWriter.

XlsxWriter is the usual, well-kept writer of native Excel files (charts, data
validation, number formats) and never reads anything back. Two of its conveniences
are turned off here because a workbook often carries text received from someone
else: ``strings_to_formulas`` (text starting with ``=`` would become a live formula)
and ``strings_to_urls`` (text that looks like a link would become a hyperlink);
``strings_to_numbers`` stays off so text stays text.

Numbers are written with Python's shortest round-trip representation (17 significant
digits when needed) instead of XlsxWriter's 16, so a cell holds exactly the float the
engine computed. A formula is written with no cached result at all, so spreadsheet
software must calculate it (there is no stale 0 to show).
"""

from __future__ import annotations

import io
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


class ExactWorksheet(Worksheet):  # type: ignore[misc]  # XlsxWriter has no type hints
    """A worksheet whose numbers keep every bit and whose formulas carry no cached value."""

    def _xml_number_element(self, number, attributes=()) -> None:  # noqa: D401 (XlsxWriter hook)
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        if isinstance(number, float) and number.is_integer() and abs(number) < 1e15:
            text = str(int(number))  # 3000000, as spreadsheets write whole numbers
        else:
            text = repr(float(number)) if isinstance(number, float) else str(number)
        self.fh.write(f"<c{attr}><v>{text}</v></c>")

    def _xml_formula_element(self, formula, result, attributes=()) -> None:
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        formula = self._escape_data(formula)
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


def write_formula(sheet: Worksheet, row: int, col: int, formula: str, cell_format=None) -> None:
    """A formula cell with no cached result: the spreadsheet computes it on opening."""
    sheet.write_formula(row, col, formula, cell_format, "")


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
