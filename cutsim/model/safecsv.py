"""The one CSV writer for every CSV cutsim writes: no cell becomes a row or a formula.

A name or a resident's comment comes from a file or a form and is untrusted. Two rules
hold for every cell, whatever the caller's line ending:

- a field holding a carriage return or a newline is quoted. Python's ``csv`` module
  quotes only the characters of its own line terminator, so with ``"\\n"`` a bare CR went
  out unquoted and a reader (Python's ``csv``, LibreOffice) started a new row there, whose
  first cell could be a live formula;
- a text cell that starts like a formula (``= + - @``, tab, CR, LF; see
  :func:`cutsim.model.safetext.formula_safe`) is prefixed with an apostrophe.

Numbers stay exact: a float is written with ``repr``; a number the caller has already
formatted as text (pounds and pence, ``-0.50``) is passed as :class:`Figure` so that its
minus sign is not taken for a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, TextIO

from cutsim.model.safetext import formula_safe

# Written with this terminator, the csv module quotes any field holding CR or LF; the
# caller's own terminator then replaces it at the end of each row.
_QUOTING_TERMINATOR = "\r\n"


class Figure(str):
    """A number already formatted as text (``"-1234.50"``): written as it is, never
    taken for a formula."""


def safe_cell(value: Any) -> Any:
    """A CSV cell: numbers exact, booleans as true/false, None empty, formula-like text
    neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(float(value))
    if isinstance(value, Figure):
        return str(value)
    return formula_safe(value)


class SafeCsvWriter:
    """A ``csv.writer`` look-alike whose every row goes through :func:`safe_cell` and whose
    fields holding CR or LF are always quoted, whatever ``lineterminator`` is."""

    def __init__(self, stream: TextIO | io.StringIO, lineterminator: str = "\n") -> None:
        self._stream = stream
        self._end = lineterminator
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator=_QUOTING_TERMINATOR)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row of cells."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([safe_cell(v) for v in row])
        text = self._buffer.getvalue()
        self._stream.write(text[: -len(_QUOTING_TERMINATOR)] + self._end)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write each row in turn."""
        for row in rows:
            self.writerow(row)


def csv_table(header: list[str], rows: Iterable[list[Any]], lineterminator: str = "\n") -> str:
    """CSV text: a header row, then rows of cells made safe by :func:`safe_cell`."""
    out = io.StringIO()
    writer = SafeCsvWriter(out, lineterminator)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
